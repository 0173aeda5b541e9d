"""How a surrogate's slope psi reaches the LIF kernels: fused into the BPTT loop, or as an array.

A surrogate class that carries a fused slope (``tinysnn.surrogate``: ``numba_slope``,
``cuda_slope``, ``slope_constants``) hands the kernels a ``FusedSlope`` through its
``fused_slope()`` method. The CPU kernels compile ``numba`` into their loop (``compiled_slope``:
one loop per formula, every one vectorised); the CUDA kernels paste ``cuda`` into their source
(``cuda_slope_function``). The kernels know no surrogate by name: a new class is all it takes.

Any other surrogate (an object with a ``derivative(u)`` method only, or a subclass that
redefines ``derivative``) goes through ``surrogate_slopes``: its ``derivative`` fills an array
of slopes in one vectorised call, which the kernels read.
"""

import functools
from typing import Callable, NamedTuple

import numpy as np
from numba import njit, prange
from numba.extending import register_jitable

from ..threads import threads_for


class FusedSlope(NamedTuple):
    """psi(u) in the forms the kernels compute it, and the two numbers it reads."""

    numba: Callable  # psi(u, c0, c1, one): plain Python of numbers, compiled by Numba
    cuda: str | None  # the body of a CUDA function T psi(T u, T c0, T c1), or None
    c0: float
    c1: float
    compact: bool  # psi is 0 outside a window around the threshold


def fused_slope(surrogate):
    """The surrogate's FusedSlope, or None (then psi comes from ``surrogate_slopes``)."""
    fused = getattr(surrogate, "fused_slope", None)
    return None if fused is None else fused()


@functools.cache
def compiled_slope(slope):
    """``slope`` (a surrogate's numba_slope) made callable from Numba code, inlined at each call.

    It stays the plain Python function (``register_jitable``), so that a kernel closing over it
    can be cached on disk: Numba keys such a kernel on the function's module and name.
    """
    slope = getattr(slope, "py_func", slope)  # an njit-compiled slope: its Python function
    return register_jitable(inline="always", error_model="numpy")(slope)


def cacheable(slope):
    """True for tinysnn's own slopes: kernels built with them are cached on disk. A user's slope
    is compiled afresh in each process, so an edit of it is never hidden by a stale cache."""
    return getattr(slope, "__module__", "").startswith("tinysnn.")


def cuda_slope_function(body):
    """The CUDA (and C++) source of ``surrogate_slope<T>(u, c0, c1)`` with ``body`` inside."""
    return f"template <typename T>\n__device__ T surrogate_slope(T u, T c0, T c1) {{ {body} }}\n"


def surrogate_slopes(surrogate, h, threshold):
    """psi = surrogate.derivative(h - threshold) for a surrogate without a fused slope.

    h: [T, N] (NumPy or CuPy). One vectorised call over every neuron and step; the result is
    checked, since a user's derivative may return anything. A surrogate that also offers
    ``numba_derivative``, a Numba-compiled function of one number, gets it applied to NumPy
    arrays in one parallel pass instead (compiled once per function, not cached on disk).
    """
    scalar = getattr(surrogate, "numba_derivative", None)
    if scalar is not None and isinstance(h, np.ndarray):
        psi = np.empty_like(h)
        with threads_for(h.size):
            _apply_scalar(h.reshape(-1), h.dtype.type(threshold), scalar, psi.reshape(-1))
        return psi
    u = h - h.dtype.type(threshold)
    psi = surrogate.derivative(u)
    if getattr(psi, "shape", None) != u.shape:
        raise ValueError(f"lif: {surrogate!r}.derivative(u) must return an array of u's shape "
                         f"{u.shape}, got {type(psi).__name__} of shape "
                         f"{getattr(psi, 'shape', None)}")
    return psi.astype(h.dtype, copy=False)


@njit(parallel=True, error_model="numpy")  # takes a function, so Numba cannot cache it on disk
def _apply_scalar(h, threshold, derivative, psi):
    """psi[i] = derivative(h[i] - threshold): a user's scalar slope over flat [T * N] arrays."""
    for i in prange(h.size):
        psi[i] = derivative(h[i] - threshold)
