"""Synthetic blurred clips, made the way GoPro and DVD were made: by averaging
many sharp sub-frames of a high-frame-rate rendering, in linear light.

A virtual camera moves over a large photograph along a smooth random
trajectory (translation, small rotation and zoom, plus shake); 0-2 foreground
layers cut from other photographs move independently on top. Each video frame
averages S sub-frames spread over its exposure, and the exposure (and so the
blur) changes from frame to frame, so some neighbours are much sharper than
the centre. Real video frames can be used in place of the photograph (camera
shake added over them). Everything is torch, so it runs on the GPU too.

Every layer is an affine map from screen pixels to its source's pixels,
src = A(tau) @ p + b(tau), which makes the true flow exact:
U[t+i -> t](p) = A(t+i)^-1 (A(t) p + b(t) - b(t+i)) - p.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

GAMMA = 2.2


def to_linear(x: torch.Tensor) -> torch.Tensor:
    return x.clamp(0, 1) ** GAMMA


def to_srgb(x: torch.Tensor) -> torch.Tensor:
    return x.clamp(1e-8, 1) ** (1 / GAMMA)


@dataclass
class SynthConfig:
    size: tuple[int, int] = (128, 128)  # H, W of the rendered frames
    frames: int = 5
    subframes: int = 11
    max_speed: float = 20.0  # camera px / frame at output resolution
    max_shake: float = 6.0  # px / frame, the shake's speed
    max_rot: float = 0.04  # radians / frame
    max_zoom: float = 0.02  # relative / frame
    min_exposure: float = 0.1  # fraction of the frame interval
    sharp_frame_prob: float = 0.2  # chance a frame is nearly sharp
    max_layers: int = 2
    noise: tuple[float, float] = (0.002, 0.015)
    jpeg_prob: float = 0.5
    jpeg_quality: tuple[float, float] = (55.0, 95.0)
    # The camera's rotation and zoom turn about the middle of the whole picture;
    # a crop of a larger picture sees that pivot off its centre (and so more
    # rotational motion, varying across it). The pivot's offset from the crop's
    # centre, uniform in +-pivot_spread px on each axis; 0: the crop's centre.
    pivot_spread: float = 0.0
    # The clip starts at a time uniform in [0, time_offset] frames of its camera's
    # path instead of at 0: a window of a longer clip. The path's rotation speeds
    # up over time (Trajectory.rot_a), so the later windows of a 24-frame clip (the
    # dev set's, a video's) turn faster than any window starting at 0. 0: no draw.
    time_offset: float = 0.0


class Trajectory:
    """Smooth random affine motion: a quadratic path plus a sum of sines."""

    def __init__(self, g: torch.Generator, centre, speed, shake, rot, zoom, scale0=1.0, angle0=0.0):
        r = lambda *s: torch.rand(*s, generator=g)  # noqa: E731
        ang = r(1).item() * 2 * math.pi
        v = speed * (0.25 + 0.75 * r(1).item())
        self.c0 = torch.tensor(centre, dtype=torch.float64)
        self.v = torch.tensor([math.cos(ang) * v, math.sin(ang) * v], dtype=torch.float64)
        # The path swings back and forth (c0 + v L sin(tau / L)): the speed changes
        # from frame to frame and long clips stay on the photograph.
        self.swing = 2.5 + 5.5 * r(1).item()
        # Shake: three sines; ``shake`` bounds their summed speed in px / frame.
        self.shake_f = 0.1 + r(3).double() * 0.4
        self.shake_amp = r(3, 2).double() * shake / (3 * 2 * math.pi * self.shake_f[:, None])
        self.shake_ph = r(3, 2).double() * 2 * math.pi
        self.rot_v = (r(1).item() - 0.5) * 2 * rot
        self.rot_a = (r(1).item() - 0.5) * rot
        self.zoom_v = (r(1).item() - 0.5) * 2 * zoom
        self.scale0 = scale0
        self.angle0 = angle0

    def at(self, tau: torch.Tensor):
        """tau (T,) in frame units -> centre (T,2) (x,y), angle (T,), scale (T,)."""
        tau = tau.double()
        c = self.c0 + self.v * self.swing * torch.sin(tau[:, None] / self.swing)
        ph = 2 * math.pi * self.shake_f[None, :, None] * tau[:, None, None] + self.shake_ph[None]
        c = c + (self.shake_amp[None] * torch.sin(ph)).sum(1)
        ang = self.angle0 + self.rot_v * tau + 0.5 * self.rot_a * tau ** 2
        scale = self.scale0 * torch.exp(self.zoom_v * tau)
        return c, ang, scale

    def turn(self, tau: torch.Tensor) -> torch.Tensor:
        """tau (T,) -> the rotation speed |d angle / d tau| (T,), rad / frame."""
        return (self.rot_v + self.rot_a * tau.double()).abs()


def affine_from(centre, angle, scale, screen_centre):
    """Screen pixel p -> source pixel: centre + scale * R(angle) (p - screen_centre)."""
    ca, sa = torch.cos(angle), torch.sin(angle)
    a = torch.stack((torch.stack((ca, -sa), -1), torch.stack((sa, ca), -1)), -2) * scale[:, None, None]
    b = centre - (a @ torch.tensor(screen_centre, dtype=a.dtype)[:, None]).squeeze(-1)
    return a, b  # (T,2,2), (T,2)


def render(src: torch.Tensor, a: torch.Tensor, b: torch.Tensor, hw, padding: str = "border") -> torch.Tensor:
    """src (C,Hs,Ws); a (T,2,2), b (T,2) -> (T,C,H,W) sampled bilinearly.

    padding "border" for backgrounds (never show a black edge), "zeros" for RGBA layers."""
    h, w = hw
    dev = src.device
    ys, xs = torch.meshgrid(torch.arange(h, device=dev, dtype=torch.float64),
                            torch.arange(w, device=dev, dtype=torch.float64), indexing="ij")
    p = torch.stack((xs, ys), -1).reshape(-1, 2)  # (HW, 2) as (x, y)
    s = torch.einsum("tij,pj->tpi", a.to(dev), p) + b.to(dev)[:, None]
    hs, ws = src.shape[-2:]
    gx = s[..., 0] * (2.0 / (ws - 1)) - 1
    gy = s[..., 1] * (2.0 / (hs - 1)) - 1
    grid = torch.stack((gx, gy), -1).reshape(-1, h, w, 2).float()
    out = F.grid_sample(src[None].expand(grid.shape[0], -1, -1, -1), grid, mode="bilinear",
                        padding_mode=padding, align_corners=True)
    return out


def affine_flow(a_t, b_t, a_i, b_i, hw) -> torch.Tensor:
    """True flow U[t+i -> t] on the reference grid for one affine layer: (2,H,W) (dx, dy)."""
    h, w = hw
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64), indexing="ij")
    p = torch.stack((xs, ys), -1).reshape(-1, 2)
    s = p @ a_t.T + b_t
    q = (s - b_i) @ torch.linalg.inv(a_i).T
    return (q - p).T.reshape(2, h, w).float()


def _texture(src: torch.Tensor, centre, hw) -> float:
    """Mean gradient magnitude of src (C,H,W) in a window around centre (x, y)."""
    h, w = int(hw[0]), int(hw[1])
    x0 = max(0, int(centre[0] - w / 2))
    y0 = max(0, int(centre[1] - h / 2))
    win = src[:, y0:y0 + h, x0:x0 + w].mean(0)
    if win.shape[0] < 2 or win.shape[1] < 2:
        return 0.0
    return float((win[1:, :-1] - win[:-1, :-1]).abs().mean() + (win[:-1, 1:] - win[:-1, :-1]).abs().mean())


def soft_shape_alpha(g: torch.Generator, h: int, w: int) -> torch.Tensor:
    """A soft-edged blob (superellipse with wobble) as alpha (1,h,w)."""
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing="ij")
    n = 2 + 4 * torch.rand(1, generator=g).item()
    ang = torch.atan2(ys, xs)
    wob = 1 + 0.15 * torch.sin(3 * ang + 6.28 * torch.rand(1, generator=g).item())
    r = (xs.abs() ** n + ys.abs() ** n) ** (1 / n) * wob
    edge = 0.04 + 0.1 * torch.rand(1, generator=g).item()
    return ((0.95 - r) / edge).clamp(0, 1)[None]


def colour_jitter(x: torch.Tensor, g: torch.Generator | None = None, params=None) -> torch.Tensor:
    """Brightness, contrast and saturation each in [0.8, 1.2] (thesis 3.5.1)."""
    bri, con, sat = params if params is not None else (0.8 + 0.4 * torch.rand(3, generator=g)).tolist()
    x = x * bri
    mean = x.mean()
    x = (x - mean) * con + mean
    grey = x.mean(0, keepdim=True)
    return ((x - grey) * sat + grey).clamp(0, 1)


def _dct_matrix(n: int = 8) -> torch.Tensor:
    k = torch.arange(n, dtype=torch.float64)
    m = torch.cos(math.pi * (2 * k[None] + 1) * k[:, None] / (2 * n)) * math.sqrt(2 / n)
    m[0] /= math.sqrt(2)
    return m.float()


_JPEG_Q = torch.tensor([
    [16, 11, 10, 16, 24, 40, 51, 61], [12, 12, 14, 19, 26, 58, 60, 55], [14, 13, 16, 24, 40, 57, 69, 56],
    [14, 17, 22, 29, 51, 87, 80, 62], [18, 22, 37, 56, 68, 109, 103, 77], [24, 35, 55, 64, 81, 104, 113, 92],
    [49, 64, 78, 87, 103, 121, 120, 101], [72, 92, 95, 98, 112, 100, 103, 99]], dtype=torch.float32)


def jpeg_like(x: torch.Tensor, quality: float) -> torch.Tensor:
    """Mild compression artefacts: 8x8 DCT quantisation of Y, Cb, Cr. x (T,3,H,W), H, W multiples of 8."""
    t, _, h0, w0 = x.shape
    x = F.pad(x, (0, (-w0) % 8, 0, (-h0) % 8), mode="replicate")
    h, w = x.shape[-2:]
    m = _dct_matrix().to(x.device)
    y = 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]
    cb = (x[:, 2] - y) * 0.564
    cr = (x[:, 0] - y) * 0.713
    ycc = torch.stack((y, cb, cr), 1) * 255
    scale = (5000 / quality if quality < 50 else 200 - 2 * quality) / 100
    q = (_JPEG_Q.to(x.device) * scale).clamp(min=1)
    blocks = ycc.reshape(t, 3, h // 8, 8, w // 8, 8).permute(0, 1, 2, 4, 3, 5)
    coef = m @ blocks @ m.T
    qf = torch.stack((q, q * 1.5, q * 1.5))[None, :, None, None]
    coef = torch.round(coef / qf) * qf
    blocks = m.T @ coef @ m
    ycc = blocks.permute(0, 1, 2, 4, 3, 5).reshape(t, 3, h, w) / 255
    y, cb, cr = ycc[:, 0], ycc[:, 1] / 0.564, ycc[:, 2] / 0.713
    r = y + cr
    b = y + cb
    gch = (y - 0.299 * r - 0.114 * b) / 0.587
    return torch.stack((r, gch, b), 1).clamp(0, 1)[..., :h0, :w0]


class ClipSynth:
    """Makes clips from a list of source images (C,H,W float in [0,1], sRGB).

    ``sources`` are photographs (camera over a still) and ``videos`` are lists
    of frames of real videos (camera shake over moving content).
    """

    def __init__(self, photos: list[torch.Tensor], cfg: SynthConfig, videos: list[torch.Tensor] | None = None,
                 device: str = "cpu"):
        self.photos = photos
        self.videos = videos or []
        self.cfg = cfg
        self.device = device

    def clip(self, g: torch.Generator, frames: int | None = None, use_video: bool = False, centre: int | None = None):
        """One clip. Returns dict with blur (T,3,H,W), sharp (T,3,H,W),
        flows (T,2,H,W) = U[t+i -> t] for the centre frame (full res, px),
        flow_valid (bool), exposure (T,) and turn (T,): the camera's rotation
        speed at each sharp frame, rad / frame."""
        cfg = self.cfg
        T = frames or cfg.frames
        tc = T // 2 if centre is None else centre
        h, w = cfg.size
        r = lambda: torch.rand(1, generator=g).item()  # noqa: E731
        S = cfg.subframes
        # Exposure per frame: a fraction of the frame interval, sometimes nearly 0.
        expo = torch.tensor([0.02 + 0.08 * r() if r() < cfg.sharp_frame_prob else cfg.min_exposure + (1 - cfg.min_exposure) * r()
                             for _ in range(T)], dtype=torch.float64)
        offs = (torch.arange(S, dtype=torch.float64) + 0.5) / S - 0.5
        t0 = r() * cfg.time_offset if cfg.time_offset > 0 else 0.0  # no draw otherwise, as pivot_spread
        tau = (t0 + torch.arange(T, dtype=torch.float64)[:, None] + expo[:, None] * offs[None]).reshape(-1)  # (T*S,)
        mid = t0 + torch.arange(T, dtype=torch.float64)  # sharp frame = exposure centre (S odd: the middle sub-frame)
        speed_scale = 0.3 + 0.7 * r()
        layers = []  # (src (C,Hs,Ws) linear, alpha or None, traj, frame index or None)
        if use_video and self.videos:
            vid = self.videos[int(r() * len(self.videos))]
            start = int(r() * max(1, len(vid) - T))
            jit = (0.8 + 0.4 * torch.rand(3, generator=g)).tolist()
            src_frames = [to_linear(colour_jitter(vid[min(start + i, len(vid) - 1)].to(self.device).float() / 255, params=jit))
                          for i in range(T)]
            hs, ws = src_frames[0].shape[-2:]
            scale0 = 0.6 + 0.6 * r()
            traj = Trajectory(g, (ws / 2 + (r() - 0.5) * (ws - w * scale0) * 0.6, hs / 2 + (r() - 0.5) * (hs - h * scale0) * 0.6),
                              cfg.max_speed * speed_scale, cfg.max_shake * (0.3 + r()), cfg.max_rot * 0.5, cfg.max_zoom * 0.5,
                              scale0=scale0)
            layers.append((src_frames, None, traj))
            flow_valid = False
        else:
            photo = self.photos[int(r() * len(self.photos))]
            # View the photo at a random scale (antialiased), so crops hold whole objects and fine texture.
            down = 1 + 2 * r()
            src = photo.to(self.device).float() / 255
            src = F.interpolate(src[None], scale_factor=1 / down, mode="area", recompute_scale_factor=False)[0]
            src = to_linear(colour_jitter(src, g))
            hs, ws = src.shape[-2:]
            scale0 = 0.8 + 0.4 * r()
            margin_x, margin_y = ws - w * scale0 * 1.5 - 16 * cfg.max_speed, hs - h * scale0 * 1.5 - 16 * cfg.max_speed
            # Prefer textured places: of a few candidate centres keep the busiest.
            cands = [(ws / 2 + (r() - 0.5) * max(margin_x, 0), hs / 2 + (r() - 0.5) * max(margin_y, 0)) for _ in range(4)]
            cx, cy = max(cands, key=lambda c: _texture(src, c, (h * scale0, w * scale0)))
            traj = Trajectory(g, (cx, cy), cfg.max_speed * speed_scale, cfg.max_shake * r(), cfg.max_rot * r(),
                              cfg.max_zoom * r(), scale0=scale0, angle0=(r() - 0.5) * 0.3)
            layers.append((src, None, traj))
            flow_valid = True
            for _ in range(int(r() * (cfg.max_layers + 1))):
                fg = self.photos[int(r() * len(self.photos))]
                ph, pw = int(h * (0.25 + 0.35 * r())), int(w * (0.25 + 0.35 * r()))
                fs = 0.7 + 0.8 * r()  # source px per screen px inside the layer
                sh, sw = int(ph * fs), int(pw * fs)
                y0, x0 = int(r() * (fg.shape[1] - sh)), int(r() * (fg.shape[2] - sw))
                patch = to_linear(colour_jitter(fg[:, y0:y0 + sh, x0:x0 + sw].to(self.device).float() / 255, g))
                alpha = soft_shape_alpha(g, sh, sw).to(self.device)
                # The layer's screen position moves; source = patch centre + R (p - pos).
                pos = (w * (0.2 + 0.6 * r()), h * (0.2 + 0.6 * r()))
                ftraj = Trajectory(g, pos, cfg.max_speed * (0.2 + 0.8 * r()), cfg.max_shake * 0.5 * r(),
                                   cfg.max_rot * 2 * r(), 0.0)
                layers.append((torch.cat((patch, alpha), 0), "fg", (ftraj, fs, (sw - 1) / 2, (sh - 1) / 2)))
        screen_centre = ((w - 1) / 2, (h - 1) / 2)
        if cfg.pivot_spread > 0:  # no draw otherwise: clips with the default stay as they were
            off = torch.tensor([(r() - 0.5) * 2 * cfg.pivot_spread, (r() - 0.5) * 2 * cfg.pivot_spread], dtype=torch.float64)
            screen_centre = (screen_centre[0] + off[0].item(), screen_centre[1] + off[1].item())
            # Move the camera so that at the first frame the crop shows the same place as with a centred pivot.
            traj = layers[0][2]
            a0, _ = affine_from(*traj.at(mid[:1]), (0.0, 0.0))
            traj.c0 = traj.c0 + (a0[0] @ off)
        # Render all sub-frames and the sharp mid frames, back to front.
        times = torch.cat((tau, mid))
        img = None
        fg_alpha_mid = []
        maps_mid = []
        for src, kind, traj in layers:
            if kind is None:
                c, ang, sc = traj.at(times)
                a, b = affine_from(c, ang, sc, screen_centre)
                if isinstance(src, list):
                    frame_of = torch.cat((torch.arange(T).repeat_interleave(S), torch.arange(T)))
                    img = torch.cat([render(src[int(fi)], a[j:j + 1], b[j:j + 1], (h, w)) for j, fi in enumerate(frame_of)])
                else:
                    img = render(src, a, b, (h, w))
                maps_mid.append((a[-T:], b[-T:]))
            else:
                ftraj, fs, pcx, pcy = traj
                c, ang, _ = ftraj.at(times)
                # screen p -> patch: (pcx,pcy) + fs R(ang) (p - c)
                ca, sa = torch.cos(ang), torch.sin(ang)
                a = torch.stack((torch.stack((ca, -sa), -1), torch.stack((sa, ca), -1)), -2) * fs
                b = torch.tensor([pcx, pcy], dtype=torch.float64) - (a @ c[..., None]).squeeze(-1)
                rgba = render(src, a, b, (h, w), padding="zeros")
                al = rgba[:, 3:4]
                img = img * (1 - al) + rgba[:, :3] * al
                fg_alpha_mid.append(al[-T:, 0].cpu())
                maps_mid.append((a[-T:], b[-T:]))
        subs = img[: T * S].reshape(T, S, 3, h, w)
        blur = to_srgb(subs.mean(1))
        sharp = to_srgb(img[T * S:])
        # True flows to the centre frame, the top-most layer owning each pixel.
        flows = torch.zeros(T, 2, h, w)
        for i in range(T):
            a_t, b_t = maps_mid[0][0][tc], maps_mid[0][1][tc]
            u = affine_flow(a_t, b_t, maps_mid[0][0][i], maps_mid[0][1][i], (h, w))
            for li, al in enumerate(fg_alpha_mid):
                a_t, b_t = maps_mid[li + 1][0][tc], maps_mid[li + 1][1][tc]
                uf = affine_flow(a_t, b_t, maps_mid[li + 1][0][i], maps_mid[li + 1][1][i], (h, w))
                own = (al[tc] > 0.5).float()
                u = u * (1 - own) + uf * own
            flows[i] = u
        return {"blur": blur, "sharp": sharp, "flows": flows, "flow_valid": flow_valid, "exposure": expo.float(),
                "turn": layers[0][2].turn(mid).float()}

    def degrade(self, blur: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        """Noise and mild compression on the blurred frames (T,3,H,W)."""
        cfg = self.cfg
        lo, hi = cfg.noise
        sigma = lo + (hi - lo) * torch.rand(1, generator=g).item()
        x = blur + sigma * torch.randn(blur.shape, generator=g).to(blur.device)
        x = x.clamp(0, 1)
        if torch.rand(1, generator=g).item() < cfg.jpeg_prob:
            lo, hi = cfg.jpeg_quality
            x = jpeg_like(x, lo + (hi - lo) * torch.rand(1, generator=g).item())
        return x


