"""Large arrays without page faults: keep freed memory in the process heap for reuse.

Every op returns a fresh array, and a training step allocates and frees the same large
arrays over and over. glibc's malloc serves each allocation above its mmap threshold
(at most 32 MB, often far less) with fresh pages from the kernel, and the first write to every
page then costs a page fault: allocating and filling a new 32 MB array took about six times as
long as refilling memory that is reused. Raising the mmap and trim thresholds keeps freed
memory in the heap, where the next array of that size finds it already mapped (the idea of
PyTorch's caching allocator, done by malloc itself).

The cost: the process keeps its peak memory instead of returning it to the system. It changes
the allocator of the whole process, so ``import tinysnn`` does not do it: the command line does
(``app/process.py``), and a program of yours may call ``keep_freed_memory()`` itself.
TINYSNN_MALLOC_TUNING=0 makes it do nothing.
"""

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
THRESHOLD = 1 << 30  # bytes: arrays up to 1 GiB come from (and return to) the heap


def keep_freed_memory():
    """Ask glibc to serve large allocations from the heap and not to trim it; True if done."""
    if os.environ.get("TINYSNN_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to tune
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD,
                                                                          2 * THRESHOLD - 1))
