"""Elementwise, reduction and matrix Functions, and their functional names (``F.add``, ...).

Broadcasting follows NumPy. The backward of a broadcast is a sum: ``unbroadcast`` sums
a gradient back to an input's shape, and every binary op uses it.
"""

import numpy as np

from ..autograd import Function
from ..backend import device_of, to_device, xp_of
from ..tensor import Tensor


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``."""
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:  # a full reduction of a NumPy array gives a scalar: keep it an array
        grad = xp_of(grad).asarray(grad.sum(axis=tuple(range(extra))))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def _lift(value, like):
    """Wrap a Python number or array as a Tensor of ``like``'s dtype (no float64 upcasts)."""
    if isinstance(value, Tensor):
        return value
    kind = value.dtype.kind if hasattr(value, "dtype") else np.asarray(value).dtype.kind
    if like.dtype.kind != "f" and kind == "f":
        raise TypeError(f"cannot combine a tensor of {like.dtype} with the float {value!r} "
                        f"(it would be truncated); convert first: t.to(dtype=np.float32)")
    return Tensor(xp_of(like.data).asarray(value, dtype=like.dtype))


def _binary(name, a, b):
    a = a if isinstance(a, Tensor) else _lift(a, b)
    b = _lift(b, a)
    if a.dtype != b.dtype:
        raise TypeError(f"{name}: operands have dtypes {a.dtype} and {b.dtype}; convert one first")
    return a, b


# ------------------------------------------------------------------ elementwise binary
class Add(Function):
    """a + b, broadcasting; each gradient summed back to its input's shape."""
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        return a + b

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return unbroadcast(grad, sa), unbroadcast(grad, sb)


class Sub(Function):
    """a - b, broadcasting; each gradient summed back to its input's shape."""
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        return a - b

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return unbroadcast(grad, sa), unbroadcast(-grad, sb)


