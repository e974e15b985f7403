"""Exports a trained model for the browser, and golden fixtures for parity tests.

    /usr/bin/python3 -m training.export --checkpoint training/checkpoints/base.pt --id base

writes public/models/<id>/model.json (TF.js weights-manifest format plus the
architecture) and weights.bin (float32, little-endian), with every weight
already in the browser's layout:
- conv weights [out,in,kh,kw] -> [kh,kw,in,out] (TF.js conv2d filter, HWIO);
- the Dcn Align weight the same way ([3,3,cin,cout], the WGSL kernel's layout);
- the convs in front of a pixel shuffle have their output channels reordered
  so that TF.js's depthToSpace (channel (dy*2+dx)*C + ch) gives what PyTorch's
  pixel_shuffle (channel ch*4 + dy*2+dx) gives.
``load_exported`` reads it back into a PyTorch model (the round trip).

``--random-arch JSON`` exports a randomly initialised model instead (parity
fixtures for an architecture with no trained model, e.g. src/model/fixtures/tiny-ff).

With --golden it also writes src/model/fixtures/<id>/golden.json + .bin: a
5-frame clip (48x64 by default) and the output of every stage (NHWC); and
clip.json + .bin: 8 frames of 36x52 from a real-video dev clip (padded to
48x64 inside) with training.evaluate's restored frames, and 4 of those frames
cut to 14x20 restored with 2 and 4 passes, for the whole-clip parity tests of
the browser engine.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from .model import CENTRE, N_FRAMES, Arch, UnblurNet, count_flops, pad_to_multiple

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "public" / "models"
FIXTURES = REPO / "src" / "model" / "fixtures"
SHUFFLED = ("decoder.up1", "decoder.up2")  # convs followed by pixel_shuffle(2)
FORMAT = "unblur-model"
VERSION = 1


def _shuffle_perm(cout4: int) -> torch.Tensor:
    """perm[o_tf] = o_pt for depthToSpace vs pixel_shuffle with block 2."""
    c = cout4 // 4
    o = torch.arange(cout4)
    return (o % c) * 4 + o // c


def to_browser(name: str, t: torch.Tensor) -> np.ndarray:
    t = t.detach().cpu().float()
    if any(name.startswith(s) for s in SHUFFLED):
        t = t[_shuffle_perm(t.shape[0])]
    if t.dim() == 4:
        t = t.permute(2, 3, 1, 0)  # [out,in,kh,kw] -> [kh,kw,in,out]
    return np.ascontiguousarray(t.numpy().astype("<f4"))


def from_browser(name: str, a: np.ndarray) -> torch.Tensor:
    t = torch.from_numpy(np.array(a, dtype=np.float32))
    if t.dim() == 4:
        t = t.permute(3, 2, 0, 1)
    if any(name.startswith(s) for s in SHUFFLED):
        inv = torch.argsort(_shuffle_perm(t.shape[0]))
        t = t[inv]
    return t.contiguous()


def export(model: UnblurNet, model_id: str, out_dir: Path, meta: dict | None = None) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    specs, blobs = [], []
    for name, p in model.state_dict().items():
        a = to_browser(name, p)
        specs.append({"name": name, "shape": list(a.shape), "dtype": "float32"})
        blobs.append(a.tobytes())
    data = b"".join(blobs)
    (out_dir / "weights.bin").write_bytes(data)
    arch = model.arch.to_dict()
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "id": model_id,
        "arch": arch,
        "layout": {"activations": "NHWC", "conv": "HWIO", "dcnAlign": "[3,3,cin,cout]", "depthToSpace": "DCR"},
        "byteLength": len(data),
        "flopsPerFrame720p": count_flops(model.arch, 720, 1280)["total"],
        "meta": meta or {},
        "weightsManifest": [{"paths": ["weights.bin"], "weights": specs}],
    }
    (out_dir / "model.json").write_text(json.dumps(manifest, indent=1))
    return out_dir / "model.json"


def load_exported(model_dir: Path) -> UnblurNet:
    model_dir = Path(model_dir)
    manifest = json.loads((model_dir / "model.json").read_text())
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{model_dir}: not an unblur model")
    model = UnblurNet(Arch(**manifest["arch"]))
    state = {}
    for group in manifest["weightsManifest"]:
        data = b"".join((model_dir / p).read_bytes() for p in group["paths"])
        off = 0
        for spec in group["weights"]:
            n = int(np.prod(spec["shape"])) if spec["shape"] else 1
            a = np.frombuffer(data, "<f4", count=n, offset=off).reshape(spec["shape"])
            off += 4 * n
            state[spec["name"]] = from_browser(spec["name"], a)
    model.load_state_dict(state)
    model.eval()
    return model


def load_checkpoint(path: Path) -> tuple[UnblurNet, dict]:
    ck = torch.load(path, map_location="cpu", weights_only=False)
    model = UnblurNet(Arch(**ck["arch"]))
    model.load_state_dict(ck["model"])
    model.eval()
    return model, ck


def nhwc(t: torch.Tensor) -> np.ndarray:
    """(N,C,H,W) -> (N,H,W,C) float32."""
    return np.ascontiguousarray(t.detach().permute(0, 2, 3, 1).numpy().astype("<f4"))


@torch.no_grad()
def golden(model: UnblurNet, frames: torch.Tensor, out_dir: Path) -> None:
    """frames (5,3,H,W) in [0,1]: every stage's output, NHWC, in one .bin + index."""
    out_dir.mkdir(parents=True, exist_ok=True)
    x = pad_to_multiple(frames)
    h, w = frames.shape[-2:]
    tensors: dict[str, np.ndarray] = {"input": nhwc(frames)}
    enc = model.encode(x)
    e1, e2, f, m, g, _ = enc
    tensors.update({"E1": nhwc(e1), "E2": nhwc(e2), "F": nhwc(f), "M": nhwc(m)})
    if model.flow_features is not None:
        tensors["G"] = nhwc(g)
    feats = [tuple(t[i:i + 1] for t in enc) for i in range(N_FRAMES)]
    out, _, st = model.restore(feats, return_stages=True)
    tensors["flows"] = nhwc(torch.cat(st["flows"]))
    tensors["offsets"] = nhwc(torch.cat(st["offsets"]))
    tensors["masksWarped"] = nhwc(torch.cat(st["masks_warped"]))
    tensors["aligned"] = nhwc(torch.cat(st["aligned"]))
    tensors["Q"] = nhwc(st["q"])
    tensors["fused"] = nhwc(st["fused"])
    if model.frame_path is not None:
        tensors["framesWarped"] = nhwc(st["frames_warped"])
        tensors["framePath"] = nhwc(st["frame_path"])
    tensors["restored"] = nhwc(out[..., :h, :w])
    tensors["restoredClamped"] = nhwc(out[..., :h, :w].clamp(0, 1))
    write_tensors(out_dir, "golden", tensors, {"height": h, "width": w, "centre": CENTRE})


