"""Shared helpers for the benchmark scripts: timing, the machine's reference rates, tables.

    from _measure import median_ms, gemm_gflops, copy_bandwidth_gbs, table, torch_or_none

Numbers are medians over repeats (the machine is shared; a median ignores the odd slow run).
``gemm_gflops`` and ``copy_bandwidth_gbs`` measure what this machine can do right now, so a
benchmark can report its op as a fraction of the compute bound (GEMM) or the memory bound (copy).
"""

import time

import numpy as np

from tinysnn.app.process import tune_process

tune_process()  # as the command line does for its own process


def median_ms(fn, repeats=20, warmup=3, clock=time.perf_counter):
    """Median time of ``fn()`` in milliseconds, after ``warmup`` untimed calls.

    clock: ``time.perf_counter`` (wall time, the default) or ``time.process_time`` (CPU time
    of this process: on a busy machine, single-threaded code is timed without the time other
    processes held the core).
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return 1e3 * float(np.median(times))


def gemm_gflops(dtype=np.float32, n=1024, repeats=10, clock=time.perf_counter):
    """The machine's matrix-multiply rate in GFLOP/s: an n x n GEMM through NumPy's BLAS.

    An n x n by n x n product costs 2 n^3 floating-point operations.
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    out = np.empty((n, n), dtype)
    ms = median_ms(lambda: np.matmul(a, b, out=out), repeats=repeats, warmup=2, clock=clock)
    return 2.0 * n**3 / (ms * 1e6)


def copy_bandwidth_gbs(nbytes=256 * 2**20, repeats=10, clock=time.perf_counter):
    """Memory bandwidth in GB/s from a large array copy (bytes read + bytes written per second).

    The default 256 MiB is far beyond the caches, so this is the DRAM rate an op that streams
    its arrays once can hope for.
    """
    src = np.ones(nbytes // 8, np.float64)
    dst = np.empty_like(src)
    ms = median_ms(lambda: np.copyto(dst, src), repeats=repeats, warmup=2, clock=clock)
    return 2.0 * src.nbytes / (ms * 1e6)


def limit_threads(n):
    """Run Numba kernels, BLAS and (if installed) torch on ``n`` threads from now on.

    BLAS is limited through threadpoolctl when it is installed; else set OPENBLAS_NUM_THREADS
    (or MKL_NUM_THREADS) before starting Python. Returns a line saying what was limited.
    """
    import numba

    numba.set_num_threads(n)
    done = ["numba"]
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        pass
    else:
        threadpool_limits(n)
        done.append("BLAS")
    torch = torch_or_none()
    if torch is not None:
        torch.set_num_threads(n)
        done.append("torch")
    return f"{n} thread(s) for {', '.join(done)}"


def table(rows, headers):
    """Print ``rows`` (sequences of values) under ``headers`` as an aligned text table.

    The first column is left-aligned, the others right-aligned. Floats are shown with
    3 significant digits; everything else with ``str``.
    """
    cells = [list(headers)] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in cells]
    print("\n".join([lines[0], "-" * len(lines[0]), *lines[1:]]))


def _cell(value):
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1e4 else f"{value:.0f}"
    return str(value)


def torch_or_none():
    """The ``torch`` module when it is installed (for comparison columns), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch
