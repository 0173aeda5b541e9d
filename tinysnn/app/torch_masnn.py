"""The same MASNN in plain PyTorch, for ``python -m tinysnn bench --compare`` (needs torch).

Imported only when torch is installed (``pip install -e ".[compare]"``); nothing else in tinysnn
imports it. The network is built layer for layer like ``tinysnn.nn.models.MASNN`` and takes its
weights (``from_tinysnn``), so both compute the same function:

* LIF: the authors' per-step loop, one step of the membrane at a time with autograd through it,
  H = decay V + X, S = [H >= threshold] with a rectangular surrogate, V = H (1 - S) + v_reset S
  (the reset not detached), as in their event-camera code;
* attention: temporal, channel and spatial branches as in SpikingJelly's port of the MA module,
  written with plain torch ops (pools, bias-free MLPs, a 2 -> 1 convolution, sigmoid gates),
  applied in the order T, C, S, then a ReLU;
* conv / linear, batch norm over T x B (x H x W), average pools: torch.nn's layers on [T*B, ...].

Only the MA-SNN cell (neuron "paper" or "paper-cifar10dvs") and the attention variants of the
ablation are built; the controls ("no+relu", "const-gate") are not.
"""

import torch
import torch.nn.functional as F
from torch import nn

from ..nn.models import VARIANTS


class RectangleSpike(torch.autograd.Function):
    """S = [u >= threshold]; backward: slope 1/width on |u - threshold| < width/2, else 0."""

    @staticmethod
    def forward(ctx, u, threshold, width):
        ctx.save_for_backward(u)
        ctx.threshold, ctx.width = threshold, width
        return (u >= threshold).to(u.dtype)

    @staticmethod
    def backward(ctx, grad):
        (u,) = ctx.saved_tensors
        window = ((u - ctx.threshold).abs() < ctx.width / 2).to(grad.dtype) / ctx.width
        return grad * window, None, None


class PaperLIF(nn.Module):
    """The authors' cell, one time step at a time.  x: [T, B, ...] -> spikes [T, B, ...]."""

    def __init__(self, decay, threshold, v_reset, width):
        super().__init__()
        self.decay, self.threshold, self.v_reset, self.width = decay, threshold, v_reset, width

    def forward(self, x):
        v = torch.zeros_like(x[0])
        spikes = []
        for t in range(x.shape[0]):
            h = self.decay * v + x[t]
            s = RectangleSpike.apply(h, self.threshold, self.width)
            v = h * (1 - s) + self.v_reset * s
            spikes.append(s)
        return torch.stack(spikes)


def _max(x, dims):
    """Max over ``dims`` (moved last, in order) with its gradient to one element, the first
    maximum, as a max pooling layer routes it (``amax`` would share it among ties)."""
    rest = [d for d in range(x.ndim) if d not in dims]
    return x.permute(*rest, *dims).flatten(len(rest)).max(-1).values


def _mlp_gate(avg, top, w1, w2):
    """sigmoid(w2 relu(w1 avg) + w2 relu(w1 max)), rows [B, n]."""
    return torch.sigmoid(F.linear(F.relu(F.linear(avg, w1)), w2)
                         + F.linear(F.relu(F.linear(top, w1)), w2))


class TemporalAttention(nn.Module):
    """TA in PyTorch: one sigmoid gate per (t, b) from a bias-free MLP over T."""
    def __init__(self, T, hidden):
        super().__init__()
        self.w1 = nn.Parameter(torch.empty(hidden, T))
        self.w2 = nn.Parameter(torch.empty(T, hidden))

    def forward(self, x):  # x: [T, B, *F]; pools over F, one gate per (t, b)
        flat = x.reshape(x.shape[0], x.shape[1], -1)
        gate = _mlp_gate(flat.mean(2).T, _max(flat, [2]).T, self.w1, self.w2)  # [B, T]
        return x * gate.T.reshape(*gate.T.shape, *([1] * (x.ndim - 2)))


class ChannelAttention(nn.Module):
    """CA in PyTorch: one sigmoid gate per (b, c) from a bias-free MLP over C."""
    def __init__(self, C, hidden):
        super().__init__()
        self.w1 = nn.Parameter(torch.empty(hidden, C))
        self.w2 = nn.Parameter(torch.empty(C, hidden))

    def forward(self, x):  # x: [T, B, C, H, W]; pools over (T, H, W), one gate per (b, c)
        gate = _mlp_gate(x.mean((0, 3, 4)), _max(x, [0, 3, 4]), self.w1, self.w2)  # [B, C]
        return x * gate[None, :, :, None, None]


