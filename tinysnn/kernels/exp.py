"""e**x for x <= 0 with the same bits in NumPy, CuPy and Numba: ``exp_nonpositive``.

Why not np.exp? NumPy's SIMD exp and the C library's exp (which Numba calls) differ in the last
bit for a few percent of inputs, and Numba cannot vectorise the C library's. The LIF kernels
must equal the NumPy reference bit for bit and run at memory speed, so the Sigmoid surrogate
uses this exp, made of + - * floor and the float's exponent bits only. It is written once for
arrays (``exp_nonpositive``) and once for scalars (its Numba overload below, from the same
constants): a Numba function that calls ``exp_nonpositive(x)`` on a float gets the scalar one.
"""

import math
from typing import NamedTuple

import numpy as np
from numba import types
from numba.extending import overload
from numba.np.numpy_support import as_dtype

from ..backend import xp_of


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


@overload(exp_nonpositive, inline="always")
def _exp_nonpositive_scalar(x):
    """Numba's twin of ``exp_nonpositive`` for one scalar: the same operations in the same
    order, so the same bits as the NumPy version."""
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
