"""Grades notebook 05's exercises (tutorials/exercises/ex05_attention.py): tasks 5.1 to 5.5.

The gates are checked against tinysnn's attention modules (``module.gate(x)``), the backwards
against the same branch composed from primitive ops (``tinysnn.testing.composed_attention``)
and against central differences."""

import numpy as np
import pytest
from compare import assert_array_close, call
from grading import load
from hypothesis import given, settings

import tinysnn as ts
import tinysnn.functional as F
from tinysnn import Tensor, nn
from tinysnn.testing import assert_grad_close, attention_configs
from tinysnn.testing.composed_attention import (
    channel_attention_composed,
    spatial_attention_composed,
)

ex = load("ex05_attention")


def _input(config, seed=0, dtype=np.float32):
    shape = tuple(config[k] for k in "TBCHW")
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _compare_gate(name, got, expected, config):
    got = np.asarray(got)
    assert got.shape == expected.shape, (
        f"{name} for x {tuple(config[k] for k in 'TBCHW')} has shape {got.shape}, expected "
        f"{expected.shape}")
    assert np.allclose(got, expected, rtol=1e-4, atol=1e-6), (
        f"{name} for x {tuple(config[k] for k in 'TBCHW')}: differs from the module's gate by up "
        f"to {np.abs(got - expected).max():.3g}; first row {got.reshape(len(got), -1)[0][:4]}... "
        f"expected {expected.reshape(len(expected), -1)[0][:4]}...")


# ------------------------------------------------------------------ Tasks 5.1 to 5.3: the gates
@settings(max_examples=15)
@given(config=attention_configs())
def test_task_5_1_temporal_gate(config):
    ts.manual_seed(0)
    module = nn.TemporalAttention(config["T"], reduction=config["reduction_t"])
    x = _input(config)
    got = call("temporal_gate", ex.temporal_gate, x, module.w1.data, module.w2.data)
    _compare_gate("temporal_gate", got, module.gate(Tensor(x)), config)


def test_task_5_1_zero_weights_give_one_half():
    x = _input(dict(T=3, B=2, C=4, H=5, W=5))
    gate = np.asarray(call("temporal_gate", ex.temporal_gate, x, np.zeros((1, 3), np.float32),
                           np.zeros((3, 1), np.float32)))
    assert gate.shape == (2, 3) and np.allclose(gate, 0.5), (
        f"zero weights must give gates of exactly 1/2, shape [B, T] = (2, 3); got {gate}")


@settings(max_examples=15)
@given(config=attention_configs())
def test_task_5_2_channel_gate(config):
    ts.manual_seed(1)
    module = nn.ChannelAttention(config["C"], reduction=config["reduction_c"])
    x = _input(config)
    got = call("channel_gate", ex.channel_gate, x, module.w1.data, module.w2.data)
    _compare_gate("channel_gate", got, module.gate(Tensor(x)), config)


@settings(max_examples=15)
@given(config=attention_configs())
def test_task_5_3_spatial_gate(config):
    ts.manual_seed(2)
    module = nn.SpatialAttention(kernel_size=config["kernel_size"])
    x = _input(config)
    _compare_gate("spatial_gate", call("spatial_gate", ex.spatial_gate, x, module.weight.data),
                  module.gate(Tensor(x)), config)


def test_task_5_3_the_maps_are_mean_then_max():
    # a 1x1 kernel reading only the max map: the gate is sigmoid(max over T and C)
    x = _input(dict(T=2, B=1, C=3, H=2, W=2), dtype=np.float64)
    weight = np.zeros((1, 2, 1, 1))
    weight[0, 1] = 1.0
    gate = np.asarray(ex.spatial_gate(x, weight))
    expected = 1 / (1 + np.exp(-x.max(axis=(0, 2))))
    assert np.allclose(gate, expected), (
        "with weight[0, 1] = 1 (k = 1) the gate must be sigmoid of the max over T and C: map "
        "channel 0 is the mean, channel 1 the max")


# ------------------------------------------------------------------ Tasks 5.4 and 5.5: backward
def _gradients(fn, arrays, probe):
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    fn(*tensors).backward(probe)
    return [t.grad for t in tensors]


