"""The MA-SNN: convolutional spiking networks whose layers gate their input current by attention.

Every layer is ``synapse -> batch norm -> average pool (if any) -> attention -> LIF``, so the
attention weights scale the current before it is added to the membrane (Yao et al., Fig. 2).
A sequence ``[T, B, C, H, W]`` flows through; the readout is the mean over time of the output
layer's spikes, ``[B, classes]``, one firing rate per class.

    model = MASNN(attention="TCSA")                     # small default: trains on a laptop CPU
    model = MASNN(attention="TCSA", preset="paper-gesture")   # the paper's Gesture network
    model = MASNN(attention="TCSA", preset="paper-gait")      # ... its DVS128 Gait network
    model = MASNN(attention="TCSA", preset="paper-cifar10dvs")  # ... its CIFAR10-DVS network
"""

import math
from functools import partial

from ...settings import NETWORK, PRESETS
from ...surrogate import Rectangle
from ...validate import check_integer
from ..attention import MultiDimensionalAttention
from ..controls import ConstantGate, OracleGate, ReLUOnly, set_ground_truth
from ..layers import AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, Linear
from ..lif import LIF
from ..module import Module, Sequential
from ..neuron import Neuron

#: attention variants of the paper's ablation -> the branches they apply, in order T, C, S
VARIANTS = {"no": "", "TA": "T", "CA": "C", "SA": "S", "TCA": "TC", "TSA": "TS", "CSA": "CS",
            "TCSA": "TCS"}

#: the ablation's controls (nn/controls.py), in the layers where TCSA has attention:
#: the vanilla network plus TCSA's ReLU, TCSA with every gate fixed at its initial mean, and
#: TCSA with its temporal and spatial gates set to the ground truth (synthetic gestures only)
CONTROLS = {"no+relu": "TCS", "const-gate": "TCS", "oracle-gate": "TCS"}

#: every value MASNN(attention=...) takes
ALL_VARIANTS = (*VARIANTS, *CONTROLS)

#: the neurons a MASNN can be built with, by name
NEURONS = {
    # the MA-SNN cell: decay 0.3, threshold 0.3, hard reset to 0.3, Rectangle(width=0.5)
    "paper": LIF.paper,
    # the same cell as the authors train it on CIFAR10-DVS: slope 1 on |u - 0.3| < 0.5
    "paper-cifar10dvs": partial(LIF.paper, surrogate=Rectangle(width=1.0)),
    # tau 2, threshold 1, hard reset to 0, Sigmoid surrogate (SpikingJelly's defaults)
    "lif": partial(LIF, tau=2.0),
}


def make_attention(variant, T, C, fc, reduction_t, reduction_c):
    """The module between a layer's current and its neurons, or None (the vanilla layer).

    variant: a name in VARIANTS or CONTROLS, or a callable ``(T, C, fc) -> Module or None``
    (an attention module of your own, built once per layer: T time steps, C channels, or
    features when fc). fc: the layer is fully connected ([T, B, L]), where only temporal
    attention applies to the named variants.
    """
    if callable(variant):
        module = variant(T, C, fc)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"MASNN: attention(T, C, fc) must return an nn.Module or None, got "
                            f"{type(module).__name__} from {variant!r}")
        return module
    dims = {**VARIANTS, **CONTROLS}[variant]
    dims = "T" if fc and "T" in dims else ("" if fc else dims)
    if not dims:
        return None
    if variant == "no+relu":
        return ReLUOnly()
    kind = {"const-gate": ConstantGate, "oracle-gate": OracleGate}.get(
        variant, MultiDimensionalAttention)
    return kind(T, C, dims=dims, reduction_t=reduction_t, reduction_c=reduction_c)


