"""Batch normalisation in Numba (the formulas and the specification: ``reference.py``).

The kernels run one channel per ``prange`` iteration and read it twice in a row, so the second
pass finds the channel in cache: the array streams from memory about once.
"""

import numpy as np
from numba import njit, prange

from ..threads import threads_for


@njit(cache=True, inline="always")
def _channel_statistics(x3, c, mean, var):
    """mean[c], var[c] = the batch mean and (biased) variance of channel c of x3 [N, C, L].

    Shifted sums: d = x - x[0, c, 0] keeps sum(d^2) free of cancellation; float64 totals of
    per-row sums in x's dtype (long contiguous loops that vectorize)."""
    shift = x3[0, c, 0]
    total, squares = 0.0, 0.0
    for n in range(x3.shape[0]):
        row = x3[n, c]
        row_total, row_squares = row.dtype.type(0), row.dtype.type(0)
        for i in range(row.size):
            d = row[i] - shift
            row_total += d
            row_squares += d * d
        total += row_total
        squares += row_squares
    count = x3.shape[0] * x3.shape[2]
    mean_d = total / count
    mean[c] = shift + mean_d
    var[c] = max(squares / count - mean_d * mean_d, 0.0)  # E[d^2] - E[d]^2


@njit(cache=True, parallel=True, fastmath={"reassoc", "contract"})
def _forward_numba(x, weight, bias, eps, training, mean, var, y):
    n_batch, channels, length = x.shape
    for c in prange(channels):
        if training:
            _channel_statistics(x, c, mean, var)
        scale = weight[c] / np.sqrt(var[c] + eps)
        offset = bias[c] - mean[c] * scale
        for n in range(n_batch):
            for i in range(length):
                y[n, c, i] = x[n, c, i] * scale + offset  # = weight * xhat + bias


@njit(cache=True, parallel=True, fastmath={"reassoc", "contract"})
def _backward_numba(grad, x, weight, mean, var, eps, training, need_dx, dx, dweight, dbias):
    n_batch, channels, length = x.shape
    count = n_batch * length
    for c in prange(channels):
        inv_std = 1.0 / np.sqrt(var[c] + eps)
        m = x.dtype.type(mean[c])
        sum_g, sum_g_centered = 0.0, 0.0
        for n in range(n_batch):  # float64 totals of per-row sums, as in _channel_statistics
            g_row, x_row = grad[n, c], x[n, c]
            row_g, row_centered = x.dtype.type(0), x.dtype.type(0)
            for i in range(length):
                row_g += g_row[i]
                row_centered += g_row[i] * (x_row[i] - m)
            sum_g += row_g
            sum_g_centered += row_centered
        dbias[c] = sum_g
        dweight[c] = sum_g_centered * inv_std  # sum(g * xhat)
        if not need_dx:
            continue
        scale = weight[c] * inv_std
        mean_g = sum_g / count if training else 0.0
        mean_g_xhat = dweight[c] / count if training else 0.0
        for n in range(n_batch):
            for i in range(length):
                xhat = (x[n, c, i] - mean[c]) * inv_std
                dx[n, c, i] = scale * (grad[n, c, i] - mean_g - xhat * mean_g_xhat)


def batch_norm_forward(x, weight, bias, eps, training, mean=None, var=None):
    """x: [N, C, L]; weight, bias: [C]. Returns (y [N, C, L], mean [C], var [C]) in float64
    for the statistics. Training computes mean and the biased var; eval uses those given."""
    channels = x.shape[1]
    if training:
        mean, var = np.empty(channels), np.empty(channels)
    y = np.empty_like(x)
    with threads_for(x.size):
        _forward_numba(np.ascontiguousarray(x), weight, bias, eps, training, mean, var, y)
    return y, mean, var


def batch_norm_backward(grad, x, weight, mean, var, eps, training, need_dx=True):
    """grad, x: [N, C, L] -> (dx [N, C, L] or None, dweight [C], dbias [C])."""
    channels = x.shape[1]
    dx = np.empty_like(x) if need_dx else np.empty((0, 0, 0), x.dtype)
    dweight, dbias = np.empty(channels), np.empty(channels)
    with threads_for(x.size):
        _backward_numba(np.ascontiguousarray(grad), np.ascontiguousarray(x), weight, mean, var,
                        eps, training, need_dx, dx, dweight, dbias)
    return (dx if need_dx else None), dweight, dbias


# ------------------------------------------------------------------ fused with a k x k average pool
# What these exploit: batch norm is a per-channel affine map, so it commutes with an average
# pool: pool(scale x + offset) = scale pool(x) + offset. The forward reads x once per channel for
# the statistics and once, from cache, for the window sums, and writes only the pooled output
# (1/k^2 of x); the normalised full-size array is never written or read back. The backward never
# forms the pool's full-size gradient either: its sums reduce to sums over windows, and dx is
# written in one pass. The 2 x 2 window (the MA-SNN's) is written out, so that the loops along a
# row vectorize even on the short rows of small feature maps.
@njit(cache=True, inline="always")
def _window_sums(x, n, c, ho, k, out):
    """out[wo] = sum of x[n, c] over the k x k window (ho, wo). k == 2 is written out, so the
    loop along wo vectorizes."""
    if k == 2:
        r0, r1 = x[n, c, 2 * ho], x[n, c, 2 * ho + 1]
        for wo in range(out.size):
            out[wo] = (r0[2 * wo] + r0[2 * wo + 1]) + (r1[2 * wo] + r1[2 * wo + 1])
    else:
        out[:] = 0
        for a in range(k):
            row = x[n, c, ho * k + a]
            for wo in range(out.size):
                for b in range(k):
                    out[wo] += row[wo * k + b]


