"""The paper's Gesture protocol in training: the recipe of the preset, voted test clips."""

import json

import numpy as np
import pytest

from tinysnn import Tensor
from tinysnn.app.cli import main
from tinysnn.app.train import TrainConfig, clip_rates, evaluate
from tinysnn.data import make_events, write_aedat31


class ClassFromInput:
    """A stand-in network: each sequence is classified as the value of its first input."""

    def eval(self):
        return self

    def __call__(self, x):                        # x: [T, N, 1, 1, 1] -> one-hot [N, 4]
        return Tensor(np.eye(4, dtype=np.float32)[x.data[0, :, 0, 0, 0].astype(int)])


def test_clips_are_voted_and_counted():
    # two samples of three clips: sample 0 (label 1) gets 1, 1, 2 -> right by the vote;
    # sample 1 (label 3) gets 3, 0, 0 -> wrong; clips right: 3 of 6
    predicted = np.array([[1, 1, 2], [3, 0, 0]], np.float32)          # [B, clips]
    x = predicted.T.reshape(3, 2, 1, 1, 1, 1)                          # [clips, B, T, C, H, W]
    y = np.array([1, 3])
    config = TrainConfig(progress=False)
    rates = clip_rates(ClassFromInput(), x)
    np.testing.assert_array_equal(rates.argmax(axis=2), predicted)
    loss, accuracy, clip_accuracy = evaluate(ClassFromInput(), [(x, y)], config, 4)
    assert (accuracy, clip_accuracy) == (0.5, 0.5)
    # MSE to one-hot, averaged over every clip: 2 wrong outputs of 4 on 3 wrong clips of 6
    assert loss == pytest.approx(3 * 2 / 4 / 6)


def test_the_preset_brings_the_papers_recipe_and_options_override_it():
    paper = TrainConfig(preset="paper-gesture")
    assert (paper.T, paper.epochs, paper.batch_size, paper.lr) == (60, 300, 128, 1e-4)
    assert (paper.scheduler, paper.plateau_factor, paper.plateau_patience) == ("plateau", 0.1, 5)
    assert paper.dataset_options == {"framing": "paper", "bin_us": 15000, "clips": 10}
    mine = TrainConfig(preset="paper-gesture", lr=1e-3, scheduler="cosine",
                       dataset_options={"clips": 4})
    assert (mine.lr, mine.scheduler, mine.epochs) == (1e-3, "cosine", 300)
    assert mine.dataset_options == {"framing": "paper", "bin_us": 15000, "clips": 4}
    default = TrainConfig()
    assert (default.T, default.epochs, default.lr, default.scheduler) == (16, 12, 2e-3, "cosine")


def write_gesture_folder(root, rng):
    """Two training recordings and one test recording of two labelled gestures each."""
    root.mkdir()
    for name in ("user01_led", "user02_led", "user24_led"):
        t = np.sort(rng.integers(0, 2_000_000, 4000))
        events = make_events(rng.integers(0, 128, 4000), rng.integers(0, 128, 4000), t,
                             rng.integers(0, 2, 4000))
        write_aedat31(root / f"{name}.aedat", events)
        (root / f"{name}_labels.csv").write_text(
            "class,startTime_usec,endTime_usec\n1,0,900000\n2,1000000,1990000\n")
    (root / "trials_to_train.txt").write_text("user01_led.aedat\nuser02_led.aedat\n")
    (root / "trials_to_test.txt").write_text("user24_led.aedat\n")


def test_train_dvs128_with_the_paper_preset(tmp_path, monkeypatch):
    write_gesture_folder(tmp_path / "DvsGesture", np.random.default_rng(0))
    monkeypatch.setenv("TINYSNN_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "run"
    assert main(["train", "--dataset", "dvs128", "--data-dir", str(tmp_path / "DvsGesture"),
                 "--preset", "paper-gesture", "--T", "2", "--bin-us", "50000", "--clips", "3",
                 "--epochs", "1", "--batch-size", "4", "--no-progress", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    config = metrics["config"]
    # given on the command line
    assert (config["T"], config["epochs"], config["batch_size"]) == (2, 1, 4)
    assert config["dataset_options"] == {"framing": "paper", "bin_us": 50000, "clips": 3}
    # from the preset's recipe
    assert (config["lr"], config["scheduler"], config["plateau_patience"]) == (1e-4, "plateau", 5)
    assert metrics["test_accuracy"] in (0.0, 0.5, 1.0)                 # two voted gestures
    assert metrics["test_clip_accuracy"] in [k / 6 for k in range(7)]   # six clips
    assert metrics["params"] > 2_000_000                                # the paper's network
