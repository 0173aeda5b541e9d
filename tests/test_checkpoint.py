"""Checkpoints: atomic writes, no pickle, clear errors for damaged files."""

import os

import numpy as np
import pytest

from tinysnn.app.checkpoint import CheckpointError, load_checkpoint, save_checkpoint


def test_round_trip(tmp_path):
    path = tmp_path / "ck.npz"
    model = {"a.weight": np.arange(6, dtype=np.float32).reshape(2, 3), "a.bias": np.ones(2)}
    optim = {"lr": 0.1, "state.0.m": np.zeros(3)}
    save_checkpoint(path, model, optim, {"epoch": 3, "history": [{"x": 1.5}]})
    m, o, meta = load_checkpoint(path)
    assert m.keys() == model.keys()
    assert all(np.array_equal(m[k], model[k]) and m[k].dtype == model[k].dtype for k in model)
    assert float(o["lr"]) == 0.1 and meta["epoch"] == 3 and meta["history"] == [{"x": 1.5}]


def test_no_temporary_files_are_left(tmp_path):
    save_checkpoint(tmp_path / "ck.npz", {"w": np.zeros(2)})
    assert os.listdir(tmp_path) == ["ck.npz"]


def test_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "ck.npz"
    save_checkpoint(path, {"w": np.zeros(1000)})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="ck.npz"):
        load_checkpoint(path)


def test_garbage_and_foreign_files_are_refused(tmp_path):
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file at all")
    with pytest.raises(CheckpointError, match="garbage.npz"):
        load_checkpoint(garbage)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, w=np.zeros(3))
    with pytest.raises(CheckpointError, match="not a tinysnn checkpoint"):
        load_checkpoint(foreign)
    with pytest.raises(CheckpointError, match="no such file"):
        load_checkpoint(tmp_path / "missing.npz")


def test_pickled_objects_are_never_loaded(tmp_path):
    path = tmp_path / "pickled.npz"
    np.savez(path, **{"meta.json": np.array('{"format": "tinysnn-checkpoint-1"}'),
                      "model/w": np.array([{"evil": 1}], dtype=object)})
    with pytest.raises(CheckpointError, match="pickled.npz"):
        load_checkpoint(path)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    from tinysnn.atomic import atomic_open

    path = tmp_path / "metrics.json"
    path.write_text("old")
    with pytest.raises(RuntimeError), atomic_open(path, "w") as f:
        f.write("half of the new")
        raise RuntimeError("crash in the middle of writing")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["metrics.json"]
