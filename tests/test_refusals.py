"""Bad arguments to the API are refused where they enter, with a message that names them, and
a refused load changes nothing (no ZeroDivisionError, KeyError or Numba error from inside)."""

import math

import numpy as np
import pytest

from tinysnn import Tensor, optim
from tinysnn import functional as F
from tinysnn.nn import LIF, Linear, Parameter, Sequential
from tinysnn.nn.models import MASNN


@pytest.mark.parametrize("options, message", [
    ({"input_size": 4}, r"input_size 4 shrinks to 0 pixels after the pools \(2, 2, 2\); it "
                        r"must be at least 8"),
    ({"num_classes": 0}, "num_classes must be an integer >= 1, got 0"),
    ({"T": 2.5}, "T must be an integer >= 1, got float 2.5"),
    ({"in_channels": 0}, "in_channels must be an integer >= 1"),
    ({"hidden": (0,)}, r"hidden\[0\] must be an integer >= 1"),
    ({"pools": (0, 2, 2)}, r"pools\[0\] must be an integer >= 1"),
])
def test_masnn_sizes_are_checked_by_name(options, message):
    with pytest.raises(ValueError, match=message):
        MASNN(**options)


@pytest.mark.parametrize("options, message", [
    ({"tau": math.inf}, "tau must be a finite number >= 1"),
    ({"tau": "2"}, "tau must be a finite number >= 1"),
    ({"decay": math.nan}, r"decay must be a finite number in \[0, 1\)"),
    ({"reset": "bogus"}, "reset must be 'hard' or 'soft', got 'bogus'"),
])
def test_lif_settings_are_checked_when_the_layer_is_made(options, message):
    with pytest.raises(ValueError, match=message):
        LIF(**options)


@pytest.mark.parametrize("op", [
    lambda x: F.conv2d(x, Tensor(np.zeros((3, 2, 3, 3), np.float16))),
    lambda x: F.avg_pool2d(x, 2),
    lambda x: F.max_pool2d(x, 2),
    lambda x: F.batch_norm(x, None, None, None, None, training=True),
])
def test_float16_convolutions_pools_and_batch_norm_are_refused_by_name(op):
    with pytest.raises(TypeError, match="x must be float32 or float64, got float16"):
        op(Tensor(np.zeros((1, 2, 4, 4), np.float16)))


def params(n=2):
    return [Parameter(np.ones(3)) for _ in range(n)]


@pytest.mark.parametrize("make, error, message", [
    (lambda: optim.SGD(params(), lr="0.1"), TypeError, "SGD: lr must be a finite number >= 0"),
    (lambda: optim.SGD(params(), lr=math.nan), ValueError, "SGD: lr must be a finite number"),
    (lambda: optim.Adam(params(), lr=math.inf), ValueError, "Adam: lr must be a finite"),
    (lambda: optim.Adam(params(), betas=(0.9, 1.0)), ValueError,
     r"Adam: betas\[1\] must be a finite number in \[0, 1\), got 1.0"),
    (lambda: optim.SGD(params(), lr=0.1, momentum=-1), ValueError, "momentum must be a finite"),
    (lambda: optim.SGD([params()[0]] * 2, lr=0.1), ValueError,
     "parameters 0 and 1 are the same tensor"),
    (lambda: optim.SGD([np.zeros(3)], lr=0.1), TypeError, "parameter 0 is a ndarray"),
    (lambda: optim.CosineAnnealingLR(optim.SGD(params(), lr=0.1), T_max=0), ValueError,
     "T_max must be an integer >= 1, got 0"),
    (lambda: optim.StepLR(optim.SGD(params(), lr=0.1), step_size=0), ValueError,
     "step_size must be an integer >= 1, got 0"),
    (lambda: optim.ReduceLROnPlateau(optim.SGD(params(), lr=0.1), patience=-1), ValueError,
     "patience must be an integer >= 0"),
])
def test_optimizer_and_scheduler_arguments_are_checked(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_an_optimizer_state_is_checked_before_anything_changes():
    ps = params()
    opt = optim.Adam(ps, lr=0.1)
    for p in ps:
        p.grad = np.ones(3)
    opt.step()
    before = opt.state_dict()
    with pytest.raises(ValueError, match="the state has no 'lr' entry"):
        opt.load_state_dict({})
    bad = {**before, "state.0.m": np.full(3, 7.0), "state.5.m": np.zeros(3)}
    with pytest.raises(ValueError, match="state.5.m is for parameter 5, but there are only 2"):
        opt.load_state_dict(bad)
    with pytest.raises(ValueError, match="state.1.v must hold finite numbers"):
        opt.load_state_dict({**before, "state.1.v": np.full(3, np.nan)})
    assert set(opt.state_dict()) == set(before)
    assert all(np.array_equal(opt.state_dict()[k], before[k]) for k in before)


def test_a_refused_state_dict_leaves_the_module_unchanged():
    net = Sequential(Linear(2, 3), Linear(3, 1))
    before = net.state_dict()
    state = {k: np.full_like(v, 5.0) for k, v in before.items()}
    state["1.weight"] = np.zeros((2, 2))               # the last entry does not fit
    with pytest.raises(ValueError, match=r"1.weight has shape \(2, 2\)"):
        net.load_state_dict(state)
    assert all(np.array_equal(net.state_dict()[k], before[k]) for k in before)


def test_scheduler_states_are_checked():
    scheduler = optim.CosineAnnealingLR(optim.SGD(params(), lr=0.1), T_max=4)
    whole = "epoch must be a whole number >= 0, got"
    for bad, message in (({}, "no 'epoch' entry"), ({"epoch": -1}, f"{whole} -1"),
                         ({"epoch": 1.5}, f"{whole} 1.5"), ({"epoch": "2"}, f"{whole} str '2'")):
        with pytest.raises(ValueError, match=message):
            scheduler.load_state_dict(bad)
    scheduler.load_state_dict({"epoch": 2})
    assert scheduler.optimizer.lr == pytest.approx(0.05)   # the schedule's value at epoch 2
