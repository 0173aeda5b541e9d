"""The LIF recurrence and its BPTT in Numba: the same arithmetic as reference.py, fast.

Arrays are flattened to [T, N] (C order: neuron n at step t is x[t, n]). Neurons are
independent, so ``prange`` hands out contiguous chunks of CHUNK neurons; inside a chunk the time
loop is serial (the recurrence) and the neuron loop is innermost, so every step streams one
contiguous row slice and the loop vectorises. The chunk's membrane (or its gradient) lives in a
small buffer that stays in cache. Outputs are preallocated by the Python wrappers, which take
and return any [T, ...] shape, exactly like the reference.

Saved for backward: H alone (the pre-reset membrane, x's dtype: 4 bytes per neuron-step in
float32). S = H >= threshold and psi = surrogate'(H - threshold) are recomputed: inside the
backward kernel for a surrogate with a fused slope (its class's ``numba_slope``, ``slopes.py``),
or read from an array that the surrogate's own ``derivative`` filled for any other. The BPTT
kernel is built once per slope formula (``_backward_kernel(slope)``), so the slope is computed in
the same pass that reads H and dL/dS and writes dL/dX, and every one of those loops vectorises.

Float32 stays float32: every scalar is cast to the array's dtype before the call, and constants
inside the kernels are made with ``dtype.type``. ``error_model="numpy"`` lets divisions follow
IEEE rules instead of raising ZeroDivisionError, which is what allows them to vectorise.
"""

import functools

import numpy as np
from numba import njit, prange

from ..threads import threads_for
from .slopes import cacheable, compiled_slope, fused_slope, surrogate_slopes

CHUNK = 16384  # neurons per parallel task: its buffers stay in L2, its rows are long streams


