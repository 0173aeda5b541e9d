"""Resuming a run: extending a finished run trains, a checkpoint is data (never instructions),
and a damaged one is refused with one line naming what is wrong."""

import json
import math
import os

import numpy as np
import pytest

from tinysnn import optim
from tinysnn.app.checkpoint import FORMAT, load_checkpoint
from tinysnn.app.cli import main
from tinysnn.app.train import TrainConfig, TrainingDiverged, train

TINY = {"samples_per_class": 3, "test_samples_per_class": 2, "sensor": 16}


def tiny(tmp_path, name, **changes):
    values = dict(T=4, epochs=2, batch_size=11, lr=5e-3, out=str(tmp_path / name),
                  progress=False, attention="no",
                  dataset_options=dict(TINY, cache=str(tmp_path / "cache")))
    values.update(changes)
    return TrainConfig(**values)


def cosine(base, epoch, horizon):
    return base * (1 + math.cos(math.pi * epoch / horizon)) / 2


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished 2-epoch run: its cosine schedule ended at lr 0."""
    root = tmp_path_factory.mktemp("resume")
    train(tiny(root, "run"))
    return root


def test_extending_a_finished_run_continues_the_schedule_and_trains(finished, tmp_path):
    ckpt = str(finished / "run" / "checkpoint.npz")
    assert load_checkpoint(ckpt)[1]["lr"] == 0.0      # the finished schedule's last value
    before = load_checkpoint(ckpt)[0]
    config = tiny(finished, "run", epochs=4, resume=ckpt, out=str(tmp_path / "longer"))
    metrics = train(config)
    lrs = [e["lr"] for e in metrics["epochs"]]
    assert lrs[:2] == [5e-3, cosine(5e-3, 1, 2)]           # the epochs trained before
    assert lrs[2:] == [cosine(5e-3, 2, 4), cosine(5e-3, 3, 4)]   # over the new horizon of 4
    after = load_checkpoint(tmp_path / "longer" / "checkpoint.npz")[0]
    assert any(not np.array_equal(before[k], after[k]) for k in before if "weight" in k)


@pytest.mark.parametrize("scheduler", ["cosine", "plateau", "none"])
def test_an_lr_given_again_on_resume_is_applied(tmp_path, scheduler):
    first = train(tiny(tmp_path, "a", scheduler=scheduler, epochs=1))
    assert first["epochs"][0]["lr"] == 5e-3
    ckpt = str(tmp_path / "a" / "checkpoint.npz")
    resumed = train(tiny(tmp_path, "a", scheduler=scheduler, epochs=2, lr=1e-3, resume=ckpt))
    expected = cosine(1e-3, 1, 2) if scheduler == "cosine" else 1e-3
    assert resumed["epochs"][1]["lr"] == pytest.approx(expected)
    assert resumed["config"]["lr"] == 1e-3


def test_a_run_already_done_is_not_extended_silently(finished):
    ckpt = str(finished / "run" / "checkpoint.npz")
    with pytest.raises(ValueError, match=r"has already trained 2 epochs; give --epochs"):
        train(tiny(finished, "run", epochs=2, resume=ckpt))


def test_a_non_finite_loss_stops_training_and_keeps_the_last_good_checkpoint(tmp_path,
                                                                            monkeypatch):
    import tinysnn.app.train as train_module

    real_loss, calls = train_module.loss_fn, []

    def nan_at_epoch_2_step_2(kind, rates, labels, num_classes):
        loss = real_loss(kind, rates, labels, num_classes)
        calls.append(rates.requires_grad)
        if sum(calls) == 5:  # 3 training batches per epoch: epoch 2, step 2
            loss = loss * float("nan")
        return loss

    monkeypatch.setattr(train_module, "loss_fn", nan_at_epoch_2_step_2)
    with pytest.raises(TrainingDiverged) as stop:
        train(tiny(tmp_path, "run", epochs=3))
    path = tmp_path / "run" / "checkpoint.npz"
    assert str(stop.value) == (f"epoch 2, step 2: the loss is nan (lr {cosine(5e-3, 1, 3):g}); "
                               f"training stopped; {path} (epoch 1) is kept")
    assert load_checkpoint(path)[2]["epoch"] == 1
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_a_weight_that_overflows_stops_the_run_instead_of_training_on_nan(tmp_path,
                                                                          monkeypatch):
    step = optim.Adam.step

    def overflowing_step(self):             # as a step far too large would (lr is bounded)
        step(self)
        self.params[0].data[...] = np.inf

    monkeypatch.setattr(optim.Adam, "step", overflowing_step)
    with pytest.raises(TrainingDiverged, match=r"epoch 1.*(the loss is nan|became NaN)"):
        train(tiny(tmp_path, "run", epochs=1))


# ------------------------------------------------------------------ crafted checkpoints
def rewrite(source, target, meta=None, drop=(), arrays=None):
    """A copy of checkpoint ``source`` with its metadata changed by ``meta(meta)``, arrays
    dropped or replaced; written with np.savez as an attacker would."""
    with np.load(source, allow_pickle=False) as archive:
        contents = {name: archive[name] for name in archive.files}
    document = json.loads(str(contents["meta.json"]))
    if meta is not None:
        document = meta(document)
    contents["meta.json"] = np.array(json.dumps(document))
    for name in drop:
        contents.pop(name)
    contents.update(arrays or {})
    np.savez(target, **contents)
    return str(target)


def without(key):
    return lambda m: {k: v for k, v in m.items() if k != key}


def with_config(**changes):
    return lambda m: {**m, "config": {**m["config"], **changes}}


CRAFTED = {
    "no config": (without("config"), "metadata lacks 'config'"),
    "no epoch": (without("epoch"), "metadata lacks 'epoch'"),
    "no history": (without("history"), "metadata lacks 'history'"),
    "no rng": (without("rng"), "metadata lacks 'rng'"),
    "meta a list": (lambda m: [m], "metadata is a list, expected a JSON object"),
    "T a string": (with_config(T="4"), "config: T must be an integer >= 1, got '4'"),
    "T missing": (lambda m: {**m, "config": without("T")(m["config"])}, "config lacks ['T']"),
    "lr nan": (with_config(lr=float("nan")), "config: lr must be a finite number in (0, 10]"),
    "epoch a string": (lambda m: {**m, "epoch": "2"}, "epoch must be an integer >= 1"),
    "short history": (lambda m: {**m, "history": m["history"][:1]}, "a history of 1 epochs"),
    "bad rng": (lambda m: {**m, "rng": {"bit_generator": "PCG64", "state": 3}},
                "rng: not a valid PCG64 state"),
    "foreign rng": (lambda m: {**m, "rng": {"bit_generator": "MT19937"}},
                    "rng: expected the state of a PCG64 generator"),
    "bad scheduler": (lambda m: {**m, "scheduler": {"epoch": "x"}},
                      "scheduler.epoch must be an integer >= 0, got 'x'"),
    "NaN in scheduler": (lambda m: {**m, "scheduler": {"epoch": 2, "best": float("nan")}},
                         "scheduler.best must be a finite number"),
    "unknown option": (with_config(dataset_options={"evil": 1}), "unknown keys ['evil']"),
}


@pytest.mark.parametrize("case", CRAFTED, ids=list(CRAFTED))
@pytest.mark.parametrize("command", ["train", "eval"])
def test_crafted_metadata_is_refused_in_one_line(finished, tmp_path, capsys, case, command):
    change, message = CRAFTED[case]
    bad = rewrite(finished / "run" / "checkpoint.npz", tmp_path / "bad.npz", meta=change)
    argv = ["train", "--resume", bad, "--epochs", "3"] if command == "train" else ["eval", bad]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "bad.npz" in err and message in err and "\n" not in err, err


ARRAYS = {
    "missing weight": (dict(drop=["model/classifier.0.fc.weight"]), "missing keys"),
    "foreign weight": (dict(arrays={"model/evil": np.zeros(3)}), "unexpected keys ['evil']"),
    "weight of another shape": (dict(arrays={"model/classifier.0.fc.weight": np.zeros((2, 2))}),
                                "classifier.0.fc.weight has shape (2, 2)"),
    "NaN weight": (dict(arrays={"model/classifier.0.fc.bias": np.full(11, np.nan, np.float32)}),
                   "model/classifier.0.fc.bias must hold finite numbers"),
    "text weight": (dict(arrays={"model/classifier.0.fc.bias": np.array(["a"] * 11)}),
                    "model/classifier.0.fc.bias must hold finite numbers"),
    "no lr": (dict(drop=["optim/lr"]), "the state has no 'lr' entry"),
    "optimizer index out of range": (dict(arrays={"optim/state.999.m": np.zeros(3)}),
                                     "state.999.m is for parameter 999"),
    "optimizer state of another shape": (dict(arrays={"optim/state.0.m": np.zeros(7)}),
                                         "state.0.m has shape (7,)"),
}


def test_a_crafted_transform_state_is_refused_when_it_is_used(finished, tmp_path, capsys):
    bad = rewrite(finished / "run" / "checkpoint.npz", tmp_path / "bad.npz",
                  meta=lambda m: {**m, "transform": {"rng": 1}})
    assert main(["train", "--resume", bad, "--epochs", "3", "--no-progress"]) == 2
    assert "bad.npz: expected the state of a PCG64" in capsys.readouterr().err


@pytest.mark.parametrize("case", ARRAYS, ids=list(ARRAYS))
def test_crafted_arrays_are_refused_in_one_line(finished, tmp_path, capsys, case):
    changes, message = ARRAYS[case]
    bad = rewrite(finished / "run" / "checkpoint.npz", tmp_path / "bad.npz", **changes)
    assert main(["train", "--resume", bad, "--epochs", "3", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert "bad.npz" in err and message in err and "\n" not in err, err
    assert not (tmp_path / "metrics.json").exists()


def test_a_resume_writes_only_into_its_own_folder_and_reads_no_cache_from_the_file(
        finished, tmp_path, monkeypatch):
    elsewhere, cache = tmp_path / "elsewhere", tmp_path / "their-cache"
    folder = tmp_path / "resumed"
    folder.mkdir()
    bad = rewrite(finished / "run" / "checkpoint.npz", folder / "checkpoint.npz",
                  meta=with_config(out=str(elsewhere), resume=str(elsewhere / "x.npz"),
                                   overwrite=True,
                                   dataset_options={**TINY, "cache": str(cache)}))
    monkeypatch.setenv("TINYSNN_CACHE", str(finished / "cache"))
    assert main(["train", "--resume", bad, "--epochs", "3", "--no-progress"]) == 0
    assert not elsewhere.exists() and not cache.exists()
    assert sorted(os.listdir(folder)) == [".tinysnn-lock", "checkpoint.npz", "metrics.json"]
    assert json.loads((folder / "metrics.json").read_text())["config"]["out"] == str(folder)


def test_a_resume_into_another_run_needs_overwrite(finished, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "metrics.json").write_text("{}")
    ckpt = str(finished / "run" / "checkpoint.npz")
    assert main(["train", "--resume", ckpt, "--epochs", "3", "--out", str(other)]) == 2
    err = capsys.readouterr().err
    assert "holds a run of its own" in err and "--out" in err and "--overwrite" in err


#: every setting that shapes the network, written out here (not read from MODEL_FIELDS, so that
#: a field dropped from it is caught), with another value for it on the command line
OTHER_MODEL = {"dataset": ["--dataset", "digits"], "model": ["--model", "attres18"],
               "attention": ["--attention", "TA"], "preset": ["--preset", "paper-gesture"],
               "T": ["--T", "8"], "neuron": ["--neuron", "lif"]}


@pytest.mark.parametrize("field", sorted(OTHER_MODEL))
def test_a_resume_with_another_model_setting_is_refused_naming_it(finished, capsys, field):
    ckpt = str(finished / "run" / "checkpoint.npz")
    assert main(["train", "--resume", ckpt, "--epochs", "3", *OTHER_MODEL[field]]) == 2
    err = capsys.readouterr().err.strip()
    assert f"cannot resume {ckpt} with other model settings (" in err
    assert f"{field}: " in err and "\n" not in err


def test_the_format_is_checked_first(finished, tmp_path, capsys):
    bad = rewrite(finished / "run" / "checkpoint.npz", tmp_path / "bad.npz",
                  meta=lambda m: {**m, "format": "other"})
    assert main(["eval", bad]) == 2
    assert f"format 'other', expected {FORMAT!r}" in capsys.readouterr().err