def write_tensors(out_dir: Path, stem: str, tensors: dict[str, np.ndarray], header: dict) -> None:
    """<stem>.bin (the arrays back to back, float32) + <stem>.json (header + name/shape/byte offset of each)."""
    index, blobs, off = [], [], 0
    for name, a in tensors.items():
        index.append({"name": name, "shape": list(a.shape), "offset": off})
        blobs.append(a.tobytes())
        off += a.nbytes
    (out_dir / f"{stem}.bin").write_bytes(b"".join(blobs))
    (out_dir / f"{stem}.json").write_text(json.dumps({**header, "tensors": index}, indent=1))


@torch.no_grad()
def golden_clip(model: UnblurNet, blur: torch.Tensor, out_dir: Path) -> None:
    """A short clip (T,3,H,W) and what training.evaluate makes of it (clips.restore_clip:
    every frame, ends repeated, padded to 16 and cropped back, clamped), NHWC; and
    its first 4 frames cut to 14x20 (`blur4`) restored with 2 and 4 passes
    (`restored2`, `restored4`: means over mirrored copies; small, as the browser
    test runs the network 24 times on them)."""
    from . import clips as clipio
    out_dir.mkdir(parents=True, exist_ok=True)
    restored = clipio.restore_clip(model, blur)
    blur4 = blur[:4, :, :14, :20].contiguous()
    write_tensors(out_dir, "clip", {"blur": nhwc(blur), "restored": nhwc(restored), "blur4": nhwc(blur4),
                                    **{f"restored{n}": nhwc(clipio.restore_clip(model, blur4, passes=n)) for n in (2, 4)}},
                  {"frames": blur.shape[0], "height": blur.shape[2], "width": blur.shape[3]})


