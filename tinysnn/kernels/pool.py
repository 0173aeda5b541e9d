"""2-D average and max pooling on [N, C, H, W]: Numba kernels and plain array references.

Window (ho, wo) covers input rows h = ho*sh - ph + i (i < kh) and columns w = wo*sw - pw + j
(j < kw); positions outside the input are padding.

* average: y = (sum of the window's inputs) / (kh*kw), padding counting as 0
  (PyTorch's count_include_pad=True); backward spreads g / (kh*kw) over the window.
* max: y = the largest input in the window (padding never wins; a NaN wins and propagates,
  as in PyTorch; on ties the first in row-major order wins). The argmax is kept as the
  offset i*kw + j inside the window (uint8 when kh*kw <= 256, else int32); backward sends
  g to that one input.

The Numba kernels run one (n, c) plane per ``prange`` iteration, so backward's ``+=`` onto
overlapping windows never races. The plain versions loop only over the kh*kw offsets and are
what runs on CuPy.
"""

import numpy as np
from numba import njit, prange

from ..backend import is_cupy, xp_of
from .im2col import output_size
from .threads import for_size, serial_twin


def _out_shape(x_shape, kernel, stride, padding):
    n_batch, channels, height, width = x_shape
    return (n_batch, channels, output_size(height, kernel[0], stride[0], padding[0]),
            output_size(width, kernel[1], stride[1], padding[1]))


def argmax_dtype(kernel):
    """uint8 offsets while a window has at most 256 elements, else int32."""
    return np.uint8 if kernel[0] * kernel[1] <= 256 else np.int32


# ------------------------------------------------------------------------ Numba kernels
@njit(cache=True, parallel=True)
def _avg_forward_numba(x, kh, kw, sh, sw, ph, pw, y):
    n_batch, channels, height, width = x.shape
    inv_area = 1.0 / (kh * kw)
    for plane in prange(n_batch * channels):
        n, c = plane // channels, plane % channels
        for ho in range(y.shape[2]):
            for wo in range(y.shape[3]):
                total = 0.0
                for i in range(kh):
                    h = ho * sh - ph + i
                    if 0 <= h < height:
                        for j in range(kw):
                            w = wo * sw - pw + j
                            if 0 <= w < width:
                                total += x[n, c, h, w]
                y[n, c, ho, wo] = total * inv_area  # y = sum(window) / (kh*kw)


@njit(cache=True, parallel=True)
def _avg_backward_numba(grad, kh, kw, sh, sw, ph, pw, dx):
    n_batch, channels, height, width = dx.shape
    inv_area = 1.0 / (kh * kw)
    for plane in prange(n_batch * channels):
        n, c = plane // channels, plane % channels
        dx[n, c] = 0
        for ho in range(grad.shape[2]):
            for wo in range(grad.shape[3]):
                share = grad[n, c, ho, wo] * inv_area  # dy/dx = 1/(kh*kw) for each window input
                for i in range(kh):
                    h = ho * sh - ph + i
                    if 0 <= h < height:
                        for j in range(kw):
                            w = wo * sw - pw + j
                            if 0 <= w < width:
                                dx[n, c, h, w] += share


@njit(cache=True, parallel=True)
def _max_forward_numba(x, kh, kw, sh, sw, ph, pw, y, argmax):
    n_batch, channels, height, width = x.shape
    for plane in prange(n_batch * channels):
        n, c = plane // channels, plane % channels
        for ho in range(y.shape[2]):
            for wo in range(y.shape[3]):
                best, best_k = x[n, c, 0, 0], -1
                for i in range(kh):
                    h = ho * sh - ph + i
                    if 0 <= h < height:
                        for j in range(kw):
                            w = wo * sw - pw + j
                            if 0 <= w < width:
                                v = x[n, c, h, w]
                                # v > best, or v is the first NaN
                                if best_k < 0 or (not np.isnan(best) and not v <= best):
                                    best, best_k = v, i * kw + j
                y[n, c, ho, wo] = best
                argmax[n, c, ho, wo] = best_k


@njit(cache=True, parallel=True)
def _max_backward_numba(grad, argmax, kw, sh, sw, ph, pw, dx):
    n_batch, channels = dx.shape[0], dx.shape[1]
    for plane in prange(n_batch * channels):
        n, c = plane // channels, plane % channels
        dx[n, c] = 0
        for ho in range(grad.shape[2]):
            for wo in range(grad.shape[3]):
                k = argmax[n, c, ho, wo]
                i, j = k // kw, k % kw
                dx[n, c, ho * sh - ph + i, wo * sw - pw + j] += grad[n, c, ho, wo]