def _check_backward(mine, composed, arrays, names):
    probe = np.cos(np.arange(arrays[0].size)).reshape(arrays[0].shape)  # any fixed dL/dy
    got, expected = _gradients(mine, arrays, probe), _gradients(composed, arrays, probe)
    for name, g, e in zip(names, got, expected):
        assert g is not None, f"backward gave no {name}"
        assert_array_close(name, g, e, rtol=1e-7, atol=1e-9,
                           context=f"against the branch composed of tinysnn ops, x "
                                   f"{list(arrays[0].shape)}")
    assert_grad_close(mine, *arrays)


@pytest.mark.parametrize("shape, hidden", [((3, 2, 4, 3, 3), 2), ((1, 1, 1, 2, 2), 1),
                                           ((4, 2, 6, 2, 3), 3)])
def test_task_5_4_channel_backward(shape, hidden):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(shape)
    w1, w2 = rng.standard_normal((hidden, shape[2])), rng.standard_normal((shape[2], hidden))
    _check_backward(ex.ChannelAttention.apply, channel_attention_composed, [x, w1, w2],
                    ["dL/dx", "dL/dw1", "dL/dw2"])


@pytest.mark.parametrize("shape, k", [((3, 2, 4, 4, 5), 3), ((2, 1, 2, 3, 3), 1),
                                      ((2, 2, 3, 5, 4), 5)])
def test_task_5_5_spatial_backward(shape, k):
    rng = np.random.default_rng(5)
    x, weight = rng.standard_normal(shape), rng.standard_normal((1, 2, k, k))
    _check_backward(ex.SpatialAttention.apply, spatial_attention_composed, [x, weight],
                    ["dL/dx", "dL/dweight"])


# ------------------------------------------------------------------ ties and dtypes (5.4, 5.5)
BACKWARDS = {"5.4": ("ChannelAttention", F.channel_attention, lambda rng, C: [
                 rng.standard_normal((2, C)), rng.standard_normal((C, 2))], ["dL/dw1", "dL/dw2"]),
             "5.5": ("SpatialAttention", F.spatial_attention, lambda rng, C: [
                 rng.standard_normal((1, 2, 3, 3))], ["dL/dweight"])}


def _check_ties(task):
    # spike counts: many values tie for the maximum. tinysnn's fused kernels route dL/dmax to
    # the first maximum only, the tie rule of the task's docstring
    name, fused, weights, names = BACKWARDS[task]
    rng = np.random.default_rng(7)
    x = rng.poisson(1.0, (3, 2, 4, 3, 3)).astype(np.float64)
    arrays = [x, *weights(rng, 4)]
    probe = np.cos(np.arange(x.size)).reshape(x.shape)
    mine = call(f"{name}.apply", _gradients, getattr(ex, name).apply, arrays, probe)
    theirs = _gradients(fused, arrays, probe)
    for label, g, e in zip(["dL/dx", *names], mine, theirs):
        assert_array_close(label, g, e, rtol=1e-7, atol=1e-9,
                           context="x holds spike counts, so several values tie for the maximum: "
                                   "the first maximum takes all of dL/dmax (the tie rule)")


def _check_float32(task):
    name, fused, weights, names = BACKWARDS[task]
    rng = np.random.default_rng(8)
    arrays = [a.astype(np.float32) for a in [rng.standard_normal((2, 2, 4, 3, 3)),
                                              *weights(rng, 4)]]
    probe = np.ones(arrays[0].shape, np.float32)
    mine = call(f"{name}.apply on float32 arrays", _gradients, getattr(ex, name).apply, arrays,
                probe, hint="a backward returns each gradient in its input's dtype")
    theirs = _gradients(fused, arrays, probe)
    for label, g, e in zip(["dL/dx", *names], mine, theirs):
        assert_array_close(label, g, e, rtol=1e-3, atol=1e-4, dtype=np.float32,
                           context="float32 inputs: every gradient must be float32 too (a float64 "
                                   "scratch array turns it into float64)")


def test_task_5_4_tied_maxima():
    _check_ties("5.4")


def test_task_5_4_keeps_float32():
    _check_float32("5.4")


def test_task_5_5_tied_maxima():
    _check_ties("5.5")


def test_task_5_5_keeps_float32():
    _check_float32("5.5")
