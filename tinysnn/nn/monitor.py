"""Spike counts, firing rates, synaptic operations and energy, as the MA-SNN paper estimates them.

    with Monitor(model) as monitor:
        for x, y in loader:
            model(x)
    for row in monitor.layers():
        print(row["name"], row["firing_rate"], row["energy_uj"])

The energy model (Yao et al., after Horowitz 2014, 45 nm):

* dense operations of a layer, per sample and time step: conv ``k*k*C_in*C_out*H_out*W_out``
  (grouped: ``k*k*(C_in/groups)*C_out*H_out*W_out``), fully connected ``in * out``;
* synaptic operations per sample: ``T x dense ops x the firing rate of the layer's input``
  (the input's fraction of non-zero elements: for spikes that is the firing rate);
* the first layer reads real-valued frames, so its operations are multiply-accumulates
  (E_MAC = 4.6 pJ); every later layer reads spikes, so its operations are accumulates
  (E_AC = 0.9 pJ). A later layer whose input was not only 0s and 1s (a residual network's
  shortcut convolution reading membranes, say) multiplies too, and is counted as MACs: for
  the MA-SNNs this is exactly the paper's rule.

A synaptic layer says its dense operations itself: ``module.dense_ops(y_shape)`` -> the
multiply-accumulates of one sample at one time step for its output shape, and
``module.features_rank``, how many feature axes its input has (1 for ``[..., in]``, 3 for
``[..., C, H, W]``). nn.Conv2d, nn.Linear and the NIR nodes ``from_nir`` builds (Affine/Linear,
Conv1d/Conv2d) have them; the monitor counts every module that has ``dense_ops`` (a synaptic
layer of your own included: give it ``dense_ops`` and ``features_rank``).

A "layer" in the report is one synaptic layer together with the spiking neurons (any
``nn.Neuron`` but one with ``spiking = False``, such as a NIR LI node, which outputs its
membrane) that come next in module order, named after the module that holds both when it holds
no other synaptic layer (``features.0`` for ``features.0.conv`` and ``features.0.lif``), else
after the synaptic layer (``fc``; ``nodes.fc`` in a network ``from_nir`` built).

The paper's estimate leaves out the attention modules' own work. ``attention_layers()`` counts
it by one rule: every multiply is a MAC (4.6 pJ), every add or compare an AC (0.9 pJ). A branch
applied to E elements per sample (E = T*C*H*W, or T*L after a linear layer) costs its two pools
(average and max) 2E ACs and its gate multiply E MACs; the temporal and channel branches' MLP
costs 2 (n*h + h*n) MACs (the average and the max path, n inputs, h hidden); the spatial
branch's 2 -> 1 convolution 2 k^2 H W MACs. Sigmoid and ReLU are not counted. A constant gate
(the ablation's control) is one multiply, E MACs.

Each module says what it costs: ``module.ops(x_shape) -> (MACs, ACs)`` per sample for its input
shape ``[T, B, ...]``, and ``module.branch``, its label in the report ("T", "C", "S", "const").
The monitor counts every module that has ``ops`` (an attention module of your own included:
give it ``ops``), under the name of the layer's ``attention`` slot that holds it. An attention
module that has no ``ops``, in itself or in a sub-module, is warned about and reported with
NaN operations and energy: never counted as free. So is a model that ran while none of its
synaptic layers and neurons was called through its forward (a NIR graph with a cycle runs node
by node with ``step``, which hooks do not see): its zeros are not what it did.
"""

import math
import warnings

from ..backend import xp_of
from .neuron import Neuron

E_MAC_PJ = 4.6
E_AC_PJ = 0.9


def counts_dense_ops(module):
    """The module is a synaptic layer that says its dense operations (``dense_ops``)."""
    return callable(getattr(module, "dense_ops", None))


def spikes(module):
    """A neuron whose output is spikes (a NIR LI or I node outputs its membrane: not counted)."""
    return isinstance(module, Neuron) and getattr(module, "spiking", True)


def _time_and_batch(shape, features_rank):
    """(T, B) of a time-major [T, B, *features] array, or (1, N) for [N, *features]."""
    if len(shape) == features_rank + 2:
        return shape[0], shape[1]
    return 1, shape[0]


