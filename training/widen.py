"""Grows a trained model's quarter-resolution width c to a multiple of itself
without changing what it computes (Net2WiderNet, Chen et al. 2016), so that a
wider network starts from the trained one's output instead of from nothing.

Each of the c channels of F (the shared 1/4 features, the encoder's third
stage, the aligned features, Q and the fusion) and each of the c/2 hidden
channels of the mask head is copied m = c_new / c times: a layer that makes
such a channel has its output rows (and bias) copied, and a layer that reads
one has its input columns split among the copies with random shares that sum
to 1 per weight. The sum a reader forms is then the same, so every layer's
output is; the correlation (a mean over channels) is unchanged because every
channel has the same number of copies. The random shares make the copies'
gradients differ, so training can pull them apart (equal halves would keep
them equal forever).
"""
from __future__ import annotations

import torch

from .model import Arch

# Layers (state-dict prefixes) that make c-wide channels (their output rows and
# biases are copied) and that read them (their input columns are split).
_C_OUT = ("encoder.stage3.conv", "encoder.stage3.res1.conv1", "encoder.stage3.res1.conv2",
          "encoder.stage3.res2.conv1", "encoder.stage3.res2.conv2", "align", "fuse")
_C_IN = ("encoder.stage3.res1.conv1", "encoder.stage3.res1.conv2", "encoder.stage3.res2.conv1",
         "encoder.stage3.res2.conv2", "align", "align.mask_head.0", "fuse", "decoder.up1")
# The mask head's hidden layer is c/2 wide: made by mask_head.0, read by mask_head.2.
_H_OUT = ("align.mask_head.0",)
_H_IN = ("align.mask_head.2",)


def _copy_rows(t: torch.Tensor, m: int) -> torch.Tensor:
    return t.repeat(m, *([1] * (t.dim() - 1)))


def _split_cols(w: torch.Tensor, m: int, g: torch.Generator, spread: float) -> torch.Tensor:
    """Columns (axis 1) copied m times, copy r scaled by share r; the shares of
    one weight sum to 1, each drawn as 1 +- spread before they are normalised."""
    u = 1.0 + spread * (2 * torch.rand((m, *w.shape), generator=g, dtype=w.dtype) - 1)
    shares = u / u.sum(0, keepdim=True)
    return torch.cat([w * shares[r] for r in range(m)], dim=1)


def widens_to(arch: Arch, wide: Arch) -> bool:
    """Whether widen_c grows arch into wide: only c differs, a larger multiple of it."""
    return wide.c > arch.c and wide.c % arch.c == 0 and wide == Arch(**{**arch.to_dict(), "c": wide.c})


def widen_c(state: dict, arch: Arch, c_new: int, seed: int = 0, spread: float = 0.5) -> tuple[dict, Arch]:
    """A state dict of UnblurNet(arch) -> one of UnblurNet(arch with c = c_new), same output."""
    new = Arch(**{**arch.to_dict(), "c": c_new})
    if not widens_to(arch, new):
        raise ValueError(f"c can grow only to a multiple of itself: {arch.c} -> {c_new}")
    m = c_new // arch.c
    g = torch.Generator().manual_seed(seed)
    out = dict(state)
    for names, grow in ((_C_OUT, "out"), (_C_IN, "in"), (_H_OUT, "out"), (_H_IN, "in")):
        for name in names:
            wk = f"{name}.weight"
            if grow == "out":
                out[wk] = _copy_rows(out[wk], m)
                out[f"{name}.bias"] = _copy_rows(out[f"{name}.bias"], m)
            else:
                out[wk] = _split_cols(out[wk], m, g, spread)
    return out, new
