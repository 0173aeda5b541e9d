"""Batch normalisation as ONE Function with its compact hand-written backward.

x is [N, C], [N, C, L] or [N, C, H, W]; statistics are taken per channel over every axis but C.
Training normalises with the batch's mean and biased variance and updates the running
estimates IN PLACE with PyTorch's rule (the unbiased variance goes into the running one):

    running_mean = (1 - momentum) * running_mean + momentum * mean
    running_var  = (1 - momentum) * running_var  + momentum * var * M / (M - 1)

Eval normalises with the running estimates. The equations of the forward and backward sit
beside their loops in ``tinysnn/kernels/batch_norm/``.
"""

from ..autograd import Function
from ..backend import xp_of
from ..kernels.batch_norm import batch_norm_backward, batch_norm_forward
from ..tensor import Tensor


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
            count = x3.shape[0] * x3.shape[2]
            running_mean *= 1 - momentum
            running_mean += (momentum * mean).astype(running_mean.dtype)
            running_var *= 1 - momentum
            running_var += (momentum * var * count / (count - 1)).astype(running_var.dtype)
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
    if not isinstance(x, Tensor):
        raise TypeError(f"batch_norm: x must be a Tensor, got {type(x).__name__}")
    if x.ndim not in (2, 3, 4):
        raise ValueError(f"batch_norm: x must be [N, C], [N, C, L] or [N, C, H, W], "
                         f"got shape {x.shape}")
    if x.dtype.name not in ("float32", "float64"):  # what the kernels are compiled for
        raise TypeError(f"batch_norm: x must be float32 or float64, got {x.dtype}")
    channels = x.shape[1]
    if training and x.size // channels < 2:
        raise ValueError(f"batch_norm: training needs more than 1 value per channel, "
                         f"got x of shape {x.shape}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: give both running_mean and running_var, or neither")
    xp = xp_of(x.data)
    params = {"training": bool(training), "momentum": float(momentum), "eps": float(eps)}
    if running_mean is not None:
        params["running_mean"] = _data("batch_norm", "running_mean", running_mean, x, channels)
        params["running_var"] = _data("batch_norm", "running_var", running_var, x, channels)
    for what, value in (("weight", weight), ("bias", bias)):
        if value is not None:
            _data("batch_norm", what, value, x, channels)
    weight = Tensor(xp.ones(channels, x.dtype)) if weight is None else weight  # affine=False:
    bias = Tensor(xp.zeros(channels, x.dtype)) if bias is None else bias  # constants, no grad
    return BatchNorm.apply(x, weight, bias, **params)
