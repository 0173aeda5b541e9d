"""Batch normalisation as ONE Function with its compact hand-written backward.

x is [N, C], [N, C, L] or [N, C, H, W]; statistics are taken per channel over every axis but C.
Training normalises with the batch's mean and biased variance and updates the running
estimates IN PLACE with PyTorch's rule (the unbiased variance goes into the running one):

    running_mean = (1 - momentum) * running_mean + momentum * mean
    running_var  = (1 - momentum) * running_var  + momentum * var * M / (M - 1)

Eval normalises with the running estimates. The equations of the forward and backward sit
beside their loops in ``tinysnn/kernels/batch_norm/``.

``batch_norm_avg_pool2d`` is batch norm followed by an average pool whose windows tile the
input, as ONE Function (the MA-SNN's conv -> BN -> pool): the same result, statistics and
gradients as the two ops, without the full-size normalised array or its gradient.
"""

from ..autograd import Function
from ..backend import xp_of
from ..kernels.batch_norm import (
    batch_norm_avg_pool_backward,
    batch_norm_avg_pool_forward,
    batch_norm_backward,
    batch_norm_forward,
)
from ..tensor import Tensor
from ..validate import OutOfRange, check_integer


class BatchNorm(Function):
    """x: [N, C, ...], weight: [C], bias: [C] -> y = weight * (x - mean) / sqrt(var + eps) + bias.

    running_mean, running_var: arrays [C] (or None); updated in place when training.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean=None, running_var=None, training=True,
                momentum=0.1, eps=1e-5):
        xp = xp_of(x)
        x3 = x.reshape(x.shape[0], x.shape[1], -1)  # [N, C, L]
        use_batch_stats = training or running_mean is None
        mean = var = None
        if not use_batch_stats:
            mean, var = running_mean.astype(xp.float64), running_var.astype(xp.float64)
        y3, mean, var = batch_norm_forward(x3, weight, bias, eps, use_batch_stats, mean, var)
        if training and running_mean is not None:
            _update_running(running_mean, running_var, mean, var, x.size // x.shape[1], momentum)
        ctx.save_for_backward(x3, weight, mean, var)
        ctx.eps, ctx.batch_stats = eps, use_batch_stats
        return y3.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        x3, weight, mean, var = ctx.saved
        need_x, need_w, need_b = ctx.needs_input_grad
        dx3, dweight, dbias = batch_norm_backward(grad.reshape(x3.shape), x3, weight, mean, var,
                                                  ctx.eps, ctx.batch_stats, need_dx=need_x)
        dx = dx3.reshape(grad.shape) if need_x else None
        dweight = dweight.astype(weight.dtype) if need_w else None
        dbias = dbias.astype(weight.dtype) if need_b else None
        return dx, dweight, dbias


def _update_running(running_mean, running_var, mean, var, count, momentum):
    """PyTorch's rule, in place (the unbiased variance goes into the running one)."""
    running_mean *= 1 - momentum
    running_mean += (momentum * mean).astype(running_mean.dtype)
    running_var *= 1 - momentum
    running_var += (momentum * var * count / (count - 1)).astype(running_var.dtype)


