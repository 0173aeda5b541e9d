"""The one rule for how many threads a kernel uses: one for small inputs, all for large.

A ``parallel=True`` kernel wakes Numba's thread pool on every call. For a few thousand elements
the work takes microseconds and the wake-up can take longer, far longer on a busy machine, so
below ``PARALLEL_MIN_SIZE`` elements a kernel runs on the calling thread alone (``prange`` then
runs as ``range``). Every kernel family calls its Numba kernels inside this context manager:

    with threads_for(x.size):
        _forward_kernel(x, ..., out)
"""

import contextlib
import ctypes
import os
from concurrent.futures import ThreadPoolExecutor, wait

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


# ------------------------------------------------------------------ BLAS (NumPy's matrix products)
# The same rule for NumPy's BLAS (OpenBLAS): its threads wait for each other on every matrix
# product, and on a machine busy with other work a product of a few million multiply-adds took
# 20-70 ms on two threads against 1.5 ms on one (measured here, load average 7.6). A product
# below GEMM_PARALLEL_MIN_FLOPS runs on one BLAS thread. Where NumPy's BLAS cannot be found (not
# OpenBLAS, not Linux), this does nothing.
GEMM_PARALLEL_MIN_FLOPS = 1 << 28  # 2 * M * N * K; about 2 ms of one core's GEMM here


def _openblas_thread_setters():
    """(get, set) of the thread count of the OpenBLAS that NumPy loaded, or None."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
        for path in sorted(paths):
            lib = ctypes.CDLL(path)
            for suffix in ("", "64_"):
                for prefix in ("scipy_openblas", "openblas"):
                    get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                    set_ = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                    if get is not None and set_ is not None:
                        return get, set_
    except OSError:
        pass
    return None


_BLAS = _openblas_thread_setters()


def blas_threads():
    """The BLAS thread count now (None where NumPy's BLAS cannot be found)."""
    return _BLAS[0]() if _BLAS is not None else None


def set_blas_threads(n):
    """Use at most ``n`` BLAS threads from now on (where NumPy's BLAS can be found)."""
    if _BLAS is not None:
        _BLAS[1](int(n))


@contextlib.contextmanager
def blas_threads_for(flops):
    """Run the block's NumPy matrix products on one BLAS thread if ``flops`` are too few."""
    if _BLAS is None or flops >= GEMM_PARALLEL_MIN_FLOPS:
        yield
        return
    get, set_ = _BLAS
    threads = get()
    set_(1)
    try:
        yield
    finally:
        set_(threads)


# ------------------------------------------------------------------ Python threads over blocks
# A convolution by im2col + GEMM used to run each step on all threads in turn: the GEMM then read
# columns that the other core had just written and still held, and took twice as long as it
# takes alone (12 ms against 5 ms for the plain conv SNN's second layer, measured here). Now each
# thread takes a contiguous share of the blocks of images and runs every step of a block itself,
# its columns in its own cache, BLAS on one thread per call. The Numba kernels called inside are
# serial and release the GIL (nogil=True), as NumPy's matrix products do, so the threads run at
# once. A share's result (a partial weight gradient) comes back in share order: the sum over
# shares is the same on every run.
_POOL = {}  # process id -> its worker threads, made on first use (a forked child makes its own)


def _pool():
    pid = os.getpid()
    if pid not in _POOL:
        _POOL.clear()
        _POOL[pid] = ThreadPoolExecutor(max(1, numba.config.NUMBA_NUM_THREADS - 1),
                                        thread_name_prefix="tinysnn")
    return _POOL[pid]


def in_shares(work, blocks, size):
    """[work(share) for every share]: ``blocks`` split into one contiguous share per thread
    (``numba.get_num_threads()``), run at once (the calling thread takes the first), BLAS on one
    thread each. One share, on the calling thread, when ``size`` (the elements the work touches)
    is below PARALLEL_MIN_SIZE, when one thread is set, or for a single block."""
    threads = min(numba.get_num_threads(), len(blocks)) if size >= PARALLEL_MIN_SIZE else 1
    if threads <= 1:
        return [work(blocks)]
    shares = [blocks[k * len(blocks) // threads:(k + 1) * len(blocks) // threads]
              for k in range(threads)]
    with blas_threads_for(0):
        others = [_pool().submit(work, share) for share in shares[1:]]
        try:
            first = work(shares[0])
        finally:
            wait(others)  # the shares write into the caller's arrays: all done before returning
        return [first] + [other.result() for other in others]