class _SynapseStats:
    def __init__(self, name, module):
        self.name, self.module = name, module
        self.ops_per_step = 0  # dense ops of one sample at one time step
        self.T = 0
        self.samples = 0
        self.input_nonzero = 0
        self.input_elements = 0
        self.input_binary = True  # every input seen so far was 0s and 1s (spikes)

    def __call__(self, module, inputs, output):
        x = inputs[0].data
        xp = xp_of(x)
        self.T, batch = _time_and_batch(x.shape, module.features_rank)
        self.ops_per_step = module.dense_ops(output.shape)
        self.samples += batch
        nonzero = int(xp.count_nonzero(x))
        self.input_nonzero += nonzero
        self.input_elements += x.size
        if self.input_binary:  # 0/1 iff the non-zeros are all ones
            self.input_binary = int(xp.count_nonzero(x == 1)) == nonzero

    @property
    def input_rate(self):
        return self.input_nonzero / max(self.input_elements, 1)


class _SpikeStats:
    def __init__(self, name):
        self.name = name
        self.spikes = 0
        self.neuron_steps = 0
        self.samples = 0
        self.T = 0

    def __call__(self, module, inputs, output):
        s = output[0].data if isinstance(output, tuple) else output.data
        self.T = s.shape[0]
        self.samples += s.shape[1]
        self.spikes += int(xp_of(s).count_nonzero(s))
        self.neuron_steps += s.size

    @property
    def firing_rate(self):
        """spikes / (neurons x T), averaged over the samples seen."""
        return self.spikes / max(self.neuron_steps, 1)


def attention_ops(module, x_shape):
    """(MACs, ACs) of one attention module for one sample: what ``module.ops`` says, by the
    rule in this module's docstring. x_shape: its time-major input, [T, B, C, H, W] or [T, B, L].
    """
    return module.ops(x_shape)


def counts_ops(module):
    """The module says what it costs (``ops``): the monitor counts it."""
    return callable(getattr(module, "ops", None))


class _AttentionStats:
    """The operations of one module with ``ops`` (or NaN for an attention module without);
    ``group``: the name of the attention slot it belongs to."""

    def __init__(self, name, module, group):
        self.name, self.module, self.group = name, module, group
        self.branch = getattr(module, "branch", type(module).__name__)
        self.macs = self.acs = 0 if counts_ops(module) else math.nan  # per sample
        self.samples = 0

    def __call__(self, module, inputs, output):
        shape = inputs[0].shape
        if counts_ops(module):
            self.macs, self.acs = attention_ops(module, shape)
        self.samples += shape[1]

    @property
    def energy_uj(self):
        return (self.macs * E_MAC_PJ + self.acs * E_AC_PJ) * 1e-6


def _slot_of(name, slots):
    """The attention slot (a layer's ``attention``) that holds the module ``name``, or None."""
    return next((slot for slot in slots if name == slot or name.startswith(slot + ".")), None)


