"""tinysnn: spiking neural networks with multi-dimensional attention, from scratch.

    import tinysnn as ts
    x = ts.Tensor(np.random.rand(8, 4, 2, 32, 32), requires_grad=True)   # [T, B, C, H, W]
"""

from . import functional
from .autograd import Function, Tensor, is_grad_enabled, no_grad
from .backend import to_device, xp_of

__version__ = "0.1.0"

__all__ = ["Function", "Tensor", "functional", "is_grad_enabled", "no_grad", "to_device", "xp_of"]
