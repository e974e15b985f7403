"""keep_freed_memory: a 40 MiB block allocated and freed again and again stops faulting its pages in."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Prints the minor page faults of ten 40 MiB blocks malloc'd, written and freed
# in turn, after two to warm up, in a fresh process (malloc's settings are per
# process).
FAULTS = """
import ctypes, resource, sys
from training import host_memory
if sys.argv[1] == "keep":
    assert host_memory.keep_freed_memory()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, (ctypes.c_size_t,)
libc.free.argtypes, libc.memset.argtypes = (ctypes.c_void_p,), (ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t)
n = 40 << 20  # above glibc's largest mmap threshold (32 MiB)

def block():
    p = libc.malloc(n)
    libc.memset(p, 1, n)
    libc.free(p)

for _ in range(2):
    block()
f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    block()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
"""


def faults(arm: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run([sys.executable, "-c", FAULTS, arm], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return int(out.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_a_freed_block_is_reused_not_faulted_in_again():
    default, kept = faults("default"), faults("keep")
    assert default > 10 * 10000  # each block faults in its 10,240 pages by default
    assert kept < 100
