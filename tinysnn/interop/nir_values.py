"""What a NIR graph's parameters may arrive as, turned into checked NumPy arrays.

Exporters write NumPy arrays of any float dtype, 0-d arrays, Python numbers, torch tensors, and
``nir.read`` gives back strings as bytes. Everything here becomes a NumPy array (or a str, an
int, a pair of ints) or a ``NIRError`` that names the node and the parameter.
"""

import math
import numbers

import numpy as np

from ..errors import TinysnnError


class NIRError(TinysnnError, ValueError):
    """A NIR graph (or a module to export) that tinysnn cannot run or write exactly."""


def as_array(node, name, value):
    """A parameter as a finite float NumPy array (its own float dtype kept; ints -> float64)."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):        # a torch tensor
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as err:
        raise NIRError(f"node {node!r}: {name} is not an array of numbers ({err})") from None
    if array.dtype.kind in "biu":
        array = array.astype(np.float64)
    if array.dtype.kind != "f":
        raise NIRError(f"node {node!r}: {name} must hold numbers, got {array.dtype} "
                       f"{str(value)[:40]}")
    if not np.isfinite(array).all():
        raise NIRError(f"node {node!r}: {name} holds NaN or infinite values")
    return array


def as_text(value):
    """A string that may have come back from a file as bytes (or a 0-d array of them)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    return value.decode("utf8") if isinstance(value, bytes) else value


def as_int(node, name, value, low=0):
    """One integer >= low (a 0-d array, a one-element array or a number)."""
    array = np.asarray(value if not hasattr(value, "detach") else value.detach().cpu().numpy())
    if array.size != 1 or not _integral(array.reshape(-1)[0]) or array.reshape(-1)[0] < low:
        raise NIRError(f"node {node!r}: {name} must be an integer >= {low}, got {value!r}")
    return int(array.reshape(-1)[0])


def as_ints(node, name, value, count, low=0):
    """``count`` integers >= low: one number repeated, or a sequence of ``count``."""
    array = np.asarray(value if not hasattr(value, "detach") else value.detach().cpu().numpy())
    flat = array.reshape(-1)
    if flat.size == 1:
        flat = np.repeat(flat, count)
    if flat.size != count or not all(_integral(v) and v >= low for v in flat):
        raise NIRError(f"node {node!r}: {name} must be an integer >= {low} or {count} of them, "
                       f"got {value!r}")
    return tuple(int(v) for v in flat)


def _integral(v):
    return isinstance(v, (numbers.Integral, np.integer)) or (
        isinstance(v, (numbers.Real, np.floating)) and math.isfinite(v) and float(v).is_integer())


def graph_dtype(arrays):
    """float64 when every float array of the graph is float64, else float32."""
    kinds = [a.dtype for a in arrays if a.dtype.kind == "f"]
    return np.float64 if kinds and all(d == np.float64 for d in kinds) else np.float32


def check_positive(node, name, array):
    """array, or NIRError naming the node if an element is not > 0 (a time constant)."""
    if not (array > 0).all():
        raise NIRError(f"node {node!r}: {name} must be > 0 everywhere, got min {array.min()}")
    return array
