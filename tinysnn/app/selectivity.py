"""What attention selects, measured against the synthetic gestures' ground truth.

    with SelectivityMeter(model, data.test_set) as meter:    # a test set with ground truth
        evaluate(model, data.test_loader, ...)               # unshuffled, batch after batch
    meter.results()   # {"spatial": {layer: ratio}, "temporal": {...}, "channel": {...}, ...}

For every layer with attention (keyed by the layer's name, e.g. "features.0"):

* ``spatial`` (layers with a spatial gate): the mean gate in the cells of the layer's grid
  where the subject made events (the ground truth pooled to the layer's resolution, over the
  whole sample) divided by the mean gate in the other cells, over all test samples. 1.0 means
  no selection; above 1, the gate favours the subject.
* ``temporal`` (layers with a temporal gate): per sample, the Pearson correlation over the T
  steps between the gate and the subject's share of that step's input events, averaged over
  the samples whose share varies. 0 means no selection; a gate that does not vary is 0.
* ``channel`` (layers with a channel gate): how much the channel gates depend on the class,
  the correlation ratio eta^2 = (variance of the class means) / (total variance) per channel,
  averaged over channels (0: the gates ignore the class, 1: they are a function of it; a gate
  that does not vary is 0). With N samples of k classes, gates that ignore the class still give
  about (k - 1) / (N - 1) by chance: ``channel_chance``.

The ablation's constant gate is exactly non-selective by these definitions (ratio 1.0,
correlation 0, eta^2 0), and the oracle gate's spatial ratio is 1 / its floor.
"""

import numpy as np

from ..backend import to_device
from ..nn.attention import ChannelAttention, SpatialAttention, TemporalAttention
from ..nn.controls import ConstantGate, OracleGate, pooled_presence

BRANCHES = (TemporalAttention, ChannelAttention, SpatialAttention, ConstantGate, OracleGate)


def _cpu(a):
    return np.asarray(to_device(a, "cpu"), dtype=np.float64)


def layer_of(name):
    """The layer a module belongs to: 'features.0.attention.ta' -> 'features.0'."""
    return name.split(".attention")[0]


def spatial_ratio(gate, mask):
    """Mean of ``gate`` where ``mask`` is 1 over its mean where it is 0 (same shapes).

    A gate that does not vary gives exactly 1.0; NaN when the mask is all 1 or all 0.
    """
    gate, mask = np.asarray(gate, np.float64), np.asarray(mask) > 0
    if mask.all() or not mask.any():
        return float("nan")
    if gate.max() == gate.min():
        return 1.0
    return float(gate[mask].mean() / gate[~mask].mean())


def temporal_correlations(gate, share):
    """Per-sample Pearson correlation over time, ``gate, share: [B, T]`` -> ``[B]``; 0 where
    the gate does not vary, NaN where the share does not vary (nothing to follow)."""
    g = np.asarray(gate, np.float64)
    s = np.asarray(share, np.float64)
    moving = g.max(axis=1) > g.min(axis=1)
    g = g - g.mean(axis=1, keepdims=True)
    s = s - s.mean(axis=1, keepdims=True)
    var_g, var_s = (g * g).sum(axis=1), (s * s).sum(axis=1)
    r = np.zeros(len(g))
    r[moving] = (g * s).sum(axis=1)[moving] / np.sqrt(var_g[moving] * var_s[moving]
                                                       + (var_s[moving] == 0))
    r[var_s == 0] = np.nan
    return r


def correlation_ratio(gates, labels):
    """eta^2 of gates ``[N, C]`` by class ``labels [N]``, averaged over the C channels; a
    channel whose gate does not vary counts 0."""
    gates = np.asarray(gates, np.float64)
    labels = np.asarray(labels)
    varies = gates.max(axis=0) > gates.min(axis=0)
    centred = gates - gates.mean(axis=0)
    total = (centred ** 2).sum(axis=0)
    between = np.zeros(gates.shape[1])
    for label in np.unique(labels):            # one pass per class (11)
        rows = centred[labels == label]
        between += len(rows) * rows.mean(axis=0) ** 2
    eta = np.where(varies, between / np.where(varies, total, 1.0), 0.0)
    return float(eta.mean())


