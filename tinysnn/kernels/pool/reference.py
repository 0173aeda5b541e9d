"""2-D average and max pooling on [N, C, H, W]: the specification (plain array code).

Window (ho, wo) covers input rows h = ho*sh - ph + i (i < kh) and columns w = wo*sw - pw + j
(j < kw); positions outside the input are padding.

* average: y = (sum of the window's inputs) / (kh*kw), padding counting as 0
  (PyTorch's count_include_pad=True); backward spreads g / (kh*kw) over the window.
* max: y = the largest input in the window (padding never wins; a NaN wins and propagates,
  as in PyTorch; on ties, or when every input is -inf, the first in row-major order wins).
  The argmax is kept as the offset i*kw + j inside the window (uint8 when kh*kw <= 256,
  else int32); backward sends g to that one input.

These versions loop only over the kh*kw window offsets, one strided slice each; they are what
the Numba kernels (``cpu.py``) are tested against, and what runs on CuPy.
"""

import numpy as np

from ...backend import xp_of
from ..conv.reference import output_size


def _out_shape(x_shape, kernel, stride, padding):
    n_batch, channels, height, width = x_shape
    return (n_batch, channels, output_size(height, kernel[0], stride[0], padding[0]),
            output_size(width, kernel[1], stride[1], padding[1]))


def argmax_dtype(kernel):
    """uint8 offsets while a window has at most 256 elements, else int32."""
    return np.uint8 if kernel[0] * kernel[1] <= 256 else np.int32


def _window(a, i, j, stride, out_hw):
    """a[:, :, i + sh*ho, j + sw*wo] for all (ho, wo): a strided view [N, C, Ho, Wo]."""
    (sh, sw), (ho_n, wo_n) = stride, out_hw
    return a[:, :, i : i + sh * (ho_n - 1) + 1 : sh, j : j + sw * (wo_n - 1) + 1 : sw]


def _pad(a, padding, value):
    (ph, pw), xp = padding, xp_of(a)
    return xp.pad(a, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def avg_pool_forward(x, kernel, stride, padding):
    """x: [B, C, H, W] -> the mean of each window, [B, C, H_out, W_out] (zero padding counted)."""
    xp, out_shape = xp_of(x), _out_shape(x.shape, kernel, stride, padding)
    xpad, total = _pad(x, padding, 0), xp.zeros(out_shape, x.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            total += _window(xpad, i, j, stride, out_shape[2:])
    return total / (kernel[0] * kernel[1])


def avg_pool_backward(grad, x_shape, kernel, stride, padding):
    """grad: [B, C, H_out, W_out] -> dx [B, C, H, W]: each window gets grad / its size."""
    (ph, pw), (_, _, height, width) = padding, x_shape
    xp, share = xp_of(grad), grad / (kernel[0] * kernel[1])
    dpad = xp.zeros((*x_shape[:2], height + 2 * ph, width + 2 * pw), grad.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            _window(dpad, i, j, stride, grad.shape[2:])[...] += share
    return dpad[:, :, ph : ph + height, pw : pw + width]


def max_pool_forward(x, kernel, stride, padding):
    """x: [B, C, H, W] -> (the max of each window, the flat index of that max in its window)."""
    xp, out_shape = xp_of(x), _out_shape(x.shape, kernel, stride, padding)
    xpad = _pad(x, padding, 0)
    inside = _pad(xp.ones(x.shape[2:], bool)[None, None], padding, False)  # [1, 1, Hp, Wp]
    best = xp.zeros(out_shape, x.dtype)
    argmax = xp.full(out_shape, -1, np.int32)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            v = _window(xpad, i, j, stride, out_shape[2:])
            beats = ~xp.isnan(best) & ~(v <= best)  # v > best, or v is the first NaN
            take = _window(inside, i, j, stride, out_shape[2:]) & ((argmax < 0) | beats)
            best = xp.where(take, v, best)
            argmax = xp.where(take, i * kernel[1] + j, argmax)
    return best, argmax.astype(argmax_dtype(kernel))


def max_pool_backward(grad, argmax, x_shape, kernel, stride, padding):
    """grad: [B, C, H_out, W_out] -> dx [B, C, H, W]: each window's grad goes to its max."""
    (ph, pw), (_, _, height, width) = padding, x_shape
    xp = xp_of(grad)
    dpad = xp.zeros((*x_shape[:2], height + 2 * ph, width + 2 * pw), grad.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            _window(dpad, i, j, stride, grad.shape[2:])[...] += xp.where(
                argmax == i * kernel[1] + j, grad, 0
            )
    return dpad[:, :, ph : ph + height, pw : pw + width]
