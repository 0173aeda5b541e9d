"""2-D average and max pooling on [N, C, H, W] (the window rules: ``kernels/pool/reference.py``).

Time-major sequences [T, B, C, H, W] are folded into N = T*B by the nn layers, not here.
"""

from ..autograd import Function
from ..kernels.pool import avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward
from ..validate import check_integer_pair
from .conv import _check_input, _check_window


class AvgPool2d(Function):
    """x: [N, C, H, W] -> y: [N, C, Ho, Wo], the mean over each window (padding counts as 0)."""

    @staticmethod
    def forward(ctx, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0)):
        ctx.x_shape, ctx.args = x.shape, (kernel, stride, padding)
        return avg_pool_forward(x, kernel, stride, padding)

    @staticmethod
    def backward(ctx, grad):
        return (avg_pool_backward(grad, ctx.x_shape, *ctx.args),)


class MaxPool2d(Function):
    """x: [N, C, H, W] -> y: [N, C, Ho, Wo], the max over each window (padding counts as -inf).

    Saves the argmax of each window as an offset i*kw + j inside it (uint8 for windows up to
    256 elements); the gradient goes to the argmax only.
    """

    @staticmethod
    def forward(ctx, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0)):
        y, argmax = max_pool_forward(x, kernel, stride, padding)
        ctx.save_for_backward(argmax)
        ctx.x_shape, ctx.args = x.shape, (kernel, stride, padding)
        return y

    @staticmethod
    def backward(ctx, grad):
        (argmax,) = ctx.saved
        return (max_pool_backward(grad, argmax, ctx.x_shape, *ctx.args),)


# ------------------------------------------------------------------ functional names
def _pool_args(name, x, kernel_size, stride, padding):
    _check_input(name, x)
    kernel = check_integer_pair(name, "kernel_size", kernel_size, low=1)
    stride = kernel if stride is None else check_integer_pair(name, "stride", stride, low=1)
    padding = check_integer_pair(name, "padding", padding, low=0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{name}: padding {padding} must be at most half the kernel {kernel}")
    _check_window(name, x, kernel, padding)
    return {"kernel": kernel, "stride": stride, "padding": padding}


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Mean over kernel windows. x: [N, C, H, W] -> [N, C, Ho, Wo]; stride defaults to kernel.

    Padded positions count as zeros in the mean (PyTorch's count_include_pad=True).
    """
    return AvgPool2d.apply(x, **_pool_args("avg_pool2d", x, kernel_size, stride, padding))


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max over kernel windows. x: [N, C, H, W] -> [N, C, Ho, Wo]; stride defaults to kernel."""
    return MaxPool2d.apply(x, **_pool_args("max_pool2d", x, kernel_size, stride, padding))
