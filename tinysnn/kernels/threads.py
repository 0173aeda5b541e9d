"""The one rule for how many threads a kernel uses: one for small inputs, all for large.

A ``parallel=True`` kernel wakes Numba's thread pool on every call. For a few thousand elements
the work takes microseconds and the wake-up can take longer, far longer on a busy machine, so
below ``PARALLEL_MIN_SIZE`` elements a kernel runs on the calling thread alone (``prange`` then
runs as ``range``). Every kernel family calls its Numba kernels inside this context manager:

    with threads_for(x.size):
        _forward_kernel(x, ..., out)
"""

import contextlib
import functools
import os
from concurrent.futures import ThreadPoolExecutor, wait

import numba
from threadpoolctl import ThreadpoolController

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
# The same rule for NumPy's BLAS: its threads wait for each other on every matrix product, and on
# a machine busy with other work a product of a few million multiply-adds took far longer on two
# threads than on one. A product below GEMM_PARALLEL_MIN_FLOPS runs on one BLAS thread.
# threadpoolctl finds and sets NumPy's BLAS (OpenBLAS, MKL, BLIS, Apple's Accelerate) on every
# platform. Its handle is made once (``_blas``: threadpoolctl's per-call ``threadpool_limits``
# scans the loaded libraries every time, far too slow per product); setting and restoring a limit
# through it costs about five times OpenBLAS's own C calls, microseconds per product, which stays
# far below the noise of a training step.
GEMM_PARALLEL_MIN_FLOPS = 1 << 28  # 2 * M * N * K; a few ms of one core's GEMM


@functools.cache
def _blas():
    """threadpoolctl's handle on the BLAS libraries this process loaded (made on first use)."""
    return ThreadpoolController().select(user_api="blas")


def blas_threads():
    """The BLAS thread count now (of the first BLAS library NumPy uses; None where none is
    found)."""
    libraries = _blas().info()
    return libraries[0]["num_threads"] if libraries else None


def set_blas_threads(n):
    """Use at most ``n`` BLAS threads from now on."""
    _blas().limit(limits=int(n))


@contextlib.contextmanager
def blas_threads_for(flops):
    """Run the block's NumPy matrix products on one BLAS thread if ``flops`` are too few."""
    if flops >= GEMM_PARALLEL_MIN_FLOPS:
        yield
        return
    with _blas().limit(limits=1):
        yield


# ------------------------------------------------------------------ Python threads over blocks
# A convolution by im2col + GEMM used to run each step on all threads in turn: the GEMM then read
# columns that the other core had just written and still held, and took about twice as long as
# it takes alone (the plain conv SNN's second layer). Now each
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
