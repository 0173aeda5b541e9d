"""Batch normalisation over [N, C, L] (L = H*W for images, 1 for features), as plain array code.

Per channel c, over its M = N*L values:

    mean = sum(x) / M,  var = sum((x - mean)^2) / M    (biased: what normalisation uses)
    xhat = (x - mean) / sqrt(var + eps),   y = weight * xhat + bias

Backward (the compact form; g = dL/dy, sums over the channel's M values):

    dbias   = sum(g)
    dweight = sum(g * xhat)
    dx      = weight / sqrt(var + eps) * (g - sum(g) / M - xhat * sum(g * xhat) / M)   training
    dx      = weight / sqrt(var + eps) * g                                             eval

(in eval the statistics are constants, so only the first term remains).

These plain array versions are what the Numba kernels (``cpu.py``) are tested against, and
what runs on CuPy.
"""

import numpy as np

from ...backend import xp_of


def batch_norm_forward(x, weight, bias, eps, training, mean, var):
    """x: [N, C, L] -> (y, mean, var); mean/var are computed when training, else used."""
    if training:
        mean = x.mean(axis=(0, 2), dtype=np.float64)
        var = ((x - mean[:, None].astype(x.dtype)) ** 2).mean(axis=(0, 2), dtype=np.float64)
    inv_std = 1.0 / xp_of(x).sqrt(var + eps)
    scale = (weight * inv_std).astype(x.dtype)[:, None]
    offset = (bias - mean * weight * inv_std).astype(x.dtype)[:, None]
    return x * scale + offset, mean, var


def batch_norm_backward(grad, x, weight, mean, var, eps, training):
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


# ------------------------------------------------------------------ fused with a k x k average pool
def _pool_sum(x4, k):
    """Sums over the k x k windows that tile the last two axes: [N, C, H, W] -> [N, C, H/k, W/k]."""
    n_batch, channels, height, width = x4.shape
    return x4.reshape(n_batch, channels, height // k, k, width // k, k).sum(axis=(3, 5))


def batch_norm_avg_pool_forward(x4, weight, bias, eps, training, k, mean, var):
    """avg_pool(batch_norm(x)) over k x k windows that tile x: [N, C, H, W] -> [N, C, H/k, W/k].

    The normalisation is a per-channel affine map, so it commutes with the average:
    pool(scale * x + offset) = scale * pool(x) + offset. The statistics are those of x itself.
    """
    x3 = x4.reshape(x4.shape[0], x4.shape[1], -1)
    if training:
        mean = x3.mean(axis=(0, 2), dtype=np.float64)
        var = ((x3 - mean[:, None].astype(x4.dtype)) ** 2).mean(axis=(0, 2), dtype=np.float64)
    scale = weight / xp_of(x4).sqrt(var + eps)
    offset = bias - mean * scale
    pooled = _pool_sum(x4, k) / (k * k)
    y = pooled * scale.astype(x4.dtype)[:, None, None] + offset.astype(x4.dtype)[:, None, None]
    return y, mean, var


def batch_norm_avg_pool_backward(grad, x4, weight, mean, var, eps, training, k):
    """grad: [N, C, H/k, W/k] -> (dx [N, C, H, W], dweight [C], dbias [C]).

    The pool's backward spreads grad / k^2 over each window (dy, never stored); then batch
    norm's backward (formulas at the top), whose sums over dy reduce to sums over the windows:
    sum(dy) = sum(grad), sum(dy * xhat) = sum(grad * (window mean of xhat)).
    """
    dy = xp_of(grad).repeat(xp_of(grad).repeat(grad, k, axis=2), k, axis=3) / (k * k)
    shape3 = (x4.shape[0], x4.shape[1], -1)
    dx, dweight, dbias = batch_norm_backward(dy.reshape(shape3), x4.reshape(shape3), weight,
                                             mean, var, eps, training)
    return dx.reshape(x4.shape), dweight, dbias
