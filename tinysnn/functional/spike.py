"""One spike: the Heaviside step forward, a surrogate slope backward.

    s = F.spike(h - threshold, surrogate)       # u: any shape -> 0/1 spikes in u's dtype

This is the building block of ``nn.Neuron`` (a neuron of your own fires with it). ``F.lif``
does the same inside its fused kernels for a whole sequence at once.
"""

from ..autograd import Function
from ..kernels.lif.reference import heaviside  # 1 where u >= 0, NaN where u is, else 0
from ..surrogate import Sigmoid
from ..tensor import Tensor
from ..validate import check_surrogate


class Spike(Function):
    """u -> Heaviside(u); backward grad * surrogate.derivative(u), the slope that stands in for
    the Heaviside's derivative (0 almost everywhere)."""

    @staticmethod
    def forward(ctx, u, surrogate):
        ctx.save_for_backward(u)
        ctx.surrogate = surrogate
        return heaviside(u)

    @staticmethod
    def backward(ctx, grad):
        (u,) = ctx.saved
        psi = ctx.surrogate.derivative(u)
        if getattr(psi, "shape", None) != u.shape:
            raise ValueError(f"spike: {ctx.surrogate!r}.derivative(u) must return an array of u's "
                             f"shape {u.shape}, got {type(psi).__name__} of shape "
                             f"{getattr(psi, 'shape', None)}")
        return (grad * psi.astype(u.dtype, copy=False),)


def spike(u, surrogate=Sigmoid(alpha=4.0)):  # noqa: B008 (surrogates are frozen)
    """Spikes where u >= 0: Heaviside forward, ``grad * surrogate.derivative(u)`` backward.

    u: any shape, float32 or float64 (usually the membrane minus the threshold).
    surrogate: any object with ``derivative(u)`` (array in, array of the same shape out), e.g.
        one of ``tinysnn.surrogate`` or a class of your own.
    Returns 0.0/1.0 of u's shape and dtype.
    """
    u = u if isinstance(u, Tensor) else Tensor(u)
    if u.dtype.kind != "f":
        raise TypeError(f"spike: u must be float32 or float64, got dtype {u.dtype}")
    check_surrogate("spike", surrogate)
    return Spike.apply(u, surrogate=surrogate)
