"""Exercises of notebook 01, autograd: the backward of a broadcast, a Function's backward,
central differences, and the backward walk of a scalar engine.

Write each part marked "Task", then grade it with the notebook's check cell or with
``TINYSNN_EXERCISES=stubs python -m pytest tests/exercises -k task_1_1`` (task_1_2, ...).
"""

import math

import numpy as np  # noqa: F401 (yours to use)

from tinysnn import Function


def unbroadcast(grad, shape):
    """Task 1.1: sum a gradient back to the shape of the input that was broadcast.

    grad: dL/dy of a broadcast result y, e.g. [2, 3, 4]; shape: the input's shape, e.g. (3, 1).
    Broadcasting copied the input along two kinds of axes, and the gradient of a copied value is
    the sum over its copies, so sum grad over

    * the leading axes that broadcasting added (here axis 0: [2, 3, 4] -> [3, 4]), and
    * the axes where ``shape`` has 1 but grad has more (here the last: [3, 4] -> [3, 1]),
      keeping them as axes of size 1.

    Returns an array of exactly ``shape`` (grad itself when the shapes already agree).
    """
    raise NotImplementedError("Task 1.1: unbroadcast")


class Mul(Function):
    """y = a * b, broadcast as in NumPy.  a, b: broadcastable shapes -> their broadcast shape."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        """Task 1.2: grad is dL/dy (y's shape). Return (dL/da, dL/db).

        dy/da = b and dy/db = a, elementwise; each gradient must have its own input's shape
        (use your ``unbroadcast``). Return None in place of a gradient nobody needs:
        ``ctx.needs_input_grad[i]`` is False for an input that does not require one.
        """
        raise NotImplementedError("Task 1.2: Mul.backward")


def numerical_gradient(f, x, eps=1e-6):
    """Task 1.3: the gradient of f at x by central differences.

    f: a function of one float64 array that returns a float; x: a float64 array of any shape.
    Returns an array g of x's shape with, for every element i,

        g[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

    where e_i is 1 at element i and 0 elsewhere. Central, not one-sided: its error is of order
    eps**2 instead of eps. Leave x unchanged (work on a copy).
    """
    raise NotImplementedError("Task 1.3: numerical_gradient")


class Value:
    """A scalar of a micrograd-sized autograd engine: its value, its gradient, the Values it was
    computed from (``parents``) and the local derivative d(self)/d(parent) for each
    (``local_grads``). Each operation records both, as tinysnn's tape records a Function's inputs
    and its backward; ``backward()`` then walks the graph (your Task 1.4).
    """

    def __init__(self, data, parents=(), local_grads=()):
        self.data, self.grad = float(data), 0.0
        self.parents, self.local_grads = tuple(parents), tuple(local_grads)

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    __radd__, __rmul__ = __add__, __mul__

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1 - t * t,))

    def __repr__(self):
        return f"Value(data={self.data:.4g}, grad={self.grad:.4g})"

    def backward(self):
        """d self / d v into ``v.grad`` for every Value v this one was computed from."""
        backward_walk(self)


def topological_order(root):
    """Task 1.4 (order): every Value that ``root`` was computed from, and root itself, each
    exactly once, every Value after all of its parents (so root comes last).

    Visit depth-first: a node goes into the list after its parents have; keep a set of the nodes
    already visited (by ``id``), because a Value used twice is reached along two paths.
    """
    raise NotImplementedError("Task 1.4: topological_order")


def backward_walk(root):
    """Task 1.4 (walk): fill ``.grad`` of every Value in root's graph with d root / d value.

    Set root.grad = 1 (d root / d root), then visit the nodes in reverse topological order (root
    first; a node only after every node computed from it, so its grad is complete) and pass each
    node's gradient on by the chain rule: for each parent and its local derivative,

        parent.grad += node.grad * local_grad

    ``+=``, not ``=``: a Value used twice receives the sum over both paths. The grads of a fresh
    graph start at 0.
    """
    raise NotImplementedError("Task 1.4: backward_walk")
