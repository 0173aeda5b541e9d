"""``from_nir``: a NIR graph (a ``nir.NIRGraph`` or a ``.nir`` file) as a trainable tinysnn module.

Each node becomes one module (nir_layers.py, nir_neurons.py), built in the graph's order so that
every node knows the shape it receives; anything that cannot run is refused with a NIRError
naming the node: an unknown node type, a shape that does not fit, an edge to a missing node, a
parameter that is not finite.
"""

import math
import re

import numpy as np

from ..surrogate import Sigmoid
from .nir_graph import flatten_graph
from .nir_layers import (
    AffineNode,
    ConvNode,
    DelayNode,
    FlattenNode,
    PassThrough,
    PoolNode,
    ScaleNode,
    ThresholdNode,
)
from .nir_network import NIRNetwork
from .nir_neurons import NEURONS, FusedLIF
from .nir_values import NIRError, as_array, as_int, as_ints, as_text, check_positive, graph_dtype

DEFAULT_SURROGATE = Sigmoid(alpha=4.0)   # the library's default (nn.LIF, nn.Neuron)


class Build:
    """What every node's builder needs: dt, the graph's float dtype, the surrogate."""

    def __init__(self, dt, dtype, surrogate):
        self.dt, self.dtype, self.surrogate = dt, dtype, surrogate

    def array(self, name, node, field):
        return as_array(name, field, getattr(node, field)).astype(self.dtype)


def _fits(name, what, array, shape):
    try:
        fits = np.broadcast_shapes(array.shape, shape) == tuple(shape)
    except ValueError:
        fits = False
    if not fits:
        raise NIRError(f"node {name!r}: {what} has shape {list(array.shape)}, which does not fit "
                       f"the node's input of shape {list(shape)}")


def _needs(name, kind, shape, rank, layout):
    if len(shape) != rank:
        raise NIRError(f"node {name!r} ({kind}): expects input {layout}, receives shape "
                       f"{list(shape)}")


def affine(name, node, shape, b):
    """Affine / Linear: F.linear on a [in] input. -> (module, output shape)."""
    weight = b.array(name, node, "weight")
    if weight.ndim != 2:
        raise NIRError(f"node {name!r}: weight must be [out, in], got shape {list(weight.shape)}")
    _needs(name, type(node).__name__, shape, 1, f"[{weight.shape[1]}] (add a Flatten before it)")
    if shape[0] != weight.shape[1]:
        raise NIRError(f"node {name!r}: weight takes {weight.shape[1]} inputs, the node receives "
                       f"{shape[0]}")
    bias = b.array(name, node, "bias") if type(node).__name__ == "Affine" else None
    if bias is not None:
        bias = np.broadcast_to(bias, weight.shape[:1]).copy() if bias.size in (1,) else bias
        if bias.shape != weight.shape[:1]:
            raise NIRError(f"node {name!r}: bias has shape {list(bias.shape)}, expected "
                           f"[{weight.shape[0]}]")
    module = AffineNode(weight, bias)
    return module, module.out_shape


def _padding_text(padding):
    """'same' or 'valid' when padding is a string (or bytes read back from a file), else None."""
    if isinstance(padding, np.ndarray) and padding.dtype.kind in "SUO" and padding.size == 1:
        padding = padding.reshape(-1)[0]
    padding = as_text(padding)
    return padding if isinstance(padding, str) else None


