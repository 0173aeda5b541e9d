"""The LIF recurrence and its BPTT as a plain loop over time: the specification.

The Numba and CuPy kernels must compute exactly this (the tests compare them bit for bit in
float64). Per neuron, with V[-1] = v_init and u[t] = H[t] - threshold:

    charge:  H[t] = decay * V[t-1] + X[t]
    fire:    S[t] = Heaviside(u[t])                  (1 when H[t] >= threshold: >=, not >)
    reset:   hard: V[t] = H[t] * (1 - S[t]) + v_reset * S[t]
             soft: V[t] = H[t] - threshold * S[t]

Non-finite values are not hidden: a NaN membrane gives a NaN spike (and stays NaN), and passes
NaN back in BPTT, so a NaN input shows in the output and the gradients instead of becoming a
clean train of zeros. An infinite input fires and, with a hard reset, lands on v_reset like any
other spike (not on inf * 0 = NaN); with a soft reset the membrane stays infinite and fires at
every step.

Backward, reverse time, with psi[t] = surrogate'(u[t]) standing in for dS[t]/dH[t]:

    rho[t]   = dV[t]/dH[t]:  hard (1 - S[t]) + (v_reset - H[t]) * psi[t]
                             soft 1 - threshold * psi[t]
                             (detach_reset: the reset does not see psi, hard 1 - S[t], soft 1)
    gV[t]    = decay * gH[t+1] + dL/dV[t]          (gH[T] = 0; dL/dV[t] when V is an output)
    gH[t]    = dL/dS[t] * psi[t] + gV[t] * rho[t]
    dL/dX[t] = gH[t]
    dL/dv_init = decay * gH[0]

Backward needs only H: S and psi are recomputed from it.

``spike_fn`` replaces the Heaviside (in forward and backward alike) by a smooth step such as
``surrogate.primitive``. The network is then smooth, its gradient is what this backward computes
with psi = spike_fn', and finite differences can check the recurrence. With the Heaviside there is
nothing for finite differences to see: the surrogate gradient is a choice, not a derivative.
"""

import numpy as np


def heaviside(u):
    """1 where u >= 0, NaN where u is NaN, else 0, in u's dtype: the spike of a neuron whose
    u = H - threshold. (NumPy or CuPy arrays.)"""
    s = (u >= 0).astype(u.dtype)
    nan = u != u
    s[nan] = u[nan]
    return s


def lif_forward(x, v_init, decay, threshold, reset="hard", v_reset=0.0, keep_membrane=False,
                spike_fn=heaviside):
    """Run the neurons over time.

    x: [T, ...] input current; v_init: [...] membrane before the first step.
    Returns (spikes [T, ...], h [T, ...] the membrane before reset (what backward needs),
    v: the membrane after reset, [T, ...] when keep_membrane else only its last step [...]).
    """
    spikes, h = np.empty_like(x), np.empty_like(x)
    membrane = np.empty_like(x) if keep_membrane else None
    v = v_init
    for t in range(x.shape[0]):
        h[t] = decay * v + x[t]  # charge: H[t] = decay V[t-1] + X[t]
        spikes[t] = spike_fn(h[t] - threshold)  # fire: S[t] = Heaviside(H[t] - threshold)
        if reset == "hard":  # V = H (1 - S) + v_reset S; a spike lands on v_reset (H = inf too)
            s = spikes[t]
            with np.errstate(invalid="ignore"):  # inf * 0 where H = inf: not the value kept
                v = np.where(s == 1, v_reset, h[t] * (1 - s) + v_reset * s)
        else:
            v = h[t] - threshold * spikes[t]  # V = H - threshold S
        if keep_membrane:
            membrane[t] = v
    return spikes, h, membrane if keep_membrane else v


def lif_backward(h, g_spikes, g_v, decay, threshold, reset, v_reset, detach_reset, surrogate,
                 spike_fn=heaviside):
    """BPTT through the forward above.

    h: [T, ...] saved membrane before reset; g_spikes: [T, ...] dL/dS;
    g_v: dL/dV, [T, ...] for a whole membrane output or [...] for its last step only.
    Returns (g_x [T, ...] = dL/dX, g_v_init [...] = dL/dv_init).
    """
    steps = h.shape[0]
    whole_membrane = g_v.ndim == h.ndim
    g_x = np.empty_like(h)
    g_v_next = g_v[steps - 1] if whole_membrane else g_v  # gV[T-1] = dL/dV[T-1]
    for t in range(steps - 1, -1, -1):
        u = h[t] - threshold
        psi = surrogate.derivative(u)  # stands in for dS/dH
        s = spike_fn(u)
        if reset == "hard":
            rho = (1 - s) if detach_reset else (1 - s) + (v_reset - h[t]) * psi
        else:
            rho = np.ones_like(u) if detach_reset else 1 - threshold * psi
        g_h = g_spikes[t] * psi + g_v_next * rho  # gH = dL/dS psi + gV rho
        g_h = np.where(np.isnan(h[t]), h[t], g_h)  # a NaN membrane passes NaN back
        g_x[t] = g_h  # dL/dX[t] = gH[t]
        g_v_next = decay * g_h  # gV[t-1] = decay gH[t] (+ dL/dV[t-1])
        if whole_membrane and t > 0:
            g_v_next = g_v_next + g_v[t - 1]
    return g_x, g_v_next  # after t = 0: dL/dv_init = decay gH[0]
