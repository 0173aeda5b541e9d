"""Exercises of notebook 03, BPTT by hand: the reset factor rho = dV/dH, and the reverse loop
that carries gradients back through time.

Write each part marked "Task", then grade it with the notebook's check cell or with
``TINYSNN_EXERCISES=stubs python -m pytest tests/exercises -k task_3_1`` (task_3_2).
"""

import numpy as np  # noqa: F401 (yours to use)


def reset_factor(h, s, psi, threshold, reset, v_reset, detach_reset):
    """Task 3.1: rho = dV/dH, how the membrane after reset depends on the membrane before it.

    h: H, the membrane before reset; s: the spikes S = [H >= threshold]; psi: the surrogate
    slope at H - threshold, which stands in for dS/dH. All arrays of one shape.

        hard reset, V = H (1 - S) + v_reset S:   rho = (1 - S) + (v_reset - H) psi
        soft reset, V = H - threshold S:         rho = 1 - threshold psi

    detach_reset=True treats S in the reset as a constant (its psi term is dropped):
    hard rho = 1 - S, soft rho = 1. Returns rho, an array of h's shape.
    """
    raise NotImplementedError("Task 3.1: reset_factor")


def lif_bptt(h, g_spikes, decay, threshold, reset, v_reset, detach_reset, surrogate):
    """Task 3.2: BPTT through LIF neurons, the reverse loop over time.

    h: [T, ...] the membrane before reset at every step (what forward saved);
    g_spikes: [T, ...] dL/dS[t]; the other arguments as in ``F.lif``.
    Returns dL/dX: [T, ...]. Go backwards, t = T-1, ..., 0, with gH[T] = 0:

        psi[t] = surrogate.derivative(H[t] - threshold),    S[t] = [H[t] >= threshold]
        rho[t] = reset_factor(H[t], S[t], psi[t], ...)      (your Task 3.1)
        gV[t]  = decay * gH[t+1]                   (V[t] feeds H[t+1] = decay V[t] + X[t+1])
        gH[t]  = dL/dS[t] * psi[t] + gV[t] * rho[t]
        dL/dX[t] = gH[t]                           (H[t] = decay V[t-1] + X[t])
    """
    raise NotImplementedError("Task 3.2: lif_bptt")