class _Layer:
    """What one layer's gates have shown so far."""

    def __init__(self):
        self.inside = self.n_inside = self.outside = self.n_outside = 0.0
        self.correlations, self.channel_gates = [], []


class SelectivityMeter:
    """Forward hooks on every attention module of ``model`` that compare its gates with the
    ground truth of ``dataset`` (``dataset.truth(i)``: the subject's and other events' frames
    ``[T, 2, H, W]``), for batches that come in the data set's order. ``results()`` gives the
    measures of the module docstring."""

    def __init__(self, model, dataset):
        self.model, self.dataset = model, dataset
        self._handles, self.layers = [], {}
        self.offset, self._batch = 0, None

    def __enter__(self):
        self.layers, self.offset, self._batch = {}, 0, None
        for name, module in self.model.named_modules():
            if isinstance(module, BRANCHES) and not name.endswith(".constant"):
                self._handles.append(module.register_forward_hook(self._hook(layer_of(name))))
        self._handles.append(self.model.register_forward_hook(self._next_batch))
        return self

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def _next_batch(self, module, inputs, output):
        self.offset += inputs[0].shape[1]
        self._batch = None

    def _truth(self, batch):
        """(subject share per step [B, T], subject counts [T, B, H, W], labels [B])."""
        if self._batch is None:
            items = [self.dataset.truth(self.offset + b) for b in range(batch)]
            subject = np.stack([t["subject"].sum(axis=1) for t in items], axis=1)
            other = np.stack([t["other"].sum(axis=1) for t in items], axis=1)
            total = (subject + other).sum(axis=(2, 3))
            share = subject.sum(axis=(2, 3)) / np.maximum(total, 1)
            labels = [int(self.dataset.labels[(self.offset + b) % len(self.dataset)])
                      for b in range(batch)]
            self._batch = share.T, subject, np.asarray(labels)
        return self._batch

    def _hook(self, layer):
        def hook(module, inputs, output):
            x = inputs[0]
            share, subject, labels = self._truth(x.shape[1])
            stats = self.layers.setdefault(layer, _Layer())
            for kind, gate in _gates(module, x):
                if kind == "T":                                       # gate [B, T]
                    stats.correlations.extend(temporal_correlations(gate, share))
                elif kind == "C":                                     # gate [B, C]
                    stats.channel_gates.append((gate, labels))
                else:                                                 # gate [B, H, W]
                    _, where = pooled_presence(subject, x.shape[0], *gate.shape[1:])
                    stats.inside += float((gate * where).sum())
                    stats.n_inside += float(where.sum())
                    stats.outside += float((gate * (1 - where)).sum())
                    stats.n_outside += float((1 - where).sum())
        return hook

    def results(self):
        """{"spatial" | "temporal" | "channel": {layer: value}, "channel_chance", "samples"};
        a measure is absent when no layer has that gate."""
        out = {}
        for layer, s in self.layers.items():
            if s.n_inside or s.n_outside:
                ratio = (s.inside / s.n_inside / (s.outside / s.n_outside)
                         if s.n_inside and s.n_outside and s.outside else float("nan"))
                out.setdefault("spatial", {})[layer] = ratio
            if s.correlations:
                r = np.asarray(s.correlations)
                out.setdefault("temporal", {})[layer] = float(r[~np.isnan(r)].mean()) \
                    if (~np.isnan(r)).any() else float("nan")
            if s.channel_gates:
                gates = np.concatenate([g for g, _ in s.channel_gates])
                labels = np.concatenate([lab for _, lab in s.channel_gates])
                out.setdefault("channel", {})[layer] = correlation_ratio(gates, labels)
                k = len(np.unique(labels))
                out["channel_chance"] = (k - 1) / max(len(labels) - 1, 1)
        if out:
            out["samples"] = self.offset
        return out


