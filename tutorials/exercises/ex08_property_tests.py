"""Exercise of notebook 08, testing your own op: a property test that catches planted bugs.

Write the part marked "Task", then grade it with the notebook's check cell or with
``TINYSNN_EXERCISES=stubs python -m pytest tests/exercises -k task_8_1``.
"""

import numpy as np

from tinysnn import Function
from tinysnn.testing import arrays, check_function, shapes  # noqa: F401 (yours to use)


class Softmax(Function):
    """y = softmax(x) over the last axis.  x: [..., n] -> [..., n], each row summing to 1.

    Backward: dL/dx = y * (g - sum(g * y over the last axis)), with g = dL/dy.
    """

    @staticmethod
    def forward(ctx, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))  # shifted: no overflow
        y = e / e.sum(axis=-1, keepdims=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved
        return (y * (grad - (grad * y).sum(axis=-1, keepdims=True)),)


def softmax_property(Fn):
    """Task 8.1: a property test of a softmax Function's backward.

    Fn: a Function class computing softmax over the last axis, like ``Softmax`` above (the
    grader also passes versions of it with a bug planted in backward). Check, on inputs that
    hypothesis draws, that Fn's backward agrees with central differences of its forward:
    return quietly when it does, raise AssertionError when it does not. ``check_function`` and
    the strategies of ``tinysnn.testing`` do the work; your part is to draw inputs varied enough
    (how many axes, how long each, which values) that a wrong backward cannot hide.
    """
    raise NotImplementedError("Task 8.1: softmax_property")
