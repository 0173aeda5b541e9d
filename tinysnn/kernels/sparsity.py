"""The rules for when a layer runs its event-driven (sparse) kernels instead of a GEMM.

Convolution and linear layers after the first read spikes, and most of them are 0. Their sparse
kernels (``kernels/conv/cpu.py``, ``kernels/linear/cpu.py``) do work in proportion to the
non-zero inputs; a GEMM does the same work whatever the input. Each call counts the non-zeros of
its input (one fast pass) and takes the sparse kernels when at most ``SPARSE_MAX_DENSITY`` of them
are non-zero, so a dense input never gets slower. The same holds for a convolution's input
gradient: the LIF layer before it reads that gradient only where its surrogate slope is non-zero
(``LIFSequence.output_grad_support``), and when at most ``GRAD_SUPPORT_MAX_DENSITY`` of the
positions are wanted, only those are computed.

The limits come from the break-even densities measured with ``benchmarks/bench_sparse.py``:
below them the sparse kernels win, above them the GEMM does. For inputs that is 0.2-0.25 on the
MA-SNNs' layers (2 threads), but less on the small feature maps deep in a ResNet (4x4 to 1x1),
where the event kernels' zero border is most of the work: 0.15 keeps those on the GEMM. Setting
a limit to 0 (never sparse) or 1 (always, on the CPU) forces one path, e.g. to compare them.
"""

import numpy as np

from ..backend import is_cupy

SPARSE_MAX_DENSITY = 0.15  # convolutions: fraction of non-zero inputs up to which sparse wins
LINEAR_SPARSE_MAX_DENSITY = 0.005  # the same for linear layers
GRAD_SUPPORT_MAX_DENSITY = 0.25  # convolutions: fraction of wanted input gradients, the same


def _count_nonzero(x):
    """np.count_nonzero, read as integers where it can: twice as fast as on floats (-0.0 then
    counts as non-zero, which only makes a call a little less likely to take the sparse path)."""
    if x.flags.c_contiguous and x.dtype.kind == "f":
        x = x.view(np.dtype(f"i{x.itemsize}"))
    return int(np.count_nonzero(x))


def density(x):
    """Fraction of non-zero entries of a NumPy array (0 for an empty one)."""
    return int(np.count_nonzero(x)) / x.size if x.size else 0.0


def takes_sparse_path(x, linear=False):
    """True when a NumPy input is sparse enough for the event-driven kernels of a convolution
    (or, with ``linear``, of a linear layer)."""
    limit = LINEAR_SPARSE_MAX_DENSITY if linear else SPARSE_MAX_DENSITY
    if is_cupy(x) or x.size == 0 or limit <= 0:
        return False
    return _count_nonzero(x) <= limit * x.size


def takes_masked_path(support):
    """True when few enough input gradients are wanted (``support``: a boolean NumPy array or
    None) for a convolution to compute only those."""
    if support is None or is_cupy(support) or GRAD_SUPPORT_MAX_DENSITY <= 0:
        return False
    return _count_nonzero(support) <= GRAD_SUPPORT_MAX_DENSITY * support.size
