"""How much a sharp neighbour could give a blurred frame, and how much of it
the model's flow keeps.

For each frame whose five-frame window holds a neighbour at least 5 dB sharper
than the centre (input PSNR against the centre's own sharp frame, the
window repeating frames at clip ends), the neighbour's blurred frame is warped
onto the centre at full resolution and compared with the centre's sharp frame,
next to the model's output and its output for a window that holds the centre
five times (``psnr_out_centre_only``: what the temporal path adds is the
difference):

- ``warp_model_flow``: with the model's flow (U at 1/4 resolution, upsampled
  bilinearly and scaled by 4) — what the alignment could pass on at best;
- ``warp_true_flow``: with the true flow (synthetic clips only) — what a
  perfect flow could pass on.

Every PSNR of a frame (input, model output, warps) is taken over the same
pixels: those whose sample points lie inside the picture for every warp.

    /usr/bin/python3 -m training.neighbour_oracle --model public/models/base --clips training/data/dev
    /usr/bin/python3 -m training.neighbour_oracle --model public/models/base --synth 150 --layers 0
    /usr/bin/python3 -m training.neighbour_oracle --model public/models/base --clips training/data/dev --all-frames

Prints one JSON object ({"dev": ..., "synth": ...}, each with the number of
frames, the mean of every PSNR and of the centre frames' sharpness mask;
with ``--all-frames`` also "dev_all": output and centre-only output over
every frame of the clips, whole pictures).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from . import clips as clipio
from . import ops
from .data import sources
from .data.synth import ClipSynth, SynthConfig
from .export import load_exported
from .metrics import psnr
from .model import CENTRE, N_FRAMES, UnblurNet, pad_to_multiple, upsample_flow4

MIN_GAIN_DB = 5.0  # how much sharper a neighbour must be to count


def sharpest_neighbour(psnr_in: list[float], t: int) -> int | None:
    """Frame index of the sharpest other frame in t's window, if it is at least
    MIN_GAIN_DB sharper than frame t (psnr_in: input PSNR of every frame)."""
    win = [i for i in clipio.window_indices(t, len(psnr_in)) if i != t]
    if not win:
        return None
    j = max(win, key=lambda i: psnr_in[i])
    return j if psnr_in[j] - psnr_in[t] >= MIN_GAIN_DB else None


@torch.no_grad()
def model_flow(model: UnblurNet, ref: torch.Tensor, nbr: torch.Tensor) -> torch.Tensor:
    """U[nbr -> ref] at full resolution, (2,H,W) in pixels (the model's 1/4
    resolution flow, upsampled as the frame path does)."""
    h, w = ref.shape[-2:]
    x = pad_to_multiple(torch.stack((ref, nbr)))
    g = model.encode(x)[4]
    u = model.flow_for(g[:1], g[1:])[-1]
    return upsample_flow4(u)[0, :, :h, :w]


def inside(flow: torch.Tensor) -> torch.Tensor:
    """(H,W) bool: pixels whose sample point p + U(p) lies inside the picture."""
    ones = flow.new_ones(1, 1, *flow.shape[-2:])
    return ops.warp(ones, flow[None])[0, 0] > 0.999


@torch.no_grad()
def centre_only(model: UnblurNet, frame: torch.Tensor) -> torch.Tensor:
    """The model's output for a window holding the centre frame five times:
    what it makes of the centre alone."""
    return model(frame[None, None].expand(1, N_FRAMES, *frame.shape))[0][0].clamp(0, 1)


@torch.no_grad()
def mask_mean(model: UnblurNet, frame: torch.Tensor) -> float:
    """Mean of the frame's sharpness mask M (DESIGN 2.3): near 0 means the
    fusion passes (almost) nothing on."""
    return float(model.encode(pad_to_multiple(frame[None]))[3].mean())


def measure(centre_blur, centre_sharp, outs: dict[str, torch.Tensor], nbr_blur,
            flows: dict[str, torch.Tensor]) -> dict | None:
    """PSNRs of the input, of each output (psnr_<name>) and of the neighbour
    warped by each flow (warp_<name>), over the pixels every flow keeps
    inside; None if under a third remain."""
    keep = torch.ones(centre_blur.shape[-2:], dtype=torch.bool)
    for f in flows.values():
        keep &= inside(f)
    if keep.float().mean() < 1 / 3:
        return None
    row = {"psnr_in": psnr(centre_blur, centre_sharp, keep)}
    for name, o in outs.items():
        row[f"psnr_{name}"] = psnr(o, centre_sharp, keep)
    for name, f in flows.items():
        row[f"warp_{name}"] = psnr(ops.warp(nbr_blur[None], f[None])[0], centre_sharp, keep)
    return row


def _summary(rows: list[dict]) -> dict:
    if not rows:
        return {"frames": 0}
    return {"frames": len(rows), **{k: sum(r[k] for r in rows) / len(rows) for k in rows[0]}}


@torch.no_grad()
def dev_report(model: UnblurNet, clips_dir: Path) -> dict:
    """The blurriest third of the frames (by input PSNR, as evaluate), those
    with a sharp neighbour."""
    pins = {}
    for d in clipio.clip_dirs(clips_dir):
        blur, sharp = clipio.load_clip(d, "blur"), clipio.load_clip(d, "sharp")
        pins[d] = [psnr(blur[t], sharp[t]) for t in range(len(blur))]
    frames = sorted((p, d, t) for d, pin in pins.items() for t, p in enumerate(pin))
    blurriest = {(d, t) for _, d, t in frames[: max(1, len(frames) // 3)]}
    rows = []
    for d, pin in pins.items():
        ts = [t for t in range(len(pin)) if (d, t) in blurriest and sharpest_neighbour(pin, t) is not None]
        if not ts:
            continue
        blur, sharp = clipio.load_clip(d, "blur"), clipio.load_clip(d, "sharp")
        for t, out in zip(ts, clipio.restore_clip(model, blur, ts)):
            j = sharpest_neighbour(pin, t)
            row = measure(blur[t], sharp[t], {"out": out, "out_centre_only": centre_only(model, blur[t])}, blur[j],
                          {"model_flow": model_flow(model, blur[t], blur[j])})
            if row:
                rows.append({**row, "mask_mean": mask_mean(model, blur[t])})
    return _summary(rows)


@torch.no_grad()
def dev_all_report(model: UnblurNet, clips_dir: Path) -> dict:
    """Every frame of every clip, whole pictures: the output (as evaluate
    restores it) next to the output from the centre alone, i.e. what the
    temporal path adds over the whole set."""
    rows = []
    for d in clipio.clip_dirs(clips_dir):
        blur, sharp = clipio.load_clip(d, "blur"), clipio.load_clip(d, "sharp")
        for t, out in enumerate(clipio.restore_clip(model, blur)):
            rows.append({"psnr_in": psnr(blur[t], sharp[t]), "psnr_out": psnr(out, sharp[t]),
                         "psnr_out_centre_only": psnr(centre_only(model, blur[t]), sharp[t])})
    return _summary(rows)


@torch.no_grad()
def synth_report(model: UnblurNet, clips: int, seed: int, layers: int, size: int) -> dict:
    """Training-like synthetic clips over the held-out photos (no real video:
    its true flow is unknown), those whose centre has a sharp neighbour."""
    synth = ClipSynth(sources.load_photos("dev"), SynthConfig(size=(size, size), max_layers=layers))
    g = torch.Generator().manual_seed(seed)
    rows, epe = [], []
    for _ in range(clips):
        c = synth.clip(g)
        blur, sharp, flows = synth.degrade(c["blur"], g), c["sharp"], c["flows"]
        j = sharpest_neighbour([psnr(blur[i], sharp[i]) for i in range(len(blur))], CENTRE)
        if j is None:
            continue
        out, _ = model(blur[None])
        u = model_flow(model, blur[CENTRE], blur[j])
        outs = {"out": out[0].clamp(0, 1), "out_centre_only": centre_only(model, blur[CENTRE])}
        row = measure(blur[CENTRE], sharp[CENTRE], outs, blur[j], {"model_flow": u, "true_flow": flows[j]})
        if row:
            keep = inside(u) & inside(flows[j])
            epe.append(float(torch.norm(u - flows[j], dim=0)[keep].mean()))
            rows.append({**row, "mask_mean": mask_mean(model, blur[CENTRE])})
    res = _summary(rows)
    if epe:
        res["epe_px"] = sum(epe) / len(epe)
    return res


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, required=True, help="an exported model folder (model.json)")
    ap.add_argument("--clips", type=Path, default=None, help="a clips folder (e.g. training/data/dev)")
    ap.add_argument("--all-frames", action="store_true",
                    help="with --clips, also output vs centre-only output over every frame (dev_all)")
    ap.add_argument("--synth", type=int, default=0, help="also this many synthetic clips with true flows")
    ap.add_argument("--layers", type=int, default=2, help="most moving foreground layers per synthetic clip")
    ap.add_argument("--size", type=int, default=128, help="synthetic frame size")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    model = load_exported(args.model).eval()
    res = {}
    if args.clips:
        res["dev"] = dev_report(model, args.clips)
        if args.all_frames:
            res["dev_all"] = dev_all_report(model, args.clips)
    if args.synth:
        res["synth"] = synth_report(model, args.synth, args.seed, args.layers, args.size)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
