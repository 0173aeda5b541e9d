"""Stateless and weight layers with PyTorch's names, shapes and default initialisation.

Spiking networks run on time-major sequences ``[T, B, ...]``. Layers that do not care about
time fold ``T`` into the batch axis, apply the per-sample operation, and unfold again, so
``Conv2d`` takes ``[N, C, H, W]`` or ``[T, B, C, H, W]`` alike. BatchNorm statistics then run
over ``T x B x H x W``, as in the MA-SNN code.
"""

import math

import numpy as np

from .. import functional as F
from .. import random_state
from ..validate import check_integer_pair, check_real
from .module import Module, Parameter


def _fold_time(x, rank):
    """[T, B, *rest] -> ([T*B, *rest], unfold) when x has one axis more than ``rank``."""
    if x.ndim == rank + 1:
        T, B = x.shape[:2]
        return x.reshape(T * B, *x.shape[2:]), lambda y: y.reshape(T, B, *y.shape[1:])
    return x, lambda y: y


def _check_rank(layer, x, ranks, layout):
    if x.ndim not in ranks:
        raise ValueError(f"{layer}: expected {layout}, got shape {tuple(x.shape)}")


class Linear(Module):
    """y = x W^T + b.  weight: [out, in], bias: [out]; x: [..., in] -> [..., out]."""

    def __init__(self, in_features, out_features, bias=True, dtype=np.float32):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = 1 / math.sqrt(in_features)  # kaiming_uniform(a=sqrt 5) == U(+-1/sqrt(fan_in))
        self.weight = Parameter(random_state.uniform((out_features, in_features), bound, dtype))
        self.bias = Parameter(random_state.uniform((out_features,), bound, dtype)) if bias else None

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    features_rank = 1  # x: [..., in]: one feature axis

    def dense_ops(self, y_shape):
        """Multiply-accumulates of one sample at one time step: in * out."""
        return self.in_features * self.out_features

    def extra_repr(self):
        return f"{self.in_features}, {self.out_features}, bias={self.bias is not None}"


class Conv2d(Module):
    """2-D convolution.  weight: [out, in, k, k]; x: [N, C, H, W] or [T, B, C, H, W]."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 dtype=np.float32):
        super().__init__()
        kh, kw = check_integer_pair("Conv2d", "kernel_size", kernel_size, low=1)
        check_integer_pair("Conv2d", "stride", stride, low=1)
        check_integer_pair("Conv2d", "padding", padding, low=0)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = (kh, kw), stride, padding
        bound = 1 / math.sqrt(in_channels * kh * kw)
        self.weight = Parameter(random_state.uniform((out_channels, in_channels, kh, kw), bound,
                                                     dtype))
        self.bias = Parameter(random_state.uniform((out_channels,), bound, dtype)) if bias else None

    def forward(self, x):
        _check_rank("Conv2d", x, (4, 5), "[N, C, H, W] or [T, B, C, H, W]")
        x, unfold = _fold_time(x, 4)
        return unfold(F.conv2d(x, self.weight, self.bias, self.stride, self.padding))

    features_rank = 3  # x: [..., C, H, W]

    def dense_ops(self, y_shape):
        """Multiply-accumulates of one sample at one time step, for an output [..., Cout, Hout,
        Wout]: k*k*Cin*Cout*Hout*Wout."""
        kh, kw = self.kernel_size
        return kh * kw * self.in_channels * self.out_channels * y_shape[-2] * y_shape[-1]

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")


class _BatchNorm(Module):
    rank = None  # the per-sample layout's rank: 2 for [N, C], 4 for [N, C, H, W]

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, dtype=np.float32):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = Parameter(np.ones(num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype)) if affine else None
        self.register_buffer("running_mean", np.zeros(num_features, dtype))
        self.register_buffer("running_var", np.ones(num_features, dtype))

    def forward(self, x):
        x, unfold = _fold_time(x, self.rank)
        y = F.batch_norm(x, self.weight, self.bias, self.running_mean, self.running_var,
                         training=self.training, momentum=self.momentum, eps=self.eps)
        return unfold(y)

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm1d(_BatchNorm):
    """BatchNorm over features.  x: [N, C] or time-major [T, B, C] (statistics over T x B)."""

    rank = 2

    def forward(self, x):
        _check_rank("BatchNorm1d", x, (2, 3), "[N, C] or time-major [T, B, C]")
        return super().forward(x)


class BatchNorm2d(_BatchNorm):
    """BatchNorm over channels.  x: [N, C, H, W] or [T, B, C, H, W] (statistics over T B H W)."""

    rank = 4

    def forward(self, x):
        _check_rank("BatchNorm2d", x, (4, 5), "[N, C, H, W] or [T, B, C, H, W]")
        return super().forward(x)

    def forward_then_avg_pool(self, x, kernel_size):
        """``AvgPool2d(kernel_size)(self(x))`` in one pass (F.batch_norm_avg_pool2d), for
        windows that tile x; the same result, statistics and running estimates as the two
        layers one after the other."""
        _check_rank("BatchNorm2d", x, (4, 5), "[N, C, H, W] or [T, B, C, H, W]")
        x, unfold = _fold_time(x, self.rank)
        y = F.batch_norm_avg_pool2d(x, self.weight, self.bias, self.running_mean,
                                    self.running_var, self.training, kernel_size,
                                    momentum=self.momentum, eps=self.eps)
        return unfold(y)


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def forward(self, x):
        _check_rank(type(self).__name__, x, (4, 5), "[N, C, H, W] or [T, B, C, H, W]")
        x, unfold = _fold_time(x, 4)
        return unfold(self.pool(x, self.kernel_size, self.stride, self.padding))

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_Pool2d):
    """Average pooling over k x k windows (zero padding counts, as PyTorch's default)."""

    pool = staticmethod(F.avg_pool2d)


class MaxPool2d(_Pool2d):
    """Max pooling over k x k windows; the gradient goes to each window's maximum."""

    pool = staticmethod(F.max_pool2d)


class Flatten(Module):
    """Merge axes start_dim.. into one: [T, B, C, H, W] -> [T, B, C*H*W] with the default 2.

    The default keeps the time and batch axes of a time-major sequence; for [N, C, H, W]
    input use ``Flatten(start_dim=1)`` (PyTorch's default).
    """

    def __init__(self, start_dim=2):
        super().__init__()
        self.start_dim = start_dim

    def forward(self, x):
        return F.flatten(x, self.start_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}"


class Dropout(Module):
    """Inverted dropout: zero each element with probability p in training, scale by 1/(1-p)."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = check_real("Dropout", "p", p, 0, 1, high_open=True)

    def forward(self, x):
        return F.dropout(x, self.p, self.training, random_state.generator())

    def extra_repr(self):
        return f"p={self.p}"
