"""Att-Res-SNN: the membrane-shortcut spiking ResNet (MS-ResNet) with CSA attention of Yao et al.

    model = AttResSNN(depth=18, num_classes=1000, attention="CSA", T=1)   # ImageNet, 11,867,960
    logits = model(x)                     # x: [T, B, 3, H, W] or an image [B, 3, H, W] -> [B, 1000]

The network of the authors' ``resnet_2.py``, time-major ``[T, B, C, H, W]`` throughout:

    stem     conv 7x7 / 2 (3 -> 64, no bias) -> BN                (no neuron and no max pool here)
    stages   64, 128, 256, 512 channels of blocks; the first block of every stage has stride 2
             (the first stage's too), so H and W halve five times: 224 -> 112 -> ... -> 7
    block    residual = neuron -> conv 3x3 / s -> BN -> neuron -> conv 3x3 -> BN -> CSA
             shortcut = identity, or avg pool 2x2 -> conv 1x1 -> BN where the shape changes
             out = residual + shortcut: real-valued membrane inputs are added, not spikes
    head     neuron -> mean over H, W -> mean over T -> dropout 0.2 -> linear 512 -> classes

Blocks per stage: 18 [2, 2, 2, 2], 34 [3, 4, 6, 3], 104 [3, 8, 32, 8]. Every conv is bias-free;
the batch norms normalise over T x B x H x W (time folded into the batch) and start with
gamma = 0.5, except the last one of each residual branch, which starts at 0.1 so that each
block begins close to its shortcut. CSA (channel then spatial attention, c_ratio 8, then a ReLU)
scales the residual branch before the addition. An image is fed unchanged at every time step.
"""

from ... import functional as F
from ...surrogate import Rectangle
from ...validate import check_integer
from ..attention import MultiDimensionalAttention
from ..layers import AvgPool2d, BatchNorm2d, Conv2d, Dropout, Linear
from ..module import Module, Sequential
from ..neuron import Neuron
from .masnn import VARIANTS

#: residual blocks in each of the four stages
DEPTHS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 104: (3, 8, 32, 8)}
STAGE_CHANNELS = (64, 128, 256, 512)
STEM_CHANNELS = 64
GAMMA, GAMMA_LAST = 0.5, 0.1          # initial BN scales: the threshold, and 0.2 x threshold


class AttResNeuron(Neuron):
    """The cell of the authors' ResNet: leaky, fires strictly above 0.5, resets to 0.

    Per step: H[t] = decay V[t-1] + X[t]; S[t] = [H[t] > threshold] (strictly greater, unlike
    nn.LIF); V[t] = H[t] (1 - S[t]) with S[t] detached from the graph, so the reset passes no
    gradient. Backward: a rectangle of height 1 on |H - 0.5| < 0.5, i.e. 0 < H < 1.
    """

    def __init__(self, decay=0.25, threshold=0.5, surrogate=Rectangle(width=1.0), **options):  # noqa: B008
        super().__init__(threshold=threshold, v_reset=0.0, surrogate=surrogate,
                         detach_reset=True, **options)
        self.decay = decay

    def charge(self, v, x):
        return self.decay * v + x                 # H = decay V + X

    def fire(self, h):
        # [H > th] = 1 - [th - H >= 0]; its slope psi(th - H) is psi(H - th) for a symmetric psi
        return 1 - F.spike(self.threshold - h, self.surrogate)

    def extra_repr(self):
        return f"decay={self.decay}, " + super().extra_repr()


def batch_norm(channels, gamma):
    """BatchNorm2d over T x B x H x W whose scale starts at ``gamma`` (bias at 0)."""
    bn = BatchNorm2d(channels)
    bn.weight.data[...] = gamma
    return bn


