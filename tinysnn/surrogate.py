"""Surrogate gradients: the slope that stands in for the Heaviside's derivative in BPTT.

A LIF neuron fires S = Heaviside(u) with u = H - threshold. The Heaviside is flat almost
everywhere, so backward uses a surrogate slope psi(u) instead. Each surrogate here has

* ``derivative(u)``: psi(u), the slope backward uses (finite for every finite u);
* ``primitive(u)``: the smooth step whose derivative psi is, rising from 0 to 1 (so psi
  integrates to 1). Replacing the Heaviside by it gives a smooth network whose true gradient is
  the surrogate gradient: that is how the tests check BPTT with finite differences.

Sharpness convention: a larger alpha / slope, or a smaller width, is closer to the Heaviside.

    Sigmoid(alpha=4)     psi = alpha s (1 - s),  s = sigmoid(alpha u)         (SpikingJelly)
    ATan(alpha=2)        psi = (alpha/2) / (1 + (pi/2 alpha u)^2)             (SpikingJelly)
    Rectangle(width=1)   psi = 1/width where |u| < width/2, else 0           (the MA-SNN code)
    Triangle(width=1)    psi = (1 - |u|/(width/2)) / (width/2) where |u| < width/2, else 0
    FastSigmoid(slope=25) psi = (slope/2) / (1 + slope |u|)^2  (snnTorch's fast sigmoid / 2 * slope)

Surrogates are frozen dataclasses: hashable, comparable, with a readable repr for configs.
Any object with a ``derivative(u)`` method works as a surrogate in ``F.lif``, ``F.spike`` and
the neurons (``primitive(u)`` is optional: gradient checks use it). The LIF kernels compute the
five built-in slopes inside their loops (``kernels/lif/slopes.py`` holds that encoding and the
formulas' Numba and CUDA twins); for any other surrogate they call its ``derivative`` once on
the whole [T, N] array of membranes and read the slopes from the result. A surrogate of yours may
also offer ``numba_derivative``, a function of one number compiled with ``numba.njit``; the CPU
kernels then apply it in one parallel pass instead (docs/extending/surrogate-and-neuron.md).
"""

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .backend import xp_of


def _typed(value, u):
    """A Python number as a scalar of u's dtype, so float32 math stays float32."""
    return u.dtype.type(value)


