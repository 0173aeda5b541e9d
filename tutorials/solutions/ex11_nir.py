"""Solution of notebook 11's exercise: the forward-Euler step of NIR's LI node."""

import numpy as np  # noqa: F401 (the stub imports it for you)


def li_step(v, x, tau, r, v_leak, dt):
    """Task 11.1: one forward-Euler step of NIR's LI equation, tau dv/dt = (v_leak - v) + r x.

    Over one step of length dt the derivative is taken at the start of the step:

        v_next = v + dt / tau * (v_leak - v + r * x)

    v: the membrane [B, N] before the step; x: the input [B, N] of this step; tau, r, v_leak:
    the node's parameters, [N] arrays (one per neuron) or numbers; dt: the step, a number.
    Returns v_next, an array of v's shape. Plain NumPy: no tinysnn needed.
    """
    return v + dt / tau * (v_leak - v + r * x)
