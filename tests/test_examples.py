"""The documented examples (examples/my_surrogate.py, examples/my_neuron.py): their surrogate and
neuron, written outside tinysnn, build the paper's network and take a training step."""

import importlib
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
