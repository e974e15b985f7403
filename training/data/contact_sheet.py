"""Saves a contact sheet of synthetic training examples, so a person can see
what the network learns from: each row is one clip, the five blurred frames
(with their exposure) and then the sharp centre frame.

    /usr/bin/python3 -m training.data.contact_sheet --out docs/training-examples.png
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from . import sources
from .synth import ClipSynth, SynthConfig


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=Path("docs/training-examples.png"))
    ap.add_argument("--rows", type=int, default=8)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    synth = ClipSynth(sources.load_photos("train"), SynthConfig(size=(args.size, args.size)), sources.load_videos("train"))
    g = torch.Generator().manual_seed(args.seed)
    s, gap = args.size, 4
    sheet = Image.new("RGB", (6 * (s + gap), args.rows * (s + gap)), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    for r in range(args.rows):
        c = synth.clip(g, use_video=r >= args.rows - 2)
        blur = synth.degrade(c["blur"], g)
        tiles = [blur[i] for i in range(5)] + [c["sharp"][2]]
        for j, t in enumerate(tiles):
            arr = (t.clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(1, 2, 0).numpy()
            sheet.paste(Image.fromarray(np.ascontiguousarray(arr)), (j * (s + gap), r * (s + gap)))
            label = "sharp t" if j == 5 else f"t{j - 2:+d} e={c['exposure'][j]:.2f}"
            draw.text((j * (s + gap) + 3, r * (s + gap) + 2), label, fill=(255, 255, 0))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