class Monitor:
    """Counts spikes and synaptic operations of every layer while the model runs.

    Use as a context manager (hooks are removed on exit), or call ``attach``/``detach``.
    """

    def __init__(self, model):
        self.model = model
        self._handles = []
        self.synapses, self.neurons, self.attention = [], [], []
        self.runs = 0  # forward calls of the model itself

    def _count_run(self, module, inputs, output):
        self.runs += 1

    def attach(self):
        self.detach()  # attaching twice must not count twice
        self.synapses, self.neurons, self.attention = [], [], []
        self.runs = 0
        self._handles.append(self.model.register_forward_hook(self._count_run))
        modules = list(self.model.named_modules())
        slots = [name for name, m in modules if name.rpartition(".")[2] == "attention"]
        for name, module in modules:
            if counts_dense_ops(module):  # nn.Conv2d, nn.Linear, a NIR Affine or Conv node, ...
                stats = _SynapseStats(name, module)
                self.synapses.append(stats)
            elif spikes(module):  # nn.LIF, nn.IF, a NIR LIF node, a neuron of your own, ...
                stats = _SpikeStats(name)
                self.neurons.append(stats)
            elif counts_ops(module) or (name in slots and not self._counted_inside(name)):
                stats = _AttentionStats(name, module, _slot_of(name, slots) or name)
                self.attention.append(stats)
            else:
                continue
            self._handles.append(module.register_forward_hook(stats))
        return self

    def _counted_inside(self, slot):
        """Some module in the attention slot (itself or a sub-module) says its operations; if
        none does, a warning: its operations are not known and are reported as NaN."""
        prefix = slot + "."
        if any(counts_ops(m) for name, m in self.model.named_modules()
               if name == slot or name.startswith(prefix)):
            return True
        module = dict(self.model.named_modules())[slot]
        warnings.warn(f"Monitor: the attention module {slot} ({type(module).__name__}) does not "
                      f"say its operations; give it ops(x_shape) -> (MACs, ACs) per sample. Its "
                      f"operations and energy are reported as NaN, not as free", RuntimeWarning,
                      stacklevel=3)
        return False

    def detach(self):
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self):
        return self.attach()

    def __exit__(self, *exc):
        self.detach()

    # ------------------------------------------------------------------ report
    def _pairs(self):
        """Each synaptic layer with the spiking neurons that come next in module order."""
        order = {name: i for i, (name, _) in enumerate(self.model.named_modules())}
        neurons = sorted(self.neurons, key=lambda n: order[n.name])
        pairs = []
        for syn in sorted(self.synapses, key=lambda s: order[s.name]):
            after = [n for n in neurons if order[n.name] > order[syn.name]]
            pairs.append((syn, after[0] if after else None))
        return pairs

    def _check_seen(self):
        """The model ran, but none of its layers was called through its forward (so no hook
        saw it: a NIR graph with a cycle runs node by node with ``step``): a warning, since
        the zeros reported are not what the network did."""
        counted = self.synapses + self.neurons
        if self.runs and counted and not any(stats.samples for stats in counted):
            warnings.warn("Monitor: the model ran but none of its synaptic layers or neurons "
                          "was called through its forward (a NIR graph with a cycle runs step "
                          "by step); its spikes, operations and energy are not counted",
                          RuntimeWarning, stacklevel=3)

    def layers(self):
        """One dict per layer: name, firing_rate, spikes_per_sample, synaptic_ops, energy_uj, ..."""
        self._check_seen()
        rows = []
        synapse_names = [syn.name for syn in self.synapses]
        for i, (syn, lif) in enumerate(self._pairs()):
            if syn.samples == 0:
                continue
            ops = syn.ops_per_step * syn.T * syn.input_rate
            accumulates = i > 0 and syn.input_binary  # spikes in: adds only; else multiplies
            energy_pj = ops * (E_AC_PJ if accumulates else E_MAC_PJ)
            rows.append({
                "name": _layer_name(syn.name, lif.name if lif else None, synapse_names),
                "operation": "AC" if accumulates else "MAC",
                "input_rate": syn.input_rate,
                "firing_rate": lif.firing_rate if lif else 0.0,
                "spikes_per_sample": lif.spikes / lif.samples if lif and lif.samples else 0.0,
                "synaptic_ops": ops,
                "dense_ops_per_step": syn.ops_per_step,
                "energy_uj": energy_pj * 1e-6,
            })
        return rows

    def attention_layers(self):
        """One dict per attention module (its branches together): name, branches, macs, acs
        and energy_uj per sample, by the counting rule in this module's docstring."""
        rows = {}
        for stats in self.attention:
            if stats.samples == 0 or stats.macs == stats.acs == 0:  # not run, or declared free
                continue
            row = rows.setdefault(stats.group, {"name": stats.group, "branches": [], "macs": 0,
                                                "acs": 0, "energy_uj": 0.0})
            row["branches"].append(stats.branch)
            row["macs"] += stats.macs
            row["acs"] += stats.acs
            row["energy_uj"] += stats.energy_uj
        return list(rows.values())

    def summary(self):
        """Whole-network totals per sample, plus the same network's energy as an ANN (all MACs).

        energy_uj_per_sample is the paper's estimate (synaptic layers only);
        attention_energy_uj_per_sample the attention modules' own operations; and
        energy_with_attention_uj_per_sample their sum.
        """
        rows = self.layers()
        spikes = sum(r["spikes_per_sample"] for r in rows)
        neurons = sum(n.neuron_steps / max(n.samples, 1) for n in self.neurons)
        dense = sum(r["dense_ops_per_step"] for r in rows)  # one ANN pass: every op a MAC
        energy = sum(r["energy_uj"] for r in rows)
        attention = sum(r["energy_uj"] for r in self.attention_layers())  # NaN if one is unknown
        return {
            "spikes_per_sample": spikes,
            "firing_rate": spikes / neurons if neurons else 0.0,
            "synaptic_ops": sum(r["synaptic_ops"] for r in rows),
            "energy_uj_per_sample": energy,
            "attention_energy_uj_per_sample": attention,
            "energy_with_attention_uj_per_sample": energy + attention,
            "ann_energy_uj_per_sample": dense * E_MAC_PJ * 1e-6,
        }


def _layer_name(synapse, neuron, synapse_names):
    """The module holding both that holds no other synaptic layer, else the synapse's name:
    'features.0.conv', 'features.0.lif' -> 'features.0'; 'nodes.fc', 'nodes.lif1.neuron'
    (all of a NIR graph's nodes in one module) -> 'nodes.fc'."""
    if neuron is None:
        return synapse
    common = []
    for x, y in zip(synapse.split("."), neuron.split(".")):
        if x != y:
            break
        common.append(x)
    parent = ".".join(common)
    others = [name for name in synapse_names if name != synapse
              and (not parent or name.startswith(parent + "."))]
    return synapse if not parent or others else parent
