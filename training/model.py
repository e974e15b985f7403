"""The network of DESIGN.md section 2 (thesis chapter 4), in PyTorch, NCHW.

Widths (c1, c2, c) at full, 1/2 and 1/4 resolution are constructor arguments,
and so are the thesis's ablations (no alignment, no flow, no residual offsets)
and the DLFL size k. ``forward`` returns the restored centre frame and, for the
training loss, the flows at every pyramid level.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import ops

N_FRAMES = 5
CENTRE = N_FRAMES // 2
PAD_MULTIPLE = 16


@dataclass
class Arch:
    c1: int = 16
    c2: int = 32
    c: int = 64
    d: int = 3  # correlation radius: (2d+1)^2 channels
    k: int = 3  # DLFL window
    flow_width: int = 32  # hidden width of the flow and offset heads
    flow_levels: int = 3  # 1/4, 1/8, 1/16
    align: bool = True  # False: no Dcn Align offsets at all (plain conv on masked features)
    flow: bool = True  # False: U = 0, offsets from the cost volume alone
    residual_offsets: bool = True  # False: offsets = U
    # 0: the flow estimator correlates the shared 1/4 features F. > 0: it has
    # features of its own, G (this many channels at 1/4 resolution, from a
    # small conv stack on the frame), trained by the flow and restoration
    # losses but never shaping the restorer's encoder (training/README.md).
    flow_features: int = 0
    # A temporal path at full resolution (not in the thesis; RESULTS.md "What
    # the temporal path gives"): the four neighbours warped onto the centre by
    # their flow U upsampled x4, and the centre, 15 channels, through conv3x3
    # -> c1 and LReLU, added to the decoder's E1 skip.
    frame_path: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def has_flow_estimator(self) -> bool:
        """Whether U is estimated (no_align and no_flow have no flow estimator)."""
        return self.flow and self.align


def conv3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1)


class ResBlock(nn.Module):
    """x + conv3x3(LReLU(conv3x3(x)))."""

    def __init__(self, n: int):
        super().__init__()
        self.conv1 = conv3(n, n)
        self.conv2 = conv3(n, n)

    def forward(self, x):
        return x + self.conv2(ops.lrelu(self.conv1(x)))


class Stage(nn.Module):
    """conv3x3 (stride s), LReLU, 2 x ResBlock."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv = conv3(cin, cout, stride)
        self.res1 = ResBlock(cout)
        self.res2 = ResBlock(cout)

    def forward(self, x):
        return self.res2(self.res1(ops.lrelu(self.conv(x))))


class Encoder(nn.Module):
    def __init__(self, a: Arch):
        super().__init__()
        self.stage1 = Stage(3, a.c1, 1)
        self.stage2 = Stage(a.c1, a.c2, 2)
        self.stage3 = Stage(a.c2, a.c, 2)

    def forward(self, x):
        e1 = self.stage1(x)
        e2 = self.stage2(e1)
        return e1, e2, self.stage3(e2)