def make_neuron(kind):
    """A fresh neuron layer: a name in NEURONS ('paper', 'paper-cifar10dvs', 'lif'), or a
    callable that returns an ``nn.Neuron``, called with no arguments once per layer (a neuron of
    your own: ``neuron=MyNeuron`` or ``neuron=lambda: MyNeuron(threshold=0.5)``)."""
    if isinstance(kind, str) and kind in NEURONS:
        return NEURONS[kind]()
    if callable(kind):
        neuron = kind()
        if not isinstance(neuron, Neuron):
            raise TypeError(f"MASNN: neuron() must return an nn.Neuron (subclass nn.Neuron and "
                            f"define charge), got {type(neuron).__name__} from {kind!r}")
        return neuron
    raise ValueError(f"neuron must be one of {list(NEURONS)} or a callable that returns an "
                     f"nn.Neuron, got {kind!r}")


class SpikingConv(Module):
    """conv 3x3 -> BN -> avg pool -> attention -> LIF.

    x: [T, B, C_in, H, W] -> [T, B, C_out, H/p, W/p].
    """

    def __init__(self, in_channels, out_channels, T, pool, variant, reduction_t, reduction_c,
                 neuron):
        super().__init__()
        self.conv = Conv2d(in_channels, out_channels, 3, padding=1)
        self.bn = BatchNorm2d(out_channels)
        self.pool = AvgPool2d(pool) if pool > 1 else None
        self.attention = make_attention(variant, T, out_channels, False, reduction_t,
                                        reduction_c)
        # any neuron layer (an LIF by default); named "lif" because saved state dicts key a
        # neuron's parameters by it ("features.0.lif.a")
        self.lif = make_neuron(neuron)

    def forward(self, x):
        x = self.conv(x)
        if self.pool is None:
            x = self.bn(x)
        elif x.shape[-1] % self.pool.kernel_size == 0 and x.shape[-2] % self.pool.kernel_size == 0:
            x = self.bn.forward_then_avg_pool(x, self.pool.kernel_size)  # one pass, same result
        else:
            x = self.pool(self.bn(x))
        if self.attention is not None:
            x = self.attention(x)
        return self.lif(x)


class SpikingLinear(Module):
    """linear -> BN -> temporal attention (if the variant has T) -> LIF.

    x: [T, B, L_in] -> [T, B, L_out].
    """

    def __init__(self, in_features, out_features, T, variant, reduction_t, neuron, dropout=0.0):
        super().__init__()
        self.dropout = Dropout(dropout) if dropout > 0 else None
        self.fc = Linear(in_features, out_features)
        self.bn = BatchNorm1d(out_features)
        self.attention = make_attention(variant, T, out_features, True, reduction_t, None)
        self.lif = make_neuron(neuron)  # any neuron layer: named "lif" as in SpikingConv

    def forward(self, x):
        if self.dropout is not None:
            x = self.dropout(x)
        x = self.bn(self.fc(x))
        if self.attention is not None:
            x = self.attention(x)
        return self.lif(x)


def _check_sizes(config):
    """Every size of the network is a positive integer, and the pools leave at least one pixel:
    a ValueError naming the option otherwise (not a ZeroDivisionError deep inside)."""
    def positive(name, value):
        check_integer("MASNN", name, value, low=1)

    for name in ("T", "in_channels", "input_size", "num_classes", "reduction_t", "reduction_c"):
        positive(name, config[name])
    for name in ("channels", "pools", "hidden"):
        for i, value in enumerate(config[name]):
            positive(f"{name}[{i}]", value)
    if len(config["channels"]) != len(config["pools"]):
        raise ValueError(f"channels {config['channels']} and pools {config['pools']} "
                         "must have the same length")
    shrink = math.prod(config["pools"])
    if config["input_size"] < shrink:
        raise ValueError(f"MASNN: input_size {config['input_size']} shrinks to 0 pixels after "
                         f"the pools {config['pools']}; it must be at least {shrink}")


