"""Attention modules of MA-SNN: temporal, channel, spatial, and their combination.

Each module holds the weights of one branch of ``tinysnn.functional.attention`` and checks that
its input fits them. ``MultiDimensionalAttention`` applies the chosen branches in the order
T, C, S, each on the previous output, then a ReLU, as the official MA-SNN code does; it sits
between a layer's (conv, batch norm, pool) and its LIF neurons, scaling the input current.

Initialisation follows the PyTorch layers the official code uses (bias-free 1x1 convolutions or
Linear layers for the MLPs, a bias-free Conv2d for the spatial map): PyTorch's default
kaiming_uniform(a=sqrt(5)), which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""

import math

import numpy as np

from .. import random_state
from ..functional.attention import (
    ChannelGate,
    SpatialGate,
    TemporalGate,
    channel_attention,
    spatial_attention,
    temporal_attention,
)
from ..tensor import Tensor
from ..validate import OutOfRange, check_integer
from .module import Module, Parameter


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _hidden_size(layer, n, axis, reduction):
    """max(1, n // reduction), after checking that 1 <= reduction <= n."""
    check_integer(layer, "reduction", reduction, low=1)
    if reduction > n:
        raise ValueError(
            f"{layer}: reduction {reduction} is larger than {axis} = {n}; "
            f"use a reduction between 1 and {n}"
        )
    return max(1, n // reduction)


def elements_per_sample(x_shape):
    """E = T x the features of one sample: T*C*H*W of [T, B, C, H, W], T*L of [T, B, L]."""
    return math.prod((x_shape[0], *x_shape[2:]))


def _check_axis(layer, x, axis, name, expected):
    if x.shape[axis] != expected:
        raise ValueError(
            f"{layer}: x has {name} = {x.shape[axis]} (shape {tuple(x.shape)}), "
            f"this module was built for {name} = {expected}"
        )


class _MLPAttention(Module):
    """The bias-free MLP n -> max(1, n // r) -> n shared by the average and max pools."""

    def __init__(self, layer, n, axis, reduction, dtype):
        super().__init__()
        hidden = _hidden_size(layer, n, axis, reduction)
        self.reduction = reduction
        # fan_in = n for w1 and hidden for w2
        self.w1 = Parameter(random_state.uniform((hidden, n), 1 / math.sqrt(n), dtype))
        self.w2 = Parameter(random_state.uniform((n, hidden), 1 / math.sqrt(hidden), dtype))

    def ops(self, x_shape):
        """(MACs, ACs) per sample on an input of x_shape [T, B, ...] (tinysnn.nn.monitor's rule):
        the gate multiply, E MACs, and the MLP on the average and the max, 2 (n h + h n) MACs;
        the average and max pools, 2E ACs."""
        hidden, n = self.w1.shape
        elements = elements_per_sample(x_shape)
        return elements + 2 * (n * hidden + hidden * n), 2 * elements


class TemporalAttention(_MLPAttention):
    """One gate per time step and sample: x * sigmoid(w2 relu(w1 avg) + w2 relu(w1 max)).

    Pools over (C, H, W) of x: [T, B, C, H, W], or over L of x: [T, B, L] (fully connected
    layers). Parameters: w1 [T // r, T], w2 [T, T // r] (hidden size at least 1).
    """

    branch = "T"  # its label in the monitor's report

    def __init__(self, T, reduction=5, dtype=np.float32):
        super().__init__("TemporalAttention", T, "T", reduction, dtype)
        self.T = T

    def forward(self, x, relu=False):
        if x.ndim in (3, 5):
            _check_axis("TemporalAttention", x, 0, "T", self.T)
        return temporal_attention(x, self.w1, self.w2, relu)

    def gate(self, x):
        """The gate this module applies to x, without a graph: [B, T] (for plots and analysis)."""
        return TemporalGate.gate(_data(x), self.w1.data, self.w2.data)[0]

    def extra_repr(self):
        return f"T={self.T}, reduction={self.reduction}"


class ChannelAttention(_MLPAttention):
    """One gate per sample and channel, shared over time: pools x [T, B, C, H, W] over (T, H, W).

    Parameters: w1 [C // r, C], w2 [C, C // r] (hidden size at least 1).
    """

    branch = "C"

    def __init__(self, C, reduction=8, dtype=np.float32):
        super().__init__("ChannelAttention", C, "C", reduction, dtype)
        self.C = C

    def forward(self, x, relu=False):
        if x.ndim == 5:
            _check_axis("ChannelAttention", x, 2, "C", self.C)
        return channel_attention(x, self.w1, self.w2, relu)

    def gate(self, x):
        """The gate this module applies to x, without a graph: [B, C]."""
        return ChannelGate.gate(_data(x), self.w1.data, self.w2.data)[0]

    def extra_repr(self):
        return f"C={self.C}, reduction={self.reduction}"


class SpatialAttention(Module):
    """One gate per sample and pixel, shared over time and channels.

    The mean and max of x [T, B, C, H, W] over (T, C) go through a 2 -> 1 convolution
    (k x k, padding k // 2, no bias) and a sigmoid. Parameter: weight [1, 2, k, k], k odd.
    """

    branch = "S"

    def __init__(self, kernel_size=3, dtype=np.float32):
        super().__init__()
        odd = " and odd (padding k // 2 keeps H and W)"
        k = check_integer("SpatialAttention", "kernel_size", kernel_size, low=1, why=odd)
        if k % 2 == 0:
            raise OutOfRange(f"SpatialAttention: kernel_size must be an integer >= 1{odd}, "
                             f"got {kernel_size!r}")
        self.kernel_size = k
        self.weight = Parameter(random_state.uniform((1, 2, k, k), 1 / math.sqrt(2 * k * k), dtype))

    def forward(self, x, relu=False):
        return spatial_attention(x, self.weight, relu)

    def gate(self, x):
        """The map this module applies to x, without a graph: [B, H, W]."""
        return SpatialGate.gate(_data(x), self.weight.data)[0]

    def ops(self, x_shape):
        """(MACs, ACs) per sample on x_shape [T, B, C, H, W]: the gate multiply, E MACs, and the
        2 -> 1 k x k convolution over H x W, 2 k^2 H W MACs; the mean and max pools, 2E ACs."""
        elements, k = elements_per_sample(x_shape), self.kernel_size
        return elements + 2 * k * k * x_shape[-2] * x_shape[-1], 2 * elements

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}"


def _parse_dims(dims):
    """'TCS', 'TC', 'S', ... (any order, no repeats) -> the letters in application order T, C, S."""
    letters = str(dims)
    if not letters or set(letters) - set("TCS") or len(set(letters)) != len(letters):
        raise ValueError(
            f"MultiDimensionalAttention: dims must be a non-empty combination of the letters "
            f"T, C and S without repeats (e.g. 'TCS', 'TC', 'S'), got {dims!r}"
        )
    return "".join(d for d in "TCS" if d in letters)


class MultiDimensionalAttention(Module):
    """MA: temporal, channel and spatial attention, applied in the order T, C, S, then a ReLU.

    x: [T, B, C, H, W] -> same shape. For a fully connected layer's [T, B, L] only temporal
    attention makes sense: use dims="T" with C=L (any other dims raises for a 3-D input).
    Holds the branches it uses as ``ta``, ``ca``, ``sa`` (None for those not in dims).
    Defaults are the paper's Gesture settings: reduction_t = 5, reduction_c = 8, kernel_size 3.
    """

    def __init__(self, T, C, dims="TCS", reduction_t=5, reduction_c=8, kernel_size=3,
                 dtype=np.float32):
        super().__init__()
        self.T, self.C, self.dims = T, C, _parse_dims(dims)
        self.ta = TemporalAttention(T, reduction_t, dtype) if "T" in self.dims else None
        self.ca = ChannelAttention(C, reduction_c, dtype) if "C" in self.dims else None
        self.sa = SpatialAttention(kernel_size, dtype) if "S" in self.dims else None

    def forward(self, x):
        name = f"MultiDimensionalAttention(dims={self.dims!r})"
        if x.ndim == 3 and self.dims != "T":
            raise ValueError(
                f"{name}: a [T, B, L] input (shape {tuple(x.shape)}) takes temporal attention "
                f"only; build this module with dims='T' for fully connected layers"
            )
        if x.ndim not in (3, 5):
            raise ValueError(
                f"{name}: x must be [T, B, C, H, W] (or [T, B, L] with dims='T'), "
                f"got shape {tuple(x.shape)}"
            )
        _check_axis(name, x, 0, "T", self.T)
        _check_axis(name, x, 2, "C" if x.ndim == 5 else "L", self.C)
        branches = [b for b in (self.ta, self.ca, self.sa) if b is not None]
        for branch in branches[:-1]:  # T, then C, then S, each on the last output
            x = branch(x)
        return branches[-1](x, relu=True)  # the ReLU in the last branch's pass

    def gate_maps(self, x):
        """The gates applied to x, without a graph, for plots: {"temporal": [B, T], "channel":
        [B, C], "spatial": [B, H, W]} (the branches it has). Each branch sees the previous
        branch's output, as in forward."""
        maps = {}
        for key, branch in (("temporal", self.ta), ("channel", self.ca), ("spatial", self.sa)):
            if branch is not None:
                maps[key] = np.asarray(branch.gate(x))
                x = branch(x)
        return maps

    def extra_repr(self):
        return f"T={self.T}, C={self.C}, dims={self.dims!r}"
