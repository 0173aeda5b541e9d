"""The fully connected layer's op: y = x W^T + b as one Function (one GEMM each way).

Spikes: when few inputs are non-zero (``kernels.sparsity``, measured on every call), the forward
pass and the weight gradient run event-driven kernels (``kernels/linear``) whose work grows with
the number of non-zero inputs; the input gradient stays a GEMM.
"""

from ..autograd import Function
from ..kernels.linear import sparse_linear_forward, sparse_linear_weight_grad
from ..kernels.sparsity import takes_sparse_path
from ..kernels.threads import blas_threads_for
from ..tensor import Tensor


class Linear(Function):
    """y = x W^T + b.  x: [..., in], weight: [out, in], bias: [out] -> y: [..., out]."""

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        x2 = x.reshape(-1, x.shape[-1])
        ctx.save_for_backward(x2, weight)
        ctx.x_shape = x.shape
        ctx.sparse = takes_sparse_path(x2, linear=True)
        if ctx.sparse:
            y = sparse_linear_forward(x2, weight, bias)
        else:
            with blas_threads_for(2 * x2.shape[0] * weight.size):
                y = x2 @ weight.T
            if bias is not None:
                y += bias
        return y.reshape(*x.shape[:-1], weight.shape[0])

    @staticmethod
    def backward(ctx, grad):
        x2, weight = ctx.saved
        g2 = grad.reshape(-1, weight.shape[0])
        gx = gw = None
        with blas_threads_for(2 * x2.shape[0] * weight.size):  # each product's multiply-adds
            if ctx.needs_input_grad[0]:
                gx = (g2 @ weight).reshape(ctx.x_shape)
            if ctx.needs_input_grad[1]:  # dL/dW = g^T x
                gw = sparse_linear_weight_grad(x2, g2) if ctx.sparse else g2.T @ x2
        if len(ctx.needs_input_grad) == 2:
            return gx, gw
        return gx, gw, g2.sum(axis=0) if ctx.needs_input_grad[2] else None


# ------------------------------------------------------------------ functional name
def linear(x, weight, bias=None):
    """y = x W^T + b.  x: [..., in], weight: [out, in], bias: [out] or None -> [..., out]."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be [out, in], got shape {weight.shape}")
    if x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: x has {x.shape[-1]} input features (shape {x.shape}), "
            f"weight expects {weight.shape[1]}"
        )
    if x.dtype != weight.dtype:
        raise TypeError(f"linear: x is {x.dtype}, weight is {weight.dtype}")
    if bias is None:
        return Linear.apply(x, weight)
    if bias.shape != (weight.shape[0],) or bias.dtype != weight.dtype:
        raise ValueError(f"linear: bias must be [{weight.shape[0]}] of {weight.dtype}, "
                         f"got shape {bias.shape} of {bias.dtype}")
    return Linear.apply(x, weight, bias)
