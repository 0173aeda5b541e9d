"""Every differentiable operation, as a functional call (``F.conv2d(x, w)``).

Each is backed by a ``Function`` with its forward and hand-written backward side by side.
"""

from .attention import channel_attention, spatial_attention, temporal_attention
from .basic import (
    add,
    concatenate,
    div,
    exp,
    flatten,
    linear,
    log,
    matmul,
    max,
    mean,
    mul,
    neg,
    permute,
    pow,
    relu,
    reshape,
    sigmoid,
    stack,
    sub,
    sum,
    tanh,
    transpose,
    unbroadcast,
)
from .conv import avg_pool2d, conv2d, max_pool2d
from .lif import lif
from .dropout import dropout
from .loss import cross_entropy, mse_loss
from .norm import batch_norm
