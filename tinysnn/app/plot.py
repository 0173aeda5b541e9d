"""Pictures of a run, written as PNG files: training curves, spike rasters, membrane traces and
attention maps (temporal gate over time, channel gates, spatial map).

Each ``plot_*`` function takes plain arrays and a path and returns the path, so it works on any
model; ``report.plot_run(run_dir)`` draws all of them for a training run folder. Nothing here
imports the training code.
"""

import os

import numpy as np
from matplotlib.figure import Figure

from ..atomic import atomic_open

# Figures are made without pyplot: saving needs no display, and importing this module leaves a
# notebook's inline backend alone.


def _subplots(rows, cols, figsize, **kwargs):
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(rows, cols, **kwargs)


def image_format(path):
    """The image format matplotlib writes for ``path``, from its extension (png without one);
    ValueError naming the formats it can write otherwise."""
    extension = os.path.splitext(os.fspath(path))[1][1:].lower() or "png"
    known = Figure().canvas.get_supported_filetypes()
    if extension not in known:
        raise ValueError(f"{path}: cannot draw a .{extension} file; name a file ending in one "
                         f"of {', '.join('.' + k for k in sorted(known))}")
    return extension


def _save(fig, path):
    """Write the figure to exactly ``path``, atomically: a link there is replaced, not followed."""
    fig.tight_layout()
    with atomic_open(path) as f:
        fig.savefig(f, dpi=110, format=image_format(path))
    return path


def plot_curves(history, path):
    """Loss and accuracy per epoch.  history: list of dicts with epoch, train_loss, *_accuracy."""
    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = _subplots(1, 2, (9, 3.5))
    ax_loss.plot(epochs, [h["train_loss"] for h in history], "o-", label="train")
    if all("test_loss" in h for h in history):
        ax_loss.plot(epochs, [h["test_loss"] for h in history], "s--", label="test")
    ax_loss.set(xlabel="epoch", ylabel="loss", title="loss")
    ax_loss.legend()
    ax_acc.plot(epochs, [h["train_accuracy"] for h in history], "o-", label="train")
    ax_acc.plot(epochs, [h["test_accuracy"] for h in history], "s--", label="test")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0, 1.02))
    ax_acc.legend()
    return _save(fig, path)


def plot_raster(spikes, path, title="spike raster", max_neurons=200):
    """Spike raster of one sample.  spikes: [T, neurons...] of 0/1; shows up to max_neurons."""
    s = np.asarray(spikes).reshape(spikes.shape[0], -1)[:, :max_neurons]
    t, n = np.nonzero(s)
    fig, ax = _subplots(1, 1, (7, 3.5))
    ax.scatter(t, n, s=4, marker="|", color="black")
    ax.set(xlabel="time step", ylabel="neuron", title=title, xlim=(-0.5, s.shape[0] - 0.5),
           ylim=(-0.5, s.shape[1] - 0.5))
    return _save(fig, path)


def plot_membrane(v, spikes, threshold, path, title="membrane potential", neurons=4):
    """Membrane traces of a few neurons with their spikes.  v, spikes: [T, neurons...]."""
    v = np.asarray(v).reshape(v.shape[0], -1)
    s = np.asarray(spikes).reshape(spikes.shape[0], -1)
    chosen = np.argsort(-s.sum(axis=0))[:neurons]  # the busiest neurons show the dynamics best
    fig, axes = _subplots(len(chosen), 1, (7, 1.4 * len(chosen) + 0.6), sharex=True,
                          squeeze=False)
    steps = np.arange(v.shape[0])
    for ax, n in zip(axes[:, 0], chosen):
        ax.plot(steps, v[:, n], "-", color="tab:blue")
        ax.axhline(threshold, color="tab:red", lw=0.8, ls="--")
        fired = np.nonzero(s[:, n])[0]
        ax.plot(fired, np.full(len(fired), threshold), "v", color="tab:red", ms=4)
        ax.set_ylabel(f"#{n}")
    axes[0, 0].set_title(title)
    axes[-1, 0].set_xlabel("time step")
    return _save(fig, path)


