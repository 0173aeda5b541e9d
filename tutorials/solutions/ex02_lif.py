"""Exercises of notebook 02, LIF neurons: one step of the recurrence, and a spike Function
whose backward is a surrogate gradient.

Write each part marked "Task", then grade it with the notebook's check cell or with
``TINYSNN_EXERCISES=stubs python -m pytest tests/exercises -k task_2_1`` (task_2_2).
"""

import numpy as np  # noqa: F401 (yours to use)

from tinysnn import Function


def lif_step(v, x, decay, threshold, reset="hard", v_reset=0.0):
    """Task 2.1: one time step of LIF neurons, elementwise on NumPy arrays.

    v: the membrane after the previous step's reset, [N] (any shape); x: this step's input
    current, same shape. With S = 1.0 where H >= threshold (>=, not >) and 0.0 elsewhere:

        charge:  H = decay * v + x
        fire:    S = [H >= threshold]
        reset:   hard: V = H * (1 - S) + v_reset * S       soft: V = H - threshold * S

    Returns (H, S, V), three arrays of x's shape and dtype (S holds 0.0 and 1.0).
    """
    h = decay * v + x  # charge
    s = (h >= threshold).astype(x.dtype)  # fire
    if reset == "hard":
        v_next = h * (1 - s) + v_reset * s  # back to v_reset where it fired
    else:
        v_next = h - threshold * s  # subtract the threshold, keep the overshoot
    return h, s, v_next


class SpikeFunction(Function):
    """S = Heaviside(u) forward, the surrogate's slope backward.  u: any shape -> same shape.

    Called as ``SpikeFunction.apply(u, surrogate=Sigmoid(alpha=4.0))``; u = H - threshold.
    """

    @staticmethod
    def forward(ctx, u, surrogate):
        """Task 2.2 (forward): S = 1.0 where u >= 0 else 0.0, in u's dtype.

        Keep what backward needs: ``ctx.save_for_backward(u)`` and ``ctx.surrogate = surrogate``.
        """
        ctx.save_for_backward(u)
        ctx.surrogate = surrogate
        return (u >= 0).astype(u.dtype)

    @staticmethod
    def backward(ctx, grad):
        """Task 2.2 (backward): dL/du = grad * surrogate.derivative(u), as a one-element tuple.

        The Heaviside's true derivative is 0 almost everywhere; the surrogate slope stands in.
        """
        (u,) = ctx.saved
        return (grad * ctx.surrogate.derivative(u),)
