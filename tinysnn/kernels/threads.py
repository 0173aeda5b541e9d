"""The one rule for how many threads a Numba kernel uses: one for small inputs, all for large.

A ``parallel=True`` kernel wakes Numba's thread pool on every call. For a few thousand elements
the work takes microseconds and the wake-up can take longer, far longer on a busy machine, so
below ``PARALLEL_MIN_SIZE`` elements a kernel runs on the calling thread alone (``prange`` then
runs as ``range``). Every kernel family calls its Numba kernels inside this context manager:

    with threads_for(x.size):
        _forward_kernel(x, ..., out)
"""

import contextlib

import numba

PARALLEL_MIN_SIZE = 1 << 15  # elements; below this one thread is faster than waking the pool


@contextlib.contextmanager
def threads_for(size):
    """Run the block with one Numba thread if ``size`` elements are too few to share out."""
    if size >= PARALLEL_MIN_SIZE:
        yield
        return
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(threads)
