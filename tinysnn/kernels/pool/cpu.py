"""2-D average and max pooling in Numba (the window rules and the specification: ``reference.py``).

The kernels run one (n, c) plane per ``prange`` iteration, so backward's ``+=`` onto
overlapping windows never races.
"""

import numpy as np
from numba import njit, prange

from ..threads import threads_for
from .reference import _out_shape, argmax_dtype


# Average pooling walks one output row at a time and, for each window offset (i, j), one
# strided input row. A row that lies wholly inside the input (no padding reached) runs without
# bounds checks, and strides 1 and 2 get loops of their own, which LLVM vectorises. Max pooling
# loops over each window, clipped to the input once per window rather than checked per element.
@njit(cache=True, inline="always")
def _row_add(out, row, stride, start):
    """out[o] += row[o*stride + start] for every o whose index lies inside row."""
    n = out.shape[0]
    if start >= 0 and (n - 1) * stride + start < row.shape[0]:
        if stride == 1:
            for o in range(n):
                out[o] += row[o + start]
        elif stride == 2:
            for o in range(n):
                out[o] += row[2 * o + start]
        else:
            for o in range(n):
                out[o] += row[o * stride + start]
    else:
        for o in range(n):
            w = o * stride + start
            if 0 <= w < row.shape[0]:
                out[o] += row[w]


@njit(cache=True, inline="always")
def _row_scatter_add(row, values, stride, start, scale):
    """row[o*stride + start] += scale * values[o] for every o whose index lies inside row."""
    n = values.shape[0]
    if start >= 0 and (n - 1) * stride + start < row.shape[0]:
        if stride == 1:
            for o in range(n):
                row[o + start] += scale * values[o]
        elif stride == 2:
            for o in range(n):
                row[2 * o + start] += scale * values[o]
        else:
            for o in range(n):
                row[o * stride + start] += scale * values[o]
    else:
        for o in range(n):
            w = o * stride + start
            if 0 <= w < row.shape[0]:
                row[w] += scale * values[o]


# inv_area = 1 / (kh*kw) comes in x's dtype: a float64 factor would turn float32 loops scalar.
@njit(cache=True, parallel=True)
def _avg_forward_numba(x, kh, kw, sh, sw, ph, pw, inv_area, y):
    n_batch, channels, height, width = x.shape
    planes, ho_n, wo_n = n_batch * channels, y.shape[2], y.shape[3]
    x3, y3 = x.reshape(planes, height, width), y.reshape(planes, ho_n, wo_n)
    for p in prange(planes):
        for ho in range(ho_n):
            out = y3[p, ho]
            for wo in range(wo_n):
                out[wo] = 0
            for i in range(kh):
                h = ho * sh - ph + i
                if 0 <= h < height:
                    for j in range(kw):
                        _row_add(out, x3[p, h], sw, j - pw)
            for wo in range(wo_n):
                out[wo] *= inv_area  # y = sum(window) / (kh*kw)


@njit(cache=True, parallel=True)
def _avg_backward_numba(grad, kh, kw, sh, sw, ph, pw, inv_area, dx):
    n_batch, channels, height, width = dx.shape
    planes, ho_n = n_batch * channels, grad.shape[2]
    g3, dx3 = grad.reshape(planes, ho_n, grad.shape[3]), dx.reshape(planes, height, width)
    for p in prange(planes):
        for h in range(height):
            for w in range(width):
                dx3[p, h, w] = 0
        for ho in range(ho_n):
            for i in range(kh):
                h = ho * sh - ph + i
                if 0 <= h < height:
                    for j in range(kw):  # dy/dx = 1/(kh*kw) for each input of the window
                        _row_scatter_add(dx3[p, h], g3[p, ho], sw, j - pw, inv_area)


@njit(cache=True, parallel=True)
def _max_forward_numba(x, kh, kw, sh, sw, ph, pw, y, argmax):
    n_batch, channels, height, width = x.shape
    planes, ho_n, wo_n = n_batch * channels, y.shape[2], y.shape[3]
    x3, y3 = x.reshape(planes, height, width), y.reshape(planes, ho_n, wo_n)
    argmax3 = argmax.reshape(planes, ho_n, wo_n)
    for p in prange(planes):
        for ho in range(ho_n):
            for wo in range(wo_n):
                top, left = ho * sh - ph, wo * sw - pw  # window element (i, j): top + i, left + j
                if top >= 0 and left >= 0 and top + kh <= height and left + kw <= width:
                    i_lo, i_hi, j_lo, j_hi = 0, kh, 0, kw
                else:  # a window reaching into the padding: keep its inside part
                    i_lo, i_hi = max(0, -top), min(kh, height - top)
                    j_lo, j_hi = max(0, -left), min(kw, width - left)
                best = x3[p, top + i_lo, left + j_lo]
                best_k = i_lo * kw + j_lo
                for i in range(i_lo, i_hi):
                    for j in range(j_lo, j_hi):
                        v = x3[p, top + i, left + j]
                        if not v <= best:  # v > best, or v is NaN ...
                            if not np.isnan(best):  # ... unless a NaN already won
                                best = v
                                best_k = i * kw + j
                y3[p, ho, wo] = best
                argmax3[p, ho, wo] = best_k


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


