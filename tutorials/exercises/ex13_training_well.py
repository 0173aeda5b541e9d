"""Exercises of notebook 13, training well: the LIF of an RC circuit, gradient norms per layer,
truncated BPTT, and a firing-rate regulariser.

Write each part marked "Task", then grade it with the notebook's check cell or with
``python -m tinysnn.course 13.1`` (13.2, ...).
"""

import math  # noqa: F401 (yours to use)

import numpy as np  # noqa: F401 (yours to use)

from tinysnn.kernels.lif import lif_backward  # noqa: F401 (yours to use)


def rc_membrane(current, dt, tau, exact=True):
    """Task 13.1: the membrane of an RC circuit, tau dV/dt = -V + I (R = 1, no spikes), in steps.

    current: [T, ...] the input I, held constant during each step of length dt; tau > 0.
    From V = 0 before the first step, each step moves V towards I:

        exact=True:   V[t] = beta V[t-1] + (1 - beta) I[t],   beta = exp(-dt / tau)
                      (the exact solution over the step: V relaxes to I as exp(-dt / tau))
        exact=False:  V[t] = (1 - dt/tau) V[t-1] + (dt/tau) I[t]   (one forward Euler step)

    Returns V [T, ...], in current's dtype (compute beta with math.exp: a Python float keeps a
    float32 array float32; NumPy's float64 scalars would not).
    """
    raise NotImplementedError("Task 13.1: rc_membrane")


def gradient_norms(model):
    """Task 13.2: the L2 norm of the gradient of every layer, after a backward pass.

    model: a tinysnn Module whose parameters hold ``.grad`` (None where no gradient reached).
    A layer is the module a parameter belongs to: the parameter's name without its last part
    ("features.0.conv.weight" belongs to "features.0.conv"). Returns {layer: norm}, with

        norm = sqrt(sum over the layer's parameters p of sum(p.grad ** 2))

    as a Python float; a parameter whose .grad is None counts as 0.
    """
    raise NotImplementedError("Task 13.2: gradient_norms")


def truncated_bptt(h, g_spikes, k, decay, threshold, reset, v_reset, detach_reset, surrogate):
    """Task 13.3: BPTT through LIF neurons truncated to chunks of k steps.

    h: [T, ...] the membranes before reset (what forward saved); g_spikes: [T, ...] dL/dS; the
    other arguments as in ``F.lif``. Cut the time axis into chunks [0, k), [k, 2k), ... (the last
    one may be shorter) and run the reverse loop of Task 3.2 on each chunk alone: the gradient
    entering a chunk from its future is 0, as if the state had been detached between chunks.
    ``lif_backward(h_chunk, g_chunk, np.zeros_like(h_chunk[0]), decay, threshold, reset,
    v_reset, detach_reset, surrogate)`` (tinysnn's fused kernel) runs one chunk and returns
    (dL/dX of the chunk, the gradient it would pass on to the past, which you drop).
    Returns dL/dX [T, ...] in h's dtype; k >= T is full BPTT.
    """
    raise NotImplementedError("Task 13.3: truncated_bptt")


def rate_penalty(spikes, target):
    """Task 13.4: a firing-rate regulariser, added to the loss as strength * rate_penalty(...).

    spikes: a list of spike Tensors, one per layer (any shapes, values 0 and 1); target: the
    firing rate wanted (e.g. 0.05). With r = the mean of a layer's spikes (its firing rate),

        penalty = sum over layers of (r - target) ** 2

    Returns a scalar Tensor built from tinysnn operations, so that backward reaches every spike
    Tensor (and through the surrogate, the weights that made it).
    """
    raise NotImplementedError("Task 13.4: rate_penalty")
