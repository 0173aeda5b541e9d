"""tinysnn: spiking neural networks with multi-dimensional attention, from scratch.

    import tinysnn as ts
    x = ts.Tensor(np.random.rand(8, 4, 2, 32, 32), requires_grad=True)   # [T, B, C, H, W]
"""

import os

# Numba's OpenMP threads spin while they wait for work by default; on a busy laptop or a
# shared 2-core machine that spinning steals the cores the next kernel needs (a training step
# measured 0.68 s spinning vs 0.21 s passive). Set before any kernel starts its threads; an
# explicit OMP_WAIT_POLICY in the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .memory import keep_freed_memory

keep_freed_memory()  # big arrays reuse freed memory instead of page-faulting fresh pages

from . import data, functional, nn, optim, surrogate
from .autograd import Function, is_grad_enabled, no_grad
from .backend import to_device, xp_of
from .interop import from_nir, to_nir  # imports nir only when called (the nir extra)
from .nn import models
from .random_state import manual_seed
from .tensor import Tensor

__version__ = "0.1.0"

__all__ = [
    "Function", "Tensor", "data", "from_nir", "functional", "is_grad_enabled", "manual_seed",
    "models", "nn", "no_grad", "optim", "surrogate", "to_device", "to_nir", "xp_of",
]
