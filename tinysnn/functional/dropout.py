"""Inverted dropout: zero each element with probability p, scale the survivors by 1 / (1 - p).

The random mask is drawn in ``dropout`` (the functional wrapper) from the Generator it is
given, and handed to the Function as a constant. So the Function itself is deterministic:
a gradient check that calls it many times sees the same mask each time, and a seeded
Generator reproduces a run exactly.
"""

import numpy as np

from ..autograd import Function
from ..backend import is_cupy, to_device
from ..tensor import Tensor
from ..validate import check_real


class Dropout(Function):
    """x: [...], mask: bool [...] (True = keep) -> y = x * mask * scale."""

    @staticmethod
    def forward(ctx, x, mask=None, scale=1.0):
        ctx.save_for_backward(mask)
        ctx.scale = scale
        y = x * mask
        y *= scale
        return y

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved
        dx = grad * mask  # dy/dx = mask * scale
        dx *= ctx.scale
        return (dx,)


def dropout(x, p=0.5, training=True, rng=None):
    """Zero each element of x with probability p and scale the rest by 1 / (1 - p).

    x: Tensor of any shape. training: when False (or p == 0) x is returned unchanged.
    rng: a ``numpy.random.Generator`` (default: a fresh unseeded one); the mask is drawn from
    it on the host (and copied to the GPU for CuPy tensors).
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"dropout: x must be a Tensor, got {type(x).__name__}")
    p = check_real("dropout", "p", p, 0, 1)
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"dropout: rng must be a numpy.random.Generator "
                        f"(np.random.default_rng(seed)), got {type(rng).__name__}")
    if not training or p == 0.0:
        return x
    rng = np.random.default_rng() if rng is None else rng
    if p == 1.0:
        mask, scale = np.zeros(x.shape, bool), 0.0
    else:
        mask, scale = rng.random(x.shape, dtype=np.float32) >= p, 1.0 / (1.0 - p)  # keep: 1 - p
    if is_cupy(x.data):
        mask = to_device(mask, "cuda")
    return Dropout.apply(x, mask=mask, scale=scale)