def plot_attention(path, temporal=None, channel=None, spatial=None, title="attention"):
    """Attention gates of one sample: temporal [T], channel [C], spatial [H, W] (any may be None).
    """
    panels = [(name, g) for name, g in (("temporal", temporal), ("channel", channel),
                                        ("spatial", spatial)) if g is not None]
    if not panels:
        raise ValueError("plot_attention: give at least one of temporal, channel, spatial")
    fig, axes = _subplots(1, len(panels), (3.6 * len(panels), 3.2), squeeze=False)
    for ax, (name, gate) in zip(axes[0], panels):
        gate = np.asarray(gate)
        if name == "spatial":
            im = ax.imshow(gate, cmap="viridis", vmin=0, vmax=1)
            fig.colorbar(im, ax=ax, fraction=0.046)
            ax.set(xticks=[], yticks=[])
        else:
            ax.bar(np.arange(len(gate)), gate, color="tab:green")
            ax.set(ylim=(0, 1), xlabel="time step" if name == "temporal" else "channel")
        ax.set_title(f"{title}: {name}")
    return _save(fig, path)


# ---------------------------------------------------------------------- the paper's analysis
def plot_membrane_distributions(potentials, threshold, path, title="membrane potential"):
    """Distribution of the membrane potential before reset, one panel per layer.

    potentials: {curve label: {layer name: values [N]}}, e.g. with and without attention;
    every label must have the same layers. threshold: drawn as a vertical line.
    """
    labels = list(potentials)
    layers = list(potentials[labels[0]])
    fig, axes = _subplots(1, len(layers), (3.2 * len(layers), 3.0), squeeze=False)
    for ax, layer in zip(axes[0], layers):
        values = np.concatenate([np.asarray(potentials[k][layer]).ravel() for k in labels])
        low, high = np.percentile(values, [0.5, 99.5]) if len(values) else (0.0, 1.0)
        edges = np.linspace(min(low, 0.0), max(high, 1.5 * threshold), 61)
        for label in labels:
            density, _ = np.histogram(np.clip(potentials[label][layer], edges[0], edges[-1]),
                                      bins=edges, density=True)
            ax.stairs(density, edges, lw=1.4, label=label)
        ax.axvline(threshold, color="black", lw=0.8, ls="--")
        ax.set(title=layer, xlabel="H (before reset)")
    axes[0, 0].set_ylabel("density")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(title)
    return _save(fig, path)


def plot_firing_rates(rates, path, title="firing rate per layer"):
    """Firing rate of every layer for several networks in one figure.

    rates: {network label: (layer names, mean rates [L], std [L] or None)}.
    """
    fig, ax = _subplots(1, 1, (1.3 * max(len(v[0]) for v in rates.values()) + 3.5, 3.6))
    for label, (layers, mean, std) in rates.items():
        ax.errorbar(np.arange(len(layers)), mean, yerr=std, marker="o", capsize=3, label=label)
    layers = max((v[0] for v in rates.values()), key=len)
    ax.set_xticks(np.arange(len(layers)), layers, rotation=20)
    ax.set(ylabel="spikes / (neurons x T)", title=title, ylim=(0, None))
    ax.legend(fontsize=8, ncol=2)
    return _save(fig, path)