_avg_forward_numba_serial = serial_twin(_avg_forward_numba)
_avg_backward_numba_serial = serial_twin(_avg_backward_numba)
_max_forward_numba_serial = serial_twin(_max_forward_numba)
_max_backward_numba_serial = serial_twin(_max_backward_numba)


# ------------------------------------------------------------------ plain array versions
def _window(a, i, j, stride, out_hw):
    """a[:, :, i + sh*ho, j + sw*wo] for all (ho, wo): a strided view [N, C, Ho, Wo]."""
    (sh, sw), (ho_n, wo_n) = stride, out_hw
    return a[:, :, i : i + sh * (ho_n - 1) + 1 : sh, j : j + sw * (wo_n - 1) + 1 : sw]


def _pad(a, padding, value):
    (ph, pw), xp = padding, xp_of(a)
    return xp.pad(a, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def avg_pool_forward_reference(x, kernel, stride, padding):
    xp, out_shape = xp_of(x), _out_shape(x.shape, kernel, stride, padding)
    xpad, total = _pad(x, padding, 0), xp.zeros(out_shape, x.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            total += _window(xpad, i, j, stride, out_shape[2:])
    return total / (kernel[0] * kernel[1])


def avg_pool_backward_reference(grad, x_shape, kernel, stride, padding):
    (ph, pw), (_, _, height, width) = padding, x_shape
    xp, share = xp_of(grad), grad / (kernel[0] * kernel[1])
    dpad = xp.zeros((*x_shape[:2], height + 2 * ph, width + 2 * pw), grad.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            _window(dpad, i, j, stride, grad.shape[2:])[...] += share
    return dpad[:, :, ph : ph + height, pw : pw + width]


def max_pool_forward_reference(x, kernel, stride, padding):
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


def max_pool_backward_reference(grad, argmax, x_shape, kernel, stride, padding):
    (ph, pw), (_, _, height, width) = padding, x_shape
    xp = xp_of(grad)
    dpad = xp.zeros((*x_shape[:2], height + 2 * ph, width + 2 * pw), grad.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            _window(dpad, i, j, stride, grad.shape[2:])[...] += xp.where(
                argmax == i * kernel[1] + j, grad, 0
            )
    return dpad[:, :, ph : ph + height, pw : pw + width]


# ------------------------------------------------------------------------- dispatchers
def avg_pool_forward(x, kernel, stride, padding):
    """x: [N, C, H, W] -> y: [N, C, Ho, Wo]."""
    if is_cupy(x):
        return avg_pool_forward_reference(x, kernel, stride, padding)
    y = np.empty(_out_shape(x.shape, kernel, stride, padding), x.dtype)
    kernel_fn = for_size(_avg_forward_numba, _avg_forward_numba_serial, x.size)
    kernel_fn(np.ascontiguousarray(x), *kernel, *stride, *padding, y)
    return y


def avg_pool_backward(grad, x_shape, kernel, stride, padding):
    """grad: [N, C, Ho, Wo] -> dx: [N, C, H, W]."""
    if is_cupy(grad):
        return avg_pool_backward_reference(grad, x_shape, kernel, stride, padding)
    dx = np.empty(x_shape, grad.dtype)
    kernel_fn = for_size(_avg_backward_numba, _avg_backward_numba_serial, dx.size)
    kernel_fn(np.ascontiguousarray(grad), *kernel, *stride, *padding, dx)
    return dx


def max_pool_forward(x, kernel, stride, padding):
    """x: [N, C, H, W] -> (y: [N, C, Ho, Wo], argmax offsets: [N, C, Ho, Wo])."""
    if is_cupy(x):
        return max_pool_forward_reference(x, kernel, stride, padding)
    out_shape = _out_shape(x.shape, kernel, stride, padding)
    y = np.empty(out_shape, x.dtype)
    argmax = np.empty(out_shape, argmax_dtype(kernel))
    kernel_fn = for_size(_max_forward_numba, _max_forward_numba_serial, x.size)
    kernel_fn(np.ascontiguousarray(x), *kernel, *stride, *padding, y, argmax)
    return y, argmax


def max_pool_backward(grad, argmax, x_shape, kernel, stride, padding):
    """grad: [N, C, Ho, Wo] -> dx: [N, C, H, W], each g added onto its window's argmax."""
    if is_cupy(grad):
        return max_pool_backward_reference(grad, argmax, x_shape, kernel, stride, padding)
    dx = np.empty(x_shape, grad.dtype)
    kernel_fn = for_size(_max_backward_numba, _max_backward_numba_serial, dx.size)
    kernel_fn(np.ascontiguousarray(grad), argmax, kernel[1], *stride, *padding, dx)
    return dx
