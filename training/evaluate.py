"""Runs an exported model over every frame of every clip in a clips folder and
reports PSNR/SSIM of the output and of the blurred input against the sharp
frames (the window repeats the first/last frame at clip ends).

    /usr/bin/python3 -m training.evaluate --model public/models/base --clips training/data/dev --json

Prints one JSON object: frames, psnr_in, psnr_out, ssim_in, ssim_out (means
over all frames), the blurriest third of the frames (by input PSNR), the
same four per band of input PSNR (`by_input_psnr`: where the gain is made)
and per clip, and the number of passes. --passes 2 or 4 restores as the app's
quality setting does (the mean over mirrored copies, clips.restore_clip).
--save DIR also writes the restored frames as PNGs.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from . import clips as clipio
from .export import load_exported
from .metrics import psnr, ssim


def evaluate(model, clips_dir: Path, limit_frames: int | None = None, save: Path | None = None,
             crop: tuple[int, int] | None = None, passes: int = 1) -> dict:
    per_clip, all_rows = {}, []
    for d in clipio.clip_dirs(clips_dir):
        blur, sharp = clipio.load_clip(d, "blur"), clipio.load_clip(d, "sharp")
        if crop:
            blur, sharp = blur[..., : crop[0], : crop[1]], sharp[..., : crop[0], : crop[1]]
        if limit_frames:
            blur, sharp = blur[:limit_frames], sharp[:limit_frames]
        out = clipio.restore_clip(model, blur, passes=passes)
        rows = []
        for t in range(len(blur)):
            rows.append({"psnr_in": psnr(blur[t], sharp[t]), "psnr_out": psnr(out[t], sharp[t]),
                         "ssim_in": ssim(blur[t], sharp[t]), "ssim_out": ssim(out[t], sharp[t])})
            if save:
                from .data.make_dev import save_png
                (save / d.name).mkdir(parents=True, exist_ok=True)
                save_png(out[t], save / d.name / f"{t:04d}.png")
        per_clip[d.name] = {"frames": len(rows), **_mean(rows)}
        all_rows += rows
        print(f"{d.name}: {per_clip[d.name]}", file=sys.stderr, flush=True)
    blurriest = sorted(all_rows, key=lambda r: r["psnr_in"])[: max(1, len(all_rows) // 3)]
    return {"frames": len(all_rows), "passes": passes, **_mean(all_rows),
            "blurriest_third": {"frames": len(blurriest), **_mean(blurriest)},
            "by_input_psnr": _bands(all_rows), "clips": per_clip}


# Input-PSNR band edges (dB) of `by_input_psnr`; the first and last bands are open.
BAND_EDGES = (24, 27, 30, 33, 36, 40)


def _bands(rows):
    """The frames grouped by input PSNR: [{"band": "27-30", "frames", psnr_in, ...}], empty bands left out."""
    edges = (float("-inf"), *BAND_EDGES, float("inf"))
    out = []
    for lo, hi in zip(edges, edges[1:]):
        sel = [r for r in rows if lo <= r["psnr_in"] < hi]
        if sel:
            name = f"<{hi:g}" if lo == float("-inf") else f">={lo:g}" if hi == float("inf") else f"{lo:g}-{hi:g}"
            out.append({"band": name, "frames": len(sel), **_mean(sel)})
    return out


def _mean(rows):
    return {k: sum(r[k] for r in rows) / len(rows) for k in ("psnr_in", "psnr_out", "ssim_in", "ssim_out")}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, required=True, help="an exported model folder (model.json)")
    ap.add_argument("--clips", type=Path, required=True)
    ap.add_argument("--json", action="store_true", help="print the JSON result (default: a short table)")
    ap.add_argument("--frames", type=int, default=None, help="only the first N frames of each clip")
    ap.add_argument("--crop", default=None, help="HxW: evaluate the top-left crop only")
    ap.add_argument("--save", type=Path, default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--passes", type=int, choices=clipio.PASSES, default=1,
                    help="restore the clip this many times, mirrored, and average (the app's quality setting)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    crop = tuple(int(v) for v in args.crop.split("x")) if args.crop else None
    res = evaluate(load_exported(args.model), args.clips, args.frames, args.save, crop, args.passes)
    if args.json:
        print(json.dumps(res))
    else:
        print(f"{'clip':<14}{'frames':>7}{'PSNR in':>9}{'PSNR out':>9}{'SSIM in':>9}{'SSIM out':>9}")
        bands = [(f"in {b['band']} dB", b) for b in res["by_input_psnr"]]
        for name, r in [*res["clips"].items(), ("ALL", res), ("blurriest", res["blurriest_third"]), *bands]:
            print(f"{name:<14}{r['frames']:>7}{r['psnr_in']:>9.2f}{r['psnr_out']:>9.2f}{r['ssim_in']:>9.4f}{r['ssim_out']:>9.4f}")


if __name__ == "__main__":
    main()
