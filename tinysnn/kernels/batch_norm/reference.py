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