class MembraneShortcutBlock(Module):
    """One residual block with a membrane shortcut.  x: [T, B, C_in, H, W] (membrane input,
    real-valued) -> [T, B, C_out, H / stride, W / stride]."""

    def __init__(self, in_channels, out_channels, stride, T, dims, reduction_c):
        super().__init__()
        self.neuron1 = AttResNeuron()
        self.conv1 = Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = batch_norm(out_channels, GAMMA)
        self.neuron2 = AttResNeuron()
        self.conv2 = Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = batch_norm(out_channels, GAMMA_LAST)
        self.attention = (MultiDimensionalAttention(T, out_channels, dims=dims, reduction_t=1,
                                                    reduction_c=reduction_c)
                          if dims else None)
        self.shortcut = None
        if stride != 1 or in_channels != out_channels:   # the authors' condition
            self.shortcut = Sequential(AvgPool2d(2), Conv2d(in_channels, out_channels, 1,
                                                            bias=False),
                                       batch_norm(out_channels, GAMMA))

    def forward(self, x):
        r = self.bn1(self.conv1(self.neuron1(x)))
        r = self.bn2(self.conv2(self.neuron2(r)))
        if self.attention is not None:
            r = self.attention(r)
        return r + (x if self.shortcut is None else self.shortcut(x))


class AttResSNN(Module):
    """Att-Res-SNN / MS-ResNet for images.

    x: [T, B, in_channels, H, W] or an image [B, in_channels, H, W] (repeated over T), with H
    and W multiples of 32 -> logits [B, num_classes].

    depth: 18, 34 or 104 (DEPTHS). attention: "CSA" (the paper's Att-Res-SNN) or "no" (the plain
    MS-ResNet); any other name in MASNN's VARIANTS works too (T gates need T > 1).
    T: time steps (the paper: 1 and 4 on ImageNet). in_channels: 3 for colour images.
    reduction_c: the channel attention's reduction (8). dropout: before the classifier (0.2).
    Parameters at 1000 classes with CSA: 11,867,960 (18), 22,116,552 (34), 78,369,598 (104).
    """

    def __init__(self, depth=18, num_classes=1000, attention="CSA", T=1, in_channels=3,
                 reduction_c=8, dropout=0.2):
        super().__init__()
        if depth not in DEPTHS:
            raise ValueError(f"AttResSNN: depth must be one of {sorted(DEPTHS)}, got {depth!r}")
        if attention not in VARIANTS:
            raise ValueError(f"AttResSNN: attention must be one of {list(VARIANTS)}, "
                             f"got {attention!r}")
        check_integer("AttResSNN", "T", T, low=1)
        self.config = dict(depth=depth, num_classes=num_classes, attention=attention, T=int(T),
                           in_channels=in_channels, reduction_c=reduction_c, dropout=dropout)
        self.stem = Sequential(Conv2d(in_channels, STEM_CHANNELS, 7, stride=2, padding=3,
                                      bias=False),
                               batch_norm(STEM_CHANNELS, GAMMA))
        stages, c_in = [], STEM_CHANNELS
        for blocks, c_out in zip(DEPTHS[depth], STAGE_CHANNELS):
            stage = []
            for i in range(blocks):
                stage.append(MembraneShortcutBlock(c_in, c_out, 2 if i == 0 else 1, int(T),
                                                   VARIANTS[attention], reduction_c))
                c_in = c_out
            stages.append(Sequential(*stage))
        self.stages = Sequential(*stages)
        self.neuron = AttResNeuron()
        self.dropout = Dropout(dropout) if dropout > 0 else None
        self.fc = Linear(c_in, num_classes)

    def forward(self, x):
        T, c = self.config["T"], self.config["in_channels"]
        if x.ndim == 4 and x.shape[1] == c:
            x = F.stack([x] * T)                   # an image: the same input at every step
        if x.ndim != 5 or x.shape[2] != c or x.shape[0] != T:
            raise ValueError(f"AttResSNN: expected x of shape [T={T}, B, {c}, H, W] or an image "
                             f"[B, {c}, H, W], got {tuple(x.shape)}")
        if x.shape[1] == 0:
            raise ValueError(f"AttResSNN: x of shape {tuple(x.shape)} is an empty batch (B = 0); "
                             f"give at least one sample")
        if x.shape[3] % 32 or x.shape[4] % 32:
            raise ValueError(f"AttResSNN: H and W must be multiples of 32 (the stem and each of "
                             f"the four stages halve them), got {x.shape[3]} x {x.shape[4]}")
        spikes = self.neuron(self.stages(self.stem(x)))           # [T, B, 512, h, w]
        rates = spikes.mean(axis=(3, 4)).mean(axis=0)             # [B, 512]
        if self.dropout is not None:
            rates = self.dropout(rates)
        return self.fc(rates)
