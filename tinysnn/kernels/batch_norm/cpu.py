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
