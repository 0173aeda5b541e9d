"""Pictures of what attention selects: gates over the ground truth, selectivity over epochs.

    python -m tinysnn plot runs/tcsa     # a run on the synthetic gestures draws these too

* ``gates_over_truth.png``: for a few test samples, where the subject's events are and where
  the other events are (summed over time), the first spatial gate over the subject's outline,
  and each temporal gate over time against the subject's share of the events of each step;
* ``selectivity_by_epoch.png``: the three measures of selectivity.py after every epoch, one
  line per layer (from the run's history).
"""

import os

import numpy as np

from . import plot
from .selectivity import sample_gates

MEASURES = (("spatial", "spatial: gate on subject / elsewhere", 1.0),
            ("temporal", "temporal: corr. with subject share", 0.0),
            ("channel", "channel: eta^2 by class", 0.0))


def plot_selectivity_by_epoch(history, path, title="attention selectivity by epoch"):
    """The measures after each epoch, one line per layer; the no-selection value dashed.
    history: the run's epochs, each with "attention_selectivity"."""
    history = [h for h in history if h.get("attention_selectivity")]
    present = [m for m in MEASURES if any(m[0] in h["attention_selectivity"] for h in history)]
    fig, axes = plot._subplots(1, max(len(present), 1), (4.2 * max(len(present), 1), 3.4),
                               squeeze=False)
    for ax, (key, label, none) in zip(axes[0], present):
        layers = list(history[-1]["attention_selectivity"].get(key, {}))
        for layer in layers:
            points = [(h["epoch"], h["attention_selectivity"][key].get(layer)) for h in history
                      if key in h["attention_selectivity"]]
            epochs, values = zip(*[(e, v) for e, v in points if v is not None])
            ax.plot(epochs, values, "o-", label=layer, markersize=3)
        ax.axhline(none, color="gray", linestyle="--", linewidth=1)
        if key == "channel" and "channel_chance" in history[-1]["attention_selectivity"]:
            ax.axhline(history[-1]["attention_selectivity"]["channel_chance"], color="gray",
                       linestyle=":", linewidth=1, label="chance")
        ax.set(xlabel="epoch", title=label)
        ax.legend(fontsize=7)
    fig.suptitle(title)
    return plot._save(fig, path)


def plot_gates_over_truth(path, subject, other, gates, title="gates over the ground truth"):
    """One row per sample: subject events, other events, the first spatial gate with the
    subject's outline, the temporal gates against the subject's share of each step.

    subject, other: [N, T, H, W] event counts; gates: sample_gates' dict for the N samples.
    """
    n = len(subject)
    spatial = next((g["S"] for g in gates.values() if "S" in g), None)
    spatial_layer = next((k for k, g in gates.items() if "S" in g), None)
    temporal = {layer: g["T"] for layer, g in gates.items() if "T" in g}
    fig, axes = plot._subplots(n, 4, (13, 2.8 * n), squeeze=False)
    total = subject + other
    share = subject.sum(axis=(2, 3)) / np.maximum(total.sum(axis=(2, 3)), 1)     # [N, T]
    for i in range(n):
        ax_s, ax_o, ax_g, ax_t = axes[i]
        ax_s.imshow(subject[i].sum(axis=0), cmap="Greens")
        ax_s.set_title(f"sample {i}: subject's events", fontsize=8)
        clutter = other[i].sum(axis=0)      # hot pixels would take the whole colour scale
        ax_o.imshow(clutter, cmap="Reds", vmax=max(np.percentile(clutter, 98), 1))
        ax_o.set_title("all other events", fontsize=8)
        if spatial is not None:
            image = ax_g.imshow(spatial[i], cmap="viridis",
                                extent=(0, subject.shape[-1], subject.shape[-2], 0))
            ax_g.contour(subject[i].sum(axis=0) > 0, levels=[0.5], colors="white",
                         linewidths=0.8)
            fig.colorbar(image, ax=ax_g, fraction=0.046)
            ax_g.set_title(f"spatial gate {spatial_layer}, subject outlined", fontsize=8)
        else:
            ax_g.set_axis_off()
        ax_t.bar(np.arange(share.shape[1]), share[i], color="lightgreen",
                 label="subject's share")
        for layer, gate in temporal.items():
            g = gate[i]
            span = g.max() - g.min()
            ax_t.plot((g - g.min()) / (span if span > 0 else 1.0), label=f"gate {layer}",
                      linewidth=1)
        ax_t.set(xlabel="time step", ylim=(0, 1.05))
        ax_t.set_title("temporal gates (scaled to 0..1) and subject's share", fontsize=8)
        if i == 0:
            ax_t.legend(fontsize=6)
    fig.suptitle(title)
    return plot._save(fig, path)


def plot_run_selectivity(run_dir, metrics, model, data, samples=3):
    """The selectivity pictures of a run whose test set has ground truth; [] otherwise."""
    test = data.test_set
    if not metrics.get("attention_selectivity") or not hasattr(test, "load_ground_truth"):
        return []
    test.load_ground_truth()
    count = min(samples, len(test))
    picks = np.linspace(0, len(test) - 1, count).astype(int)     # samples of different classes
    frames = np.stack([np.asarray(test[int(i)][0], np.float32) for i in picks], axis=1)
    truth = [test.truth(int(i)) for i in picks]
    subject = np.stack([t["subject"].sum(axis=1) for t in truth])
    other = np.stack([t["other"].sum(axis=1) for t in truth])
    gates = sample_gates(model, frames)
    variant = metrics["config"].get("attention")
    return [plot_gates_over_truth(os.path.join(run_dir, "gates_over_truth.png"), subject,
                                  other, gates, title=f"{variant}: gates over the ground truth"),
            plot_selectivity_by_epoch(metrics["epochs"],
                                      os.path.join(run_dir, "selectivity_by_epoch.png"),
                                      title=f"{variant}: attention selectivity by epoch")]