@njit(cache=True, parallel=True, fastmath={"reassoc", "contract"})
def _pool_forward_numba(x, x3, weight, bias, eps, training, k, mean, var, y):
    """x: [N, C, H, W] (x3: the same as [N, C, H*W]) -> y: [N, C, H/k, W/k] =
    avg_pool(batch_norm(x)); mean, var: [C]."""
    n_batch, channels, height, width = x.shape
    for c in prange(channels):
        if training:
            _channel_statistics(x3, c, mean, var)
        scale = weight[c] / np.sqrt(var[c] + eps)
        offset = bias[c] - mean[c] * scale
        per_window = scale / (k * k)
        for n in range(n_batch):
            for ho in range(height // k):
                out = y[n, c, ho]
                _window_sums(x, n, c, ho, k, out)
                for wo in range(out.size):
                    out[wo] = out[wo] * per_window + offset  # scale * window mean + offset


@njit(cache=True, parallel=True, fastmath={"reassoc", "contract"})
def _pool_backward_numba(grad, x, weight, mean, var, eps, training, k, dx, dweight, dbias):
    """grad: [N, C, H/k, W/k] -> dx: [N, C, H, W]; dweight, dbias: [C].

    The pool spreads dy = grad / k^2 over every element of its window, so
    dbias = sum(dy) = sum(grad) and dweight = sum(dy * xhat) = sum(grad * window mean of xhat):
    both from the window sums of x, as forward takes them.
    """
    n_batch, channels, height, width = x.shape
    ho_n, wo_n = grad.shape[2], grad.shape[3]
    count = n_batch * height * width
    area = k * k
    for c in prange(channels):
        inv_std = 1.0 / np.sqrt(var[c] + eps)
        m = mean[c]
        sums = np.empty(wo_n, x.dtype)
        sum_g, sum_g_centered = 0.0, 0.0
        for n in range(n_batch):
            for ho in range(ho_n):
                g_row = grad[n, c, ho]
                _window_sums(x, n, c, ho, k, sums)
                for wo in range(wo_n):
                    sum_g += g_row[wo]
                    sum_g_centered += g_row[wo] * (sums[wo] / area - m)  # dy * (x - mean)
        dbias[c] = sum_g
        dweight[c] = sum_g_centered * inv_std
        scale = weight[c] * inv_std
        mean_g = sum_g / count if training else 0.0
        slope = inv_std * dweight[c] / count if training else 0.0  # xhat's factor: mean(dy xhat)
        for n in range(n_batch):  # dx = scale (dy - mean(dy) - xhat mean(dy xhat))
            for h in range(height):
                g_row, row, out = grad[n, c, h // k], x[n, c, h], dx[n, c, h]
                if k == 2:
                    for wo in range(wo_n):
                        base = g_row[wo] / area - mean_g
                        out[2 * wo] = scale * (base - (row[2 * wo] - m) * slope)
                        out[2 * wo + 1] = scale * (base - (row[2 * wo + 1] - m) * slope)
                else:
                    for w in range(width):
                        out[w] = scale * (g_row[w // k] / area - mean_g - (row[w] - m) * slope)


def batch_norm_avg_pool_forward(x4, weight, bias, eps, training, k, mean=None, var=None):
    """``reference.batch_norm_avg_pool_forward`` in Numba -> (y [N, C, H/k, W/k], mean, var)."""
    channels = x4.shape[1]
    if training:
        mean, var = np.empty(channels), np.empty(channels)
    y = np.empty((x4.shape[0], channels, x4.shape[2] // k, x4.shape[3] // k), x4.dtype)
    x4 = np.ascontiguousarray(x4)
    with threads_for(x4.size):
        _pool_forward_numba(x4, x4.reshape(x4.shape[0], channels, -1), weight, bias, eps,
                            training, k, mean, var, y)
    return y, mean, var


def batch_norm_avg_pool_backward(grad, x4, weight, mean, var, eps, training, k):
    """``reference.batch_norm_avg_pool_backward`` in Numba -> (dx, dweight [C], dbias [C])."""
    channels = x4.shape[1]
    dx = np.empty_like(x4)
    dweight, dbias = np.empty(channels), np.empty(channels)
    with threads_for(x4.size):
        _pool_backward_numba(np.ascontiguousarray(grad), np.ascontiguousarray(x4), weight, mean,
                             var, eps, training, k, dx, dweight, dbias)
    return dx, dweight, dbias
