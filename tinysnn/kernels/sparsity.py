"""The one rule for when a layer runs its event-driven (sparse) kernels instead of a GEMM.

Convolution and linear layers after the first read spikes, and most of them are 0. Their sparse
kernels (``kernels/conv/cpu.py``, ``kernels/linear/cpu.py``) do work in proportion to the
non-zero inputs; a GEMM does the same work whatever the input. Each call counts the non-zeros of
its input (one fast pass) and takes the sparse kernels when at most ``SPARSE_MAX_DENSITY`` of them
are non-zero, so a dense input never gets slower. The break-even was measured with
``benchmarks/bench_sparse.py``: below it the sparse kernels win, above it the GEMM does.

Setting ``SPARSE_MAX_DENSITY`` to 0 (never sparse) or 1 (always, when on the CPU) forces one
path, e.g. to compare them.
"""

import numpy as np

from ..backend import is_cupy

SPARSE_MAX_DENSITY = 0.15  # fraction of non-zero inputs up to which the sparse kernels win


def _count_nonzero(x):
    """np.count_nonzero, read as integers where it can: twice as fast as on floats (-0.0 then
    counts as non-zero, which only makes a call a little less likely to take the sparse path)."""
    if x.flags.c_contiguous and x.dtype.kind == "f":
        x = x.view(np.dtype(f"i{x.itemsize}"))
    return int(np.count_nonzero(x))


def density(x):
    """Fraction of non-zero entries of a NumPy array (0 for an empty one)."""
    return int(np.count_nonzero(x)) / x.size if x.size else 0.0


def takes_sparse_path(x):
    """True when a NumPy input is sparse enough for the event-driven kernels."""
    if is_cupy(x) or x.size == 0 or SPARSE_MAX_DENSITY <= 0:
        return False
    return _count_nonzero(x) <= SPARSE_MAX_DENSITY * x.size
