"""The ablation with seeds on a tiny budget: every run, mean +- std, continuing a stopped one."""

import json
import os

import numpy as np
import pytest

from tinysnn.app import train as train_module
from tinysnn.app.ablation import run_ablation
from tinysnn.app.analysis import analyse_ablation
from tinysnn.app.report import format_ablation, mean_std
from tinysnn.app.run_folder import RunFolderError
from tinysnn.app.train import TrainConfig

TINY = {"samples_per_class": 2, "test_samples_per_class": 1, "sensor": 16}


def tiny(tmp_path, **changes):
    options = dict(TINY, cache=str(tmp_path / "cache"))
    values = dict(T=4, epochs=1, batch_size=11, lr=5e-3, out=str(tmp_path / "ablation"),
                  progress=False, dataset_options=options)
    return TrainConfig(**{**values, **changes})


def test_every_variant_with_every_seed_then_mean_and_std(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYSNN_CACHE", str(tmp_path / "cache"))   # where the plots read data
    table = run_ablation(tiny(tmp_path, seed=5), ["no", "const-gate"], seeds=2, command="cmd")
    document = json.loads((tmp_path / "ablation" / "ablation.json").read_text())
    runs = document["runs"]
    assert [(r["variant"], r["seed"]) for r in runs] == [
        ("no", 5), ("const-gate", 5), ("no", 6), ("const-gate", 6)]
    for r in runs:
        metrics = json.loads((tmp_path / "ablation" / r["variant"] / f"seed{r['seed']}" /
                              "metrics.json").read_text())
        assert metrics["config"]["seed"] == r["seed"]
        assert metrics["spikes_per_sample"] == r["spikes_per_sample"]
    spikes = [r["spikes_per_sample"] for r in runs if r["variant"] == "const-gate"]
    mean, std = mean_std(spikes)
    assert std == pytest.approx(np.std(spikes, ddof=1))
    line = next(x for x in table.splitlines() if x.startswith("| const-gate |"))
    assert "| 2 |" in line and f"{mean:.0f} ± {std:.0f}" in line
    assert "energy with attention" in table
    assert (tmp_path / "ablation" / "ablation.md").read_text().startswith("Measured by `cmd`")
    # the analysis figures of the folder: every variant's firing rates and membranes
    paths = analyse_ablation(str(tmp_path / "ablation"))
    assert sorted(os.path.basename(p) for p in paths) == ["firing_rates.png",
                                                         "membrane_distribution.png"]
    assert all(os.path.getsize(p) > 0 for p in paths)


def test_one_run_per_variant_has_no_spread():
    rows = [{"variant": "TA", "test_accuracy": 0.5, "best_test_accuracy": 0.75,
             "spikes_per_sample": 10.0, "firing_rate": 0.1, "energy_uj_per_sample": 1.0,
             "energy_with_attention_uj_per_sample": 1.5, "params": 1000, "seconds": 3.0}]
    line = format_ablation(rows).splitlines()[2]
    assert line == "| TA | 1 | 50.0 | 75.0 | 10 | 0.1000 | 1.000 | 1.500 | 1,000 | 3 |"


def test_finished_runs_are_read_and_stopped_runs_resumed(tmp_path, monkeypatch):
    config = tiny(tmp_path, epochs=2)
    first = run_ablation(config, ["SA"], seeds=1)
    # the same ablation again: nothing is trained
    monkeypatch.setattr(train_module, "train", lambda run: pytest.fail("trained again"))
    assert run_ablation(config, ["SA"], seeds=1) == first
    # a run stopped after its checkpoint (no metrics.json) is resumed from it
    metrics_path = tmp_path / "ablation" / "SA" / "seed0" / "metrics.json"
    metrics = json.loads(metrics_path.read_text())
    metrics_path.unlink()
    resumed = []
    monkeypatch.setattr(train_module, "train",
                        lambda run: resumed.append(run.resume) or metrics)
    run_ablation(config, ["SA"], seeds=1)
    assert resumed == [str(tmp_path / "ablation" / "SA" / "seed0" / "checkpoint.npz")]
    # other settings: refused before anything trains, or trained afresh with overwrite
    with pytest.raises(RunFolderError, match="--overwrite"):
        run_ablation(tiny(tmp_path, epochs=2, lr=1e-3), ["SA"], seeds=1)
    resumed.clear()
    run_ablation(tiny(tmp_path, epochs=2, lr=1e-3, overwrite=True), ["SA"], seeds=1)
    assert resumed == [None]
