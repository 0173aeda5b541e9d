"""``to_nir``: a tinysnn module (in eval mode) as a ``nir.NIRGraph`` that computes exactly what
the module computes, at a given dt; what NIR cannot express is refused, never approximated.

What is written:

    Conv2d, Linear      Conv2d, Affine (Linear without bias); a BatchNorm right after one is
                        folded into it with its running statistics (eval mode)
    AvgPool2d, Flatten  AvgPool2d (pairs), Flatten (NIR counts axes without the batch axis, so
                        our Flatten(start_dim=2) over [T, B, ...] is NIR's start_dim 0)
    Dropout (eval)      nothing: it is the identity
    nn.LIF, ParametricLIF   LIF with tau = dt / (1 - decay), r = tau / dt (times 1/tau_ours with
                        decay_input), v_leak = 0, so that NIR's Euler step
                        v += dt/tau (v_leak - v + r I) is our H = decay V + X exactly
    nn.IF               IF with r = 1 / dt
    a from_nir network  its graph, with the current (trained) parameters

Refused, each with the module's name and why: attention (TA/CA/SA: a gate computed from the
input multiplies it; NIR has no such primitive; the ablation's controls end in a ReLU, which
NIR lacks too), soft reset (NIR resets to v_reset), max pooling, dropout or batch norm in train
mode, a BatchNorm with no convolution or linear layer before it, any other nn.Neuron.
A MASNN's graph ends at its last spiking layer: its readout (the mean over time of the output
spikes) is outside the graph.
"""

import numpy as np

from ..nn.attention import MultiDimensionalAttention
from ..nn.controls import ConstantGate, ReLUOnly
from ..nn.general_neurons import ParametricLIF
from ..nn.layers import (
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Flatten,
    Linear,
    MaxPool2d,
)
from ..nn.lif import IF, LIF
from ..nn.models.attres import AttResSNN
from ..nn.models.masnn import MASNN, SpikingConv, SpikingLinear
from ..nn.module import Module, Sequential
from ..nn.neuron import Neuron
from .nir_network import NIRNetwork
from .nir_values import NIRError

CONTAINERS = (Sequential, MASNN, SpikingConv, SpikingLinear)   # children run in order


def _refuse(name, module, why):
    raise NIRError(f"to_nir: {name or 'the module'} ({type(module).__name__}) cannot be "
                   f"written as NIR: {why}")


class Chain:
    """The nodes of a chain of layers, built one module at a time. shape: one sample's."""

    def __init__(self, nir, dt, shape):
        self.nir, self.dt, self.shape = nir, float(dt), tuple(shape)
        self.nodes = [("input", nir.Input(input_type=np.array(self.shape)))]

    def add(self, name, node, shape):
        self.nodes.append((name, node))
        self.shape = tuple(int(n) for n in shape)

    def fold(self, name, bn):
        """Fold BN into the conv / linear node before it (folded_batch_norm)."""
        last_name, last = self.nodes[-1]
        self.nodes[-1] = (last_name, folded_batch_norm(self.nir, name, last, bn))

    def graph(self):
        nodes = dict(self.nodes)
        nodes["output"] = self.nir.Output(output_type=np.array(self.shape))
        names = list(nodes)
        return self.nir.NIRGraph(nodes=nodes, edges=list(zip(names[:-1], names[1:])),
                                 type_check=False)


def folded_batch_norm(nir, name, last, bn):
    """The conv / linear node ``last`` with BN folded in:
    y = gamma (W x + b - mean) / sqrt(var + eps) + beta = W' x + b'."""
    if type(last).__name__ not in ("Conv2d", "Affine", "Linear"):
        _refuse(name, bn, "batch norm folds only into the convolution or linear layer right "
                          "before it")
    if bn.training:
        _refuse(name, bn, "batch norm in train mode normalises by each batch's statistics; "
                          "call eval() first")
    mean, var = (np.asarray(a, np.float64) for a in (bn.running_mean, bn.running_var))
    gamma = np.ones_like(mean) if bn.weight is None else bn.weight.data.astype(np.float64)
    beta = np.zeros_like(mean) if bn.bias is None else bn.bias.data.astype(np.float64)
    factor = gamma / np.sqrt(var + bn.eps)
    weight = last.weight.astype(np.float64)
    bias = getattr(last, "bias", np.zeros(weight.shape[0]))
    weight = weight * factor.reshape(-1, *[1] * (weight.ndim - 1))
    bias = (np.asarray(bias, np.float64) - mean) * factor + beta
    dtype = last.weight.dtype
    if type(last).__name__ == "Conv2d":
        return nir.Conv2d(input_shape=last.input_shape, weight=weight.astype(dtype),
                          stride=last.stride, padding=last.padding, dilation=last.dilation,
                          groups=last.groups, bias=bias.astype(dtype))
    return nir.Affine(weight=weight.astype(dtype), bias=bias.astype(dtype))


