"""Training end to end on a tiny synthetic set: learning, determinism, exact resume."""

import numpy as np
import pytest

from tinysnn.app.checkpoint import load_checkpoint
from tinysnn.app.train import TrainConfig, train

TINY = {"samples_per_class": 3, "test_samples_per_class": 2, "sensor": 16}


def tiny_config(tmp_path, name, random_crop=None, **changes):
    options = dict(TINY, cache=str(tmp_path / "cache"), random_crop=random_crop)
    values = dict(T=4, epochs=2, batch_size=11, lr=5e-3, out=str(tmp_path / name),
                  progress=False, dataset_options=options)
    values.update(changes)
    return TrainConfig(**values)


def test_loss_falls_and_accuracy_rises(tmp_path):
    metrics = train(tiny_config(tmp_path, "learn", epochs=6, attention="TA", lr=2e-3))
    first, last = metrics["epochs"][0], metrics["epochs"][-1]
    assert last["train_loss"] < first["train_loss"]
    assert last["train_accuracy"] > first["train_accuracy"]
    for key in ("test_accuracy", "best_test_accuracy", "spikes_per_sample", "firing_rate",
                "energy_uj_per_sample", "params", "seconds", "layers"):
        assert key in metrics
    assert 0 <= metrics["test_accuracy"] <= 1 and metrics["params"] > 0
    assert {"name", "firing_rate", "spikes_per_sample", "synaptic_ops", "energy_uj"} <= set(
        metrics["layers"][0])


def test_same_seed_same_numbers(tmp_path):
    a = train(tiny_config(tmp_path, "a", attention="CA"))
    b = train(tiny_config(tmp_path, "b", attention="CA"))
    strip = lambda m: [{k: v for k, v in e.items() if k not in ("seconds", "samples_per_second")}
                       for e in m["epochs"]]
    assert strip(a) == strip(b)
    wa, _, _ = load_checkpoint(tmp_path / "a" / "checkpoint.npz")
    wb, _, _ = load_checkpoint(tmp_path / "b" / "checkpoint.npz")
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("random_crop", [None, 0.7])
def test_resume_continues_exactly(tmp_path, monkeypatch, random_crop):
    crop = {"random_crop": random_crop}
    straight = train(tiny_config(tmp_path, "straight", epochs=3, attention="TSA", **crop))

    import tinysnn.app.train as train_module

    real_save = train_module.save_checkpoint

    def save_then_crash(path, model_state, optim_state, meta):  # the run dies after epoch 2
        real_save(path, model_state, optim_state, meta)
        if meta["epoch"] == 2:
            raise Interrupted

    monkeypatch.setattr(train_module, "save_checkpoint", save_then_crash)
    with pytest.raises(Interrupted):
        train(tiny_config(tmp_path, "split", epochs=3, attention="TSA", **crop))
    monkeypatch.setattr(train_module, "save_checkpoint", real_save)
    resumed = train(tiny_config(tmp_path, "split", epochs=3, attention="TSA", **crop,
                                resume=str(tmp_path / "split" / "checkpoint.npz")))
    assert [e["epoch"] for e in resumed["epochs"]] == [1, 2, 3]
    assert resumed["epochs"][-1]["train_loss"] == straight["epochs"][-1]["train_loss"]
    assert resumed["test_accuracy"] == straight["test_accuracy"]
    wa, oa, _ = load_checkpoint(tmp_path / "straight" / "checkpoint.npz")
    wb, ob, _ = load_checkpoint(tmp_path / "split" / "checkpoint.npz")
    assert all(np.array_equal(wa[k], wb[k]) for k in wa)
    assert all(np.array_equal(oa[k], ob[k]) for k in oa)


def test_bad_config_is_refused(tmp_path):
    with pytest.raises(ValueError, match="T must be"):
        train(tiny_config(tmp_path, "bad", T=0))
    with pytest.raises(ValueError, match="attention"):
        train(tiny_config(tmp_path, "bad", attention="XYZ"))
