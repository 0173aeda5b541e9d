"""The fully connected layer on mostly-zero input (spikes): forward and weight gradient.

``sparse_linear_forward`` and ``sparse_linear_weight_grad`` run the Numba kernels (``cpu.py``);
``reference.py`` is their specification. ``functional/dense.py`` calls them for NumPy input whose
measured density is at most ``kernels.sparsity.LINEAR_SPARSE_MAX_DENSITY``; CuPy and denser
input take one GEMM.
"""

from .cpu import sparse_linear_forward, sparse_linear_weight_grad

__all__ = ["sparse_linear_forward", "sparse_linear_weight_grad"]
