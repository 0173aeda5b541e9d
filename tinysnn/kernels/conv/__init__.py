"""Convolution kernels: im2col / col2im for one GEMM, and event-driven kernels for spikes.

``im2col`` and ``col2im`` run the Numba kernels (``cpu.py``) on NumPy arrays and the plain
array code (``reference.py``) on CuPy arrays. ``event_conv_forward`` and
``event_conv_backward`` are the event-driven kernels of stride-1 convolutions on NumPy arrays:
forward and weight gradient from the non-zero inputs (spikes), the input gradient only where it
is wanted (``LIFSequence.output_grad_support``, asked through the tape); ``reference.py``
specifies them, and ``kernels.sparsity`` decides per call which path a convolution takes.
"""

from ...backend import is_cupy
from . import cpu, reference
from .cpu import event_conv_backward, event_conv_forward, scratch
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


def takes_events(x, weight, stride, padding):
    """True when the event-driven kernels can run this convolution: NumPy arrays, stride 1,
    padding below the kernel size (every output pixel's window reaches at least one input)."""
    kh, kw = weight.shape[2:]
    return (not is_cupy(x) and tuple(stride) == (1, 1) and padding[0] < kh
            and padding[1] < kw)


__all__ = ["col2im", "event_conv_backward", "event_conv_forward", "im2col", "output_size",
           "scratch", "takes_events"]
