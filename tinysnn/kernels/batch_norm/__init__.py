"""Batch normalisation over [N, C, L] (the formulas: reference.py), alone or fused with the
average pool that follows it in the MA-SNN's layers.

The entry points run the Numba kernels (``cpu.py``) on NumPy arrays and the plain array code
(``reference.py``) on CuPy arrays.
"""

from ...backend import is_cupy
from . import cpu, reference


def batch_norm_forward(x, weight, bias, eps, training, mean=None, var=None):
    """x: [N, C, L]; weight, bias: [C] -> (y [N, C, L], mean [C], var [C]), statistics in float64.

    Training computes the mean and the biased variance; eval uses those given.
    """
    backend = reference if is_cupy(x) else cpu
    return backend.batch_norm_forward(x, weight, bias, eps, training, mean, var)


def batch_norm_backward(grad, x, weight, mean, var, eps, training, need_dx=True):
    """grad, x: [N, C, L] -> (dx [N, C, L] or None, dweight [C], dbias [C])."""
    if is_cupy(x):
        dx, dweight, dbias = reference.batch_norm_backward(grad, x, weight, mean, var, eps,
                                                           training)
        return (dx if need_dx else None), dweight, dbias
    return cpu.batch_norm_backward(grad, x, weight, mean, var, eps, training, need_dx)


def batch_norm_avg_pool_forward(x, weight, bias, eps, training, k, mean=None, var=None):
    """avg_pool(batch_norm(x)) over k x k windows that tile x [N, C, H, W]
    -> (y [N, C, H/k, W/k], mean [C], var [C])."""
    backend = reference if is_cupy(x) else cpu
    return backend.batch_norm_avg_pool_forward(x, weight, bias, eps, training, k, mean, var)


def batch_norm_avg_pool_backward(grad, x, weight, mean, var, eps, training, k):
    """grad: [N, C, H/k, W/k] -> (dx [N, C, H, W], dweight [C], dbias [C])."""
    backend = reference if is_cupy(x) else cpu
    return backend.batch_norm_avg_pool_backward(grad, x, weight, mean, var, eps, training, k)
