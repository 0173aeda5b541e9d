"""Tensor's operators and graph-building methods: each is one differentiable op of this package.

    a + b, a - b, a * b, a / b, a ** p, a @ b, -a, x[1:3]
    x.sum(axis), x.mean(axis), x.max(axis), x.exp(), x.log(), x.relu(), x.sigmoid(), x.tanh(),
    x.reshape(*shape), x.permute(*axes), x.transpose(d0, d1), x.flatten(start, end), x.T, x.to()

``tinysnn.tensor`` sits below these ops in the layers (the ops are Functions that make and take
Tensors), so it cannot import them; ``attach()`` sets them on Tensor when ``tinysnn.functional``
is imported (``import tinysnn`` does).
"""

from ..tensor import Tensor
from . import basic, shape


def attach():
    """Set the operators and methods below on Tensor (idempotent)."""
    for name, method in OPERATORS.items():
        setattr(Tensor, name, method)
    Tensor.T = property(lambda self: shape.permute(self, tuple(range(self.ndim))[::-1]),
                        doc="All axes reversed (a differentiable permutation).")


def _to(self, device=None, dtype=None):
    """Moved to 'cpu' / 'cuda' and/or cast to ``dtype``; gradients flow back through it."""
    return basic.to(self, device, dtype)


OPERATORS = {
    "__add__": lambda self, other: basic.add(self, other),
    "__radd__": lambda self, other: basic.add(other, self),
    "__sub__": lambda self, other: basic.sub(self, other),
    "__rsub__": lambda self, other: basic.sub(other, self),
    "__mul__": lambda self, other: basic.mul(self, other),
    "__rmul__": lambda self, other: basic.mul(other, self),
    "__truediv__": lambda self, other: basic.div(self, other),
    "__rtruediv__": lambda self, other: basic.div(other, self),
    "__pow__": lambda self, p: basic.pow(self, p),
    "__matmul__": lambda self, other: basic.matmul(self, other),
    "__rmatmul__": lambda self, other: basic.matmul(other, self),
    "__neg__": lambda self: basic.neg(self),
    "__getitem__": lambda self, index: shape.getitem(self, index),
    "sum": lambda self, axis=None, keepdims=False: basic.sum(self, axis, keepdims),
    "mean": lambda self, axis=None, keepdims=False: basic.mean(self, axis, keepdims),
    "max": lambda self, axis=None, keepdims=False: basic.max(self, axis, keepdims),
    "exp": lambda self: basic.exp(self),
    "log": lambda self: basic.log(self),
    "relu": lambda self: basic.relu(self),
    "sigmoid": lambda self: basic.sigmoid(self),
    "tanh": lambda self: basic.tanh(self),
    "reshape": lambda self, *new_shape: shape.reshape(self, *new_shape),
    "permute": lambda self, *axes: shape.permute(self, *axes),
    "transpose": lambda self, dim0=-2, dim1=-1: shape.transpose(self, dim0, dim1),
    "flatten": lambda self, start_dim=0, end_dim=-1: shape.flatten(self, start_dim, end_dim),
    "to": _to,
}
