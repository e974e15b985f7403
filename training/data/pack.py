"""Writes a compact copy of the training sources for a GPU machine, small
enough to travel with the repository there (the lease takes 64 MiB in all):
every photograph at the size training loads it (long side MAX_SIDE) as a
JPEG of quality 92 without chroma subsampling (measured on the 62 photos:
14.5 MiB, 1.07 levels of 255 from the pixels training loads on average,
2.9 for the worst photo), and the three videos as they are (12.8 MiB). Same layout as
data/sources/, so `UNBLUR_SOURCES=<out> python3 -m training.train ...` trains
on it; the names keep their sorted order, so the dev photos stay out.

    /usr/bin/python3 -m training.data.pack            # -> training/data/pack/ (ignored), 27.3 MiB
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from PIL import Image

from . import sources

OUT = Path(__file__).resolve().parent / "pack"
QUALITY = 92


def pack(out: Path) -> int:
    """Writes the pack; returns its size in bytes."""
    if out.resolve() == sources.ROOT.resolve():
        raise SystemExit("the pack would overwrite its own sources")
    shutil.rmtree(out, ignore_errors=True)
    (out / "photos").mkdir(parents=True)
    (out / "videos").mkdir()
    names = []
    for path in sources.photo_paths("all"):
        name = path.name + ".jpg"  # a suffix on every name keeps the sorted order (checked below)
        pixels = Image.fromarray(sources.load_photo(path).numpy().transpose(1, 2, 0))
        pixels.save(out / "photos" / name, quality=QUALITY, subsampling=0)
        names.append(name)
    assert names == sorted(names), "packed names must sort as the originals do (the dev split is by position)"
    for name in sources.VIDEOS:
        shutil.copy(sources.ROOT / "videos" / name, out / "videos" / name)
    prov = sources.ROOT / "PROVENANCE.txt"
    if prov.exists():
        shutil.copy(prov, out / "PROVENANCE.txt")
    return sum(f.stat().st_size for f in out.rglob("*") if f.is_file())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    size = pack(args.out)
    print(f"{args.out}: {size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
