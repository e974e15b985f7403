"""Clip folders (<clip>/blur/%04d.png, <clip>/sharp/%04d.png) and running the
network over a whole clip the way the browser engine does: each frame encoded
once, a five-frame window that repeats the first/last frame at the ends, and
optionally more passes over mirrored copies of the clip, averaged (the app's
quality setting)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .model import CENTRE, N_FRAMES, UnblurNet, pad_to_multiple


def load_png(path: Path) -> torch.Tensor:
    return torch.from_numpy(np.asarray(Image.open(path).convert("RGB")).copy()).permute(2, 0, 1).float() / 255


def clip_dirs(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).iterdir() if (p / "blur").is_dir())


def load_clip(clip: Path, part: str) -> torch.Tensor:
    files = sorted((clip / part).glob("*.png"))
    return torch.stack([load_png(f) for f in files])


def window_indices(t: int, n: int) -> list[int]:
    return [min(max(t + i - CENTRE, 0), n - 1) for i in range(N_FRAMES)]


# The mirrorings of the passes, in order: the frames as they are, turned 180°
# (both axes), flipped left-right, flipped upside down. Tensor dims of (T,3,H,W);
# src/engine/self-ensemble.ts uses the same order.
PASS_FLIPS = ((), (-2, -1), (-1,), (-2,))
PASSES = (1, 2, 4)


@torch.no_grad()
def restore_clip(model: UnblurNet, frames: torch.Tensor, frame_ids=None, passes: int = 1) -> torch.Tensor:
    """frames (T,3,H,W) -> restored (T,3,H,W) clamped to [0,1] (or only frame_ids).
    passes > 1: the mean of the restorations of the first `passes` mirrorings of
    the clip (PASS_FLIPS; each mirrored back, clamped, then averaged)."""
    if passes not in PASSES:
        raise ValueError(f"passes must be one of {PASSES}, got {passes}")
    outs = [_restore_one(model, frames.flip(dims) if dims else frames, frame_ids) for dims in PASS_FLIPS[:passes]]
    outs = [o.flip(dims) if dims else o for o, dims in zip(outs, PASS_FLIPS)]
    return outs[0] if passes == 1 else torch.stack(outs).mean(0)


def _restore_one(model: UnblurNet, frames: torch.Tensor, frame_ids=None) -> torch.Tensor:
    t_all, _, h, w = frames.shape
    ids = list(range(t_all)) if frame_ids is None else list(frame_ids)
    cache: dict[int, tuple] = {}
    out = []
    for t in ids:
        win = window_indices(t, t_all)
        for j in list(cache):
            if j not in win:
                del cache[j]
        for j in win:
            if j not in cache:
                x = pad_to_multiple(frames[j:j + 1])
                cache[j] = model.encode(x)
        feats = [cache[j] for j in win]
        r, _ = model.restore(feats)
        out.append(r[0, :, :h, :w].clamp(0, 1))
    return torch.stack(out)
