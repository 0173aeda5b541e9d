"""Multi-step LIF neurons as ONE Function over the whole [T, ...] sequence.

    spikes = F.lif(x)                                     # x: [T, B, ...] input current
    spikes, v = F.lif(x, return_membrane=True)            # v: [T, B, ...] membrane after reset

The recurrence (charge, fire with >=, hard or soft reset) and its BPTT are in
``kernels/lif/reference.py``; this file checks arguments, picks the kernels (Numba for NumPy
arrays, CuPy for CuPy arrays) and wires them into the autograd tape. Backward keeps only H, the
membrane before reset (4 bytes per neuron-step in float32), and recomputes spikes and slopes.
"""

import numpy as np

from ..autograd import Function
from ..backend import xp_of
from ..kernels import lif as kernels
from ..surrogate import Sigmoid
from ..tensor import Tensor
from ..validate import check_real, check_surrogate

_MEMBRANE_CHOICES = (False, True, "last")


class LIFSequence(Function):
    """(x [T, ...], v_init [...]) -> (spikes [T, ...], membrane), membrane being V after reset:
    [T, ...] with membrane="all", or only its last step [...] with membrane="last"."""

    @staticmethod
    def forward(ctx, x, v_init, *, decay, threshold, reset, v_reset, detach_reset, surrogate,
                membrane="last", spike_fn=None):
        spikes, h, v = kernels.lif_forward(x, v_init, decay, threshold, reset, v_reset,
                                           keep_membrane=(membrane == "all"), spike_fn=spike_fn)
        ctx.save_for_backward(h)
        ctx.params = (decay, threshold, reset, v_reset, detach_reset, surrogate)
        ctx.spike_fn = spike_fn
        return spikes, v

    @staticmethod
    def backward(ctx, g_spikes, g_v):
        (h,) = ctx.saved
        g_x, g_v_init = kernels.lif_backward(h, g_spikes, g_v, *ctx.params, spike_fn=ctx.spike_fn)
        ctx.mark_fresh(g_x, g_v_init)  # the kernels' own arrays: a leaf keeps them uncopied
        return g_x, (g_v_init if ctx.needs_input_grad[1] else None)

    @staticmethod
    def output_grad_support(ctx, index, input_grad_support):
        """Where backward reads dL/dS: only as dL/dS psi (gH = dL/dS psi + gV rho,
        kernels/lif/reference.py), so with a compact surrogate (Rectangle, Triangle) only where
        the membrane H was within the surrogate's window of the threshold. The layer that
        reads the spikes (the next convolution) need not compute its input gradient elsewhere:
        BPTT multiplies it by psi = 0 there. None for the membrane, and for other surrogates."""
        if index != 0 or ctx.spike_fn is not None:
            return None
        threshold, surrogate = ctx.params[1], ctx.params[5]
        return kernels.slope_support(ctx.saved[0], threshold, surrogate)


def _check_arguments(x, decay, threshold, reset, v_reset, surrogate, v_init, return_membrane):
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"lif: x must be float32 or float64, got dtype {x.dtype}")
    if x.ndim < 2 or x.shape[0] < 1:
        raise ValueError(f"lif: x must be [T, ...] with T >= 1 and rank >= 2, got shape {x.shape}")
    check_real("lif", "decay", decay, 0.0, 1.0)
    check_real("lif", "threshold", threshold)
    check_real("lif", "v_reset", v_reset)
    if reset not in ("hard", "soft"):
        raise ValueError(f"lif: reset must be 'hard' or 'soft', got {reset!r}")
    check_surrogate("lif", surrogate)
    if not any(return_membrane is choice for choice in _MEMBRANE_CHOICES):
        raise ValueError(f"lif: return_membrane must be False, True or 'last', "
                         f"got {return_membrane!r}")
    if v_init is not None:
        if v_init.shape != x.shape[1:]:
            raise ValueError(f"lif: v_init must have shape x.shape[1:] = {x.shape[1:]}, "
                             f"got {v_init.shape}")
        if v_init.dtype != x.dtype:
            raise TypeError(f"lif: v_init is {v_init.dtype}, x is {x.dtype}; convert one first")


def lif(x, decay=0.5, threshold=1.0, reset="hard", v_reset=0.0, detach_reset=False,
        surrogate=Sigmoid(alpha=4.0), v_init=None, return_membrane=False, spike_fn=None):  # noqa: B008 (frozen)
    """Leaky integrate-and-fire neurons over a time-major sequence.

    x: [T, ...] input current (float32 or float64); every element after the T axis is one neuron.
    Per step (kernels/lif/reference.py): H = decay V + X; S = [H >= threshold];
    hard reset V = H (1 - S) + v_reset S, soft reset V = H - threshold S.
    detach_reset: the reset passes no surrogate gradient (only the (1 - S) or 1 path remains).
    surrogate: the slope used for dS/dH in backward (tinysnn.surrogate).
    v_init: [...] (x.shape[1:]) membrane before the first step, default 0; gradients reach it.
    return_membrane: False -> spikes [T, ...]; True -> (spikes, V [T, ...]);
        "last" -> (spikes, V[T-1] of shape [...]), what a streaming caller carries to its next
        chunk.
    spike_fn: for gradient checks only: a smooth step (e.g. ``surrogate.primitive``) that
        replaces the Heaviside in forward and backward, run by the plain NumPy reference loop.
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    if v_init is not None and not isinstance(v_init, Tensor):
        v_init = Tensor(v_init)
    _check_arguments(x, decay, threshold, reset, v_reset, surrogate, v_init, return_membrane)
    if v_init is None:
        v_init = Tensor(xp_of(x.data).zeros(x.shape[1:], x.dtype))
    spikes, v = LIFSequence.apply(
        x, v_init, decay=float(decay), threshold=float(threshold), reset=reset,
        v_reset=float(v_reset), detach_reset=bool(detach_reset), surrogate=surrogate,
        membrane="all" if return_membrane is True else "last", spike_fn=spike_fn)
    return (spikes, v) if return_membrane is not False else spikes
