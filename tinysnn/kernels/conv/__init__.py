"""Convolution as one matrix product: im2col / col2im (layout and specification in reference.py).

``im2col`` and ``col2im`` run the Numba kernels (``cpu.py``) on NumPy arrays and the plain
array code (``reference.py``) on CuPy arrays. ``sparse_conv_forward`` and
``sparse_conv_weight_grad`` are the event-driven kernels for mostly-zero NumPy input (spikes);
``kernels.sparsity`` decides per call which path a convolution takes.
"""

from ...backend import is_cupy
from . import cpu, reference
from .cpu import scratch, sparse_conv_forward, sparse_conv_weight_grad
from .reference import output_size


def im2col(x, kh, kw, stride=(1, 1), padding=(0, 0), out=None):
    """x: [N, C, H, W] -> cols [C*kh*kw, N*Ho*Wo]; out: an optional NumPy array to fill."""
    if is_cupy(x):
        return reference.im2col(x, kh, kw, stride, padding)
    return cpu.im2col(x, kh, kw, stride, padding, out)


def col2im(cols, x_shape, kh, kw, stride=(1, 1), padding=(0, 0), out=None):
    """cols [C*kh*kw, N*Ho*Wo] -> dx [N, C, H, W], the adjoint of im2col; out: optional."""
    if is_cupy(cols):
        dx = reference.col2im(cols, x_shape, kh, kw, stride, padding)
        if out is None:
            return dx
        out[...] = dx
        return out
    return cpu.col2im(cols, x_shape, kh, kw, stride, padding, out)


__all__ = ["col2im", "im2col", "output_size", "scratch", "sparse_conv_forward",
           "sparse_conv_weight_grad"]
