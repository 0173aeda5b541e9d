"""``NIRNetwork``: the module ``from_nir`` returns, and the two ways it runs a graph.

    y = net(x)          # x: [T, B, *input_shape] -> y: [T, B, *output_shape]

A node's input is the sum of the outputs of every node with an edge into it.

* Feed-forward graphs (no cycle) run node by node, each over the whole sequence at once:
  the LIF/IF nodes in one fused kernel (F.lif), the convolutions on all T x B frames at once
  (with their event-driven paths for spikes), exactly as a network built by hand.
* Graphs with cycles run step by step: at step t every node takes its inputs of step t over the
  forward edges, and over the edges that close a cycle the output its source gave at step t - 1.
  Before the first step such an edge carries what its source gives on a zero state and zero
  input (a recurrent Affine delivers its bias at t = 0, as snnTorch's RLeaky/RSynaptic do).
"""

from .. import functional as F
from ..backend import xp_of
from ..nn.module import Module
from ..nn.neuron import Neuron
from ..tensor import Tensor
from .nir_values import NIRError


class NodeModules(Module):
    """The graph's node modules, one attribute per node (state-dict keys: ``nodes.<key>.*``)."""

    def __init__(self, modules):
        super().__init__()
        for key, module in modules.items():
            setattr(self, key, module)


def _step(module, state, x):
    """(y, state) of one step of a node module; nn.Neuron's step returns (s, h, state)."""
    if state is None:
        state = module.initial_state(x)
    if isinstance(module, Neuron):
        y, _, state = module.step(state, x)
        return y, state
    return module.step(state, x)


class NIRNetwork(Module):
    """A NIR graph as a tinysnn module.

    structure: the FlatGraph (nir_graph.py); keys: node name -> attribute key in ``nodes``;
    modules: key -> node module; shapes: node name -> (input shape, output shape), NIR's
    shapes without the batch axis. dt: the step the graph was discretised at.
    """

    def __init__(self, structure, keys, modules, shapes, dt):
        super().__init__()
        self.structure, self.keys, self.shapes, self.dt = structure, keys, shapes, float(dt)
        self.nodes = NodeModules(modules)
        self.sources = {n: [s for s, t in structure.edges if t == n and (s, t) not in
                            structure.back_edges] for n in structure.order}
        self.recurrent = {n: [s for s, t in structure.back_edges if t == n]
                          for n in structure.order}
        self.cyclic = bool(structure.back_edges)
        self.dtype = next((p.dtype for p in self.parameters()), None)

    @property
    def input_shape(self):
        return self.shapes[self.structure.input][0]

    @property
    def output_shape(self):
        return self.shapes[self.structure.output][1]

    def module(self, name):
        return getattr(self.nodes, self.keys[name])

    def forward(self, x):
        """x: [T, B, *input_shape] -> what reaches the Output node, [T, B, *output_shape]."""
        x = x if isinstance(x, Tensor) else Tensor(x)
        if x.ndim < 2 or tuple(x.shape[2:]) != tuple(self.input_shape):
            raise NIRError(f"NIR graph: x must be [T, B, {', '.join(map(str, self.input_shape))}]"
                           f" (the Input node {self.structure.input!r}), got shape {x.shape}")
        if self.dtype is not None and x.dtype != self.dtype:
            x = x.to(dtype=self.dtype)
        return self._stepwise(x) if self.cyclic else self._feed_forward(x)

    def _feed_forward(self, x):
        values = {}
        for name in self.structure.order:
            inputs = [values[s] for s in self.sources[name]]
            current = x if name == self.structure.input else _sum(inputs)
            values[name] = self.module(name)(current)
        return values[self.structure.output]

    def _zero_step(self, name, batch, like):
        shape = (batch, *self.shapes[name][0])
        return Tensor(xp_of(like.data).zeros(shape, like.dtype))

    def _stepwise(self, x):
        T, B = x.shape[:2]
        states = dict.fromkeys(self.structure.order)
        # t = -1: what each source of a cycle-closing edge gives on zero state and zero input
        previous = {s: _step(self.module(s), None, self._zero_step(s, B, x))[0]
                    for s, _ in self.structure.back_edges}
        outputs = []
        for t in range(T):
            values = {}
            for name in self.structure.order:
                inputs = [values[s] for s in self.sources[name]]
                inputs += [previous[s] for s in self.recurrent[name]]
                current = x[t] if name == self.structure.input else _sum(inputs)
                values[name], states[name] = _step(self.module(name), states[name], current)
            previous = {s: values[s] for s in previous}
            outputs.append(values[self.structure.output])
        return F.stack(outputs)

    def extra_repr(self):
        kind = "cyclic, step by step" if self.cyclic else "feed-forward"
        return (f"input={list(self.input_shape)}, output={list(self.output_shape)}, "
                f"dt={self.dt:g}, {kind}")


def _sum(tensors):
    total = tensors[0]
    for t in tensors[1:]:
        total = total + t
    return total
