"""PSNR and SSIM on RGB images in [0,1] (C,H,W); SSIM with the usual 11x11
Gaussian window (sigma 1.5), averaged over channels."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def psnr(a: torch.Tensor, b: torch.Tensor, keep: torch.Tensor | None = None) -> float:
    """keep (H,W) bool: only those pixels count."""
    se = (a.clamp(0, 1) - b.clamp(0, 1)) ** 2
    mse = float(se.mean() if keep is None else se.mean(0)[keep].mean())
    return 100.0 if mse == 0 else 10 * math.log10(1.0 / mse)


def _gauss(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float64) - size // 2
    g = torch.exp(-(x ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None]).float()


def ssim(a: torch.Tensor, b: torch.Tensor) -> float:
    c = a.shape[0]
    win = _gauss().to(a.device).expand(c, 1, 11, 11)
    x, y = a.clamp(0, 1)[None].float(), b.clamp(0, 1)[None].float()
    mu_x = F.conv2d(x, win, groups=c)
    mu_y = F.conv2d(y, win, groups=c)
    sxx = F.conv2d(x * x, win, groups=c) - mu_x ** 2
    syy = F.conv2d(y * y, win, groups=c) - mu_y ** 2
    sxy = F.conv2d(x * y, win, groups=c) - mu_x * mu_y
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    m = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x ** 2 + mu_y ** 2 + c1) * (sxx + syy + c2))
    return float(m.mean())
