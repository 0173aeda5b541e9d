"""What the command line prints and writes.

Layer tables, checkpoint evaluation, the ablation table, the plots of a run folder.
"""

import contextlib
import os
import time
from dataclasses import replace

import numpy as np

from .. import bounded_json, random_state
from ..nn.monitor import Monitor
from . import plot
from .checkpoint import CheckpointError
from .config import ConfigError
from .datasets import make_datasets
from .resume import History, load_weights, read_run_checkpoint
from .run_folder import RunFolderError
from .selectivity import format_selectivity, selectivity_meter
from .selectivity_plots import plot_run_selectivity
from .train import build_model, evaluate, summarize


def format_layers(metrics):
    """The per-layer table: firing rate, spikes, synaptic operations and energy per sample.

    Each layer with attention is followed by its attention row: the module's own operations
    (multiplies as MACs, adds and compares as ACs; tinysnn.nn.monitor) and their energy.
    """
    lines = [f"{'layer':<22}{'firing rate':>12}{'spikes/sample':>15}{'SynOps/sample':>15}"
             f"{'energy uJ':>11}"]
    attention = {row["name"].rpartition(".")[0]: row
                 for row in metrics.get("attention_layers", [])}
    for row in metrics["layers"]:
        lines.append(f"{row['name']:<22}{row['firing_rate']:>12.4f}"
                     f"{row['spikes_per_sample']:>15.1f}"
                     f"{row['synaptic_ops']:>15.3g}{row['energy_uj']:>11.4f}")
        if row["name"] in attention:
            a = attention[row["name"]]
            ops = f"{a['macs']:.3g} MAC {a['acs']:.3g} AC"
            lines.append(f"{'  attention ' + '+'.join(a['branches']):<22}{'':>12}{ops:>30}"
                         f"{a['energy_uj']:>11.4f}")
    m = metrics
    lines.append(f"{'total (paper)':<22}{m['firing_rate']:>12.4f}{m['spikes_per_sample']:>15.1f}"
                 f"{m['synaptic_ops_per_sample']:>15.3g}{m['energy_uj_per_sample']:>11.4f}")
    if "energy_with_attention_uj_per_sample" in m:
        lines.append(f"{'total with attention':<22}{'':>42}"
                     f"{m['energy_with_attention_uj_per_sample']:>11.4f}")
    accuracy = f"test accuracy {m['test_accuracy']:.4f}"
    if "test_clip_accuracy" in m:
        accuracy += f" (by the clips' vote; clips {m['test_clip_accuracy']:.4f})"
    lines.append(f"{accuracy}   parameters {m['params']:,}   "
                 f"same network as an ANN: {m['ann_energy_uj_per_sample']:.4f} uJ/sample")
    if m.get("attention_selectivity"):
        lines.append(format_selectivity(m["attention_selectivity"]))
    return "\n".join(lines)


def print_layers(metrics):
    """Print the per-layer table of spikes, operations and energy of a run's metrics."""
    print(format_layers(metrics))


def load_run(path, dataset=None, data_dir=None):
    """(model with the checkpoint's weights, the run's data, its TrainConfig, its history).

    dataset, data_dir: evaluate on another data set than the run's own (its frames must fit
    the network); data_dir is read only by the data sets that are files.
    """
    checkpoint = read_run_checkpoint(path)
    config = checkpoint.config
    if dataset is not None and dataset != config.dataset:
        config = replace(config, dataset=dataset, data_dir=None)
    config = replace(config, data_dir=data_dir or config.data_dir, progress=False).validate()
    random_state.manual_seed(config.seed)
    data = make_datasets(config)
    try:
        model = build_model(config, data, checkpoint.meta["nir_graph"]).to(config.device)
        load_weights(checkpoint, model)
    except (ValueError, CheckpointError) as err:
        if config.dataset == checkpoint.config.dataset:
            raise
        raise ConfigError(f"{path} was trained on {checkpoint.config.dataset}; its network "
                          f"does not fit {config.dataset}'s frames {list(data.frame_shape)} "
                          f"and {data.num_classes} classes") from err
    return model, data, config, checkpoint.meta["history"]


def evaluate_checkpoint(path, dataset=None, data_dir=None):
    """Rebuild the model a checkpoint was trained as, load it, and measure it on the test set."""
    started = time.perf_counter()
    model, data, config, history = load_run(path, dataset, data_dir)
    monitor = Monitor(model)
    meter = selectivity_meter(model, data)
    with meter or contextlib.nullcontext():
        _, accuracy, clip_accuracy = evaluate(model, data.test_loader, config, data.num_classes,
                                              monitor)
    return summarize(config, model, monitor, history, accuracy, time.perf_counter() - started,
                     clip_accuracy=clip_accuracy,
                     selectivity=meter.results() if meter is not None else None)


ABLATION_COLUMNS = ("variant", "test_accuracy", "best_test_accuracy", "spikes_per_sample",
                    "firing_rate", "energy_uj_per_sample", "attention_energy_uj_per_sample",
                    "energy_with_attention_uj_per_sample", "params", "seconds")