def clip_frames(t: int, h: int, w: int) -> torch.Tensor:
    """The first t frames of a real-video dev clip, cropped to h x w (not multiples of 16)."""
    from . import clips as clipio
    dev = Path(__file__).resolve().parent / "data" / "dev"
    dirs = [d for d in clipio.clip_dirs(dev) if d.name.startswith("video")] if dev.is_dir() else []
    if dirs:
        blur = clipio.load_clip(dirs[0], "blur")[:t]
        return blur[..., 60:60 + h, 100:100 + w].contiguous()
    g = torch.Generator().manual_seed(1)
    return torch.rand(t, 3, h, w, generator=g)


def golden_frames(h: int, w: int) -> torch.Tensor:
    """A fixed 5-frame clip from the dev set (cropped), or synthetic when absent."""
    from . import clips as clipio
    dev = Path(__file__).resolve().parent / "data" / "dev"
    dirs = clipio.clip_dirs(dev) if dev.is_dir() else []
    if dirs:
        blur = clipio.load_clip(dirs[0], "blur")[:N_FRAMES]
        return blur[..., 40:40 + h, 60:60 + w].contiguous()
    g = torch.Generator().manual_seed(0)
    return torch.rand(N_FRAMES, 3, h, w, generator=g)


def random_model(arch: dict, seed: int) -> UnblurNet:
    """A randomly initialised model whose every stage does something (the
    decoder output, offset head and frame path are not left at zero): parity fixtures
    for architectures no trained model ships with yet."""
    torch.manual_seed(seed)
    model = UnblurNet(Arch(**arch))
    for conv in (model.decoder.out, model.align.offset_head.conv3, model.frame_path):
        if conv is None:
            continue
        torch.nn.init.normal_(conv.weight, std=0.1)
        torch.nn.init.normal_(conv.bias, std=0.01)
    return model.eval()


def main(argv=None):
    ap = argparse.ArgumentParser()
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", type=Path)
    src.add_argument("--random-arch", type=json.loads, metavar="JSON",
                     help="export a randomly initialised model of this architecture (test fixtures)")
    ap.add_argument("--seed", type=int, default=0, help="with --random-arch")
    ap.add_argument("--id", required=True)
    ap.add_argument("--out", type=Path, default=None, help="default public/models/<id>")
    ap.add_argument("--golden", action="store_true")
    ap.add_argument("--golden-size", default="48x64", help="HxW")
    args = ap.parse_args(argv)
    if args.checkpoint:
        model, ck = load_checkpoint(args.checkpoint)
        meta = {"step": ck.get("step"), "checkpoint": args.checkpoint.name}
    else:
        model, meta = random_model(args.random_arch, args.seed), {"random_init_seed": args.seed}
    out = args.out or MODELS / args.id
    path = export(model, args.id, out, meta)
    print(f"wrote {path} ({(out / 'weights.bin').stat().st_size} bytes)")
    if args.golden:
        h, w = (int(v) for v in args.golden_size.split("x"))
        reloaded = load_exported(out)
        golden(reloaded, golden_frames(h, w), FIXTURES / args.id)
        golden_clip(reloaded, clip_frames(8, 36, 52), FIXTURES / args.id)
        print(f"wrote {FIXTURES / args.id}")


if __name__ == "__main__":
    main()