# The MA-SNN's pools are 2x2 with stride 2 on even sides: windows that tile the input. Written
# out for that case, the four reads (or writes) of each window are fixed strided accesses that
# LLVM vectorises; on [256, 16, 32, 32] float32 this ran about 5x faster forward and 3x faster
# backward than the general kernels above.
@njit(cache=True, parallel=True)
def _avg2x2_forward_numba(x, y):
    n_batch, channels, height, width = x.shape
    planes, ho_n, wo_n = n_batch * channels, y.shape[2], y.shape[3]
    x3, y3 = x.reshape(planes, height, width), y.reshape(planes, ho_n, wo_n)
    quarter = x.dtype.type(0.25)
    for p in prange(planes):
        for ho in range(ho_n):
            top, bottom, out = x3[p, 2 * ho], x3[p, 2 * ho + 1], y3[p, ho]
            for wo in range(wo_n):  # y = (sum of the 2x2 window) / 4
                j = 2 * wo
                out[wo] = (top[j] + top[j + 1] + bottom[j] + bottom[j + 1]) * quarter


@njit(cache=True, parallel=True)
def _avg2x2_backward_numba(grad, dx):
    n_batch, channels, height, width = dx.shape
    planes, ho_n, wo_n = n_batch * channels, grad.shape[2], grad.shape[3]
    g3, dx3 = grad.reshape(planes, ho_n, wo_n), dx.reshape(planes, height, width)
    quarter = grad.dtype.type(0.25)
    for p in prange(planes):
        for ho in range(ho_n):
            top, bottom, g = dx3[p, 2 * ho], dx3[p, 2 * ho + 1], g3[p, ho]
            for wo in range(wo_n):  # every input of the window gets g / 4
                j, share = 2 * wo, g[wo] * quarter
                top[j], top[j + 1], bottom[j], bottom[j + 1] = share, share, share, share


def _tiles_2x2(x_shape, kernel, stride, padding):
    """True when the 2x2, stride-2 windows tile the input exactly (no padding, even sides)."""
    return (tuple(kernel) == (2, 2) and tuple(stride) == (2, 2) and tuple(padding) == (0, 0)
            and x_shape[2] % 2 == 0 and x_shape[3] % 2 == 0)


def avg_pool_forward(x, kernel, stride, padding):
    """x: [N, C, H, W] -> y: [N, C, Ho, Wo]."""
    y = np.empty(_out_shape(x.shape, kernel, stride, padding), x.dtype)
    if _tiles_2x2(x.shape, kernel, stride, padding):
        with threads_for(x.size):
            _avg2x2_forward_numba(np.ascontiguousarray(x), y)
        return y
    inv_area = x.dtype.type(1 / (kernel[0] * kernel[1]))
    with threads_for(x.size):
        _avg_forward_numba(np.ascontiguousarray(x), *kernel, *stride, *padding, inv_area, y)
    return y


def avg_pool_backward(grad, x_shape, kernel, stride, padding):
    """grad: [N, C, Ho, Wo] -> dx: [N, C, H, W]."""
    dx = np.empty(x_shape, grad.dtype)
    if _tiles_2x2(x_shape, kernel, stride, padding):
        with threads_for(dx.size):
            _avg2x2_backward_numba(np.ascontiguousarray(grad), dx)
        return dx
    inv_area = grad.dtype.type(1 / (kernel[0] * kernel[1]))
    with threads_for(dx.size):
        _avg_backward_numba(np.ascontiguousarray(grad), *kernel, *stride, *padding, inv_area, dx)
    return dx


def max_pool_forward(x, kernel, stride, padding):
    """x: [N, C, H, W] -> (y: [N, C, Ho, Wo], argmax offsets: [N, C, Ho, Wo])."""
    out_shape = _out_shape(x.shape, kernel, stride, padding)
    y = np.empty(out_shape, x.dtype)
    argmax = np.empty(out_shape, argmax_dtype(kernel))
    with threads_for(x.size):
        _max_forward_numba(np.ascontiguousarray(x), *kernel, *stride, *padding, y, argmax)
    return y, argmax


def max_pool_backward(grad, argmax, x_shape, kernel, stride, padding):
    """grad: [N, C, Ho, Wo] -> dx: [N, C, H, W], each g added onto its window's argmax."""
    dx = np.empty(x_shape, grad.dtype)
    with threads_for(dx.size):
        _max_backward_numba(np.ascontiguousarray(grad), argmax, kernel[1], *stride, *padding, dx)
    return dx
