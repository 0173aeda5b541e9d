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
the neurons (``primitive(u)`` is optional: gradient checks use it).

Fused slopes. A class here also carries its slope in the forms the LIF kernels compute inside
their BPTT loop, so no array of slopes is ever written: ``numba_slope(u, c0, c1, one)``, the
formula for one number as plain Python that Numba compiles into the CPU kernel;
``cuda_slope``, the same formula as the body of a CUDA function of ``T u, c0, c1``; and
``slope_constants()``, the two numbers (c0, c1) those formulas read, from the class's fields.
``compact = True`` says the slope is 0 outside a window around the threshold (the convolution
before the neuron then computes its input gradient only inside it). Adding a fused surrogate is
one such class; the kernels take everything from it (``fused_slope``). Any other surrogate has
its ``derivative`` called once on the whole [T, N] array of membranes, and the kernels read the
slopes from the result (or from ``numba_derivative``, a Numba-compiled function of one number,
applied in one parallel pass: docs/extending/surrogate-and-neuron.md).

    class        c0          c1            numba_slope / cuda_slope
    Sigmoid      alpha       (unused)      c0 e / (1 + e)^2, e = exp(-|c0 u|)
    ATan         alpha / 2   pi alpha / 2  c0 / (1 + (c1 u)^2)
    Rectangle    1 / width   width / 2     c0 where |u| < c1, else 0
    Triangle     2 / width   (unused)      (1 - c0 |u|) c0 where c0 |u| < 1, else 0
    FastSigmoid  slope / 2   slope         c0 / (1 + c1 |u|)^2
"""

import math
from dataclasses import dataclass

from .backend import xp_of
from .kernels.exp import exp_nonpositive
from .kernels.lif.slopes import FusedSlope
from .validate import check_real


def _typed(value, u):
    """A Python number as a scalar of u's dtype, so float32 math stays float32."""
    return u.dtype.type(value)


def _check_positive(owner, name, value):
    check_real(owner, name, value, low=0, low_open=True)


def _defined_by(cls, name):
    """The class of cls's method resolution order whose body defines ``name``."""
    return next(c for c in cls.__mro__ if name in vars(c))


@dataclass(frozen=True)
class Surrogate:
    """Base class of the built-in surrogates: each defines derivative and primitive, and its
    fused slope (numba_slope, cuda_slope, slope_constants, compact: the module's docstring)."""

    numba_slope = None  # psi(u, c0, c1, one) for one number, plain Python compiled by Numba
    cuda_slope = None  # the body of a CUDA function T psi(T u, T c0, T c1)
    compact = False  # psi is 0 outside a window around the threshold

    def slope_constants(self):
        """(c0, c1): the numbers numba_slope and cuda_slope read (floats)."""
        return (0.0, 0.0)

    def fused_slope(self):
        """What the LIF kernels compute psi with (``kernels.lif.slopes.FusedSlope``), or None
        when this class has no fused slope of its own: a subclass that redefines
        ``derivative`` without redefining ``numba_slope`` may have changed the slope, so its
        ``derivative`` is called instead."""
        cls = type(self)
        if cls.numba_slope is None or _defined_by(cls, "numba_slope") is not _defined_by(
                cls, "derivative"):
            return None
        c0, c1 = self.slope_constants()
        return FusedSlope(cls.numba_slope, cls.cuda_slope, float(c0), float(c1), cls.compact)

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

    def slope_constants(self):
        return (self.alpha, 0.0)

    @staticmethod
    def numba_slope(u, c0, c1, one):
        e = exp_nonpositive(-abs(c0 * u))
        return c0 * e / ((one + e) * (one + e))

    cuda_slope = "T e = exp(-fabs(c0 * u)); return c0 * e / ((1 + e) * (1 + e));"

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

    def slope_constants(self):
        return (self.alpha / 2, math.pi / 2 * self.alpha)

    @staticmethod
    def numba_slope(u, c0, c1, one):
        z = c1 * u
        return c0 / (one + z * z)

    cuda_slope = "T z = c1 * u; return c0 / (1 + z * z);"

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

    compact = True

    def slope_constants(self):
        return (1 / self.width, self.width / 2)

    @staticmethod
    def numba_slope(u, c0, c1, one):
        return c0 if abs(u) < c1 else one - one

    cuda_slope = "return fabs(u) < c1 ? c0 : (T)0;"

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

    compact = True

    def slope_constants(self):
        return (2 / self.width, 0.0)

    @staticmethod
    def numba_slope(u, c0, c1, one):
        distance = abs(u) * c0
        return (one - distance) * c0 if distance < one else one - one

    cuda_slope = "T distance = fabs(u) * c0; return distance < 1 ? (1 - distance) * c0 : (T)0;"

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

    def slope_constants(self):
        return (self.slope / 2, self.slope)

    @staticmethod
    def numba_slope(u, c0, c1, one):
        d = one + c1 * abs(u)
        return c0 / (d * d)

    cuda_slope = "T d = 1 + c1 * fabs(u); return c0 / (d * d);"

    def derivative(self, u):
        d = 1 + _typed(self.slope, u) * xp_of(u).abs(u)
        return _typed(self.slope / 2, u) / (d * d)

    def primitive(self, u):
        k = _typed(self.slope, u)
        return (1 + k * u / (1 + k * xp_of(u).abs(u))) / 2
