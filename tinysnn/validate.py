"""The checks of numbers and surrogates that tinysnn's constructors and functions make, once.

    tau = check_real("LIF", "tau", tau, low=1)     # OutOfRange: LIF: tau must be a finite
                                                   # number >= 1, got nan
    T = check_integer("MASNN", "T", T, low=1)      # OutOfRange: ... must be an integer >= 1
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
               why=""):
    """``value`` as a float if it is a finite real number in the interval; else an error naming
    ``owner: name``. why: words added after what the value must be, e.g. ' (decay = 1 - 1/tau)'."""
    what = "a finite number" + interval(low, high, low_open, high_open) + why
    if not is_number(value):
        raise WrongType(f"{owner}: {name} must be {what}, got {type(value).__name__} {value!r}")
    if not (is_finite(value) and within(value, low, high, low_open, high_open)):
        raise OutOfRange(f"{owner}: {name} must be {what}, got {value!r}")
    return float(value)


def check_integer(owner, name, value, low=None, high=None):
    """``value`` as an int if it is an integer (Python or NumPy, not a bool) in [low, high]."""
    what = "an integer" + interval(low, high)
    if not is_number(value) or not isinstance(value, numbers.Integral):
        raise WrongType(f"{owner}: {name} must be {what}, got {type(value).__name__} {value!r}")
    if not within(value, low, high):
        raise OutOfRange(f"{owner}: {name} must be {what}, got {value!r}")
    return int(value)


def check_surrogate(owner, surrogate):
    """A surrogate is any object with a ``derivative(u)`` method; a TypeError otherwise."""
    if not callable(getattr(surrogate, "derivative", None)):
        raise TypeError(f"{owner}: surrogate must have a derivative(u) method (array in, array "
                        f"out), got {surrogate!r}")
    return surrogate
