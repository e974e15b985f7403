"""The four operators of the network, as plain torch functions (NCHW).

Conventions (shared with the WGSL kernels in ../shaders and DESIGN.md):
- A flow has two channels: channel 0 is dx (columns), channel 1 is dy (rows).
  ``warp(x, flow)(p) = x(p + flow(p))`` (backward warping).
- Sampling is bilinear at real coordinates where integers are pixel centres;
  each of the four neighbours outside the map contributes 0 (grid_sample with
  zeros padding and align_corners=True).
- Offsets for Dcn Align have 18 channels: channel 2k is dy, 2k+1 is dx of
  kernel point k (row-major over the 3x3 grid), as torchvision's
  deform_conv2d.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

try:  # torchvision is optional: the plain path below is the definition.
    from torchvision.ops import deform_conv2d as _tv_deform_conv2d
except Exception:  # pragma: no cover
    _tv_deform_conv2d = None


def _base_grid(h: int, w: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    ys = torch.arange(h, dtype=like.dtype, device=like.device).view(1, h, 1).expand(1, h, w)
    xs = torch.arange(w, dtype=like.dtype, device=like.device).view(1, 1, w).expand(1, h, w)
    return ys, xs


def sample(x: torch.Tensor, py: torch.Tensor, px: torch.Tensor) -> torch.Tensor:
    """Bilinear sample of x (N,C,H,W) at pixel coordinates py, px (N,Ho,Wo)."""
    _, _, h, w = x.shape
    # A map one pixel wide would make align_corners=True degenerate; a zero
    # column (row) beside it behaves exactly like "outside the map".
    if w == 1:
        x, w = F.pad(x, (0, 1)), 2
    if h == 1:
        x, h = F.pad(x, (0, 0, 0, 1)), 2
    gx = px * (2.0 / (w - 1)) - 1.0
    gy = py * (2.0 / (h - 1)) - 1.0
    grid = torch.stack((gx, gy), dim=-1)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=True)


def warp(x: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Backward warp: out(p) = x(p + flow(p)); flow (N,2,H,W), ch0 = dx, ch1 = dy."""
    n, _, h, w = x.shape
    ys, xs = _base_grid(h, w, x)
    return sample(x, ys + flow[:, 1], xs + flow[:, 0])


def correlation(a: torch.Tensor, b: torch.Tensor, d: int) -> torch.Tensor:
    """corr(j, p) = mean_ch a(ch, p) * b(ch, p + delta_j), delta_j row-major in [-d, d]^2."""
    n, c, h, w = a.shape
    bp = F.pad(b, (d, d, d, d))
    out = []
    for dy in range(-d, d + 1):
        for dx in range(-d, d + 1):
            shifted = bp[:, :, d + dy : d + dy + h, d + dx : d + dx + w]
            out.append((a * shifted).mean(dim=1))
    return torch.stack(out, dim=1)


def _sample_points(offset: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Sampling rows/cols (N,9,H,W) of the 3x3 kernel points moved by offset (N,18,H,W)."""
    n, _, h, w = offset.shape
    ys, xs = _base_grid(h, w, offset)
    k = torch.arange(9, device=offset.device)
    ky = (k // 3 - 1).to(offset.dtype).view(1, 9, 1, 1)
    kx = (k % 3 - 1).to(offset.dtype).view(1, 9, 1, 1)
    py = ys.unsqueeze(1) + ky + offset[:, 0::2]
    px = xs.unsqueeze(1) + kx + offset[:, 1::2]
    return py, px


def sample_mask_at_kernel_points(mask: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
    """mask (N,1,H,W) sampled at the 9 moved kernel points: (N,9,H,W)."""
    n, _, h, w = mask.shape
    py, px = _sample_points(offset)
    m = sample(mask, py.reshape(n, 9 * h, w), px.reshape(n, 9 * h, w))
    return m.view(n, 9, h, w)


def dcn_align_plain(x, mask, offset, weight, bias):
    """A(p) = sum_k w_k . x(p + p_k + off_k) * mask(p + p_k + off_k) + bias.

    x (N,C,H,W), mask (N,1,H,W), offset (N,18,H,W), weight (O,C,3,3), bias (O).
    """
    n, c, h, w = x.shape
    py, px = _sample_points(offset)
    xm = torch.cat((x, mask), dim=1)
    s = sample(xm, py.reshape(n, 9 * h, w), px.reshape(n, 9 * h, w)).view(n, c + 1, 9, h, w)
    cols = s[:, :c] * s[:, c:]  # (N, C, 9, H, W)
    wk = weight.reshape(weight.shape[0], c, 9)
    return torch.einsum("nckhw,ock->nohw", cols, wk) + bias.view(1, -1, 1, 1)


def dcn_align_torchvision(x, mask, offset, weight, bias):
    """The same operator through torchvision.ops.deform_conv2d (faster on CUDA)."""
    m = sample_mask_at_kernel_points(mask, offset)
    return _tv_deform_conv2d(x, offset, weight, bias, padding=(1, 1), mask=m)


def dcn_align(x, mask, offset, weight, bias):
    if _tv_deform_conv2d is not None and x.is_cuda:
        return dcn_align_torchvision(x, mask, offset, weight, bias)
    return dcn_align_plain(x, mask, offset, weight, bias)


def dlfl(aligned: torch.Tensor, masks: torch.Tensor, k: int) -> torch.Tensor:
    """Dynamic local filtering layer (thesis eq. 4-9).

    aligned (B,N,C,H,W), masks (B,N,1,H,W) -> Q (B,C,H,W):
    Q(c,p) = sum_d sum_{|n|,|m|<=r} A(d,c,p+(n,m)) * M(d,p+(n,m)), zeros outside.
    The sum over frames commutes with the box sum, so it is computed first.
    """
    s = (aligned * masks).sum(dim=1)
    if k == 1:
        return s
    r = (k - 1) // 2
    c = s.shape[1]
    box = torch.ones(c, 1, k, k, dtype=s.dtype, device=s.device)
    return F.conv2d(F.pad(s, (r, r, r, r)), box, groups=c)


def lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.1)
