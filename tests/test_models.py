"""MASNN: the paper's layer order and parameter counts, every attention variant, clear errors."""

import numpy as np
import pytest

from tinysnn import Tensor
from tinysnn import functional as F
from tinysnn.nn import LIF, MultiDimensionalAttention
from tinysnn.nn.models import MASNN, VARIANTS


@pytest.mark.parametrize("attention, params", [("no", 2_324_065), ("TCSA", 2_340_535)])
def test_paper_gesture_network_has_the_papers_parameter_count(attention, params):
    assert MASNN(attention=attention, preset="paper-gesture").num_parameters() == params


@pytest.mark.parametrize("attention", list(VARIANTS))
def test_every_variant_runs_forward_and_backward(attention):
    model = MASNN(attention=attention, T=3, input_size=8, channels=(4, 4), pools=(2, 2),
                  hidden=(8,), reduction_t=1, reduction_c=2)
    x = np.random.default_rng(0).random((3, 2, 2, 8, 8)).astype(np.float32) * 3
    rates = model(Tensor(x))
    assert rates.shape == (2, 11)
    assert np.all((rates.data >= 0) & (rates.data <= 1))  # mean of 0/1 spikes over time
    F.mse_loss(rates, Tensor(np.eye(11, dtype=np.float32)[[3, 7]])).backward()
    assert all(p.grad is not None and np.all(np.isfinite(p.grad)) for p in model.parameters())


def test_bptt_reaches_the_first_layer():
    # an active network (no pooling, the Sigmoid surrogate, which is nowhere exactly 0): a layer
    # with no spikes at all would pass the next one a constant, which BN maps to 0 exactly
    model = MASNN(attention="no", T=4, input_size=6, channels=(4, 4), pools=(1, 1), hidden=(8,),
                  neuron="lif")
    x = np.random.default_rng(0).random((4, 2, 2, 6, 6)).astype(np.float32) * 3
    F.mse_loss(model(Tensor(x)), Tensor(np.eye(11, dtype=np.float32)[[3, 7]])).backward()
    assert np.abs(model.features[0].conv.weight.grad).sum() > 0


def test_layers_follow_the_papers_order_and_attention_placement():
    model = MASNN(attention="TCA", T=4, input_size=8, channels=(4,), pools=(2,), hidden=())
    block = model.features[0]
    assert list(block._modules) == ["conv", "bn", "pool", "attention", "lif"]
    assert isinstance(block.attention, MultiDimensionalAttention) and block.attention.dims == "TC"
    assert isinstance(block.lif, LIF) and block.lif.v_reset == 0.3  # the paper's cell
    fc = model.classifier[0]
    assert fc.attention is not None and fc.attention.dims == "T"  # FC layers: temporal only
    assert MASNN(attention="CSA", T=4).classifier[0].attention is None


@pytest.mark.parametrize("kwargs, x_shape, message", [
    ({"attention": "XY"}, None, "attention must be one of"),
    ({"preset": "imagenet"}, None, "preset must be one of"),
    ({"channels": (4, 4), "pools": (2,)}, None, "same length"),
    ({"T": 4}, (5, 1, 2, 32, 32), "built for T=4"),
    ({"T": 4}, (4, 1, 2, 16, 16), "expected x of shape"),
])
def test_bad_configuration_or_input_is_named(kwargs, x_shape, message):
    with pytest.raises(ValueError, match=message):
        model = MASNN(**kwargs)
        model(Tensor(np.zeros(x_shape, np.float32)))


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_an_empty_batch_is_refused_at_the_models_entry(mode):
    model = getattr(MASNN(T=2), mode)()
    with pytest.raises(ValueError, match=r"MASNN: x of shape \(2, 0, 2, 32, 32\) is an empty "
                                         r"batch \(B = 0\)"):
        model(Tensor(np.zeros((2, 0, 2, 32, 32), np.float32)))