class Mul(Function):
    """a * b, broadcasting: d/da = b, d/db = a."""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        ga = unbroadcast(grad * b, a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(grad * a, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    """a / b, broadcasting: d/da = 1 / b, d/db = -a / b^2."""
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        ga = unbroadcast(grad / b, a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(-grad * a / (b * b), b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Pow(Function):
    """x ** p for a constant exponent p."""

    @staticmethod
    def forward(ctx, x, p):
        ctx.save_for_backward(x)
        ctx.p = p
        return x**p

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        if ctx.p == 0:  # x^0 = 1 is constant (p x^(p-1) would be 0 * inf at x = 0)
            return (xp_of(grad).zeros_like(grad),)
        return (grad * ctx.p * x ** (ctx.p - 1),)  # d x^p / dx = p x^(p-1)


class MatMul(Function):
    """a @ b for operands of rank >= 2 (leading axes broadcast as in NumPy)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        ga = unbroadcast(grad @ b.swapaxes(-1, -2), a.shape) if ctx.needs_input_grad[0] else None
        gb = unbroadcast(a.swapaxes(-1, -2) @ grad, b.shape) if ctx.needs_input_grad[1] else None
        return ga, gb


class Convert(Function):
    """Move to a device and/or cast to a dtype; backward moves and casts the gradient back."""

    @staticmethod
    def forward(ctx, x, device=None, dtype=None):
        ctx.device, ctx.dtype = device_of(x), x.dtype
        y = x if device is None else to_device(x, device)
        return y if dtype is None else y.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return (to_device(grad, ctx.device).astype(ctx.dtype, copy=False),)


# ------------------------------------------------------------------ elementwise unary
class Neg(Function):
    """-x."""
    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return (-grad,)


class Exp(Function):
    """exp(x); its derivative is its output."""
    @staticmethod
    def forward(ctx, x):
        y = xp_of(x).exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return (grad * y,)  # d e^x = e^x


class Log(Function):
    """The natural logarithm: d/dx = 1 / x."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return xp_of(x).log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return (grad / x,)


class ReLU(Function):
    """max(x, 0); the gradient passes where x > 0."""
    @staticmethod
    def forward(ctx, x):
        y = xp_of(x).maximum(x, 0)
        ctx.save_for_backward(x > 0)
        return y

    @staticmethod
    def backward(ctx, grad):
        (positive,) = ctx.saved
        return (grad * positive,)


def sigmoid_array(x):
    """1 / (1 + e^-x) without overflow for large |x|."""
    xp = xp_of(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


class Sigmoid(Function):
    """1 / (1 + exp(-x)): d/dx = y (1 - y)."""
    @staticmethod
    def forward(ctx, x):
        y = sigmoid_array(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return (grad * y * (1 - y),)  # sigmoid' = s (1 - s)


class Tanh(Function):
    """tanh(x): d/dx = 1 - y^2."""
    @staticmethod
    def forward(ctx, x):
        y = xp_of(x).tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return (grad * (1 - y * y),)


# ------------------------------------------------------------------ reductions
def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axis = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axis:
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for a tensor of rank {ndim}")
    return tuple(sorted(a % ndim for a in axis))


def _expand_reduced(grad, shape, axes, keepdims):
    """The backward of a reduction starts by putting the reduced axes back as size 1."""
    if not keepdims:
        grad = grad.reshape([1 if i in axes else n for i, n in enumerate(shape)])
    return grad


class Sum(Function):
    """Sum over axes; backward spreads the gradient over the summed axes."""
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim), keepdims
        return x.sum(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):  # the backward of a sum is a broadcast
        g = _expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdims)
        return (xp_of(grad).broadcast_to(g, ctx.shape),)


class Mean(Function):
    """Mean over axes; backward spreads the gradient / count over the averaged axes."""
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, _axes(axis, x.ndim), keepdims
        ctx.count = int(np.prod([x.shape[a] for a in ctx.axes]))
        return x.mean(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        g = _expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdims) / ctx.count
        return (xp_of(grad).broadcast_to(g, ctx.shape),)


class Max(Function):
    """Maximum over axes; the gradient is shared equally among tied maxima."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        axes = _axes(axis, x.ndim)
        y = x.max(axis=axes, keepdims=True)
        mask = x == y
        ctx.save_for_backward(mask / mask.sum(axis=axes, keepdims=True).astype(x.dtype))
        ctx.shape, ctx.axes, ctx.keepdims = x.shape, axes, keepdims
        return y if keepdims else y.reshape([n for i, n in enumerate(x.shape) if i not in axes])

    @staticmethod
    def backward(ctx, grad):
        (share,) = ctx.saved
        return (_expand_reduced(grad, ctx.shape, ctx.axes, ctx.keepdims) * share,)


# ------------------------------------------------------------------ functional names
def add(a, b):
    """a + b with NumPy broadcasting; a Python number takes the tensor's dtype."""
    return Add.apply(*_binary("add", a, b))


def sub(a, b):
    """a - b with NumPy broadcasting."""
    return Sub.apply(*_binary("sub", a, b))


def mul(a, b):
    """a * b elementwise, with NumPy broadcasting."""
    return Mul.apply(*_binary("mul", a, b))


def div(a, b):
    """a / b elementwise, with NumPy broadcasting."""
    return Div.apply(*_binary("div", a, b))


def pow(x, p):
    """x ** p for a constant Python number p; same shape as x."""
    if isinstance(p, Tensor):
        raise TypeError("pow: the exponent must be a Python number, not a Tensor")
    return Pow.apply(x, p=p)


def matmul(a, b):
    """a @ b.  a: [..., n, k], b: [..., k, m] -> [..., n, m] (leading axes broadcast)."""
    a, b = _binary("matmul", a, b)
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(f"matmul: operands need rank >= 2, got shapes {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(f"matmul: inner sizes differ, a {a.shape} @ b {b.shape}")
    return MatMul.apply(a, b)


def neg(x):
    """-x."""
    return Neg.apply(x)


def exp(x):
    """e ** x elementwise."""
    return Exp.apply(x)


def log(x):
    """Natural logarithm elementwise (x > 0)."""
    return Log.apply(x)


def relu(x):
    """max(x, 0) elementwise; the gradient at 0 is 0."""
    return ReLU.apply(x)


def sigmoid(x):
    """1 / (1 + e^-x) elementwise, without overflow."""
    return Sigmoid.apply(x)


def tanh(x):
    """tanh(x) elementwise."""
    return Tanh.apply(x)


def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (an int, a tuple, or None for all axes)."""
    return Sum.apply(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (an int, a tuple, or None for all axes)."""
    return Mean.apply(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):
    """Maximum over ``axis``; tied maxima share the gradient equally."""
    return Max.apply(x, axis=axis, keepdims=keepdims)


def to(x, device=None, dtype=None):
    """x moved to 'cpu' / 'cuda' and/or cast to ``dtype``; gradients flow back through it."""
    if device is not None and device not in ("cpu", "cuda", "gpu"):
        raise ValueError(f"to: device must be 'cpu' or 'cuda', got {device!r}")
    return Convert.apply(x, device=device, dtype=dtype)
