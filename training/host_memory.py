"""Keeps freed tensor memory inside the process on the CPU (glibc's malloc).

PyTorch's CPU tensors come from malloc. By default glibc hands freed memory
back to the kernel (it trims the heap top and serves large blocks by mmap), so
every training step faults the pages of its activations in again: on the 2-core
machine a 256x256-crop run spent a quarter of its CPU time in the kernel
(74,000 page faults a second) and slowed from 3.1 to as much as 6.8 s/step within 750
steps. These settings keep that memory in the heap and reuse it (training/
RESULTS.md, "An eighth trial"); the same as starting the process with
MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=2147483647 MALLOC_TOP_PAD_=536870912.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

# mallopt parameters (malloc.h)
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_MAX = -1, -2, -4
SETTINGS = (
    (M_MMAP_MAX, 0),  # no block of its own per large tensor (mapped and unmapped, its pages faulted in each time)
    (M_TRIM_THRESHOLD, (1 << 31) - 1),  # keep up to 2 GiB free at the heap's top (mallopt takes an int)
    (M_TOP_PAD, 512 << 20),  # grow the heap 512 MiB at a time
)


def keep_freed_memory() -> bool:
    """Sets glibc's malloc to reuse freed memory; False where there is no glibc (macOS, musl) or it refuses."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return all(mallopt(p, v) == 1 for p, v in SETTINGS)
