"""DataLoader(num_workers=N): the same batches, random windows included, as num_workers=0."""

import json

import numpy as np
import pytest

from tinysnn.app.cli import main
from tinysnn.data import (
    CIFAR10_CLASSES,
    CIFAR10DVS,
    DataLoader,
    PaperFrames,
    make_events,
    write_aedat2,
)


@pytest.fixture(scope="module")
def cifar_root(tmp_path_factory):
    """A CIFAR10-DVS folder of two recordings per class, 2 s of events each."""
    root = tmp_path_factory.mktemp("CIFAR10DVS")
    rng = np.random.default_rng(7)
    for name in CIFAR10_CLASSES:
        (root / name).mkdir()
        for i in range(2):
            n = 400
            t = np.sort(rng.integers(0, 2_000_000, n))
            events = make_events(rng.integers(0, 128, n), rng.integers(0, 128, n), t,
                                 rng.integers(0, 2, n))
            write_aedat2(root / name / f"cifar10_{name}_{i}.aedat", events)
    return root


def passes(loader, epochs=2):
    return [[(x.copy(), y.copy()) for x, y in loader] for _ in range(epochs)]


def test_workers_give_the_same_batches_random_windows_included(cifar_root):
    def loader(workers, batch_size=3, shuffle=True):
        frames = PaperFrames(train=True, T=4, bin_us=50_000, downsample=8, seed=3)
        data = CIFAR10DVS(cifar_root, train=True, transform=frames)
        return DataLoader(data, batch_size, shuffle=shuffle, seed=5, num_workers=workers)

    serial, parallel = loader(0), loader(2)
    try:
        expected, got = passes(serial), passes(parallel)
    finally:
        parallel.close()
    assert len(expected[0]) == 4 and expected[0][0][0].shape == (4, 3, 2, 16, 16)
    for epoch_expected, epoch_got in zip(expected, got):
        for (x0, y0), (x1, y1) in zip(epoch_expected, epoch_got, strict=True):
            np.testing.assert_array_equal(x0, x1)
            np.testing.assert_array_equal(y0, y1)
    # an item's window comes from (seed, epoch, index): the same in order, one by one
    in_order = [x[:, 0] for x, _ in loader(0, batch_size=1, shuffle=False)]     # epoch 0
    order = np.random.default_rng([5, 0]).permutation(len(in_order))
    for j in range(3):
        np.testing.assert_array_equal(expected[0][0][0][:, j], in_order[order[j]])
    # the windows are random: another epoch frames the same item anew
    again = loader(0, batch_size=1, shuffle=False)
    again.set_epoch(1)
    assert any(not np.array_equal(a[:, 0], b) for (a, _), b in zip(again, in_order))


def test_train_with_loader_workers_gives_the_same_run(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYSNN_CACHE", str(tmp_path / "cache"))
    tiny = ["--epochs", "1", "--T", "2", "--samples-per-class", "2", "--batch-size", "11",
            "--no-progress"]
    runs = {}
    for workers in ("0", "1"):
        out = tmp_path / f"workers{workers}"
        assert main(["train", "--out", str(out), "--loader-workers", workers, *tiny]) == 0
        metrics = json.loads((out / "metrics.json").read_text())
        runs[workers] = [(e["train_loss"], e["test_accuracy"]) for e in metrics["epochs"]]
        runs[workers].append(metrics["spikes_per_sample"])
    assert runs["0"] == runs["1"]