class BatchNormAvgPool(Function):
    """avg_pool2d(batch_norm(x), k) in one pass, for k x k windows that tile x.

    x: [N, C, H, W] (H, W multiples of k) -> [N, C, H/k, W/k]; the statistics are x's, as in
    the two ops applied one after the other, and so are the gradients; the full-size normalised
    array and its gradient are never formed (``kernels/batch_norm/cpu.py``).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean=None, running_var=None, training=True,
                momentum=0.1, eps=1e-5, k=2):
        xp = xp_of(x)
        use_batch_stats = training or running_mean is None
        mean = var = None
        if not use_batch_stats:
            mean, var = running_mean.astype(xp.float64), running_var.astype(xp.float64)
        y, mean, var = batch_norm_avg_pool_forward(x, weight, bias, eps, use_batch_stats, k,
                                                   mean, var)
        if training and running_mean is not None:
            _update_running(running_mean, running_var, mean, var, x.size // x.shape[1], momentum)
        ctx.save_for_backward(x, weight, mean, var)
        ctx.eps, ctx.batch_stats, ctx.k = eps, use_batch_stats, k
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight, mean, var = ctx.saved
        dx, dweight, dbias = batch_norm_avg_pool_backward(grad, x, weight, mean, var, ctx.eps,
                                                          ctx.batch_stats, ctx.k)
        need_x, need_w, need_b = ctx.needs_input_grad
        return (dx if need_x else None, dweight.astype(weight.dtype) if need_w else None,
                dbias.astype(weight.dtype) if need_b else None)


def _data(name, what, value, x, channels):
    """The array of a [C] argument (a Tensor or an array), checked for shape and dtype."""
    array = value.data if isinstance(value, Tensor) else value
    if array.shape != (channels,):
        raise ValueError(f"{name}: {what} must be [{channels}] (x has {channels} channels, "
                         f"shape {x.shape}), got shape {array.shape}")
    if array.dtype != x.dtype:
        raise TypeError(f"{name}: x is {x.dtype}, {what} is {array.dtype}; convert one first")
    return array


def batch_norm(x, weight, bias, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    """Batch normalisation, as PyTorch's ``F.batch_norm``.

    x: [N, C], [N, C, L] or [N, C, H, W]. weight, bias: [C] Tensors, or None (affine=False).
    running_mean, running_var: [C] arrays or Tensors (buffers), or None (batch statistics are
    then used in eval too). training: normalise with the batch's statistics and update the
    running ones in place; else normalise with the running ones.
    """
    params, weight, bias = _checked("batch_norm", x, weight, bias, running_mean, running_var,
                                    training, momentum, eps)
    return BatchNorm.apply(x, weight, bias, **params)


def batch_norm_avg_pool2d(x, weight, bias, running_mean, running_var, training, kernel_size,
                          momentum=0.1, eps=1e-5):
    """``avg_pool2d(batch_norm(x, ...), kernel_size)`` as one op, for windows that tile x.

    x: [N, C, H, W] with H and W multiples of kernel_size (an int); stride = kernel_size, no
    padding. The other arguments are batch_norm's. Returns [N, C, H/k, W/k].
    """
    if not isinstance(x, Tensor) or x.ndim != 4:
        raise ValueError(f"batch_norm_avg_pool2d: x must be a Tensor [N, C, H, W], got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    tiles = f" that divides H and W (x shape {x.shape})"
    k = check_integer("batch_norm_avg_pool2d", "kernel_size", kernel_size, low=1, why=tiles)
    if x.shape[2] % k or x.shape[3] % k:
        raise OutOfRange(f"batch_norm_avg_pool2d: kernel_size must be an integer >= 1{tiles}, "
                         f"got {kernel_size!r}")
    params, weight, bias = _checked("batch_norm_avg_pool2d", x, weight, bias, running_mean,
                                    running_var, training, momentum, eps)
    return BatchNormAvgPool.apply(x, weight, bias, k=k, **params)


def _checked(name, x, weight, bias, running_mean, running_var, training, momentum, eps):
    """batch_norm's argument checks -> (keyword parameters, weight, bias as Tensors)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: x must be a Tensor, got {type(x).__name__}")
    if x.ndim not in (2, 3, 4):
        raise ValueError(f"{name}: x must be [N, C], [N, C, L] or [N, C, H, W], "
                         f"got shape {x.shape}")
    if x.dtype.name not in ("float32", "float64"):  # what the kernels are compiled for
        raise TypeError(f"{name}: x must be float32 or float64, got {x.dtype}")
    channels = x.shape[1]
    if training and x.size // channels < 2:
        raise ValueError(f"{name}: training needs more than 1 value per channel, "
                         f"got x of shape {x.shape}")
    if (running_mean is None) != (running_var is None):
        raise ValueError(f"{name}: give both running_mean and running_var, or neither")
    xp = xp_of(x.data)
    params = {"training": bool(training), "momentum": float(momentum), "eps": float(eps)}
    if running_mean is not None:
        params["running_mean"] = _data(name, "running_mean", running_mean, x, channels)
        params["running_var"] = _data(name, "running_var", running_var, x, channels)
    for what, value in (("weight", weight), ("bias", bias)):
        if value is not None:
            _data(name, what, value, x, channels)
    weight = Tensor(xp.ones(channels, x.dtype)) if weight is None else weight  # affine=False:
    bias = Tensor(xp.zeros(channels, x.dtype)) if bias is None else bias  # constants, no grad
    return params, weight, bias
