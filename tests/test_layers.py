"""Layers: PyTorch's shapes and initialisation, time folding, and errors that name the shapes."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn import Tensor, manual_seed
from tinysnn import functional as F
from tinysnn.nn import (
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Flatten,
    Linear,
    MaxPool2d,
)
from tinysnn.testing import arrays


def test_default_initialisation_bounds_match_pytorch():
    manual_seed(0)
    conv = Conv2d(4, 8, 3)
    bound = 1 / math.sqrt(4 * 3 * 3)  # kaiming_uniform(a=sqrt(5)) = U(+-1/sqrt(fan_in))
    assert conv.weight.shape == (8, 4, 3, 3) and np.abs(conv.weight.data).max() <= bound
    assert np.abs(conv.weight.data).max() > 0.8 * bound  # really spread over the range
    fc = Linear(10, 3)
    assert fc.weight.shape == (3, 10) and np.abs(fc.bias.data).max() <= 1 / math.sqrt(10)
    bn = BatchNorm2d(5)
    assert np.all(bn.weight.data == 1) and np.all(bn.bias.data == 0)


def test_manual_seed_makes_construction_repeatable():
    manual_seed(3)
    a = Conv2d(2, 3, 3).weight.data
    manual_seed(3)
    assert np.array_equal(a, Conv2d(2, 3, 3).weight.data)


@given(arrays((3, 2, 2, 5, 5), dtype=np.float32),
       st.sampled_from([lambda: Conv2d(2, 4, 3, padding=1), lambda: AvgPool2d(2),
                        lambda: MaxPool2d(2)]))
def test_time_major_input_equals_folding_by_hand(x, make_layer):
    layer = make_layer()
    y = layer(Tensor(x)).data
    folded = layer(Tensor(x.reshape(6, 2, 5, 5))).data
    assert y.shape[:2] == (3, 2)
    np.testing.assert_array_equal(y, folded.reshape(3, 2, *folded.shape[1:]))


def test_batchnorm_statistics_run_over_time_batch_and_pixels():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 2, 5, 5)) * 3 + 1  # [T, B, C, H, W]
    bn = BatchNorm2d(2, dtype=np.float64)
    y = bn(Tensor(x)).data
    per_channel = y.transpose(2, 0, 1, 3, 4).reshape(2, -1)
    np.testing.assert_allclose(per_channel.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(per_channel.var(axis=1), 1, atol=1e-3)
    expected = 0.1 * x.transpose(2, 0, 1, 3, 4).reshape(2, -1).mean(axis=1)
    np.testing.assert_allclose(bn.running_mean, expected)


def test_batchnorm1d_accepts_time_major_features():
    x = np.random.default_rng(1).standard_normal((4, 3, 6))
    y = BatchNorm1d(6, dtype=np.float64)(Tensor(x)).data
    np.testing.assert_allclose(y.reshape(12, 6).mean(axis=0), 0, atol=1e-12)


def test_eval_mode_uses_running_statistics():
    bn = BatchNorm2d(2, dtype=np.float64).eval()
    x = np.random.default_rng(2).standard_normal((3, 2, 4, 4)) + 5
    np.testing.assert_allclose(bn(Tensor(x)).data, x / np.sqrt(1 + 1e-5))


def test_flatten_keeps_time_and_batch():
    assert Flatten()(Tensor(np.zeros((4, 3, 2, 5, 5)))).shape == (4, 3, 50)
    assert Flatten(start_dim=1)(Tensor(np.zeros((3, 2, 5, 5)))).shape == (3, 50)


def test_dropout_is_identity_in_eval_and_scales_in_training():
    x = Tensor(np.ones((1000,), np.float32))
    drop = Dropout(0.25)
    y = drop(x).data
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert 0.15 < (y == 0).mean() < 0.35
    assert np.array_equal(drop.eval()(x).data, x.data)


@pytest.mark.parametrize("layer, x, message", [
    (Conv2d(2, 4, 3), np.zeros((2, 3, 8, 8), np.float32), "weight has 2 input channels, x has 3"),
    (Conv2d(2, 4, 3), np.zeros((8, 8), np.float32), "Conv2d: expected"),
    (BatchNorm2d(3), np.zeros((2, 3, 4), np.float32), "BatchNorm2d: expected"),
    (Linear(4, 2), np.zeros((3, 5), np.float32), "x has 5 input features"),
    (MaxPool2d(2), np.zeros((2, 3), np.float32), "MaxPool2d: expected"),
])
def test_bad_input_names_the_shapes(layer, x, message):
    with pytest.raises((ValueError, TypeError), match=message):
        layer(Tensor(x))


def test_float64_input_to_float32_layer_is_refused():
    with pytest.raises(TypeError, match="float32|float64"):
        Linear(3, 2)(Tensor(np.zeros((2, 3))))


def test_gradients_flow_to_every_parameter():
    conv = Conv2d(2, 3, 3, padding=1, dtype=np.float64)
    y = conv(Tensor(np.random.default_rng(0).standard_normal((2, 2, 2, 4, 4))))
    F.mean(y * y).backward()
    assert all(p.grad is not None and np.abs(p.grad).sum() > 0 for p in conv.parameters())
