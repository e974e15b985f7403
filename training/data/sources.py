"""Loads the training material fetched by fetch_sources.sh, split into a
training part and a held-out development part (never used for training):
every 8th photograph by sorted name, and the last quarter of each real video.
UNBLUR_SOURCES names another folder of the same layout (the compact copy that
training/data/pack.py writes for a GPU machine), UNBLUR_CACHE where the
decoded copies go (default: its cache/ folder).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import torch

ROOT = Path(os.environ.get("UNBLUR_SOURCES") or Path(__file__).resolve().parent / "sources")
CACHE = Path(os.environ.get("UNBLUR_CACHE") or ROOT / "cache")  # decoded .npy copies
MAX_SIDE = 1280  # photos are downscaled to this long side (memory; GoPro-like scale)
VIDEO_WIDTH = 640
DEV_EVERY = 8


def _require():
    if not (ROOT / "photos").is_dir():
        raise SystemExit(f"training sources missing: run {Path(__file__).parent / 'fetch_sources.sh'} first")


def photo_paths(split: str) -> list[Path]:
    """"train", "dev" (every DEV_EVERY-th by sorted name) or "all"."""
    _require()
    paths = sorted((ROOT / "photos").iterdir())
    dev = [p for i, p in enumerate(paths) if i % DEV_EVERY == DEV_EVERY - 1]
    return {"all": paths, "dev": dev, "train": [p for p in paths if p not in dev]}[split]


def load_photo(path: Path) -> torch.Tensor:
    """uint8 (3,H,W), long side at most MAX_SIDE, cached as .npy."""
    from PIL import Image

    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / (path.name + ".npy")
    if cached.exists():
        return torch.from_numpy(np.load(cached))
    im = Image.open(path).convert("RGB")
    s = MAX_SIDE / max(im.size)
    if s < 1:
        im = im.resize((round(im.size[0] * s), round(im.size[1] * s)), Image.LANCZOS)
    arr = np.ascontiguousarray(np.asarray(im).transpose(2, 0, 1))
    np.save(cached, arr)
    return torch.from_numpy(arr)


def load_photos(split: str) -> list[torch.Tensor]:
    return [load_photo(p) for p in photo_paths(split)]


def video_frames(name: str) -> np.ndarray:
    """All frames of a source video, uint8 (T,3,H,W), width VIDEO_WIDTH, cached."""
    _require()
    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / (name + ".npy")
    if cached.exists():
        return np.load(cached, mmap_mode="r")
    src = ROOT / "videos" / name
    arr = _decode(src) if shutil.which("ffmpeg") else _decode_opencv(src)
    np.save(cached, arr)
    return arr


def _decode(src: Path) -> np.ndarray:
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                            "-of", "csv=p=0", str(src)], capture_output=True, text=True, check=True).stdout
    w0, h0 = (int(v) for v in probe.strip().split(",")[:2])
    h = round(h0 * VIDEO_WIDTH / w0 / 2) * 2
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(src), "-vf", f"scale={VIDEO_WIDTH}:{h}:flags=lanczos",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    arr = np.frombuffer(raw, np.uint8).reshape(-1, h, VIDEO_WIDTH, 3).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(arr)


def _decode_opencv(src: Path) -> np.ndarray:
    """The same frames where there is no ffmpeg binary (a GPU machine has
    OpenCV). Measured on the three videos: the same frame counts, pixels
    0.4-2.0 levels (of 255) from ffmpeg's on average (colour conversion and
    scaler differ)."""
    import cv2

    cap, frames = cv2.VideoCapture(str(src)), []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        h0, w0 = bgr.shape[:2]
        h = round(h0 * VIDEO_WIDTH / w0 / 2) * 2
        rgb = cv2.cvtColor(cv2.resize(bgr, (VIDEO_WIDTH, h), interpolation=cv2.INTER_LANCZOS4), cv2.COLOR_BGR2RGB)
        frames.append(rgb.transpose(2, 0, 1))
    if not frames:
        raise SystemExit(f"{src}: OpenCV decoded no frames")
    return np.ascontiguousarray(np.stack(frames))


VIDEOS = ("cockatoo.mp4", "cityCC0.mpg", "vtest.avi")


def load_videos(split: str) -> list[torch.Tensor]:
    out = []
    for name in VIDEOS:
        arr = video_frames(name)
        cut = len(arr) * 3 // 4
        part = arr[cut:] if split == "dev" else arr[:cut]
        out.append(torch.from_numpy(np.array(part)))
    return out
