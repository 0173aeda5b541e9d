"""One source of settings (tinysnn/settings.py), the data set registry and the Dataset base."""

import numpy as np
import pytest

from tinysnn import nn, optim, settings
from tinysnn.app import datasets
from tinysnn.app.cli import parser
from tinysnn.app.config import TrainConfig
from tinysnn.data import Dataset, Digits, PaperFrames, SyntheticGestures
from tinysnn.functional import conv2d
from tinysnn.nn.models import MASNN
from tinysnn.tensor import Tensor
from tinysnn.validate import OutOfRange, WrongType


@pytest.mark.parametrize("name", list(settings.PRESETS))
def test_a_preset_is_one_record_for_its_network_and_its_run(name):
    preset = settings.PRESETS[name]
    config = TrainConfig(preset=name)
    assert config.T == preset.masnn["T"] == preset.framing.T
    assert config.neuron == preset.masnn["neuron"]
    assert (config.epochs, config.lr) == (preset.training["epochs"], preset.training["lr"])
    assert config.dataset_options["bin_us"] == preset.framing.bin_us
    model = MASNN(preset=name, input_size=preset.masnn["input_size"])
    assert {k: model.config[k] for k in preset.masnn} == {
        k: tuple(v) if isinstance(v, tuple) else v for k, v in preset.masnn.items()}


def test_the_defaults_are_read_from_settings():
    assert TrainConfig().T == settings.RUN["T"] == settings.T == MASNN().config["T"]
    frames = PaperFrames(train=False)
    assert (frames.T, frames.bin_us, frames.clips) == (settings.GESTURE.T,
                                                       settings.GESTURE.bin_us,
                                                       settings.GESTURE.clips)
    gait = TrainConfig(dataset="dvs128-gait", data_dir="x").dataset_options
    assert gait == settings.GAIT.options() and gait["random_start"] is False


