"""tinysnn: spiking neural networks with multi-dimensional attention, from scratch.

    import tinysnn as ts
    x = ts.Tensor(np.random.rand(8, 4, 2, 32, 32), requires_grad=True)   # [T, B, C, H, W]

Importing tinysnn changes nothing in the process: no environment variable, no allocator
setting. ``tinysnn.app.process.tune_process()`` sets what the command line sets for itself.
"""

from . import data, functional, nn, optim, surrogate
from .autograd import Function, is_grad_enabled, no_grad
from .backend import to_device, xp_of
from .interop import from_nir, to_nir  # imports nir only when called (the nir extra)
from .nn import models
from .nn.monitor import Monitor
from .random_state import manual_seed
from .tensor import Tensor

__version__ = "0.1.0"

__all__ = [
    "Function", "Monitor", "Tensor", "data", "from_nir", "functional", "is_grad_enabled",
    "manual_seed", "models", "nn", "no_grad", "optim", "surrogate", "to_device", "to_nir", "xp_of",
]