def _check_positive(owner, name, value):
    if not (isinstance(value, (int, float, np.floating)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{owner}: {name} must be a finite number > 0, got {value!r}")


@dataclass(frozen=True)
class Surrogate:
    """Base class of the built-in surrogates: each defines derivative and primitive."""

    def derivative(self, u):
        """psi(u), the surrogate slope. u: any shape (NumPy or CuPy) -> same shape and dtype."""
        raise NotImplementedError

    def primitive(self, u):
        """The smooth step psi is the derivative of (0 far below, 1 far above threshold)."""
        raise NotImplementedError



@dataclass(frozen=True)
class Sigmoid(Surrogate):
    """psi(u) = alpha * s * (1 - s) with s = sigmoid(alpha * u); primitive s. Peak alpha / 4."""

    alpha: float = 4.0

    def __post_init__(self):
        _check_positive("Sigmoid", "alpha", self.alpha)

    def derivative(self, u):
        # s (1 - s) = e / (1 + e)^2 with e = exp(-|alpha u|) <= 1: no overflow for any u
        e = exp_nonpositive(-xp_of(u).abs(_typed(self.alpha, u) * u))
        return _typed(self.alpha, u) * e / ((1 + e) * (1 + e))

    def primitive(self, u):
        xp = xp_of(u)
        x = _typed(self.alpha, u) * u
        e = exp_nonpositive(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))  # sigmoid(x), stable for both signs



@dataclass(frozen=True)
class ATan(Surrogate):
    """psi(u) = (alpha/2) / (1 + (pi/2 alpha u)^2); primitive atan(pi/2 alpha u) / pi + 1/2."""

    alpha: float = 2.0

    def __post_init__(self):
        _check_positive("ATan", "alpha", self.alpha)

    def derivative(self, u):
        z = _typed(math.pi / 2 * self.alpha, u) * u
        return _typed(self.alpha / 2, u) / (1 + z * z)  # z*z may overflow to inf: psi -> 0

    def primitive(self, u):
        z = _typed(math.pi / 2 * self.alpha, u) * u
        return xp_of(u).arctan(z) / _typed(math.pi, u) + _typed(0.5, u)



@dataclass(frozen=True)
class Rectangle(Surrogate):
    """psi(u) = 1/width where |u| < width/2, else 0; primitive clip(u/width + 1/2, 0, 1).

    Rectangle(width=0.5) is the MA-SNN code's surrogate: slope 2 inside |u| < 0.25.
    """

    width: float = 1.0

    def __post_init__(self):
        _check_positive("Rectangle", "width", self.width)

    def derivative(self, u):
        inside = xp_of(u).abs(u) < _typed(self.width / 2, u)
        return xp_of(u).where(inside, _typed(1 / self.width, u), _typed(0, u))

    def primitive(self, u):
        return xp_of(u).clip(u * _typed(1 / self.width, u) + _typed(0.5, u), 0, 1)



@dataclass(frozen=True)
class Triangle(Surrogate):
    """A triangle of base ``width`` and area 1: psi(u) = (1 - |u|/h) / h for |u| < h = width/2.

    Primitive: (1 + u/h)^2 / 2 below 0, 1 - (1 - u/h)^2 / 2 above (0 and 1 outside [-h, h]).
    """

    width: float = 1.0

    def __post_init__(self):
        _check_positive("Triangle", "width", self.width)

    def derivative(self, u):
        xp = xp_of(u)
        inv_h = _typed(2 / self.width, u)
        distance = xp.abs(u) * inv_h  # |u| / h
        return xp.where(distance < 1, (1 - distance) * inv_h, _typed(0, u))

    def primitive(self, u):
        xp = xp_of(u)
        v = xp.clip(u * _typed(2 / self.width, u), -1, 1)  # u / h, clipped to the support
        return xp.where(v < 0, (1 + v) * (1 + v) / 2, 1 - (1 - v) * (1 - v) / 2)



@dataclass(frozen=True)
class FastSigmoid(Surrogate):
    """psi(u) = (slope/2) / (1 + slope*|u|)^2; primitive (1 + slope*u / (1 + slope*|u|)) / 2.

    The "fast sigmoid" x / (1 + |x|) of SuperSpike, rescaled to a step from 0 to 1. snnTorch's
    ``fast_sigmoid(slope)`` has slope 1 / (1 + slope*|u|)^2, which is this psi times 2 / slope.
    """

    slope: float = 25.0

    def __post_init__(self):
        _check_positive("FastSigmoid", "slope", self.slope)

    def derivative(self, u):
        d = 1 + _typed(self.slope, u) * xp_of(u).abs(u)
        return _typed(self.slope / 2, u) / (d * d)

    def primitive(self, u):
        k = _typed(self.slope, u)
        return (1 + k * u / (1 + k * xp_of(u).abs(u))) / 2



# ---------------------------------------------------------------------------- e**x for x <= 0
# Why not np.exp? NumPy's SIMD exp and the C library's exp (which Numba calls) differ in the last
# bit for a few percent of inputs, and Numba cannot vectorise the C library's. The LIF kernels
# must equal the NumPy reference bit for bit and run at memory speed, so the Sigmoid surrogate
# uses this exp, made of + - * floor and the float's exponent bits only. It is written once for
# arrays (here) and once for scalars (kernels/lif/slopes.py, from the same constants).


class ExpConstants(NamedTuple):
    """The constants of ``exp_nonpositive`` for one float type."""
    lowest: float  # e**lowest is the smallest normal float: below it the result is flushed to 0
    ln2_hi: float  # ln 2 = ln2_hi + ln2_lo, ln2_hi with trailing zero bits so k * ln2_hi is exact
    ln2_lo: float
    taylor: tuple  # 1/n! for n = 0..degree, enough terms for |r| <= ln2/2 at this precision
    int_type: type  # the integer of the float's size, whose bits build 2**k
    bias: int  # exponent bias
    mantissa_bits: int


EXP_CONSTANTS = {
    np.dtype(np.float32): ExpConstants(-87.0, 0.693145751953125, 1.428606765330187e-06,
                                       tuple(1 / math.factorial(n) for n in range(8)),
                                       np.int32, 127, 23),
    np.dtype(np.float64): ExpConstants(-708.0, 0.6931471803691238, 1.9082149292705877e-10,
                                       tuple(1 / math.factorial(n) for n in range(14)),
                                       np.int64, 1023, 52),
}


def exp_nonpositive(x):
    """e**x for x <= 0 (NumPy/CuPy arrays or NumPy scalars), within 2 ulp; 0 below ``lowest``.

    x = k ln2 + r with |r| <= ln2/2 (Cody and Waite's split of ln 2 keeps r exact), then
    e**x = 2**k * e**r: e**r from its Taylor series, 2**k written straight into the exponent bits.
    """
    xp = xp_of(x)
    dt = x.dtype
    c = EXP_CONSTANTS[dt]
    lowest = dt.type(c.lowest)
    clamped = xp.maximum(x, lowest)  # keeps 2**k a normal float
    k = xp.floor(clamped * dt.type(1 / math.log(2)) + dt.type(0.5))
    r = (clamped - k * dt.type(c.ln2_hi)) - k * dt.type(c.ln2_lo)
    p = dt.type(c.taylor[-1])
    for coefficient in c.taylor[-2::-1]:  # Horner: p = 1 + r (1 + r (1/2 + r (1/6 + ...)))
        p = p * r + dt.type(coefficient)
    two_to_k = ((k.astype(c.int_type) + c.bias) << c.mantissa_bits).astype(c.int_type).view(dt)
    return xp.where(x < lowest, dt.type(0), p * two_to_k)
