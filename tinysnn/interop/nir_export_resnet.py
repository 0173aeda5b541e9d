"""``to_nir`` of an ``AttResSNN(attention="no")`` (the MS-ResNet): its membrane shortcuts as
edges that add.

Every block ``out = bn2(conv2(neuron2(bn1(conv1(neuron1(x)))))) + shortcut(x)`` becomes the nodes
of its residual branch (each batch norm folded into the convolution before it), the nodes of its
shortcut (avg pool 2x2 -> conv 1x1 with its batch norm, or nothing for the identity), and a node
``<block>.sum``, a Scale by 1, that receives both: NIR adds what reaches a node. The head
``neuron -> mean over H, W -> mean over T -> linear`` becomes ``LIF -> AvgPool2d(h x w) ->
Flatten -> Affine``: the linear layer commutes with the mean over time, so the mean over time of
the graph's output is the network's logits (that mean, the readout, stays outside the graph).

The Att-Res-SNN cell fires on ``H > 0.5``, as NIR's LIF is defined; tinysnn's ``from_nir`` fires
on ``>=`` (docs/nir.md), so the two differ only when a membrane lands exactly on 0.5.
"""

import numpy as np

from ..nn.models.attres import AttResNeuron
from .nir_export import _conv_node, _refuse, folded_batch_norm, lif_with_decay


class Builder:
    """Nodes and edges of a graph built node by node. shape: the shape of the last node added."""

    def __init__(self, nir, dt, shape):
        self.nir, self.dt, self.shape = nir, float(dt), tuple(shape)
        self.nodes = {"input": nir.Input(input_type=np.array(self.shape))}
        self.edges, self.shapes = [], {"input": self.shape}

    def add(self, name, node, sources, shape):
        self.nodes[name] = node
        self.edges += [(s, name) for s in sources]
        self.shape = self.shapes[name] = tuple(int(n) for n in shape)
        return name

    def at(self, source):
        """Continue from ``source``: the next node's input shape is its output shape."""
        self.shape = self.shapes[source]
        return source


def _neuron(b, name, module, source):
    if not isinstance(module, AttResNeuron):
        _refuse(name, module, "this neuron has no NIR equivalent")
    node = lif_with_decay(b.nir, b.shape, b.dt, module.decay, 1.0, module.threshold,
                          module.v_reset)
    return b.add(name, node, [source], b.shape)


def _conv_bn(b, name, conv, bn, source):
    node, shape = _conv_node(b, name, conv)
    return b.add(name, folded_batch_norm(b.nir, f"{name} (its batch norm)", node, bn), [source],
                 shape)


def _block(b, name, block, source):
    if block.attention is not None:
        _refuse(name, block.attention, "attention multiplies the input by a gate computed from "
                                       "the input; NIR has no such primitive")
    entry = b.at(source)
    r = _neuron(b, f"{name}.neuron1", block.neuron1, entry)
    r = _conv_bn(b, f"{name}.conv1", block.conv1, block.bn1, r)
    r = _neuron(b, f"{name}.neuron2", block.neuron2, r)
    r = _conv_bn(b, f"{name}.conv2", block.conv2, block.bn2, r)
    out_shape = b.shape
    shortcut = entry
    if block.shortcut is not None:
        pool, conv, bn = block.shortcut
        b.at(entry)
        c, h, w = b.shape
        k = pool.kernel_size
        shortcut = b.add(f"{name}.shortcut.0", b.nir.AvgPool2d(
            kernel_size=np.array([k, k]), stride=np.array([k, k]), padding=np.array([0, 0])),
            [entry], (c, h // k, w // k))
        shortcut = _conv_bn(b, f"{name}.shortcut.1", conv, bn, shortcut)
    return b.add(f"{name}.sum", b.nir.Scale(scale=np.ones(out_shape)), [r, shortcut], out_shape)


def attres_graph(nir, model, input_shape, dt):
    """The graph of an AttResSNN in eval mode (module docstring)."""
    if model.config["attention"] != "no":
        _refuse("", model, f"attention={model.config['attention']!r}: attention multiplies the "
                           f"input by a gate computed from the input; NIR has no such primitive "
                           f"(AttResSNN(attention='no') can be written)")
    if model.dropout is not None and model.dropout.training:
        _refuse("dropout", model.dropout, "dropout in train mode zeroes random inputs; call "
                                          "eval() first")
    b = Builder(nir, dt, input_shape)
    conv, bn = model.stem
    x = _conv_bn(b, "stem", conv, bn, "input")
    for i, stage in enumerate(model.stages):
        for j, block in enumerate(stage):
            x = _block(b, f"stages.{i}.{j}", block, x)
    x = _neuron(b, "neuron", model.neuron, b.at(x))
    c, h, w = b.shape
    x = b.add("mean_hw", nir.AvgPool2d(kernel_size=np.array([h, w]), stride=np.array([h, w]),
                                       padding=np.array([0, 0])), [x], (c, 1, 1))
    x = b.add("flatten", nir.Flatten(input_type={"input": np.array([c, 1, 1])}, start_dim=0,
                                     end_dim=-1), [x], (c,))
    fc = model.fc
    x = b.add("fc", nir.Affine(weight=fc.weight.data.copy(), bias=fc.bias.data.copy()), [x],
              (fc.weight.shape[0],))
    b.add("output", nir.Output(output_type=np.array(b.shape)), [x], b.shape)
    return nir.NIRGraph(nodes=b.nodes, edges=b.edges, type_check=False)
