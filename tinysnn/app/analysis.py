"""The paper's analysis figures, for one training run or for an ablation folder.

    python -m tinysnn plot runs/masnn          # a run
    python -m tinysnn plot runs/ablation       # an ablation (a folder with ablation.json)
    python -m tinysnn plot runs/sweep          # a sweep (sweep.json): the same, per grid point

* Membrane potentials with and without attention (the paper: "attention refines the membrane
  potential"): the distribution of H, the potential before reset, of every spiking layer over
  test samples. For a run, "without" is the same trained network with its attention modules
  bypassed; for an ablation, each variant's own trained network (first seed).
* Firing rate of every layer, every variant of an ablation in one figure (mean over seeds,
  the standard deviation as error bars), from the runs' metrics.json.
* Attention maps per class: each attention layer's gates averaged over the test samples of
  each class (temporal [classes, T], channel [classes, C], spatial [classes, H, W]).
"""

import contextlib
import os

import numpy as np

from . import plot
from .report import load_run, mean_std
from .sweep_file import SweepFileError, finished_runs, read_sweep_file, run_checkpoint

VALUES_PER_BATCH = 20_000   # membrane values kept per layer and batch (a seeded sample)


def test_batches(data, max_samples):
    """Test batches x: [T, B, ...] up to max_samples samples (the first clip of clipped ones),
    with their labels."""
    seen = 0
    for x, y in data.test_loader:
        if x.ndim == 6:                       # [clips, B, T, ...]: PaperFrames test clips
            x = x[0]
        yield x, y
        seen += len(y)
        if max_samples is not None and seen >= max_samples:
            return


@contextlib.contextmanager
def attention_bypassed(model):
    """The model with every layer's attention module taken out (same weights otherwise)."""
    layers = [m for m in model.modules() if getattr(m, "attention", None) is not None]
    saved = [m.attention for m in layers]
    for m in layers:
        m.attention = None
    try:
        yield model
    finally:
        for m, attention in zip(layers, saved):
            m.attention = attention


def membrane_potentials(model, data, max_samples=64):
    """{layer: H values [N]} of every spiking layer over up to max_samples test samples
    (a seeded sample of VALUES_PER_BATCH values per layer and batch)."""
    rng = np.random.default_rng(0)
    values = {}
    for x, _ in test_batches(data, max_samples):
        record = plot.record_batch(model, x)
        for name, current in record["current"].items():
            h = plot.membrane_of(record["neuron"][name], current).ravel()
            if h.size > VALUES_PER_BATCH:
                h = rng.choice(h, VALUES_PER_BATCH, replace=False)
            values.setdefault(name, []).append(h)
    return {name: np.concatenate(parts) for name, parts in values.items()}


def class_attention(model, data, num_classes):
    """{attention layer: {"temporal": [K, T], "channel": [K, C], "spatial": [K, H, W]}}: the
    gates averaged over the test samples of each class (K = num_classes)."""
    sums, counts = {}, np.zeros(num_classes)
    for x, y in test_batches(data, None):
        y = np.asarray(y)
        counts += np.bincount(y, minlength=num_classes)
        for name, gates in plot.record_batch(model, x)["gates"].items():
            layer = sums.setdefault(name, {})
            for kind, g in gates.items():        # g: [B, ...] -> summed per class
                total = layer.setdefault(kind, np.zeros((num_classes, *g.shape[1:])))
                np.add.at(total, y, g)
    shape = lambda g: counts.reshape(-1, *[1] * (g.ndim - 1))  # noqa: E731
    return {name: {kind: g / np.maximum(shape(g), 1) for kind, g in layer.items()}
            for name, layer in sums.items()}


def _threshold(model):
    from ..nn.neuron import Neuron

    return next(float(m.threshold) for m in model.modules() if isinstance(m, Neuron))


def _class_attention_plots(model, data, folder, prefix=""):
    classes = [str(c) for c in getattr(data.test_set, "classes", range(data.num_classes))]
    paths = []
    for name, gates in class_attention(model, data, data.num_classes).items():
        path = os.path.join(folder, f"{prefix}attention_by_class_{name.replace('.', '_')}.png")
        paths.append(plot.plot_class_attention(path, classes, title=name, **gates))
    return paths


def analyse_run(run_dir):
    """The analysis figures of one run: membranes with and without its attention, attention
    maps per class. Returns the paths written."""
    model, data, config, _ = load_run(os.path.join(run_dir, "checkpoint.npz"))
    paths = []
    if config.attention != "no":
        with_attention = membrane_potentials(model, data)
        with attention_bypassed(model):
            without = membrane_potentials(model, data)
        paths.append(plot.plot_membrane_distributions(
            {f"{config.attention}": with_attention,
             f"{config.attention}, attention bypassed": without}, _threshold(model),
            os.path.join(run_dir, "membrane_distribution.png"),
            title="membrane potential with and without attention (same weights)"))
    return paths + _class_attention_plots(model, data, run_dir)


def analyse_ablation(folder):
    """The analysis figures of an ablation or sweep folder (ablation.json or sweep.json, checked
    by sweep_file): firing rates of every variant (grid point), membranes of every variant,
    attention maps per class of its TCSA runs. Returns the paths written."""
    path, document = read_sweep_file(folder)
    runs = finished_runs(document)
    key = "variant" if os.path.basename(path) == "ablation.json" else "label"
    listed = document.get("variants") or [r[key] for r in document["runs"]]
    order = [v for v in dict.fromkeys(listed) if any(r[key] == v for r in runs)]
    if not order:
        raise SweepFileError(f"{path}: no finished run to draw yet")
    rates = {}
    for variant in order:
        layers = [r["layers"] for r in runs if r[key] == variant]
        names = [row["name"] for row in layers[0]]
        stats = [mean_std([rows[i]["firing_rate"] for rows in layers]) for i in range(len(names))]
        rates[variant] = (names, [m for m, _ in stats], [s for _, s in stats])
    paths = [plot.plot_firing_rates(rates, os.path.join(folder, "firing_rates.png"),
                                    title="firing rate per layer (mean +- std over seeds)")]
    first = {}
    for r in runs:
        first.setdefault(r[key], r)
    potentials, threshold = {}, None
    for variant in order:
        model, data, config, _ = load_run(run_checkpoint(path, first[variant]))
        potentials[variant] = membrane_potentials(model, data)
        threshold = _threshold(model)
        if config.attention == "TCSA" and key == "variant":
            paths += _class_attention_plots(model, data, folder, prefix="TCSA_")
    paths.append(plot.plot_membrane_distributions(
        potentials, threshold, os.path.join(folder, "membrane_distribution.png"),
        title="membrane potential before reset, per variant (first seed)"))
    return paths