def test_the_help_quotes_the_defaults_of_settings(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "1000")           # one line per option: no words split
    with pytest.raises(SystemExit):
        parser().parse_args(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    gesture = settings.PRESETS["paper-gesture"].recipe
    assert f"time steps (default {settings.T}; {gesture['T']} with --preset paper-gesture)" \
        in text
    assert f"default {settings.RUN['epochs']}; {gesture['epochs']} with" in text
    assert f"{settings.GAIT.bin_us} for dvs128-gait" in text


class Squares(Dataset):
    classes = ("dim", "bright")

    def __init__(self, n=6, transform=None):
        self.labels = np.arange(n) % 2
        self.transform = transform

    def sample(self, index):
        return np.full((3, 1, 8, 8), 1.0 + self.labels[index], np.float32)


def test_the_dataset_base_checks_the_index_and_applies_the_transform():
    squares = Squares()
    assert len(squares) == 6
    frames, label = squares[np.int64(-1)]                       # the last item, as in a list
    assert label == 1 and frames[0, 0, 0, 0] == 2.0
    for bad, error in ((6, IndexError), (-7, IndexError), (1.0, TypeError), (True, TypeError)):
        with pytest.raises(error, match="Squares: index"):
            squares[bad]
    assert Squares(transform=lambda f: f[:1])[2][0].shape == (1, 1, 8, 8)


@pytest.fixture
def registered():
    before = dict(datasets.DATASETS)
    yield datasets.register_dataset
    datasets.DATASETS.clear()
    datasets.DATASETS.update(before)


def test_a_registered_data_set_is_a_choice_with_its_recipe(registered):
    registered("squares", lambda config, options: (Squares(8), Squares(4)), recipe={"T": 3})
    config = TrainConfig(dataset="squares", batch_size=2).validate()
    assert config.T == 3
    data = datasets.make_datasets(config)
    assert data.frame_shape == (1, 8, 8) and data.num_classes == 2
    assert len(data.train_loader) == 4
    train = parser()._subparsers._group_actions[0].choices["train"]
    assert "squares" in train._option_string_actions["--dataset"].choices


@pytest.mark.parametrize("args, error, match", [
    (("", print), ValueError, "name must be a non-empty word"),
    (("two words", print), ValueError, "name must be a non-empty word"),
    (("squares", "not callable"), TypeError, "build must be a function"),
    (("digits", print), ValueError, "'digits' is registered already"),
])
def test_register_dataset_refuses_what_it_cannot_use(registered, args, error, match):
    with pytest.raises(error, match=match):
        registered(*args)


def test_register_dataset_refuses_a_recipe_with_unknown_settings(registered):
    with pytest.raises(ValueError, match=r"unknown settings \['epochz'\]"):
        registered("squares", print, recipe={"epochz": 3})


@pytest.mark.parametrize("make, error, message", [
    (lambda: Digits(T=0), ValueError, "Digits: T must be an integer >= 1, got 0"),
    (lambda: Digits(T=2.0), TypeError, "Digits: T must be an integer >= 1, got float 2.0"),
    (lambda: Digits(max_rate=0.0), ValueError, r"max_rate must be a finite number in \(0, 1\]"),
    (lambda: PaperFrames(train=True, clips=True), TypeError, "clips must be an integer >= 1, "
                                                             "got bool True"),
    (lambda: MASNN(T=float("nan")), ValueError, "MASNN: T must be an integer >= 1, got float"),
    (lambda: SyntheticGestures(n_per_class=0), ValueError,
     "SyntheticGestures: n_per_class must be an integer >= 1, got 0"),
    (lambda: SyntheticGestures(sensor=32.0), TypeError,
     "SyntheticGestures: sensor must be an integer >= 4, got float 32.0"),
    (lambda: SyntheticGestures(steps=256, duration_us=100), ValueError,
     r"SyntheticGestures: duration_us must be an integer >= 256 \(steps\), got 100"),
    (lambda: SyntheticGestures(noise_hz=-1), ValueError,
     "SyntheticGestures: noise_hz must be a finite number >= 0, got -1"),
    (lambda: nn.SpatialAttention(kernel_size=3.0), TypeError,
     r"SpatialAttention: kernel_size must be an integer >= 1 and odd .* got float 3.0"),
    (lambda: nn.SpatialAttention(kernel_size=2), ValueError,
     r"SpatialAttention: kernel_size must be an integer >= 1 and odd .* got 2"),
    (lambda: nn.Conv2d(2, 4, kernel_size=(3,)), TypeError,
     r"Conv2d: kernel_size must be an integer >= 1 or a pair of them, got tuple \(3,\)"),
    (lambda: nn.Conv2d(2, 4, 3, padding=-1), ValueError,
     "Conv2d: padding must be an integer >= 0 or a pair of them, got -1"),
    (lambda: conv2d(Tensor(np.zeros((1, 2, 5, 5), np.float32)),
                    Tensor(np.zeros((4, 2, 3, 3), np.float32)), stride=(1, 1.5)), TypeError,
     r"conv2d: stride must be an integer >= 1 or a pair of them, got \(1, 1.5\)"),
    (lambda: _adam().load_state_dict({"lr": 0.1, "step_count": 2.5}), ValueError,
     "Adam.load_state_dict: step_count must be a whole number >= 0, got 2.5"),
    (lambda: _plateau().load_state_dict({"epoch": "x", "best": 1.0, "bad_epochs": 0}), TypeError,
     "ReduceLROnPlateau.load_state_dict: epoch must be a whole number >= 0, got str 'x'"),
    (lambda: _plateau().load_state_dict({"epoch": 1, "best": float("nan"), "bad_epochs": 0}),
     ValueError, r"ReduceLROnPlateau.load_state_dict: best must be a number \(not NaN\)"),
])
def test_numbers_are_checked_by_one_module_with_one_wording(make, error, message):
    with pytest.raises(error, match=message) as caught:
        make()
    assert isinstance(caught.value, (WrongType, OutOfRange))


def _adam():
    return optim.Adam([nn.Parameter(np.ones(3))], lr=0.1)


def _plateau():
    return optim.ReduceLROnPlateau(_adam())


def test_saved_progress_may_come_back_as_whole_floats_and_an_infinite_best():
    opt, scheduler = _adam(), _plateau()
    opt.load_state_dict({"lr": 0.1, "step_count": np.float64(3.0)})
    scheduler.load_state_dict({"epoch": 2.0, "best": float("inf"), "bad_epochs": np.int64(1)})
    assert (opt.step_count, scheduler.epoch, scheduler.bad_epochs) == (3, 2, 1)
    assert type(opt.step_count) is int and type(scheduler.epoch) is int
    assert scheduler.best == float("inf")
