"""The documented examples (examples/my_surrogate.py, my_neuron.py, my_dataset.py): their
surrogate, neuron and data set, written outside tinysnn, build the paper's network and train it."""

import importlib
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import tinysnn as ts
from tinysnn import functional as F

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def examples():
    sys.path.insert(0, str(EXAMPLES))
    try:
        yield importlib.import_module("my_surrogate"), importlib.import_module("my_neuron")
    finally:
        sys.path.remove(str(EXAMPLES))


def test_the_gaussian_surrogate_is_a_bump_of_area_1(examples):
    gaussian = examples[0].Gaussian(sigma=0.25)
    u = np.linspace(-3, 3, 60001)
    psi = gaussian.derivative(u)
    assert psi.sum() * (u[1] - u[0]) == pytest.approx(1.0, rel=1e-6)
    assert psi.max() == pytest.approx(1 / (0.25 * math.sqrt(2 * math.pi)))


@pytest.mark.parametrize("which", ["surrogate", "neuron"])
def test_each_example_trains_a_step_in_masnn(examples, which):
    my_surrogate, my_neuron = examples
    neuron = (my_neuron.GatedLeak if which == "neuron"
              else lambda: ts.nn.LIF.paper(surrogate=my_surrogate.Gaussian()))
    # without attention: the untrained gates of a tiny random network would leave it silent
    model = ts.models.MASNN(attention="no", T=4, input_size=8, channels=(4, 4), pools=(2, 2),
                            hidden=(8,), neuron=neuron)
    x = ts.Tensor(np.random.default_rng(0).random((4, 3, 2, 8, 8)).astype(np.float32) * 3)
    loss = F.mse_loss(model(x), ts.Tensor(np.eye(11, dtype=np.float32)[[0, 5, 9]]))
    loss.backward()
    assert np.isfinite(loss.item())
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and np.all(np.isfinite(g)) for g in grads)
    assert np.abs(model.features[0].conv.weight.grad).sum() > 0  # BPTT reached the first layer
    if which == "neuron":
        assert np.abs(model.features[0].lif.a.grad).sum() > 0


def test_my_dataset_is_a_dataset_with_the_bases_index_check_and_transform():
    sys.path.insert(0, str(EXAMPLES))
    try:
        my_dataset = importlib.import_module("my_dataset")
    finally:
        sys.path.remove(str(EXAMPLES))
    bars = my_dataset.MovingBars(train=False, T=8, per_class=2)
    frames, label = bars[-1]
    assert frames.shape == (8, 2, 16, 16) and label == 3 and len(bars) == 8
    with pytest.raises(IndexError, match="MovingBars: index 8 out of range for 8 items"):
        bars[8]
    doubled = my_dataset.MovingBars(train=False, T=8, per_class=2, transform=lambda f: 2 * f)
    np.testing.assert_array_equal(doubled[5][0], 2 * bars[5][0])


def test_my_dataset_trains_from_the_command_line(tmp_path, capsys):
    sys.path.insert(0, str(EXAMPLES))
    try:
        my_dataset = importlib.import_module("my_dataset")
    finally:
        sys.path.remove(str(EXAMPLES))
    out = tmp_path / "bars"
    status = my_dataset.main(["train", "--dataset", "moving-bars", "--epochs", "1", "--T", "8",
                              "--no-progress", "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["dataset"] == "moving-bars" and len(metrics["epochs"]) == 1
    assert metrics["layers"][-1]["dense_ops_per_step"] == 128 * 4   # FC 128 -> the 4 classes
