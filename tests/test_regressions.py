"""Regression tests for bugs found in review: each would fail on the code before its fix."""

import numpy as np
import pytest

from tinysnn import Tensor, optim
from tinysnn import functional as F
from tinysnn.app.plot import membrane_of
from tinysnn.nn import LIF, BatchNorm2d, Flatten, Linear, Parameter, Sequential
from tinysnn.nn.models import MASNN
from tinysnn.nn.monitor import Monitor


def test_explicit_arguments_override_a_preset():
    model = MASNN(attention="no", preset="paper-gesture", T=8, num_classes=5, input_size=16)
    assert model.config["T"] == 8 and model.config["num_classes"] == 5
    assert model.config["channels"] == (64, 128, 128)  # the rest still comes from the preset


def test_resuming_a_cosine_schedule_with_more_epochs_keeps_decaying():
    opt = optim.SGD([Parameter(np.zeros(1))], lr=1.0)
    first = optim.CosineAnnealingLR(opt, T_max=3)
    for _ in range(3):
        first.step()
    longer = optim.CosineAnnealingLR(optim.SGD([Parameter(np.zeros(1))], lr=1.0), T_max=6)
    longer.load_state_dict(first.state_dict())
    longer.step()
    assert longer.epoch == 4 and longer.T_max == 6
    assert longer.optimizer.lr == pytest.approx((1 + np.cos(np.pi * 4 / 6)) / 2)


def test_reassigned_buffer_stays_in_the_state_dict():
    bn = BatchNorm2d(3)
    bn.running_mean = np.full(3, 2.0, np.float32)
    assert "running_mean" in bn.state_dict() and bn.state_dict()["running_mean"][0] == 2.0


def test_array_types_of_other_backends_are_kept_as_they_are():
    class FakeDeviceArray:  # stands in for a CuPy array: same module name, no __array__
        __module__ = "cupy._core.core"
        dtype, shape, ndim = np.dtype(np.float32), (2,), 1

    fake = FakeDeviceArray()
    assert Tensor(fake).data is fake


def test_numpy_scalars_keep_their_dtype():
    assert Tensor(np.float64(1.5)).dtype == np.float64


def test_flatten_refuses_axes_a_tensor_does_not_have():
    with pytest.raises(ValueError, match="flatten: cannot merge axes 2"):
        Flatten()(Tensor(np.zeros((2, 3))))


def test_lif_names_unsupported_dtypes():
    with pytest.raises(TypeError, match="float32 or float64, got dtype float16"):
        F.lif(Tensor(np.zeros((2, 3), np.float16)))


def test_membrane_plot_data_includes_decay_input():
    lif = LIF(tau=2.0, decay_input=True)
    current = np.full((3, 1), 1.5)
    h = membrane_of(lif, current)  # the layer feeds X / tau = 0.75 per step
    np.testing.assert_allclose(h[:, 0], [0.75, 1.125, 0.75])  # fires at step 1 (H >= 1)


def test_attaching_a_monitor_twice_counts_once():
    net = Sequential(Linear(2, 2), LIF())
    monitor = Monitor(net)
    monitor.attach()
    monitor.attach()
    net(Tensor(np.ones((1, 1, 2), np.float32)))
    monitor.detach()
    assert monitor.neurons[0].samples == 1