class MASNN(Module):
    """Multi-dimensional attention SNN for event frames.

    x: [T, B, in_channels, input_size, input_size] -> firing rates [B, num_classes].

    attention: one of VARIANTS ("no", "TA", "CA", "SA", "TCA", "TSA", "CSA", "TCSA"), one of
    the ablation's CONTROLS ("no+relu", "const-gate", "oracle-gate"; see nn/controls.py), or a
    callable ``(T, C, fc) -> nn.Module or None`` that builds an attention module of your own for
    each layer (x [T, B, C, H, W], or [T, B, C] when fc -> the same shape;
    examples/my_attention.py). An "oracle-gate" network reads one more input channel than
    in_channels, the subject's event counts (tinysnn.data.ground_truth.WithSubjectChannel), and
    gates by it.
    channels/pools: one 3x3 conv layer per entry, each followed by an average pool of that size.
    hidden: sizes of the fully connected spiking layers before the output layer.
    reduction_t, reduction_c: the attention MLPs' reductions (hidden size max(1, n // r));
    reduction_t is capped at T.
    neuron: a name in NEURONS, or a callable that returns an nn.Neuron (``make_neuron``).
    preset: a name in PRESETS ("paper-gesture", "paper-gait", "paper-cifar10dvs") fills in one
    of the paper's networks; explicit arguments override it.
    The options and their defaults are in ``tinysnn.settings.NETWORK``, the presets in
    ``tinysnn.settings.PRESETS``.
    """

    def __init__(self, attention="TCSA", preset=None, **options):
        super().__init__()
        if not callable(attention) and attention not in ALL_VARIANTS:
            raise ValueError(f"attention must be one of {list(ALL_VARIANTS)} or a callable "
                             f"(T, C, fc) -> nn.Module, got {attention!r}")
        if preset is not None and preset not in PRESETS:
            raise ValueError(f"preset must be one of {list(PRESETS)}, got {preset!r}")
        unknown = set(options) - set(NETWORK)
        if unknown:
            raise TypeError(f"MASNN: unknown arguments {sorted(unknown)}; "
                            f"the options are {sorted(NETWORK)}")
        # defaults, then the preset, then what the caller gave
        config = {**NETWORK, **(PRESETS[preset].masnn if preset else {}), **options}
        for key in ("channels", "pools", "hidden"):
            config[key] = tuple(config[key])
        _check_sizes(config)
        # the small default's r_t = 4 would not fit a sequence shorter than 4 steps
        config["reduction_t"] = min(config["reduction_t"], config["T"])
        name = getattr(attention, "__name__", type(attention).__name__)  # a callable's name
        self.config = dict(config, attention=attention if isinstance(attention, str) else name,
                           preset=preset)
        T, size, c_in = config["T"], config["input_size"], config["in_channels"]

        convs = []
        for c_out, pool in zip(config["channels"], config["pools"]):
            convs.append(SpikingConv(c_in, c_out, T, pool, attention, config["reduction_t"],
                                     config["reduction_c"], config["neuron"]))
            c_in, size = c_out, size // pool
        self.features = Sequential(*convs)
        self.flatten = Flatten()
        sizes = (c_in * size * size, *config["hidden"], config["num_classes"])
        self.classifier = Sequential(*[
            SpikingLinear(a, b, T, attention, config["reduction_t"], config["neuron"],
                          dropout=config["dropout"] if i > 0 else 0.0)
            for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))
        ])

    def forward(self, x):
        c, s = self.config["in_channels"], self.config["input_size"]
        if self.config["attention"] == "oracle-gate":     # the last channel: the ground truth
            c += 1
        if x.ndim != 5 or tuple(x.shape[2:]) != (c, s, s):
            raise ValueError(f"MASNN: expected x of shape [T, B, {c}, {s}, {s}], "
                             f"got {tuple(x.shape)}")
        if x.shape[0] != self.config["T"]:
            raise ValueError(f"MASNN: built for T={self.config['T']} time steps, "
                             f"x has {x.shape[0]}")
        if x.shape[1] == 0:
            raise ValueError(f"MASNN: x of shape {tuple(x.shape)} is an empty batch (B = 0); "
                             f"give at least one sample")
        if self.config["attention"] == "oracle-gate":
            set_ground_truth(self, x.data[:, :, -1])
            x = x[:, :, :-1]
        spikes = self.classifier(self.flatten(self.features(x)))
        return spikes.mean(axis=0)  # readout: firing rate of each output neuron, [B, classes]