def _conv_padding(name, padding, kernel, dilation, stride):
    """(top, bottom, left, right) from NIR's padding: numbers, 'valid' or 'same'."""
    text = _padding_text(padding)
    if text is not None:
        padding = text
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise NIRError(f"node {name!r}: padding must be numbers, 'same' or 'valid', "
                           f"got {padding!r}")
        if stride != (1, 1):
            raise NIRError(f"node {name!r}: padding 'same' needs stride 1, got {stride}")
        pads = []
        for k, d in zip(kernel, dilation):   # PyTorch: the odd one out goes at the end
            total = d * (k - 1)
            pads += [total // 2, total - total // 2]
        return tuple(pads)
    ph, pw = as_ints(name, "padding", padding, 2)
    return (ph, ph, pw, pw)


def conv(name, node, shape, b):
    """Conv1d / Conv2d with stride, padding (numbers, 'same', 'valid'), dilation, groups and
    bias -> (module, output shape)."""
    kind = type(node).__name__
    weight = b.array(name, node, "weight")
    one_d = kind == "Conv1d"
    rank = 3 if one_d else 4
    if weight.ndim != rank:
        raise NIRError(f"node {name!r}: weight must have {rank} axes, got {list(weight.shape)}")
    _needs(name, kind, shape, rank - 1, "[C, L]" if one_d else "[C, H, W]")
    groups = as_int(name, "groups", node.groups, low=1)
    if shape[0] != weight.shape[1] * groups or weight.shape[0] % groups:
        raise NIRError(f"node {name!r}: weight {list(weight.shape)} with {groups} groups takes "
                       f"{weight.shape[1] * groups} channels, the node receives {shape[0]}")
    count = 1 if one_d else 2
    stride = as_ints(name, "stride", node.stride, count, low=1)
    dilation = as_ints(name, "dilation", node.dilation, count, low=1)
    kernel = weight.shape[2:]
    if one_d:     # run as a 1 x k convolution over [C, 1, L]
        stride, dilation, kernel = (1, *stride), (1, *dilation), (1, *kernel)
    if one_d and _padding_text(node.padding) is None:   # a number: along L only
        (p,) = as_ints(name, "padding", node.padding, 1)
        pads = (0, 0, p, p)
    else:
        pads = _conv_padding(name, node.padding, kernel, dilation, stride)
    spatial = (1, *shape[1:]) if one_d else tuple(shape[1:])
    out = []
    for size, k, s, d, before, after in zip(spatial, kernel, stride, dilation, pads[::2],
                                            pads[1::2]):
        out.append((size + before + after - d * (k - 1) - 1) // s + 1)
    if min(out) < 1:
        raise NIRError(f"node {name!r}: kernel {list(weight.shape[2:])} does not fit the input "
                       f"{list(shape)} with padding {pads}")
    given = getattr(node, "input_shape", None)
    if given is not None and tuple(np.atleast_1d(given)) != tuple(shape[1:]):
        raise NIRError(f"node {name!r}: its input_shape is {list(np.atleast_1d(given))}, the "
                       f"node receives {list(shape[1:])}")
    bias = b.array(name, node, "bias")
    bias = np.broadcast_to(bias, weight.shape[:1]).astype(b.dtype) if bias.size == 1 else bias
    if bias.shape != weight.shape[:1]:
        raise NIRError(f"node {name!r}: bias has shape {list(bias.shape)}, expected "
                       f"[{weight.shape[0]}]")
    out_shape = (weight.shape[0], out[1]) if one_d else (weight.shape[0], *out)
    original = {"stride": node.stride, "padding": node.padding, "dilation": node.dilation}
    return ConvNode(weight, bias, shape, out_shape, stride, pads, dilation, groups,
                    original), out_shape


def pool(name, node, shape, b):
    """SumPool2d / AvgPool2d on a [C, H, W] input. -> (module, output shape)."""
    kind = type(node).__name__
    _needs(name, kind, shape, 3, "[C, H, W]")
    kernel = as_ints(name, "kernel_size", node.kernel_size, 2, low=1)
    stride = as_ints(name, "stride", node.stride, 2, low=1)
    padding = as_ints(name, "padding", node.padding, 2)
    out = [(n + 2 * p - k) // s + 1 for n, k, s, p in zip(shape[1:], kernel, stride, padding)]
    if min(out) < 1:
        raise NIRError(f"node {name!r}: window {kernel} does not fit the input {list(shape)}")
    out_shape = (shape[0], *out)
    return PoolNode(kind, shape, out_shape, kernel, stride, padding), out_shape


def flatten(name, node, shape, b):
    """Flatten: start_dim..end_dim counted without the batch axis. -> (module, output shape)."""
    rank = len(shape)
    start = as_int(name, "start_dim", node.start_dim, low=-rank)
    end = as_int(name, "end_dim", node.end_dim, low=-rank)
    first, last = start % rank if rank else 0, end % rank if rank else 0
    if not (rank and first <= last < rank and start < rank):
        raise NIRError(f"node {name!r}: cannot flatten axes {start}..{end} of an input of shape "
                       f"{list(shape)} (NIR counts them without the batch axis)")
    out_shape = (*shape[:first], math.prod(shape[first:last + 1]), *shape[last + 1:])
    return FlattenNode(shape, out_shape, start, end), out_shape


def scale(name, node, shape, b):
    """Scale: x * scale, scale broadcast to the input. -> (module, output shape)."""
    value = b.array(name, node, "scale")
    _fits(name, "scale", value, shape)
    return ScaleNode(value, shape), shape


def threshold(name, node, shape, b):
    """Threshold: s = [x >= threshold]. -> (module, output shape)."""
    value = b.array(name, node, "threshold")
    _fits(name, "threshold", value, shape)
    return ThresholdNode(value, shape, b.surrogate), shape


def delay(name, node, shape, b):
    """Delay: round(delay / dt) steps per element. -> (module, output shape)."""
    value = as_array(name, "delay", node.delay)
    _fits(name, "delay", value, shape)
    if (value < 0).any():
        raise NIRError(f"node {name!r}: delay must be >= 0, got min {value.min()}")
    steps = np.rint(value / b.dt).astype(np.int64)      # round, not int(): 3e-4/1e-4 is 3
    return DelayNode(np.broadcast_to(steps, shape), value, shape), shape


NEURON_FIELDS = {"LI": ("tau", "r", "v_leak"), "LIF": ("tau", "r", "v_leak", "v_threshold",
                                                       "v_reset"),
                 "I": ("r",), "IF": ("r", "v_threshold", "v_reset"),
                 "CubaLI": ("tau_syn", "tau_mem", "r", "v_leak", "w_in"),
                 "CubaLIF": ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset",
                             "w_in")}


def _uniform(array):
    return array.size > 0 and bool((array == array.reshape(-1)[0]).all())


def _fused(kind, params, dt, shape, b):
    """FusedLIF when the node is nn.LIF's (or nn.IF's) special case, else None."""
    if kind not in ("LIF", "IF") or not all(_uniform(params[n]) for n in ("v_threshold",
                                                                          "v_reset")):
        return None
    threshold = float(params["v_threshold"].reshape(-1)[0])
    v_reset = float(params["v_reset"].reshape(-1)[0])
    if kind == "IF":
        return FusedLIF("IF", dt, math.inf, (dt * params["r"]).astype(b.dtype), threshold,
                        v_reset, shape, b.surrogate)
    tau = params["tau"]
    if not (_uniform(tau) and (params["v_leak"] == 0).all()):
        return None
    tau = float(tau.reshape(-1)[0])
    if not 0 < dt / tau <= 1:                 # decay = 1 - dt/tau must lie in [0, 1)
        return None
    return FusedLIF("LIF", dt, tau, (dt / tau * params["r"]).astype(b.dtype), threshold,
                    v_reset, shape, b.surrogate)


def neuron(name, node, shape, b):
    """LI, LIF, I, IF, CubaLI, CubaLIF: FusedLIF for nn.LIF's special case, else a neuron of its
    own -> (module, output shape)."""
    kind = type(node).__name__
    params = {}
    for field in NEURON_FIELDS[kind]:
        value = getattr(node, field, None)
        if value is None and field == "v_reset":
            value = np.zeros_like(as_array(name, "v_threshold", node.v_threshold))
        params[field] = as_array(name, field, value)
        _fits(name, field, params[field], shape)
        if field.startswith("tau"):
            check_positive(name, field, params[field])
    fused = _fused(kind, params, b.dt, shape, b)     # decay, threshold from the exact values
    if fused is not None:
        return fused, shape
    params = {field: value.astype(b.dtype) for field, value in params.items()}
    return NEURONS[kind](b.dt, shape, params, b.surrogate), shape


BUILDERS = {"Affine": affine, "Linear": affine, "Conv1d": conv, "Conv2d": conv,
            "SumPool2d": pool, "AvgPool2d": pool, "Flatten": flatten, "Scale": scale,
            "Threshold": threshold, "Delay": delay, **dict.fromkeys(NEURONS, neuron)}


def _arrays(node):
    """The float arrays a node holds (for the graph's dtype)."""
    found = []
    for key, value in vars(node).items():
        if key in ("input_type", "output_type", "metadata"):
            continue
        if hasattr(value, "detach") and hasattr(value, "cpu"):
            value = value.detach().cpu().numpy()
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            found.append(value)
    return found


def _key(name, taken):
    key = re.sub(r"\W", "_", name) or "node"
    key = f"n_{key}" if key[0].isdigit() else key
    unique, i = key, 1
    while unique in taken:
        unique, i = f"{key}_{i}", i + 1
    taken.add(unique)
    return unique


def _input_shape(name, node):
    shape = node.input_type.get("input") if isinstance(node.input_type, dict) else None
    if shape is None:
        raise NIRError(f"node {name!r}: the Input node has no shape")
    return tuple(int(n) for n in np.atleast_1d(as_array(name, "shape", shape)))


def read_graph(graph_or_path):
    """A nir.NIRGraph, or the graph in a .nir file (read without nir's type check, which
    rejects some valid graphs, e.g. grouped convolutions)."""
    import nir

    if isinstance(graph_or_path, (str, bytes)) or hasattr(graph_or_path, "__fspath__"):
        try:
            return nir.read(graph_or_path, type_check=False)
        except (OSError, KeyError, ValueError, AssertionError, TypeError) as err:
            raise NIRError(f"from_nir: cannot read {graph_or_path}: {err}") from None
    return graph_or_path


def from_nir(graph_or_path, dt, surrogate=None):
    """A tinysnn module that runs a NIR graph: x [T, B, *input_shape] -> [T, B, *output_shape].

    graph_or_path: a ``nir.NIRGraph`` or the path of a ``.nir`` file. dt: the time step every
    dynamical node is discretised at (forward Euler; a graph stores no dt, so it is required).
    surrogate: the slope spikes back-propagate with (default ``Sigmoid(alpha=4.0)``).

    Semantics (docs/nir.md has the table): per step, LI ``v += dt/tau (v_leak - v + r I)``;
    LIF the same, then ``s = v >= v_threshold`` and ``v = v_reset`` where s; I ``v += dt r I``;
    IF = I then threshold and reset; CubaLI/CubaLIF update ``i += dt/tau_syn (-i + w_in I)`` first,
    then the membrane with ``r i``; Threshold ``s = I >= theta``; Delay gives the input of
    ``round(delay/dt)`` steps earlier (zeros before). Membranes and currents start at 0, also
    when v_leak is not 0. A node's input is the sum of what reaches it; an edge that closes a
    cycle delivers its source's output of the previous step (nir_network.py). Flatten counts
    start_dim/end_dim without the batch axis. The output is float32 unless every array of the
    graph is float64. Weights and neuron parameters are trainable Parameters.
    """
    if isinstance(dt, bool) or not isinstance(dt, (int, float, np.floating)) or \
            not (math.isfinite(dt) and dt > 0):
        raise NIRError(f"from_nir: dt must be a finite number > 0 (the graph stores none), "
                       f"got {dt!r}")
    structure = flatten_graph(read_graph(graph_or_path))
    arrays = [a for node in structure.nodes.values() for a in _arrays(node)]
    build = Build(float(dt), graph_dtype(arrays), surrogate or DEFAULT_SURROGATE)
    shapes, modules, keys, taken = {}, {}, {}, set()
    for name in structure.order:
        node, kind = structure.nodes[name], type(structure.nodes[name]).__name__
        incoming = [shapes[s][1] for s, t in structure.edges if t == name
                    and (s, t) not in structure.back_edges]
        if name == structure.input:
            in_shape = _input_shape(name, node)
        elif len(set(incoming)) != 1:
            raise NIRError(f"node {name!r}: its inputs have different shapes "
                           f"{[list(s) for s in incoming]}; they must be equal to be added")
        else:
            in_shape = incoming[0]
        if kind in ("Input", "Output", "Identity"):
            module, out_shape = PassThrough(in_shape, kind), in_shape
        elif kind in BUILDERS:
            module, out_shape = BUILDERS[kind](name, node, in_shape, build)
        else:
            raise NIRError(f"node {name!r}: tinysnn cannot run a {kind} node (known: "
                           f"{', '.join(sorted(BUILDERS))}, Input, Output, NIRGraph)")
        shapes[name] = (tuple(in_shape), tuple(int(n) for n in out_shape))
        keys[name] = _key(name, taken)
        modules[keys[name]] = module
    for source, target in structure.back_edges:
        if shapes[source][1] != shapes[target][0]:
            raise NIRError(f"node {target!r}: the recurrent edge from {source!r} brings shape "
                           f"{list(shapes[source][1])}, the node receives "
                           f"{list(shapes[target][0])}")
    return NIRNetwork(structure, keys, modules, shapes, dt)
