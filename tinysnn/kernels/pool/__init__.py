"""2-D average and max pooling on [N, C, H, W] (the window rules: reference.py).

Each entry point runs the Numba kernels (``cpu.py``) on NumPy arrays and the plain array code
(``reference.py``) on CuPy arrays.
"""

from ...backend import is_cupy
from . import cpu, reference
from .reference import argmax_dtype


def _backend(array):
    return reference if is_cupy(array) else cpu


def avg_pool_forward(x, kernel, stride, padding):
    """x: [N, C, H, W] -> y: [N, C, Ho, Wo]."""
    return _backend(x).avg_pool_forward(x, kernel, stride, padding)


def avg_pool_backward(grad, x_shape, kernel, stride, padding):
    """grad: [N, C, Ho, Wo] -> dx: [N, C, H, W]."""
    return _backend(grad).avg_pool_backward(grad, x_shape, kernel, stride, padding)


def max_pool_forward(x, kernel, stride, padding):
    """x: [N, C, H, W] -> (y: [N, C, Ho, Wo], argmax offsets: [N, C, Ho, Wo])."""
    return _backend(x).max_pool_forward(x, kernel, stride, padding)


def max_pool_backward(grad, argmax, x_shape, kernel, stride, padding):
    """grad: [N, C, Ho, Wo] -> dx: [N, C, H, W], each g added onto its window's argmax."""
    return _backend(grad).max_pool_backward(grad, argmax, x_shape, kernel, stride, padding)


__all__ = ["argmax_dtype", "avg_pool_backward", "avg_pool_forward", "max_pool_backward",
           "max_pool_forward"]