def lif_with_decay(nir, shape, dt, decay, gain, threshold, v_reset):
    """LIF with tau = dt/(1 - decay), r = gain tau / dt, v_leak = 0 (float64 arrays of shape):
    then dt/tau = 1 - decay and v + dt/tau (0 - v + r I) = decay v + gain I, our H."""
    full = lambda v: np.full(shape, v, np.float64)  # noqa: E731
    tau = dt / (1 - decay)
    return nir.LIF(tau=full(tau), r=full(gain * tau / dt), v_leak=full(0.0),
                   v_threshold=full(threshold), v_reset=full(v_reset))


def _lif_node(chain, name, module):
    """LIF with tau = dt/(1 - decay), r = gain tau / dt, v_leak = 0: dt/tau = 1 - decay, so
    v + dt/tau (0 - v + r I) = decay v + gain I, our H. Written in float64."""
    if module.reset_mode == "soft":
        _refuse(name, module, "soft reset (v -= threshold) has no NIR form; NIR resets to "
                              "v_reset")
    shape, dt = chain.shape, chain.dt
    if isinstance(module, IF):
        full = lambda v: np.full(shape, v, np.float64)  # noqa: E731
        return chain.nir.IF(r=full(1 / dt), v_threshold=full(module.threshold),
                            v_reset=full(module.v_reset))
    if isinstance(module, ParametricLIF):
        k = 1 / module.tau
        decay, gain = 1 - k, (k if module.decay_input else 1.0)
    else:
        decay, gain = module.decay, (1 / module.tau if module.decay_input else 1.0)
    return lif_with_decay(chain.nir, shape, dt, decay, gain, module.threshold, module.v_reset)


