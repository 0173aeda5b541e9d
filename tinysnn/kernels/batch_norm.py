"""Batch normalisation over [N, C, L] (L = H*W for images, 1 for features): kernels + reference.

Per channel c, over its M = N*L values:

    mean = sum(x) / M,  var = sum((x - mean)^2) / M    (biased: what normalisation uses)
    xhat = (x - mean) / sqrt(var + eps),   y = weight * xhat + bias

Backward (the compact form; g = dL/dy, sums over the channel's M values):

    dbias   = sum(g)
    dweight = sum(g * xhat)
    dx      = weight / sqrt(var + eps) * (g - sum(g) / M - xhat * sum(g * xhat) / M)   training
    dx      = weight / sqrt(var + eps) * g                                             eval

(in eval the statistics are constants, so only the first term remains).

The Numba kernels run one channel per ``prange`` iteration and read it twice in a row, so the
second pass finds the channel in cache: the array streams from memory about once. The plain
array versions are the reference and what runs on CuPy.
"""

import numpy as np
from numba import njit, prange

from ..backend import is_cupy, xp_of
from .threads import for_size, serial_twin


# ------------------------------------------------------------------------ Numba kernels
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


_forward_numba_serial = serial_twin(_forward_numba)
_backward_numba_serial = serial_twin(_backward_numba)


# ------------------------------------------------------------------ plain array versions
def forward_reference(x, weight, bias, eps, training, mean, var):
    """x: [N, C, L] -> (y, mean, var); mean/var are computed when training, else used."""
    if training:
        mean = x.mean(axis=(0, 2), dtype=np.float64)
        var = ((x - mean[:, None].astype(x.dtype)) ** 2).mean(axis=(0, 2), dtype=np.float64)
    inv_std = 1.0 / xp_of(x).sqrt(var + eps)
    scale = (weight * inv_std).astype(x.dtype)[:, None]
    offset = (bias - mean * weight * inv_std).astype(x.dtype)[:, None]
    return x * scale + offset, mean, var


def backward_reference(grad, x, weight, mean, var, eps, training):
    """grad, x: [N, C, L] -> (dx, dweight, dbias), the formulas in the module docstring."""
    count = x.shape[0] * x.shape[2]
    inv_std = 1.0 / xp_of(x).sqrt(var + eps)
    xhat = (x - mean[:, None]) * inv_std[:, None]
    dbias = grad.sum(axis=(0, 2), dtype=np.float64)
    dweight = (grad * xhat).sum(axis=(0, 2))
    if training:
        centred = grad - (dbias / count)[:, None] - xhat * (dweight / count)[:, None]
    else:
        centred = grad
    dx = ((weight * inv_std)[:, None] * centred).astype(x.dtype)
    return dx, dweight, dbias


# ------------------------------------------------------------------------- dispatchers
def batch_norm_forward(x, weight, bias, eps, training, mean=None, var=None):
    """x: [N, C, L]; weight, bias: [C]. Returns (y [N, C, L], mean [C], var [C]) in float64
    for the statistics. Training computes mean and the biased var; eval uses those given."""
    if is_cupy(x):
        return forward_reference(x, weight, bias, eps, training, mean, var)
    channels = x.shape[1]
    if training:
        mean, var = np.empty(channels), np.empty(channels)
    y = np.empty_like(x)
    kernel = for_size(_forward_numba, _forward_numba_serial, x.size)
    kernel(np.ascontiguousarray(x), weight, bias, eps, training, mean, var, y)
    return y, mean, var


def batch_norm_backward(grad, x, weight, mean, var, eps, training, need_dx=True):
    """grad, x: [N, C, L] -> (dx [N, C, L] or None, dweight [C], dbias [C])."""
    if is_cupy(x):
        return backward_reference(grad, x, weight, mean, var, eps, training)
    channels = x.shape[1]
    dx = np.empty_like(x) if need_dx else np.empty((0, 0, 0), x.dtype)
    dweight, dbias = np.empty(channels), np.empty(channels)
    kernel = for_size(_backward_numba, _backward_numba_serial, x.size)
    kernel(np.ascontiguousarray(grad), np.ascontiguousarray(x), weight, mean, var, eps, training,
           need_dx, dx, dweight, dbias)
    return (dx if need_dx else None), dweight, dbias
