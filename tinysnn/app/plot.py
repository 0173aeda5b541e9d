"""Pictures of a run, written as PNG files: training curves, spike rasters, membrane traces and
attention maps (temporal gate over time, channel gates, spatial map).

Each ``plot_*`` function takes plain arrays and a path and returns the path, so it works on any
model; ``report.plot_run(run_dir)`` draws all of them for a training run folder. Nothing here
imports the training code.
"""

import os

import numpy as np
from matplotlib.figure import Figure

# Figures are made without pyplot: saving needs no display, and importing this module leaves a
# notebook's inline backend alone.


def _subplots(rows, cols, figsize, **kwargs):
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(rows, cols, **kwargs)


def _save(fig, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
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


# ---------------------------------------------------------------------- a whole run
def record_sample(model, frames):
    """Run one sample and keep what the plots need, per layer name.

    frames: [T, 1, C, H, W]. Returns {"spikes": {name: [T, ...]}, "current": {name: [T, ...]},
    "neuron": {name: the nn.Neuron module}, "gates": {name: {"temporal": [T], "channel": [C],
    "spatial": [H, W]}}}, for every spiking layer (any ``nn.Neuron``) and attention block.
    """
    from ..autograd import no_grad
    from ..nn.attention import MultiDimensionalAttention
    from ..nn.neuron import Neuron
    from ..tensor import Tensor

    record = {"spikes": {}, "current": {}, "gates": {}, "neuron": {}}
    handles = []

    def on_neuron(name):
        def hook(module, inputs, output):
            record["current"][name] = inputs[0].numpy()[:, 0]
            record["spikes"][name] = output.numpy()[:, 0]
            record["neuron"][name] = module
        return hook

    def on_attention(name):
        def hook(module, inputs, output):
            x, gates = inputs[0], {}
            # each branch sees the previous branch's output, as in forward (T, then C, then S)
            for key, branch in (("temporal", module.ta), ("channel", module.ca),
                                ("spatial", module.sa)):
                if branch is not None:
                    gates[key] = np.asarray(branch.gate(x))[0]
                    x = branch(x)
            record["gates"][name] = gates
        return hook

    for name, module in model.named_modules():
        if isinstance(module, Neuron):
            handles.append(module.register_forward_hook(on_neuron(name)))
        elif isinstance(module, MultiDimensionalAttention):
            handles.append(module.register_forward_hook(on_attention(name)))
    try:
        model.eval()
        with no_grad():
            model(Tensor(frames))
    finally:
        for h in handles:
            h.remove()
    return record


def membrane_of(neuron, current):
    """The potential H[t] a layer of neurons reached on ``current`` [T, ...] (from rest).

    H is the membrane before the reset, the value compared with the threshold, so its
    crossings show where the spikes come from (V after a hard reset sits at v_reset). Any
    ``nn.Neuron`` computes it: ``neuron.potential(current)``.
    """
    return np.asarray(neuron.potential(current))
