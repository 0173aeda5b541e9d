"""Every differentiable operation, as a functional call (``F.conv2d(x, w)``).

Each is backed by a ``Function`` with its forward and hand-written backward side by side.
Importing this package attaches Tensor's operators (``a + b``, ``x.sum()``: ``operators.py``).
"""

from . import operators
from .attention import channel_attention, spatial_attention, temporal_attention
from .basic import (
    add,
    div,
    exp,
    log,
    matmul,
    max,
    mean,
    mul,
    neg,
    pow,
    relu,
    sigmoid,
    sub,
    sum,
    tanh,
    to,
    unbroadcast,
)
from .conv import conv2d
from .dense import linear
from .dropout import dropout
from .lif import lif
from .loss import cross_entropy, mse_loss
from .norm import batch_norm, batch_norm_avg_pool2d
from .pool import avg_pool2d, max_pool2d
from .shape import concatenate, flatten, getitem, permute, reshape, stack, transpose
from .spike import spike

operators.attach()
