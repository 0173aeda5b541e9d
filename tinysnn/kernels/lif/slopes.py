"""How a built-in surrogate reaches the fused LIF kernels: three numbers, and its formulas.

Numba and CUDA kernels cannot call a Python object, so each built-in surrogate of
``tinysnn.surrogate`` travels into them as ``(kind, c0, c1)``: which formula, and two constants.
This file is the only place that knows the encoding:

    surrogate           kind          c0         c1            psi(u)
    Sigmoid(alpha)      SIGMOID       alpha      (unused)      c0 e / (1 + e)^2, e = exp(-|c0 u|)
    ATan(alpha)         ATAN          alpha / 2  pi alpha / 2  c0 / (1 + (c1 u)^2)
    Rectangle(width)    RECTANGLE     1 / width  width / 2     c0 where |u| < c1, else 0
    Triangle(width)     TRIANGLE      2 / width  (unused)      (1 - c0 |u|) c0 where c0 |u| < 1
    FastSigmoid(slope)  FAST_SIGMOID  slope / 2  slope         c0 / (1 + c1 |u|)^2

``encode`` builds the triple; the ``*_slope`` functions are the Numba formulas and
``CUDA_SLOPE_SOURCE`` the CUDA ones, all twins of the surrogates'
``derivative`` (the tests compare them). A surrogate
that is not exactly one of these types (a user's own, or a subclass that may change the slope)
is not encoded: ``encode`` returns None and the kernels read psi from an array that
``surrogate.derivative`` computed (``kernels/lif/__init__.py``).
"""

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange, types
from numba.extending import overload
from numba.np.numpy_support import as_dtype

from ...surrogate import (
    EXP_CONSTANTS,
    ATan,
    FastSigmoid,
    Rectangle,
    Sigmoid,
    Triangle,
    exp_nonpositive,
)
from ..threads import threads_for

GIVEN, SIGMOID, ATAN, RECTANGLE, TRIANGLE, FAST_SIGMOID = range(6)  # GIVEN: psi comes in an array


class FusedSlope(NamedTuple):
    """A built-in surrogate as the kernels take it: its formula's kind and two constants."""
    kind: int
    c0: float
    c1: float


#: psi read from an array (any surrogate with a ``derivative``)
GIVEN_SLOPE = FusedSlope(GIVEN, 0.0, 0.0)


def encode(surrogate):
    """(kind, c0, c1) of a built-in surrogate (the table above), or None for any other object."""
    kind = type(surrogate)
    if kind is Sigmoid:
        return FusedSlope(SIGMOID, surrogate.alpha, 0.0)
    if kind is ATan:
        return FusedSlope(ATAN, surrogate.alpha / 2, math.pi / 2 * surrogate.alpha)
    if kind is Rectangle:
        return FusedSlope(RECTANGLE, 1 / surrogate.width, surrogate.width / 2)
    if kind is Triangle:
        return FusedSlope(TRIANGLE, 2 / surrogate.width, 0.0)
    if kind is FastSigmoid:
        return FusedSlope(FAST_SIGMOID, surrogate.slope / 2, surrogate.slope)
    return None


def surrogate_slopes(surrogate, h, threshold):
    """psi = surrogate.derivative(h - threshold) for a surrogate the kernels cannot encode.

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


# ------------------------------------------------------------------------------- Numba
@njit(parallel=True, error_model="numpy")  # takes a function, so Numba cannot cache it on disk
def _apply_scalar(h, threshold, derivative, psi):
    """psi[i] = derivative(h[i] - threshold): a user's scalar slope over flat [T * N] arrays."""
    for i in prange(h.size):
        psi[i] = derivative(h[i] - threshold)


