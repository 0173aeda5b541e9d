"""The documented examples (examples/my_surrogate.py, my_neuron.py, my_dataset.py): their
surrogate, neuron and data set, written outside tinysnn, build the paper's network and train it."""

import importlib
import json
import math
import sys
import warnings
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


def _example(name):
    sys.path.insert(0, str(EXAMPLES))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(EXAMPLES))


def tiny_masnn(attention):
    return ts.models.MASNN(attention=attention, T=4, input_size=8, channels=(4, 4),
                           pools=(2, 2), hidden=(8,))


def test_my_attention_plugs_into_masnn_the_monitor_and_the_plots():
    from tinysnn.app.plot import record_batch

    my_attention = _example("my_attention")
    model = tiny_masnn(my_attention.channel_gates)
    assert model.config["attention"] == "channel_gates"
    x = ts.Tensor(np.random.default_rng(0).random((4, 3, 2, 8, 8)).astype(np.float32) * 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # the monitor knows what it costs
        with ts.Monitor(model) as monitor:
            loss = F.mse_loss(model(x), ts.Tensor(np.eye(11, dtype=np.float32)[[0, 5, 9]]))
    loss.backward()
    assert np.abs(model.features[0].attention.w.grad).sum() > 0   # the gates learn
    rows = {r["name"]: r for r in monitor.attention_layers()}
    # one multiply per element of a sample: T x C x H x W after conv 0 + pool 2, T x L after FC
    assert rows["features.0.attention"]["macs"] == 4 * 4 * 4 * 4
    assert rows["classifier.1.attention"]["macs"] == 4 * 11
    assert {tuple(r["branches"]) for r in rows.values()} == {("gate",)} and len(rows) == 4
    gates = record_batch(model, x.numpy())["gates"]
    assert gates["features.1.attention"]["channel"].shape == (3, 4)


class SilentGate(ts.nn.Module):
    """An attention module that does not say what it costs."""

    def forward(self, x):
        return x * 0.5


def test_an_attention_module_without_ops_is_warned_about_never_counted_as_free():
    model = tiny_masnn(lambda T, C, fc: None if fc else SilentGate())
    x = ts.Tensor(np.ones((4, 2, 2, 8, 8), np.float32))
    with pytest.warns(RuntimeWarning) as caught:
        monitor = ts.Monitor(model).attach()
    assert [str(w.message)[:76] for w in caught] == [
        f"Monitor: the attention module features.{i}.attention (SilentGate) does not say"
        for i in (0, 1)]
    with ts.no_grad():
        model(x)
    rows = monitor.attention_layers()
    assert [r["name"] for r in rows] == ["features.0.attention", "features.1.attention"]
    assert all(math.isnan(r["energy_uj"]) for r in rows)
    assert math.isnan(monitor.summary()["attention_energy_uj_per_sample"])


def test_masnn_refuses_an_attention_callable_that_builds_no_module():
    with pytest.raises(TypeError, match="attention\\(T, C, fc\\) must return an nn.Module or "
                                        "None, got int"):
        tiny_masnn(lambda T, C, fc: 3)
