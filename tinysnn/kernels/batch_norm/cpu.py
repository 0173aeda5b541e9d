"""Batch normalisation in Numba (the formulas and the specification: ``reference.py``).

The kernels run one channel per ``prange`` iteration and read it twice in a row, so the second
pass finds the channel in cache: the array streams from memory about once.
"""

import numpy as np
from numba import njit, prange

from ..threads import threads_for


@njit(cache=True, parallel=True, fastmath={"reassoc", "contract"})
def _forward_numba(x, weight, bias, eps, training, mean, var, y):
    n_batch, channels, length = x.shape
    count = n_batch * length
    for c in prange(channels):
        if training:  # shifted sums: d = x - x[0, c, 0] keeps sum(d^2) free of cancellation
            shift = x[0, c, 0]
            total, squares = 0.0, 0.0
            for n in range(n_batch):
                for i in range(length):
                    d = x[n, c, i] - shift
                    total += d
                    squares += d * d
            mean_d = total / count
            mean[c] = shift + mean_d
            var[c] = max(squares / count - mean_d * mean_d, 0.0)  # E[d^2] - E[d]^2
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
        sum_g, sum_g_centered = 0.0, 0.0
        for n in range(n_batch):
            for i in range(length):
                g = grad[n, c, i]
                sum_g += g
                sum_g_centered += g * (x[n, c, i] - mean[c])
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
# written in one pass.
@njit(cache=True, parallel=True, fastmath={"reassoc", "contract"})
def _pool_forward_numba(x, weight, bias, eps, training, k, mean, var, y):
    """x: [N, C, H, W] -> y: [N, C, H/k, W/k] = avg_pool(batch_norm(x)); mean, var: [C]."""
    n_batch, channels, height, width = x.shape
    ho_n, wo_n = height // k, width // k
    count = n_batch * height * width
    for c in prange(channels):
        if training:  # shifted sums, as in _forward_numba
            shift = x[0, c, 0, 0]
            total, squares = 0.0, 0.0
            for n in range(n_batch):
                for h in range(height):
                    for w in range(width):
                        d = x[n, c, h, w] - shift
                        total += d
                        squares += d * d
            mean_d = total / count
            mean[c] = shift + mean_d
            var[c] = max(squares / count - mean_d * mean_d, 0.0)
        scale = weight[c] / np.sqrt(var[c] + eps)
        offset = bias[c] - mean[c] * scale
        per_window = scale / (k * k)
        columns = np.empty(width, x.dtype)
        for n in range(n_batch):
            for ho in range(ho_n):
                columns[:] = x[n, c, ho * k]  # the window rows summed first: contiguous adds
                for a in range(1, k):
                    row = x[n, c, ho * k + a]
                    for w in range(width):
                        columns[w] += row[w]
                for wo in range(wo_n):
                    window = columns[wo * k]
                    for b in range(1, k):
                        window += columns[wo * k + b]
                    y[n, c, ho, wo] = window * per_window + offset  # scale * mean + offset


@njit(cache=True, inline="always")
def _spread(g_row, k, area, dy_row):
    """dy_row[wo*k + b] = g_row[wo] / area: a pooled row's gradient over its input row."""
    for wo in range(g_row.shape[0]):
        value = g_row[wo] / area
        for b in range(k):
            dy_row[wo * k + b] = value


@njit(cache=True, parallel=True, fastmath={"reassoc", "contract"})
def _pool_backward_numba(grad, x, weight, mean, var, eps, training, k, dx, dweight, dbias):
    """grad: [N, C, H/k, W/k] -> dx: [N, C, H, W]; dweight, dbias: [C].

    With dy = grad / k^2 on every element of its window (spread along a row into ``dy_row``):
    dbias = sum(dy) = sum(grad); dweight = sum(dy * xhat).
    """
    n_batch, channels, height, width = x.shape
    ho_n = grad.shape[2]
    count = n_batch * height * width
    area = k * k
    for c in prange(channels):
        inv_std = 1.0 / np.sqrt(var[c] + eps)
        m = mean[c]
        dy_row = np.empty(width, x.dtype)
        sum_g, sum_g_centered = 0.0, 0.0
        for n in range(n_batch):
            for ho in range(ho_n):
                _spread(grad[n, c, ho], k, area, dy_row)  # the pool's gradient along a row
                for a in range(k):
                    row = x[n, c, ho * k + a]
                    for w in range(width):
                        sum_g += dy_row[w]
                        sum_g_centered += dy_row[w] * (row[w] - m)
        dbias[c] = sum_g
        dweight[c] = sum_g_centered * inv_std
        scale = weight[c] * inv_std
        mean_g = sum_g / count if training else 0.0
        mean_g_xhat = dweight[c] / count if training else 0.0
        for n in range(n_batch):
            for ho in range(ho_n):
                _spread(grad[n, c, ho], k, area, dy_row)
                for a in range(k):
                    row, out = x[n, c, ho * k + a], dx[n, c, ho * k + a]
                    for w in range(width):  # dx = scale (dy - mean(dy) - xhat mean(dy xhat))
                        out[w] = scale * (dy_row[w] - mean_g
                                          - (row[w] - m) * inv_std * mean_g_xhat)


def batch_norm_avg_pool_forward(x4, weight, bias, eps, training, k, mean=None, var=None):
    """``reference.batch_norm_avg_pool_forward`` in Numba -> (y [N, C, H/k, W/k], mean, var)."""
    channels = x4.shape[1]
    if training:
        mean, var = np.empty(channels), np.empty(channels)
    y = np.empty((x4.shape[0], channels, x4.shape[2] // k, x4.shape[3] // k), x4.dtype)
    with threads_for(x4.size):
        _pool_forward_numba(np.ascontiguousarray(x4), weight, bias, eps, training, k, mean, var, y)
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
