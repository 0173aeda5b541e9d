"""Messages for the exercise tests that say what is wrong: dtype, shape, the largest difference.

    got = call("lif_bptt", ex.lif_bptt, h, g, ...)      # an exception names the arguments' shapes
    assert_array_close("dL/dX", got, expected, rtol=1e-9, atol=1e-12)
"""

import numpy as np


def describe(value):
    """'float32 array of shape [3, 4]' for an array, its repr (shortened) for anything else."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {list(value.shape)}"
    return repr(value)[:60]


def call(name, function, *args, hint="", **kwargs):
    """function(*args, **kwargs); an exception it raises becomes an AssertionError that names
    the call with the dtypes and shapes of its arguments (and ``hint``, when given)."""
    __tracebackhide__ = True
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise  # an unfinished task: the exercises' conftest reports it as "not done yet"
    except Exception as err:  # noqa: BLE001 (any error of the learner's code is reported)
        shown = ", ".join([describe(a) for a in args] +
                          [f"{k}={describe(v)}" for k, v in kwargs.items()])
        raise AssertionError(f"{name}({shown}) raised {type(err).__name__}: {err}"
                             + (f"\n  {hint}" if hint else "")) from err


def assert_array_close(name, got, expected, rtol=1e-7, atol=0.0, dtype=None, context=""):
    """got must be an array of expected's shape, of ``dtype`` (default: expected's dtype), and
    close to it; the message names the dtype, the shape and the largest difference and where."""
    __tracebackhide__ = True
    got, expected = np.asarray(got), np.asarray(expected)
    dtype = np.dtype(dtype or expected.dtype)
    suffix = f" ({context})" if context else ""
    assert got.shape == expected.shape, (
        f"{name} has shape {list(got.shape)}, expected {list(expected.shape)}{suffix}")
    assert got.dtype == dtype, f"{name} has dtype {got.dtype}, expected {dtype}{suffix}"
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    if bad.any():
        difference = np.abs(got.astype(np.float64) - expected.astype(np.float64))
        worst = np.unravel_index(np.nanargmax(np.where(bad, difference, -1)), got.shape)
        raise AssertionError(
            f"{name} ({dtype} {list(got.shape)}) differs at {bad.sum()} of {got.size} values; the "
            f"largest difference is {difference[worst]:.3g} at index {list(map(int, worst))}: got "
            f"{got[worst]!r}, expected {expected[worst]!r} (rtol {rtol:g}, atol {atol:g}){suffix}")