@overload(exp_nonpositive, inline="always")
def _exp_nonpositive_scalar(x):
    """Numba's twin of ``surrogate.exp_nonpositive`` for one scalar: the same operations in the
    same order, so the same bits as the NumPy version."""
    if not isinstance(x, types.Float):
        return None
    dt = as_dtype(x)
    c = EXP_CONSTANTS[dt]
    float_type, int_type, bias, shift = dt.type, c.int_type, c.bias, c.mantissa_bits
    lowest, ln2_hi, ln2_lo = dt.type(c.lowest), dt.type(c.ln2_hi), dt.type(c.ln2_lo)
    log2e, half, zero = dt.type(1 / math.log(2)), dt.type(0.5), dt.type(0)
    taylor = tuple(dt.type(a) for a in c.taylor)
    degree = len(taylor) - 1

    def exp_nonpositive_scalar(x):
        clamped = max(lowest, x)
        k = np.floor(clamped * log2e + half)  # x = k ln2 + r
        r = (clamped - k * ln2_hi) - k * ln2_lo
        p = taylor[degree]
        for i in range(degree - 1, -1, -1):  # Horner over 1/n!
            p = p * r + taylor[i]
        two_to_k = int_type((int_type(k) + bias) << shift).view(float_type)
        return zero if x < lowest else p * two_to_k

    return exp_nonpositive_scalar


# psi = surrogate'(u) for one neuron-step, one function per row of the table above. A kernel
# takes the switch on ``kind`` once, outside its loop, and calls the loop with one of these
# functions (``loop(sigmoid_slope, ...)``): Numba compiles the loop once per formula with the
# formula inlined, so the slope is computed in the loop's own pass and every loop vectorises.
# one: 1 in u's dtype (a bare 1 would turn float32 arithmetic into float64). given: the slope
# that a user's surrogate computed for this neuron-step, read by ``given_slope`` only (for a
# built-in surrogate the kernels pass the membrane there, a load the compiler then drops).
@njit(inline="always", error_model="numpy")
def given_slope(u, c0, c1, one, given):
    """psi read from the array of slopes a user's surrogate computed."""
    return given


@njit(inline="always", error_model="numpy")
def sigmoid_slope(u, c0, c1, one, given):
    """Sigmoid: psi = alpha s (1 - s), s = sigmoid(alpha u)."""
    e = exp_nonpositive(-abs(c0 * u))
    return c0 * e / ((one + e) * (one + e))


@njit(inline="always", error_model="numpy")
def atan_slope(u, c0, c1, one, given):
    """ATan: psi = c0 / (1 + (c1 u)^2)."""
    z = c1 * u
    return c0 / (one + z * z)


@njit(inline="always", error_model="numpy")
def rectangle_slope(u, c0, c1, one, given):
    """Rectangle: psi = c0 where |u| < c1, else 0."""
    return c0 if abs(u) < c1 else one - one


@njit(inline="always", error_model="numpy")
def triangle_slope(u, c0, c1, one, given):
    """Triangle: psi = (1 - c0 |u|) c0 where c0 |u| < 1, else 0."""
    distance = abs(u) * c0
    return (one - distance) * c0 if distance < one else one - one


@njit(inline="always", error_model="numpy")
def fast_sigmoid_slope(u, c0, c1, one, given):
    """FastSigmoid: psi = c0 / (1 + c1 |u|)^2."""
    d = one + c1 * abs(u)
    return c0 / (d * d)


# -------------------------------------------------------------------------------- CUDA
CUDA_SLOPE_SOURCE = f"""
#define SLOPE_GIVEN {GIVEN}
template <typename T>
__device__ T surrogate_slope(int kind, T c0, T c1, T u) {{  // the table in kernels/lif/slopes.py
    if (kind == {SIGMOID}) {{
        T e = exp(-fabs(c0 * u));
        return c0 * e / ((1 + e) * (1 + e));
    }}
    if (kind == {ATAN}) {{
        T z = c1 * u;
        return c0 / (1 + z * z);
    }}
    if (kind == {RECTANGLE}) return fabs(u) < c1 ? c0 : (T)0;
    if (kind == {TRIANGLE}) {{
        T distance = fabs(u) * c0;
        return distance < 1 ? (1 - distance) * c0 : (T)0;
    }}
    T d = 1 + c1 * fabs(u);  // FAST_SIGMOID
    return c0 / (d * d);
}}
"""
