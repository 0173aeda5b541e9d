"""Runs of the paper's other experiments: settings by data set, model and preset; DVS128 Gait
and CIFAR10-DVS from folders in their published layout, end to end through the command line."""

import json

import numpy as np
import pytest

from tinysnn import Tensor
from tinysnn.app.cli import main
from tinysnn.app.datasets import make_datasets
from tinysnn.app.train import TrainConfig, build_model
from tinysnn.data import CIFAR10_CLASSES, make_events, write_aedat2, write_event_text
from tinysnn.nn.models import MASNN, AttResSNN


def recording(rng, n, duration_us):
    t = np.sort(rng.integers(0, duration_us, n))
    return make_events(rng.integers(0, 128, n), rng.integers(0, 128, n), t, rng.integers(0, 2, n))


@pytest.fixture(scope="module")
def gait_root(tmp_path_factory):
    """train/ and test/ with classes 0 and 7; recordings of 3 s and 6 s."""
    root = tmp_path_factory.mktemp("gait")
    rng = np.random.default_rng(0)
    for split, per_class in (("train", 3), ("test", 1)):
        for label in (0, 7):
            folder = root / split / str(label)
            folder.mkdir(parents=True)
            for i in range(per_class):
                write_event_text(folder / f"{i}.txt",
                                 recording(rng, 400, (3 + 3 * (i % 2)) * 1_000_000))
    return root


@pytest.fixture(scope="module")
def cifar_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("cifar")
    rng = np.random.default_rng(1)
    for name in CIFAR10_CLASSES:
        (root / name).mkdir()
        for i in range(10):
            write_aedat2(root / name / f"cifar10_{name}_{i}.aedat", recording(rng, 60, 1_300_000))
    return root


# ------------------------------------------------------------------ settings
def test_each_data_set_brings_the_authors_framing():
    gait = TrainConfig(dataset="dvs128-gait")
    assert gait.T == 8 and gait.dataset_options == {"framing": "paper", "bin_us": 500_000,
                                                    "clips": 1, "random_start": False}
    cifar = TrainConfig(dataset="cifar10dvs")
    assert cifar.T == 20 and cifar.dataset_options == {"framing": "paper", "bin_us": 10_000,
                                                       "clips": 10}
    assert (gait.epochs, gait.lr, cifar.neuron) == (12, 2e-3, "paper")   # tinysnn's defaults


@pytest.mark.parametrize("preset, epochs, lr, neuron", [("paper-gait", 100, 1e-3, "paper"),
                                                        ("paper-cifar10dvs", 300, 1e-3,
                                                         "paper-cifar10dvs")])
def test_presets_bring_the_authors_recipe(preset, epochs, lr, neuron):
    config = TrainConfig(preset=preset)
    assert (config.epochs, config.batch_size, config.lr, config.scheduler, config.loss) == (
        epochs, 128, lr, "plateau", "mse")
    assert config.neuron == neuron
    assert TrainConfig(preset=preset, lr=0.01, epochs=2).lr == 0.01    # what is given wins


def test_attres_runs_on_digit_images_at_one_step_with_csa():
    config = TrainConfig(model="attres18", dataset="digits")
    assert (config.T, config.attention, config.loss) == (1, "CSA", "ce")
    assert config.dataset_options == {"encoding": "image", "size": 32}
    assert TrainConfig(model="attres18", dataset="digits", T=4, attention="no").T == 4
    data = make_datasets(config)
    assert data.frame_shape == (1, 32, 32)
    model = build_model(config, data)
    assert isinstance(model, AttResSNN) and model.config["in_channels"] == 1
    x, _ = next(iter(data.test_loader))
    assert model.eval()(Tensor(x)).shape == (32, 10)


def test_attres_refuses_the_masnn_controls():
    with pytest.raises(ValueError, match="attention must be one of"):
        TrainConfig(model="attres18", attention="const-gate").validate()


# ------------------------------------------------------------------ data through the run
def test_gait_frames_are_the_first_four_seconds_in_train_and_test(gait_root):
    config = TrainConfig(dataset="dvs128-gait", data_dir=str(gait_root), batch_size=2)
    data = make_datasets(config)
    assert (len(data.train_set), len(data.test_set), data.clips) == (6, 2, 1)
    frames, label = data.train_set[0]
    clips, test_label = data.test_set[0]
    assert frames.shape == (8, 2, 128, 128) and clips.shape == (1, 8, 2, 128, 128)
    assert (label, test_label) == (0, 0)
    events = data.train_set.files[0]
    assert frames.sum() == len(np.loadtxt(events, ndmin=2))   # 3 s recording: all in 4 s
    again, _ = data.train_set[0]
    np.testing.assert_array_equal(again, frames)               # no random start
    model = build_model(TrainConfig(dataset="dvs128-gait", preset="paper-gait"), data)
    assert isinstance(model, MASNN) and model.num_parameters() == 2_188_601


def test_cifar_frames_are_random_windows_and_ten_clips(cifar_root):
    data = make_datasets(TrainConfig(dataset="cifar10dvs", data_dir=str(cifar_root)))
    assert (len(data.train_set), len(data.test_set), data.clips) == (90, 10, 10)
    frames, _ = data.train_set[4]
    clips, label = data.test_set[3]
    assert frames.shape == (20, 2, 128, 128) and clips.shape == (10, 20, 2, 128, 128)
    assert label == 3 and data.num_classes == 10


@pytest.mark.parametrize("dataset", ["dvs128-gait", "cifar10dvs"])
def test_train_from_the_command_line(dataset, gait_root, cifar_root, tmp_path, capsys):
    root = gait_root if dataset == "dvs128-gait" else cifar_root
    out = tmp_path / "run"
    argv = ["train", "--dataset", dataset, "--data-dir", str(root), "--T", "2", "--epochs", "1",
            "--batch-size", "16", "--clips", "2", "--no-progress", "--out", str(out)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TINYSNN_CACHE", str(tmp_path / "cache"))
        assert main(argv) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["dataset"] == dataset and metrics["config"]["T"] == 2
    assert 0 <= metrics["test_accuracy"] <= 1


def test_a_real_data_set_without_its_folder_is_one_line(capsys):
    assert main(["train", "--dataset", "cifar10dvs"]) == 2
    assert "dataset cifar10dvs needs data_dir (--data-dir)" in capsys.readouterr().err
