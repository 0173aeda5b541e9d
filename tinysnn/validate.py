"""The checks of numbers and surrogates that tinysnn's constructors and functions make, once.

    tau = check_real("LIF", "tau", tau, low=1)     # OutOfRange: LIF: tau must be a finite
                                                   # number >= 1, got nan
    T = check_integer("MASNN", "T", T, low=1)      # OutOfRange: ... must be an integer >= 1
    sh, sw = check_integer_pair("conv2d", "stride", 2, low=1)      # (2, 2)
    check_surrogate("lif", surrogate)              # TypeError unless it has derivative(u)

A value of the wrong type (a string, None, a bool: bools are not numbers; a float where an
integer is asked for) is a WrongType (a TypeError); a number that is not finite or outside its
interval is an OutOfRange (a ValueError). Both name the owner, the argument,
what it must be and what came. NumPy scalars are numbers. This module imports only
tinysnn.errors, so every layer may use it.
"""

import math
import numbers

from .errors import TinysnnError


class WrongType(TinysnnError, TypeError, ValueError):
    """A number argument given something that is not a number, or an integer argument a value
    that is not an integer (a TypeError; also a ValueError, which is what some of tinysnn's
    checks raised before they were written once, here)."""


class OutOfRange(TinysnnError, ValueError):
    """A number argument outside what it accepts (not finite, not whole, or not in its
    interval)."""


def _shown(value):
    """A bound as written: a float short (1e-05), an int whole (1000000, not 1e+06)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def interval(low=None, high=None, low_open=False, high_open=False):
    """' in [0, 1)', ' > 0', ' >= 1', ' <= 5' or '': the words for where a value must lie."""
    low, high = (None if v is None else _shown(v) for v in (low, high))
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high}"
    return ""


def is_number(value):
    """A real number that is not a bool (Python or NumPy)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) \
        and type(value).__name__ != "bool_"


def within(value, low=None, high=None, low_open=False, high_open=False):
    """low <= value <= high (an end excluded when open; None: no end)."""
    if low is not None and (value <= low if low_open else value < low):
        return False
    return high is None or (value < high if high_open else value <= high)


def is_finite(value):
    """math.isfinite, False for an int too large for a float."""
    try:
        return math.isfinite(value)
    except OverflowError:                   # an int too large for a float
        return False


def check_real(owner, name, value, low=None, high=None, *, low_open=False, high_open=False,
               why="", finite=True):
    """``value`` as a float if it is a finite real number in the interval; else an error naming
    ``owner: name``. why: words added after what the value must be, e.g. ' (decay = 1 - 1/tau)'.
    finite=False also accepts -inf and inf (a start value such as a best loss); never NaN."""
    what = ("a finite number" if finite else "a number (not NaN)") \
        + interval(low, high, low_open, high_open) + why
    if not is_number(value):
        raise WrongType(f"{owner}: {name} must be {what}, got {type(value).__name__} {value!r}")
    if value != value or (finite and not is_finite(value)) \
            or not within(value, low, high, low_open, high_open):
        raise OutOfRange(f"{owner}: {name} must be {what}, got {value!r}")
    return float(value)


def check_integer(owner, name, value, low=None, high=None, *, why=""):
    """``value`` as an int if it is an integer (Python or NumPy, not a bool) in [low, high].
    why: words added after what the value must be, as for check_real."""
    what = "an integer" + interval(low, high) + why
    if not is_number(value) or not isinstance(value, numbers.Integral):
        raise WrongType(f"{owner}: {name} must be {what}, got {type(value).__name__} {value!r}")
    if not within(value, low, high):
        raise OutOfRange(f"{owner}: {name} must be {what}, got {value!r}")
    return int(value)


def check_whole(owner, name, value, low=None, high=None):
    """``value`` as an int if it is a finite whole number (3 or 3.0, as a saved state may give
    back) in [low, high]; a WrongType for a non-number, an OutOfRange for 2.5, inf or NaN."""
    what = "a whole number" + interval(low, high)
    if not is_number(value):
        raise WrongType(f"{owner}: {name} must be {what}, got {type(value).__name__} {value!r}")
    if not (is_finite(value) and value == int(value) and within(value, low, high)):
        raise OutOfRange(f"{owner}: {name} must be {what}, got {value!r}")
    return int(value)


def check_integer_pair(owner, name, value, low=None, high=None):
    """``(a, b)`` from an integer (used twice) or a pair of integers, each in [low, high]:
    a kernel size, stride or padding of a 2-D layer. The error names the whole value given."""
    what = "an integer" + interval(low, high) + " or a pair of them"
    if is_number(value) and isinstance(value, numbers.Integral):
        pair = (value, value)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        pair = tuple(value)
    else:
        raise WrongType(f"{owner}: {name} must be {what}, got {type(value).__name__} {value!r}")
    if not all(is_number(v) and isinstance(v, numbers.Integral) for v in pair):
        raise WrongType(f"{owner}: {name} must be {what}, got {value!r}")
    if not all(within(v, low, high) for v in pair):
        raise OutOfRange(f"{owner}: {name} must be {what}, got {value!r}")
    return int(pair[0]), int(pair[1])


def check_surrogate(owner, surrogate):
    """A surrogate is any object with a ``derivative(u)`` method; a TypeError otherwise."""
    if not callable(getattr(surrogate, "derivative", None)):
        raise TypeError(f"{owner}: surrogate must have a derivative(u) method (array in, array "
                        f"out), got {surrogate!r}")
    return surrogate
