"""Writes the fixed development set: seeded clips from held-out photographs and
the held-out last quarter of the real videos, never used for training.

Layout: <out>/<clip>/blur/%04d.png and <out>/<clip>/sharp/%04d.png; <out>/index.json
lists each clip's source and, per frame, its exposure and the camera's rotation speed
(`turn`, rad / frame).

    /usr/bin/python3 -m training.data.make_dev [--out training/data/dev] [--clips 12] [--frames 24]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from . import sources
from .synth import ClipSynth, SynthConfig

DEFAULT_OUT = Path(__file__).resolve().parent / "dev"
SEED = 20261125


def save_png(x: torch.Tensor, path: Path) -> None:
    arr = (x.clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(1, 2, 0).numpy()
    Image.fromarray(np.ascontiguousarray(arr)).save(path)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--clips", type=int, default=12)
    ap.add_argument("--video-clips", type=int, default=4)
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--width", type=int, default=320)
    ap.add_argument("--height", type=int, default=180)
    args = ap.parse_args(argv)
    cfg = SynthConfig(size=(args.height, args.width), frames=args.frames)
    synth = ClipSynth(sources.load_photos("dev"), cfg, sources.load_videos("dev"))
    g = torch.Generator().manual_seed(SEED)
    index = []
    for i in range(args.clips):
        use_video = i >= args.clips - args.video_clips
        name = f"{'video' if use_video else 'photo'}{i:02d}"
        c = synth.clip(g, frames=args.frames, use_video=use_video)
        blur = synth.degrade(c["blur"], g)
        for sub in ("blur", "sharp"):
            (args.out / name / sub).mkdir(parents=True, exist_ok=True)
        for t in range(args.frames):
            save_png(blur[t], args.out / name / "blur" / f"{t:04d}.png")
            save_png(c["sharp"][t], args.out / name / "sharp" / f"{t:04d}.png")
        index.append({"clip": name, "source": "video" if use_video else "photo",
                      "exposure": [round(e, 3) for e in c["exposure"].tolist()],
                      "turn": [round(v, 4) for v in c["turn"].tolist()]})
        print(name, flush=True)
    (args.out / "index.json").write_text(json.dumps({"seed": SEED, "clips": index}, indent=1))


if __name__ == "__main__":
    main()
