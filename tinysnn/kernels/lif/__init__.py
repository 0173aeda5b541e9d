"""LIF neurons over time: the recurrence and its BPTT (the specification is ``reference.py``).

``lif_forward`` and ``lif_backward`` take and return any [T, ...] arrays and run the CuPy twin
(``gpu.py``) for CuPy arrays, the Numba kernels (``cpu.py``) for NumPy arrays, and the plain
loop (``reference.py``) when a smooth ``spike_fn`` replaces the Heaviside (gradient checks).
"""

from ...backend import is_cupy
from . import reference


def _backend(array, spike_fn):
    if spike_fn is not None:
        return reference
    if is_cupy(array):
        from . import gpu  # imported only when a CuPy array arrives

        return gpu
    from . import cpu

    return cpu


def lif_forward(x, v_init, decay, threshold, reset="hard", v_reset=0.0, keep_membrane=False,
                spike_fn=None):
    """x: [T, ...], v_init: [...] -> (spikes [T, ...], h [T, ...], v [T, ...] or its last step)."""
    extra = {} if spike_fn is None else {"spike_fn": spike_fn}
    return _backend(x, spike_fn).lif_forward(x, v_init, decay, threshold, reset, v_reset,
                                             keep_membrane, **extra)


def lif_backward(h, g_spikes, g_v, decay, threshold, reset, v_reset, detach_reset, surrogate,
                 spike_fn=None):
    """h, g_spikes: [T, ...]; g_v: [T, ...] or [...] -> (g_x [T, ...], g_v_init [...])."""
    extra = {} if spike_fn is None else {"spike_fn": spike_fn}
    return _backend(h, spike_fn).lif_backward(h, g_spikes, g_v, decay, threshold, reset, v_reset,
                                              detach_reset, surrogate, **extra)


def slope_support(h, threshold, surrogate):
    """Where surrogate'(h - threshold) != 0, a boolean array of h's shape, for NumPy arrays and
    a surrogate with a compact fused slope (``slopes.py``); None otherwise (the slope may be
    non-zero anywhere)."""
    if is_cupy(h):
        return None
    from . import cpu

    return cpu.slope_support(h, threshold, surrogate)