class FlowFeatures(nn.Module):
    """The flow estimator's own features G at 1/4 resolution:
    conv3x3 s2 3->w/2, LReLU, conv3x3 w/2->w/2, LReLU, conv3x3 s2 w/2->w, LReLU, conv3x3 w->w."""

    def __init__(self, w: int):
        super().__init__()
        self.conv1 = conv3(3, w // 2, 2)
        self.conv2 = conv3(w // 2, w // 2)
        self.conv3 = conv3(w // 2, w, 2)
        self.conv4 = conv3(w, w)

    def forward(self, x):
        x = ops.lrelu(self.conv2(ops.lrelu(self.conv1(x))))
        return self.conv4(ops.lrelu(self.conv3(x)))


class Head(nn.Module):
    """conv3x3 cin->w, LReLU, conv3x3 w->w, LReLU, conv3x3 w->cout."""

    def __init__(self, cin: int, width: int, cout: int, zero_last: bool = False):
        super().__init__()
        self.conv1 = conv3(cin, width)
        self.conv2 = conv3(width, width)
        self.conv3 = conv3(width, cout)
        if zero_last:
            nn.init.zeros_(self.conv3.weight)
            nn.init.zeros_(self.conv3.bias)

    def forward(self, x):
        return self.conv3(ops.lrelu(self.conv2(ops.lrelu(self.conv1(x)))))


def upsample_flow(u: torch.Tensor) -> torch.Tensor:
    """x2 bilinear (half-pixel centres), values x2."""
    return 2.0 * F.interpolate(u, scale_factor=2, mode="bilinear", align_corners=False)


class FlowEstimator(nn.Module):
    """Small PWC-style coarse-to-fine flow on the 1/4-resolution features.

    Pyramid by 2x2 average pooling; at each level (coarsest first) the flow is
    upsampled, F[t+i] warped by it, correlated with F[t], and a head predicts a
    correction from [LReLU(corr), U]. U is in pixels of its level.
    """

    def __init__(self, a: Arch):
        super().__init__()
        self.d = a.d
        self.levels = a.flow_levels
        cv = (2 * a.d + 1) ** 2
        self.heads = nn.ModuleList([Head(cv + 2, a.flow_width, 2) for _ in range(a.flow_levels)])

    def forward(self, f_ref: torch.Tensor, f_nbr: torch.Tensor) -> list[torch.Tensor]:
        refs, nbrs = [f_ref], [f_nbr]
        for _ in range(self.levels - 1):
            refs.append(F.avg_pool2d(refs[-1], 2))
            nbrs.append(F.avg_pool2d(nbrs[-1], 2))
        flows = []
        u = None
        for lvl in reversed(range(self.levels)):
            r, b = refs[lvl], nbrs[lvl]
            if u is None:
                u = r.new_zeros(r.shape[0], 2, r.shape[2], r.shape[3])
                bw = b
            else:
                u = upsample_flow(u)
                bw = ops.warp(b, u)
            cv = ops.lrelu(ops.correlation(r, bw, self.d))
            u = u + self.heads[lvl](torch.cat((cv, u), dim=1))
            flows.append(u)
        return flows  # coarsest first; flows[-1] is at 1/4 resolution


def upsample_flow4(u: torch.Tensor) -> torch.Tensor:
    """1/4-resolution flow -> full resolution: x4 bilinear (half-pixel centres), values x4."""
    return 4.0 * F.interpolate(u, scale_factor=4, mode="bilinear", align_corners=False)


def flow_to_offsets(u: torch.Tensor) -> torch.Tensor:
    """(N,2,h,w) flow (dx, dy) -> (N,18,h,w) offsets (dy, dx per kernel point)."""
    return torch.cat((u[:, 1:2], u[:, 0:1]), dim=1).repeat(1, 9, 1, 1)


class DcnAlign(nn.Module):
    """Flow-guided deformable alignment with the jointly sampled sharpness mask."""

    def __init__(self, a: Arch):
        super().__init__()
        self.a = a
        cv = (2 * a.d + 1) ** 2
        self.offset_head = Head(cv, a.flow_width, 18, zero_last=True)
        self.mask_head = nn.Sequential(conv3(a.c, a.c // 2), nn.LeakyReLU(0.1), conv3(a.c // 2, 1))
        self.weight = nn.Parameter(torch.empty(a.c, a.c, 3, 3))
        self.bias = nn.Parameter(torch.zeros(a.c))
        nn.init.kaiming_uniform_(self.weight, a=5 ** 0.5)

    def mask(self, f: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.mask_head(f))

    def offsets(self, f_ref, f_nbr, u):
        a = self.a
        if not a.align:
            return f_ref.new_zeros(f_ref.shape[0], 18, f_ref.shape[2], f_ref.shape[3]), None
        base = flow_to_offsets(u)
        if not a.residual_offsets:
            return base, None
        cv = ops.lrelu(ops.correlation(f_ref, ops.warp(f_nbr, u), a.d))
        return base + self.offset_head(cv), cv

    def forward(self, f_nbr, mask, offset):
        return ops.dcn_align(f_nbr, mask, offset, self.weight, self.bias)


class Decoder(nn.Module):
    """Two x2 up-stages (conv + pixel shuffle, LReLU, + skip, 2 ResBlocks) and conv c1->3."""

    def __init__(self, a: Arch):
        super().__init__()
        self.up1 = conv3(a.c, 4 * a.c2)
        self.res1a, self.res1b = ResBlock(a.c2), ResBlock(a.c2)
        self.up2 = conv3(a.c2, 4 * a.c1)
        self.res2a, self.res2b = ResBlock(a.c1), ResBlock(a.c1)
        self.out = conv3(a.c1, 3)
        # Start as the identity (R = B): training begins at the input's PSNR.
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x, e1, e2):
        x = ops.lrelu(F.pixel_shuffle(self.up1(x), 2)) + e2
        x = self.res1b(self.res1a(x))
        x = ops.lrelu(F.pixel_shuffle(self.up2(x), 2)) + e1
        x = self.res2b(self.res2a(x))
        return self.out(x)


def pad_to_multiple(x: torch.Tensor, m: int = PAD_MULTIPLE) -> torch.Tensor:
    h, w = x.shape[-2:]
    ph, pw = (-h) % m, (-w) % m
    if ph == 0 and pw == 0:
        return x
    shape = x.shape
    y = F.pad(x.reshape(-1, *shape[-3:]), (0, pw, 0, ph), mode="replicate")
    return y.reshape(*shape[:-2], h + ph, w + pw)


class UnblurNet(nn.Module):
    def __init__(self, arch: Arch | None = None, **kw):
        super().__init__()
        self.arch = a = arch or Arch(**kw)
        self.encoder = Encoder(a)
        self.flow = FlowEstimator(a) if a.has_flow_estimator else None
        self.flow_features = FlowFeatures(a.flow_features) if (self.flow is not None and a.flow_features) else None
        # Training-only switch: the flow estimator sees the features but sends
        # no gradient back into the shared encoder (its own loss and the
        # restoration loss still train it). The forward pass is unchanged.
        self.detach_flow_input = False
        self.align = DcnAlign(a)
        self.fuse = nn.Conv2d(a.c, a.c, 1)
        self.decoder = Decoder(a)
        self.frame_path = None
        if a.frame_path:
            # Starts at zero: a model grown from one without the path begins at its output.
            self.frame_path = conv3(3 * N_FRAMES, a.c1)
            nn.init.zeros_(self.frame_path.weight)
            nn.init.zeros_(self.frame_path.bias)

    def encode(self, frames: torch.Tensor):
        """frames (B,3,H,W), H and W multiples of 16 -> E1, E2, F, M, G, X
        (G: the flow estimator's features, F itself when it has none of its
        own; X: the frames themselves, for the residual and the frame path)."""
        e1, e2, f = self.encoder(frames)
        g = self.flow_features(frames) if self.flow_features is not None else f
        return e1, e2, f, self.align.mask(f), g, frames

    def flow_for(self, g_ref, g_nbr) -> list[torch.Tensor]:
        if self.flow is None:
            return [g_ref.new_zeros(g_ref.shape[0], 2, g_ref.shape[2], g_ref.shape[3])]
        if self.detach_flow_input:
            g_ref, g_nbr = g_ref.detach(), g_nbr.detach()
        return self.flow(g_ref, g_nbr)

    def restore(self, feats, return_stages: bool = False):
        """feats: list of N (E1, E2, F, M, G, X) per window frame (padded sizes)."""
        a = self.arch
        e1, e2, f_ref, m_ref, g_ref, blurred_centre = feats[CENTRE]
        aligned, masks, flows, stages = [], [], [], {"flows": [], "offsets": [], "aligned": [], "masks_warped": []}
        warped_frames = []
        for i, (_, _, f, m, g, x) in enumerate(feats):
            if i == CENTRE:
                u = f_ref.new_zeros(f_ref.shape[0], 2, f_ref.shape[2], f_ref.shape[3])
                pyramid = []
            else:
                pyramid = self.flow_for(g_ref, g)
                u = pyramid[-1]
            off, _ = self.align.offsets(f_ref, f, u)
            a_i = self.align(f, m, off)
            mw = m if i == CENTRE else ops.warp(m, u)
            aligned.append(a_i)
            masks.append(mw)
            flows.append(pyramid)
            if self.frame_path is not None:
                warped_frames.append(x if i == CENTRE else ops.warp(x, upsample_flow4(u)))
            if return_stages:
                stages["flows"].append(u)
                stages["offsets"].append(off)
                stages["aligned"].append(a_i)
                stages["masks_warped"].append(mw)
        q = ops.dlfl(torch.stack(aligned, 1), torch.stack(masks, 1), a.k)
        fused = ops.lrelu(self.fuse(q))
        if self.frame_path is not None:
            window = torch.cat(warped_frames, 1)
            path = ops.lrelu(self.frame_path(window))
            e1 = e1 + path
        out = blurred_centre + self.decoder(fused, e1, e2)
        if return_stages:
            stages["q"] = q
            stages["fused"] = fused
            if self.frame_path is not None:
                stages["frames_warped"], stages["frame_path"] = window, path
            return out, flows, stages
        return out, flows

    def forward(self, frames: torch.Tensor):
        """frames (B,N,3,H,W) in [0,1] -> restored centre (B,3,H,W), flow pyramids per frame."""
        b, n, _, h, w = frames.shape
        x = pad_to_multiple(frames)
        hp, wp = x.shape[-2:]
        split = lambda t: t.reshape(b, n, *t.shape[1:])  # noqa: E731
        enc = [split(t) for t in self.encode(x.reshape(b * n, 3, hp, wp))]
        feats = [tuple(t[:, i] for t in enc) for i in range(n)]
        out, flows = self.restore(feats)
        return out[..., :h, :w], flows


def _conv(p: int, cin: int, cout: int, k: int = 3) -> int:
    return 2 * k * k * cin * cout * p


def count_flops(a: Arch, h: int, w: int) -> dict:
    """FLOPs (2 x multiply-adds) per output frame at h x w (padded to 16).

    Each frame is encoded once (the engine caches E per frame), so one output
    costs one encoder pass, 4 flows, 5 alignments, one fusion and one decoder.
    """
    hp, wp = h + (-h) % PAD_MULTIPLE, w + (-w) % PAD_MULTIPLE
    p1, p2, p4 = hp * wp, hp * wp // 4, hp * wp // 16
    cv = (2 * a.d + 1) ** 2
    enc = (_conv(p1, 3, a.c1) + 4 * _conv(p1, a.c1, a.c1) + _conv(p2, a.c1, a.c2) + 4 * _conv(p2, a.c2, a.c2)
           + _conv(p4, a.c2, a.c) + 4 * _conv(p4, a.c, a.c)
           + _conv(p4, a.c, a.c // 2) + _conv(p4, a.c // 2, 1))
    flow = 0
    if a.has_flow_estimator:
        cg = a.flow_features or a.c
        for lvl in range(a.flow_levels):
            p = p4 // (4 ** lvl)
            flow += 2 * cv * cg * p + 8 * cg * p  # correlation + warp
            flow += _conv(p, cv + 2, a.flow_width) + _conv(p, a.flow_width, a.flow_width) + _conv(p, a.flow_width, 2)
        flow *= N_FRAMES - 1
        if a.flow_features:  # once per frame, like the encoder
            w = a.flow_features
            flow += _conv(p2, 3, w // 2) + _conv(p2, w // 2, w // 2) + _conv(p4, w // 2, w) + _conv(p4, w, w)
    align = N_FRAMES * (_conv(p4, a.c, a.c) + 9 * 8 * (a.c + 1) * p4)
    if a.align and a.residual_offsets:
        align += N_FRAMES * (2 * cv * a.c * p4 + 8 * a.c * p4 + _conv(p4, cv, a.flow_width)
                             + _conv(p4, a.flow_width, a.flow_width) + _conv(p4, a.flow_width, 18))
    fuse = N_FRAMES * 2 * a.c * p4 + 2 * a.k * a.k * a.c * p4 + _conv(p4, a.c, a.c, 1)
    frames = 0
    if a.frame_path:  # the flow upsampled (2 x 8 per pixel), 4 RGB warps, the conv
        frames = (N_FRAMES - 1) * (16 * p1 + 8 * 3 * p1) + _conv(p1, 3 * N_FRAMES, a.c1)
    dec = (_conv(p4, a.c, 4 * a.c2) + 4 * _conv(p2, a.c2, a.c2) + _conv(p2, a.c2, 4 * a.c1)
           + 4 * _conv(p1, a.c1, a.c1) + _conv(p1, a.c1, 3))
    total = enc + flow + align + fuse + frames + dec
    return {"encode": enc, "flow": flow, "align": align, "fuse": fuse, "frames": frames, "decode": dec, "total": total}