class SpatialAttention(nn.Module):
    """SA in PyTorch: one sigmoid gate per (b, h, w) from a 2 -> 1 convolution."""
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(1, 2, kernel_size, kernel_size))

    def forward(self, x):  # x: [T, B, C, H, W]; pools over (T, C), one gate per (b, h, w)
        maps = torch.stack([x.mean((0, 2)), _max(x, [0, 2])], dim=1)  # [B, 2, H, W]
        gate = torch.sigmoid(F.conv2d(maps, self.weight, padding=self.weight.shape[-1] // 2))
        return x * gate[None, :, :, :, :]  # [1, B, 1, H, W]


class MultiDimensionalAttention(nn.Module):
    """The branches of a tinysnn MultiDimensionalAttention in PyTorch, in the order T, C, S."""
    def __init__(self, source):
        super().__init__()
        self.ta = self.ca = self.sa = None
        if source.ta is not None:
            self.ta = TemporalAttention(*source.ta.w1.shape[::-1])
        if source.ca is not None:
            self.ca = ChannelAttention(*source.ca.w1.shape[::-1])
        if source.sa is not None:
            self.sa = SpatialAttention(source.sa.kernel_size)

    def forward(self, x):
        for branch in (self.ta, self.ca, self.sa):
            if branch is not None:
                x = branch(x)
        return F.relu(x)


def _neuron(source):
    width = getattr(source.surrogate, "width", None)
    if width is None or source.reset_mode != "hard" or source.detach_reset:
        raise ValueError("torch_masnn: only the MA-SNN cell (Rectangle surrogate, hard reset) "
                         "is built in PyTorch")
    return PaperLIF(source.decay, source.threshold, source.v_reset, width)


class SpikingConv(nn.Module):
    """conv 3x3 -> BN -> avg pool -> attention -> LIF, on [T, B, C, H, W]."""

    def __init__(self, source):
        super().__init__()
        conv = source.conv
        self.conv = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                              padding=conv.padding)
        self.bn = nn.BatchNorm2d(conv.out_channels, eps=source.bn.eps,
                                 momentum=source.bn.momentum)
        self.pool = nn.AvgPool2d(source.pool.kernel_size) if source.pool is not None else None
        self.attention = (MultiDimensionalAttention(source.attention)
                          if source.attention is not None else None)
        self.lif = _neuron(source.lif)

    def forward(self, x):
        T, B = x.shape[:2]
        y = self.bn(self.conv(x.flatten(0, 1)))
        if self.pool is not None:
            y = self.pool(y)
        y = y.reshape(T, B, *y.shape[1:])
        if self.attention is not None:
            y = self.attention(y)
        return self.lif(y)


class SpikingLinear(nn.Module):
    """linear -> BN -> temporal attention -> LIF, on [T, B, L]."""

    def __init__(self, source):
        super().__init__()
        fc = source.fc
        self.fc = nn.Linear(fc.in_features, fc.out_features)
        self.bn = nn.BatchNorm1d(fc.out_features, eps=source.bn.eps, momentum=source.bn.momentum)
        self.attention = (MultiDimensionalAttention(source.attention)
                          if source.attention is not None else None)
        self.lif = _neuron(source.lif)

    def forward(self, x):
        T, B = x.shape[:2]
        y = self.bn(self.fc(x.flatten(0, 1))).reshape(T, B, -1)
        if self.attention is not None:
            y = self.attention(y)
        return self.lif(y)


class MASNN(nn.Module):
    """tinysnn's MASNN in PyTorch.  x: [T, B, C, H, W] -> firing rates [B, classes]."""

    def __init__(self, source):
        super().__init__()
        if source.config["attention"] not in VARIANTS:
            raise ValueError(f"torch_masnn: attention {source.config['attention']!r} is not "
                             f"built in PyTorch; choose one of {list(VARIANTS)}")
        self.features = nn.Sequential(*[SpikingConv(layer) for layer in source.features])
        self.classifier = nn.Sequential(*[SpikingLinear(layer) for layer in source.classifier])

    def forward(self, x):
        x = self.features(x)
        return self.classifier(x.flatten(2)).mean(0)


def from_tinysnn(model):
    """A PyTorch MASNN with ``model``'s structure, weights and batch-norm statistics."""
    twin = MASNN(model)
    state = {name: torch.from_numpy(value.copy()) for name, value in model.state_dict().items()}
    missing, unexpected = twin.load_state_dict(state, strict=False)
    if unexpected or any(not name.endswith("num_batches_tracked") for name in missing):
        raise RuntimeError(f"torch_masnn: weights do not match (missing {missing}, "
                           f"unexpected {unexpected})")
    return twin