def _conv_node(chain, name, module):
    c, h, w = chain.shape
    kh, kw = module.kernel_size
    stride, padding = (np.array(p if isinstance(p, tuple) else (p, p)) for p in
                       (module.stride, module.padding))
    weight = module.weight.data
    bias = module.bias.data if module.bias is not None else np.zeros(weight.shape[0],
                                                                      weight.dtype)
    out = [(n + 2 * p - k) // s + 1 for n, p, k, s in zip((h, w), padding, (kh, kw), stride)]
    node = chain.nir.Conv2d(input_shape=(h, w), weight=weight.copy(), stride=stride,
                            padding=padding, dilation=np.array([1, 1]), groups=1,
                            bias=bias.copy())
    return node, (weight.shape[0], *out)


def _leaf(chain, name, module):
    """Add the node(s) of one layer to the chain, or refuse it."""
    nir = chain.nir
    if isinstance(module, Conv2d):
        chain.add(name, *_conv_node(chain, name, module))
    elif isinstance(module, Linear):
        weight = module.weight.data.copy()
        node = (nir.Linear(weight=weight) if module.bias is None
                else nir.Affine(weight=weight, bias=module.bias.data.copy()))
        chain.add(name, node, (weight.shape[0],))
    elif isinstance(module, (BatchNorm1d, BatchNorm2d)):
        chain.fold(name, module)
    elif isinstance(module, AvgPool2d):
        pair = lambda v: np.array(v if isinstance(v, tuple) else (v, v))  # noqa: E731
        k, s, p = pair(module.kernel_size), pair(module.stride), pair(module.padding)
        c, h, w = chain.shape
        out = [(n + 2 * pi - ki) // si + 1 for n, pi, ki, si in zip((h, w), p, k, s)]
        chain.add(name, nir.AvgPool2d(kernel_size=k, stride=s, padding=p), (c, *out))
    elif isinstance(module, MaxPool2d):
        _refuse(name, module, "NIR has no max pooling (only SumPool2d and AvgPool2d)")
    elif isinstance(module, Flatten):
        start = module.start_dim - 2      # ours counts [T, B, ...]; NIR's counts without batch
        if start < 0:
            _refuse(name, module, f"start_dim {module.start_dim} would merge the time or batch "
                                  f"axis")
        chain.add(name, nir.Flatten(input_type={"input": np.array(chain.shape)},
                                    start_dim=start, end_dim=-1),
                  (*chain.shape[:start], int(np.prod(chain.shape[start:]))))
    elif isinstance(module, Dropout):
        if module.training:
            _refuse(name, module, "dropout in train mode zeroes random inputs; call eval() "
                                  "first (in eval mode it is the identity and is left out)")
    elif isinstance(module, (LIF, ParametricLIF)):
        chain.add(name, _lif_node(chain, name, module), chain.shape)
    elif isinstance(module, (MultiDimensionalAttention, ConstantGate, ReLUOnly)):
        _refuse(name, module, "attention multiplies the input by a gate computed from the "
                              "input (and the ablation's controls end in a ReLU); NIR has no "
                              "such primitive")
    elif isinstance(module, Neuron):
        _refuse(name, module, "this neuron has no NIR equivalent (NIR knows LIF, IF, LI, I, "
                              "CubaLIF, CubaLI)")
    else:
        _refuse(name, module, "tinysnn does not know how to write this module as NIR")


def _walk(chain, prefix, module):
    if isinstance(module, CONTAINERS):
        for name, child in module._modules.items():
            _walk(chain, f"{prefix}.{name}" if prefix else name, child)
    else:
        _leaf(chain, prefix, module)


def _network_graph(nir, net):
    """The graph of a from_nir network, flattened, with its current parameters."""
    names = {n: n.replace("/", ".") for n in net.structure.order}
    nodes = {names[n]: net.module(n).to_nir(nir, net.dt) for n in net.structure.order}
    edges = [(names[s], names[t]) for s, t in net.structure.edges]
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def _shape(input_shape):
    try:
        return tuple(int(n) for n in input_shape)
    except (TypeError, ValueError):
        raise NIRError(f"to_nir: input_shape must be a tuple of ints (one sample, without T "
                       f"and B), got {input_shape!r}") from None


def to_nir(module, input_shape, dt):
    """A ``nir.NIRGraph`` computing what ``module`` computes (module in eval mode).

    module: an ``nn.Sequential`` of tinysnn layers, a ``MASNN(attention="no")`` (its graph ends
    at the last spiking layer; the readout, a mean over time, is outside), an
    ``AttResSNN(attention="no")`` (its shortcuts as edges that add: nir_export_resnet.py), or
    a network that ``from_nir`` built. input_shape: one sample without the time and batch axes, e.g.
    (2, 32, 32); the Input node carries it. dt: the step the LIF/IF parameters are written for
    (tau = dt / (1 - decay), r = tau / dt; IF r = 1 / dt). What NIR cannot express is refused
    with a NIRError naming the module and why (this module's docstring lists it).
    """
    import nir

    if not isinstance(module, Module):
        raise NIRError(f"to_nir: module must be a tinysnn nn.Module, got {type(module).__name__}")
    if not (isinstance(dt, (int, float)) and not isinstance(dt, bool) and 0 < dt < np.inf):
        raise NIRError(f"to_nir: dt must be a finite number > 0, got {dt!r}")
    if isinstance(module, NIRNetwork):
        return _network_graph(nir, module)
    if isinstance(module, AttResSNN):
        from .nir_export_resnet import attres_graph

        return attres_graph(nir, module, _shape(input_shape), dt)
    if isinstance(module, MASNN) and module.config["attention"] != "no":
        _refuse("", module, f"attention={module.config['attention']!r}: attention multiplies "
                            f"the input by a gate computed from the input; NIR has no such "
                            f"primitive (MASNN(attention='no') can be written)")
    if not isinstance(module, CONTAINERS):
        _refuse("", module, "to_nir writes nn.Sequential, MASNN(attention='no'), "
                            "AttResSNN(attention='no') and from_nir networks")
    chain = Chain(nir, dt, _shape(input_shape))
    _walk(chain, "", module)
    return chain.graph()
