"""A neuron and a surrogate of a user's own, defined here and not in tinysnn, train in MASNN.

This is the promise of the open engine: subclass nn.Neuron (charge with tinysnn ops and your
own Parameters), pass any object with derivative(u) as the surrogate, and the paper's network,
the Monitor and the plots take it like a built-in neuron.
"""

import numpy as np
import pytest

from tinysnn import Tensor, nn, optim
from tinysnn import functional as F
from tinysnn.app.plot import membrane_of, record_sample
from tinysnn.nn.models import MASNN
from tinysnn.nn.monitor import Monitor


class SoftPlusSlope:
    """A surrogate of the user's: psi(u) = k sigmoid(k u) (1 - sigmoid(k u)), as plain NumPy."""

    def __init__(self, k=4.0):
        self.k = k

    def derivative(self, u):
        s = 1 / (1 + np.exp(-self.k * u))
        return self.k * s * (1 - s)


class GatedLeak(nn.Neuron):
    """H = sigmoid(a) V + g X: a leak and an input gain, both learnt, shared by the layer."""

    def __init__(self):
        # a low threshold: the untrained attention gates scale the current down
        super().__init__(threshold=0.1, reset="soft", surrogate=SoftPlusSlope())
        self.a = nn.Parameter(np.zeros(1, np.float32))
        self.gain = nn.Parameter(np.ones(1, np.float32))

    def charge(self, v, x):
        return self.a.sigmoid() * v + self.gain * x


def small_masnn(neuron):
    return MASNN(attention="TCSA", T=4, input_size=8, channels=(4, 4), pools=(2, 2), hidden=(8,),
                 reduction_t=2, reduction_c=2, neuron=neuron)


def batch():
    rng = np.random.default_rng(0)
    x = Tensor(rng.random((4, 3, 2, 8, 8)).astype(np.float32) * 3)
    return x, Tensor(np.eye(11, dtype=np.float32)[[1, 4, 9]])


def test_a_users_neuron_trains_a_step_inside_masnn():
    model = small_masnn(GatedLeak)
    neurons = [m for m in model.modules() if isinstance(m, GatedLeak)]
    assert len(neurons) == 4  # 2 conv layers, 1 hidden and the output layer
    x, y = batch()
    loss = F.mse_loss(model(x), y)
    assert np.isfinite(loss.item())
    loss.backward()
    for neuron in neurons:
        assert np.all(np.isfinite(neuron.a.grad)) and np.abs(neuron.a.grad).sum() > 0
        assert np.all(np.isfinite(neuron.gain.grad)) and np.abs(neuron.gain.grad).sum() > 0
    before = [n.gain.data.copy() for n in neurons]
    optim.Adam(model.parameters(), lr=1e-2).step()
    assert any(not np.array_equal(b, n.gain.data) for b, n in zip(before, neurons))
    assert "features.0.lif.gain" in model.state_dict()


def test_built_in_neurons_and_a_users_surrogate_drop_in_too():
    for make in (lambda: nn.ParametricLIF(surrogate=SoftPlusSlope()), nn.IF,
                 lambda: nn.AdaptiveLIF(threshold=0.5)):
        model = small_masnn(make)
        x, y = batch()
        F.mse_loss(model(x), y).backward()
        grads = [p.grad for p in model.parameters()]
        assert all(g is not None and np.all(np.isfinite(g)) for g in grads)


def test_the_monitor_and_the_plots_see_a_users_neuron():
    model = small_masnn(GatedLeak)
    x, _ = batch()
    with Monitor(model) as monitor:
        model(x)
    rows = monitor.layers()
    assert [r["name"] for r in rows] == ["features.0", "features.1", "classifier.0",
                                         "classifier.1"]
    assert all(r["spikes_per_sample"] > 0 for r in rows)
    record = record_sample(model, x.data[:, :1])
    assert set(record["neuron"]) == {f"{r['name']}.lif" for r in rows}
    neuron = record["neuron"]["features.0.lif"]
    h = membrane_of(neuron, record["current"]["features.0.lif"])
    np.testing.assert_array_equal(h >= neuron.threshold, record["spikes"]["features.0.lif"] > 0)


def test_what_is_not_a_neuron_is_refused_by_name():
    with pytest.raises(TypeError, match=r"neuron\(\) must return an nn.Neuron.*got Linear"):
        small_masnn(lambda: nn.Linear(2, 2))
    with pytest.raises(ValueError, match=r"neuron must be one of \['paper'.* or a callable"):
        small_masnn("izhikevich")