@njit(cache=True, parallel=True, error_model="numpy")
def _forward_kernel(x, v_init, decay, threshold, hard, v_reset, spikes, h, v_out):
    """x, spikes, h: [T, N]; v_init: [N]; v_out: [T, N] (every step) or [1, N] (last step)."""
    steps, n = x.shape
    every_step = v_out.shape[0] == steps
    one, zero = x.dtype.type(1), x.dtype.type(0)
    for chunk in prange((n + CHUNK - 1) // CHUNK):
        lo = chunk * CHUNK
        hi = min(lo + CHUNK, n)
        v = v_init[lo:hi].copy()
        for t in range(steps):
            x_t, h_t, s_t = x[t, lo:hi], h[t, lo:hi], spikes[t, lo:hi]
            for j in range(hi - lo):
                h_j = decay * v[j] + x_t[j]  # charge: H = decay V + X
                # fire: S = [H >= threshold]; a NaN membrane gives a NaN spike
                s_j = one if h_j >= threshold else (zero if h_j == h_j else h_j)
                h_t[j] = h_j
                s_t[j] = s_j
                if hard:  # V = H (1 - S) + v_reset S, written so that H = inf lands on v_reset
                    v[j] = v_reset if s_j == one else h_j
                else:
                    v[j] = h_j - threshold * s_j  # V = H - threshold S
            if every_step:
                v_out[t, lo:hi] = v
        if not every_step:
            v_out[0, lo:hi] = v


@njit(inline="always", error_model="numpy")
def _bptt_chunk(slope, given, arrays, numbers, lo, hi):
    """BPTT of neurons lo..hi with psi = slope(H - threshold, c0, c1, one), or psi read from
    psi_given when ``given``; arrays and numbers as named in _backward_kernel."""
    h, g_spikes, g_v, psi_given, g_x, g_v_init = arrays
    decay, threshold, hard, v_reset, detach_reset, c0, c1 = numbers
    steps = h.shape[0]
    every_step = g_v.shape[0] == steps
    one, zero = h.dtype.type(1), h.dtype.type(0)
    g_v_next = g_v[g_v.shape[0] - 1, lo:hi].copy()  # gV[T-1] = dL/dV[T-1]
    for t in range(steps - 1, -1, -1):
        h_t, gs_t, gx_t = h[t, lo:hi], g_spikes[t, lo:hi], g_x[t, lo:hi]
        given_t = psi_given[t, lo:hi]
        for j in range(hi - lo):
            h_j = h_t[j]
            # psi = surrogate'(H - threshold)
            psi = given_t[j] if given else slope(h_j - threshold, c0, c1, one)
            s_j = one if h_j >= threshold else (zero if h_j == h_j else h_j)  # as forward
            if hard:  # rho = dV/dH
                rho = (one - s_j) if detach_reset else (one - s_j) + (v_reset - h_j) * psi
            else:
                rho = one if detach_reset else one - threshold * psi
            g_h = gs_t[j] * psi + g_v_next[j] * rho  # gH = dL/dS psi + gV rho
            if h_j != h_j:  # a NaN membrane passes NaN back, whatever the surrogate's slope
                g_h = h_j
            gx_t[j] = g_h  # dL/dX = gH
            g_v_next[j] = decay * g_h  # gV[t-1] = decay gH[t] (+ dL/dV[t-1] below)
        if every_step and t > 0:
            for j in range(hi - lo):
                g_v_next[j] = g_v_next[j] + g_v[t - 1, lo + j]
    for j in range(hi - lo):  # an explicit loop: Numba's parfors drop a slice assignment here
        g_v_init[lo + j] = g_v_next[j]  # dL/dv_init = decay gH[0]


def _no_slope(u, c0, c1, one):
    """The slope of the kernel that reads psi from an array: never called."""
    return one


@functools.cache
def _backward_kernel(slope):
    """The BPTT kernel with ``slope`` (a surrogate's numba_slope) compiled into its loop, or,
    for slope None, the one that reads psi from an array. Built once per slope formula.

    Its arguments: h, g_spikes, g_x: [T, N]; g_v: [T, N] or [1, N] (as v_out above);
    g_v_init: [N]; psi_given: [T, N] (h itself when not read); decay, threshold, hard,
    v_reset, detach_reset as in reference.py; c0, c1: the slope's constants.
    """
    given = slope is None
    slope = compiled_slope(_no_slope if given else slope)

    @njit(cache=cacheable(slope), parallel=True, error_model="numpy")
    def backward_kernel(h, g_spikes, g_v, decay, threshold, hard, v_reset, detach_reset, c0, c1,
                        psi_given, g_x, g_v_init):
        n = h.shape[1]
        for chunk in prange((n + CHUNK - 1) // CHUNK):
            lo = chunk * CHUNK
            hi = min(lo + CHUNK, n)
            arrays = (h, g_spikes, g_v, psi_given, g_x, g_v_init)
            numbers = (decay, threshold, hard, v_reset, detach_reset, c0, c1)
            _bptt_chunk(slope, given, arrays, numbers, lo, hi)

    return backward_kernel


def lif_forward(x, v_init, decay, threshold, reset="hard", v_reset=0.0, keep_membrane=False):
    """``reference.lif_forward`` (same arguments and results), in Numba.

    x: [T, ...] float32 or float64; v_init: [...] of the same dtype.
    Returns (spikes [T, ...], h [T, ...], v [T, ...] if keep_membrane else [...]).
    """
    steps = x.shape[0]
    x2 = np.ascontiguousarray(x).reshape(steps, -1)
    n, dt = x2.shape[1], x2.dtype.type
    # outputs in the caller's shape (arrays of their own, not views), viewed as [T, N] here
    spikes, h = np.empty(x.shape, x2.dtype), np.empty(x.shape, x2.dtype)
    v = np.empty(x.shape if keep_membrane else x.shape[1:], x2.dtype)
    v0 = np.ascontiguousarray(v_init, dtype=x2.dtype).reshape(n)
    with threads_for(x2.size):
        _forward_kernel(x2, v0, dt(decay), dt(threshold), reset == "hard", dt(v_reset),
                        spikes.reshape(steps, n), h.reshape(steps, n),
                        v.reshape(steps if keep_membrane else 1, n))
    return spikes, h, v


def lif_backward(h, g_spikes, g_v, decay, threshold, reset, v_reset, detach_reset, surrogate):
    """``reference.lif_backward`` (same arguments and results), in Numba.

    h, g_spikes: [T, ...]; g_v: [T, ...] (whole membrane) or [...] (last step).
    A surrogate with a fused slope (its class's numba_slope, slopes.py) has it computed inside
    the kernel; any other surrogate's ``derivative`` fills an array of slopes first, in one
    vectorised call. Returns (g_x [T, ...], g_v_init [...]).
    """
    steps = h.shape[0]
    h2 = np.ascontiguousarray(h).reshape(steps, -1)
    n, dt = h2.shape[1], h2.dtype.type
    g_s2 = np.ascontiguousarray(g_spikes, dtype=h2.dtype).reshape(steps, n)
    g_v2 = np.ascontiguousarray(g_v, dtype=h2.dtype).reshape(steps if g_v.ndim == h.ndim else 1, n)
    fused = fused_slope(surrogate)
    if fused is None:
        psi, slope, c0, c1 = surrogate_slopes(surrogate, h2, threshold), None, 0.0, 0.0
    else:
        psi, slope, c0, c1 = h2, fused.numba, fused.c0, fused.c1  # h2 in psi's place, not read
    # g_x is an array of its own in h's shape (not a view), so the tape can hand it to a leaf
    # as its .grad without a copy (LIFSequence declares it fresh: Context.mark_fresh)
    g_x, g_v_init = np.empty(h.shape, h2.dtype), np.empty(h.shape[1:], h2.dtype)
    with threads_for(h2.size):
        _backward_kernel(slope)(h2, g_s2, g_v2, dt(decay), dt(threshold), reset == "hard",
                                dt(v_reset), bool(detach_reset), dt(c0), dt(c1), psi,
                                g_x.reshape(steps, n), g_v_init.reshape(n))
    return g_x, g_v_init


@functools.cache
def _support_kernel(slope):
    """support[i] = psi(h[i] - threshold) != 0 over flat [T * N] arrays, with ``slope``
    compiled in (a surrogate's numba_slope); built once per slope formula."""
    slope = compiled_slope(slope)

    @njit(cache=cacheable(slope), parallel=True, error_model="numpy")
    def support_kernel(h, threshold, c0, c1, support):
        one = h.dtype.type(1)
        for i in prange(h.size):
            support[i] = slope(h[i] - threshold, c0, c1, one) != 0

    return support_kernel


def slope_support(h, threshold, surrogate):
    """Where the surrogate's slope at H is non-zero: a boolean array of h's shape, or None when
    it may be non-zero anywhere (a surrogate without a fused slope, or one not ``compact``).

    h: [T, ...], the membrane before reset that forward saved. These are the only places where
    BPTT reads dL/dS (gH = dL/dS psi + gV rho).
    """
    fused = fused_slope(surrogate)
    if fused is None or not fused.compact:
        return None
    h1 = np.ascontiguousarray(h).reshape(-1)
    support = np.empty(h.shape, np.bool_)
    dt = h1.dtype.type
    with threads_for(h1.size):
        _support_kernel(fused.numba)(h1, dt(threshold), dt(fused.c0), dt(fused.c1),
                                     support.reshape(-1))
    return support