# column title, key, how one number is written
_TABLE = (("test acc. (%)", "test_accuracy", lambda v: f"{100 * v:.1f}"),
          ("best acc. (%)", "best_test_accuracy", lambda v: f"{100 * v:.1f}"),
          ("spikes / sample", "spikes_per_sample", lambda v: f"{v:.0f}"),
          ("firing rate", "firing_rate", lambda v: f"{v:.4f}"),
          ("energy, paper (uJ)", "energy_uj_per_sample", lambda v: f"{v:.3f}"),
          ("energy with attention (uJ)", "energy_with_attention_uj_per_sample",
           lambda v: f"{v:.3f}"))


def mean_std(values):
    """(mean, sample standard deviation with n - 1; 0 for one value) of a list of numbers."""
    values = np.asarray(values, dtype=np.float64)
    return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0


def format_ablation(rows, order=None, key="variant", title="variant"):
    """The ablation table as Markdown: one line per variant, mean +- std over its runs.

    rows: one dict per run with ``key`` ("variant"; a sweep's "label") and the ABLATION_COLUMNS
    keys (several runs of a variant, e.g. seeds, are averaged). order: the variants in table
    order (default: as met). title: the first column's title.
    """
    by_variant = {}
    for r in rows:
        by_variant.setdefault(r[key], []).append(r)
    order = [v for v in (order or by_variant) if v in by_variant]
    header = [title, "runs", *[name for name, _, _ in _TABLE], "parameters",
              "train time (s)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for variant in order:
        runs = by_variant[variant]
        cells = [variant, str(len(runs))]
        for _, column, fmt in _TABLE:
            mean, std = mean_std([r[column] for r in runs if column in r])
            cells.append(fmt(mean) + (f" ± {fmt(std)}" if len(runs) > 1 else ""))
        cells += [f"{runs[0]['params']:,}", f"{mean_std([r['seconds'] for r in runs])[0]:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


METRIC_KEYS = ("epochs", "test_accuracy", "layers")


def missing_metrics(run_dir):
    """What to say about a run folder without metrics.json: how to get it, if it can be had."""
    checkpoint = os.path.join(run_dir, "checkpoint.npz")
    if os.path.isfile(checkpoint):
        return (f"{run_dir}: no metrics.json beside its checkpoint.npz (the run was stopped "
                f"before its last epoch, or metrics.json could not be written): python -m "
                f"tinysnn train --resume {checkpoint} finishes the run or writes it again")
    return f"{run_dir}: no metrics.json (is it a training run folder?)"


def load_metrics(run_dir):
    """metrics.json of a run folder; RunFolderError if it is missing, not JSON or incomplete."""
    path = os.path.join(run_dir, "metrics.json")
    try:
        metrics = bounded_json.load_file(path)
    except FileNotFoundError:
        raise RunFolderError(missing_metrics(run_dir)) from None
    except ValueError as err:       # not UTF-8, not JSON, too deep or too long
        raise RunFolderError(f"{path}: not valid JSON ({err})") from None
    missing = [k for k in METRIC_KEYS if not isinstance(metrics, dict) or k not in metrics]
    if missing:
        raise RunFolderError(f"{path}: incomplete, lacks {missing}")
    try:
        History().check("epochs", metrics["epochs"])
    except ConfigError as err:
        raise RunFolderError(f"{path}: {err}") from None
    return metrics


def plot_run(run_dir):
    """Draw every plot of a training run folder (metrics.json + checkpoint.npz); returns paths."""
    metrics = load_metrics(run_dir)
    paths = [plot.plot_curves(metrics["epochs"], os.path.join(run_dir, "curves.png"))]
    model, data, _, _ = load_run(os.path.join(run_dir, "checkpoint.npz"))
    frames, label = data.test_set[0]
    frames = np.asarray(frames, np.float32)
    if data.clips:
        frames = frames[0]  # the first of the sample's test clips
    record = plot.record_sample(model, frames[:, None])
    names = list(record["spikes"])
    for name in (names[0], names[-1]):  # the first layer and the output layer
        tag = name.replace(".", "_")
        paths.append(plot.plot_raster(record["spikes"][name],
                                      os.path.join(run_dir, f"raster_{tag}.png"),
                                      title=f"spikes of {name} (one test sample, class {label})"))
        neuron = record["neuron"][name]
        v = plot.membrane_of(neuron, record["current"][name])
        paths.append(plot.plot_membrane(v, record["spikes"][name], neuron.threshold,
                                   os.path.join(run_dir, f"membrane_{tag}.png"),
                                   title=f"membrane of {name}"))
    for name, gates in record["gates"].items():
        tag = name.replace(".", "_")
        paths.append(plot.plot_attention(os.path.join(run_dir, f"attention_{tag}.png"),
                                    title=name, **gates))
    return paths + plot_run_selectivity(run_dir, metrics, model, data)
