"""The array seam: NumPy by default, CuPy when asked.

This is the only module that knows CuPy exists. Code that handles arrays asks
``xp = xp_of(array)`` and calls the NumPy API on ``xp``; kernels pick their
Numba or CuPy twin with ``is_cupy(array)``. Importing tinysnn never imports CuPy.
"""

import numpy as np

from .errors import TinysnnError

_CUPY_HINT = (
    "the 'cuda' device needs CuPy: install the wheel matching your CUDA toolkit, "
    "e.g. `pip install cupy-cuda12x` (or `pip install tinysnn[gpu]`)"
)


class BackendError(TinysnnError, RuntimeError):
    """The GPU backend cannot be used: CuPy is missing or cannot reach a CUDA device."""


def _cupy():
    """Import CuPy on first use, with one clear message when it is missing or broken."""
    try:
        import cupy
    except Exception as err:  # ImportError, or a CUDA library that fails to load
        raise BackendError(f"{_CUPY_HINT} ({type(err).__name__}: {err})") from err
    return cupy


def is_cupy(array):
    """True when ``array`` is a CuPy array (checked without importing CuPy)."""
    return type(array).__module__.split(".")[0] == "cupy"


def xp_of(array):
    """The array module (numpy or cupy) that owns ``array``."""
    return _cupy() if is_cupy(array) else np


def device_of(array):
    """'cuda' for CuPy arrays, else 'cpu'."""
    return "cuda" if is_cupy(array) else "cpu"


def to_device(array, device):
    """Move an array to 'cpu' (NumPy) or 'cuda' (CuPy); no copy when it is already there."""
    if device == "cpu":
        return array.get() if is_cupy(array) else np.asarray(array)
    if device in ("cuda", "gpu"):
        return _cupy().asarray(array)
    raise ValueError(f"to_device: device must be 'cpu' or 'cuda', got {device!r}")


def to_numpy(array):
    """A NumPy view or copy of any array (CuPy arrays are copied to the host)."""
    return to_device(array, "cpu")