def _gates(module, x):
    """("T" | "C" | "S", gate) of an attention module on its input x: [B, T], [B, C] or
    [B, H, W], in float64 on the CPU; a constant gate as arrays of its one value."""
    T, B = x.shape[:2]
    spatial = x.ndim == 5
    if isinstance(module, TemporalAttention):
        return [("T", _cpu(module.gate(x)))]
    if isinstance(module, ChannelAttention):
        return [("C", _cpu(module.gate(x)))]
    if isinstance(module, SpatialAttention):
        return [("S", _cpu(module.gate(x)))]
    if isinstance(module, OracleGate):
        g_t, g_c, g_s = module.gates(x)
        found = [("T", _cpu(g_t).T)] if g_t is not None else []
        if "C" in module.dims and spatial:
            found.append(("C", np.full((B, x.shape[2]), g_c)))
        return found + ([("S", _cpu(g_s))] if g_s is not None else [])
    values = dict(zip(module.dims, module._gate_values()))           # ConstantGate
    shapes = {"T": (B, T), "C": (B, x.shape[2]), "S": (B, *x.shape[-2:])}
    return [(d, np.full(shapes[d], values[d])) for d in module.dims
            if d == "T" or spatial]


def sample_gates(model, x):
    """The gates of every attention module of ``model`` on a batch ``x [T, B, ...]`` (a
    Tensor or an array): {layer: {"T": [B, T], "C": [B, C], "S": [B, H, W]}} (those it has)."""
    from ..autograd import no_grad
    from ..tensor import Tensor

    found, handles = {}, []

    def hook(layer):
        def record(module, inputs, output):
            found.setdefault(layer, {}).update(dict(_gates(module, inputs[0])))
        return record

    for name, module in model.named_modules():
        if isinstance(module, BRANCHES) and not name.endswith(".constant"):
            handles.append(module.register_forward_hook(hook(layer_of(name))))
    try:
        model.eval()
        with no_grad():
            model(x if isinstance(x, Tensor) else Tensor(x))
    finally:
        for handle in handles:
            handle.remove()
    return found


def selectivity_meter(model, data):
    """A SelectivityMeter for a run's model on its test set, or None when the test set has no
    ground truth (only the synthetic gestures have it) or the model no attention module."""
    load = getattr(data.test_set, "load_ground_truth", None)
    if load is None or not any(isinstance(m, BRANCHES) for m in model.modules()):
        return None
    load()
    return SelectivityMeter(model, data.test_set)


def format_selectivity(selectivity):
    """The measures as lines of text: one line per measure, each layer's value."""
    names = {"spatial": "spatial (gate on the subject / elsewhere; 1 = none)",
             "temporal": "temporal (correlation with the subject's share; 0 = none)",
             "channel": "channel (eta^2 by class; 0 = none, chance "
                        f"{selectivity.get('channel_chance', float('nan')):.3f})"}
    lines = [f"attention selectivity on {selectivity.get('samples', 0)} test samples:"]
    for key, title in names.items():
        if key in selectivity:
            values = "  ".join(f"{layer} {value:.3f}" for layer, value in
                               selectivity[key].items())
            lines.append(f"  {title}: {values}")
    return "\n".join(lines)


def format_selectivity_table(rows, order=None, key="variant"):
    """The ablation's selectivity as Markdown: per variant, mean +- std over its runs of the
    spatial ratio of each layer and of the temporal correlation and the channel eta^2
    averaged over the layers. rows: runs with ``key`` (the variant, or a sweep's label) and
    "attention_selectivity"."""
    by_variant = {}
    for r in rows:
        by_variant.setdefault(r[key], []).append(r.get("attention_selectivity") or {})
    order = [v for v in (order or by_variant) if v in by_variant]
    spatial_layers = sorted({layer for runs in by_variant.values() for s in runs
                             for layer in s.get("spatial", {})})
    header = ["variant", *[f"spatial {layer}" for layer in spatial_layers],
              "temporal (mean of layers)", "channel eta^2 (mean of layers)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]

    def cell(values):
        values = [v for v in values if v is not None and np.isfinite(v)]
        if not values:
            return "-"
        mean = np.mean(values)
        spread = f" ± {np.std(values, ddof=1):.2f}" if len(values) > 1 else ""
        return f"{mean:.2f}{spread}"

    def layer_mean(s, key):
        values = [v for v in s.get(key, {}).values() if v is not None and np.isfinite(v)]
        return float(np.mean(values)) if values else None

    for variant in order:
        runs = by_variant[variant]
        cells = [variant, *[cell([s.get("spatial", {}).get(layer) for s in runs])
                            for layer in spatial_layers],
                 cell([layer_mean(s, "temporal") for s in runs]),
                 cell([layer_mean(s, "channel") for s in runs])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