def plot_step_time(rates, times_ms, labels, path, torch_ms=None,
                   title="training step time against firing rate"):
    """Step time against firing rate, one point per variant (``python -m tinysnn bench --plot``).

    rates, times_ms, labels: one entry per variant; torch_ms: PyTorch's step times of the same
    variants (drawn at the same firing rates), or None.
    """
    fig, ax = _subplots(1, 1, (5.5, 3.8))
    ax.plot(rates, times_ms, "o", label="tinysnn")
    if torch_ms is not None:
        ax.plot(rates, torch_ms, "s", mfc="none", label="PyTorch")
    for rate, ms, label in zip(rates, times_ms, labels):
        ax.annotate(label, (rate, ms), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set(xlabel="firing rate (spikes / (neurons x T))", ylabel="ms per training step",
           title=title, xlim=(0, None), ylim=(0, None))
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_class_attention(path, class_names, temporal=None, channel=None, spatial=None,
                         title="attention by class"):
    """The gates of one attention layer averaged per class.

    temporal: [K, T], channel: [K, C], spatial: [K, H, W] (K classes; any may be None).
    """
    rows = [(n, g) for n, g in (("temporal", temporal), ("channel", channel)) if g is not None]
    k = len(class_names)
    fig = Figure(figsize=(max(7.0, 1.3 * k), 2.6 * len(rows) + (2.0 if spatial is not None else 0)))
    grid = fig.add_gridspec(len(rows) + (spatial is not None), k)
    for i, (name, gate) in enumerate(rows):
        ax = fig.add_subplot(grid[i, :])
        im = ax.imshow(gate, aspect="auto", cmap="viridis", interpolation="nearest")
        fig.colorbar(im, ax=ax, fraction=0.03)
        ax.set(yticks=np.arange(k), xlabel="time step" if name == "temporal" else "channel",
               title=f"{title}: {name} gate")
        ax.set_yticklabels(class_names, fontsize=6)
    if spatial is not None:
        low, high = float(np.min(spatial)), float(np.max(spatial))
        for c in range(k):
            ax = fig.add_subplot(grid[len(rows), c])
            ax.imshow(spatial[c], cmap="viridis", vmin=low, vmax=high)
            ax.set(xticks=[], yticks=[])
            ax.set_title(class_names[c].replace("_", " "), fontsize=5)
    return _save(fig, path)


# ---------------------------------------------------------------------- recording a model
def record_batch(model, x):
    """Run a batch and keep what the plots need, per layer name.

    x: [T, B, C, H, W]. Returns {"spikes": {name: [T, B, ...]}, "current": {name: [T, B, ...]},
    "neuron": {name: the nn.Neuron module}, "gates": {name: {"temporal": [B, T],
    "channel": [B, C], "spatial": [B, H, W]}}}, for every spiking layer (any ``nn.Neuron``)
    and every module that draws its gates (``gate_maps(x)``, as MultiDimensionalAttention).
    """
    from ..autograd import no_grad
    from ..nn.neuron import Neuron
    from ..tensor import Tensor

    record = {"spikes": {}, "current": {}, "gates": {}, "neuron": {}}
    handles = []

    def on_neuron(name):
        def hook(module, inputs, output):
            record["current"][name] = inputs[0].numpy()
            record["spikes"][name] = output.numpy()
            record["neuron"][name] = module
        return hook

    def on_attention(name):
        def hook(module, inputs, output):
            record["gates"][name] = module.gate_maps(inputs[0])
        return hook

    for name, module in model.named_modules():
        if isinstance(module, Neuron):
            handles.append(module.register_forward_hook(on_neuron(name)))
        elif callable(getattr(module, "gate_maps", None)):
            handles.append(module.register_forward_hook(on_attention(name)))
    try:
        model.eval()
        with no_grad():
            model(Tensor(x))
    finally:
        for h in handles:
            h.remove()
    return record


def record_sample(model, frames):
    """record_batch for one sample: frames [T, 1, C, H, W]; the arrays without the batch axis
    (spikes and currents [T, ...], gates temporal [T], channel [C], spatial [H, W])."""
    record = record_batch(model, frames)
    for kind in ("spikes", "current"):
        record[kind] = {name: a[:, 0] for name, a in record[kind].items()}
    record["gates"] = {name: {k: g[0] for k, g in gates.items()}
                       for name, gates in record["gates"].items()}
    return record


def membrane_of(neuron, current):
    """The potential H[t] a layer of neurons reached on ``current`` [T, ...] (from rest).

    H is the membrane before the reset, the value compared with the threshold, so its
    crossings show where the spikes come from (V after a hard reset sits at v_reset). Any
    ``nn.Neuron`` computes it: ``neuron.potential(current)``.
    """
    return np.asarray(neuron.potential(current))
