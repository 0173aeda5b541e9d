"""Grades notebook 13's exercises (tutorials/exercises/ex13_training_well.py): 13.1 to 13.4."""

import math

import numpy as np
import pytest
from compare import assert_array_close, call
from grading import load
from hypothesis import given, settings
from hypothesis import strategies as st

import tinysnn as ts
from tinysnn import Tensor, nn
from tinysnn.kernels.lif import lif_backward, reference
from tinysnn.surrogate import Sigmoid
from tinysnn.testing import arrays, lif_configs, shapes

ex = load("ex13_training_well")


# ------------------------------------------------------------------ Task 13.1: the RC circuit
@pytest.mark.parametrize("dt, tau", [(1.0, 2.0), (0.1, 5.0), (3.0, 1.5)])
def test_task_13_1_exact_under_a_constant_input(dt, tau):
    # tau dV/dt = -V + I with I constant: V(t) = I (1 - exp(-t / tau)), exactly at every step
    T, current = 12, 0.75
    got = call("rc_membrane", ex.rc_membrane, np.full((T, 1), current), dt, tau)
    expected = current * (1 - np.exp(-dt * np.arange(1, T + 1) / tau))[:, None]
    assert_array_close("V", got, expected, rtol=1e-12, atol=1e-14,
                       context=f"I = {current} constant, dt = {dt}, tau = {tau}: V(t) = I (1 - "
                               f"exp(-t / tau)) after each step t = dt, 2 dt, ...")


@settings(max_examples=20)
@given(current=arrays(st.tuples(st.integers(1, 6)).flatmap(
           lambda t: shapes(min_dims=0, max_dims=3, max_side=3).map(lambda s: t + s))),
       dt=st.floats(0.05, 3.0), tau=st.floats(0.5, 20.0), exact=st.booleans(),
       dtype=st.sampled_from([np.float64, np.float32]))
def test_task_13_1_follows_the_recurrence(current, dt, tau, exact, dtype):
    current = current.astype(dtype)
    keep = math.exp(-dt / tau) if exact else 1 - dt / tau
    expected, v = np.empty_like(current), np.zeros_like(current[0])
    for t in range(len(current)):
        v = keep * v + (1 - keep) * current[t]
        expected[t] = v
    got = call("rc_membrane", ex.rc_membrane, current, dt, tau, exact=exact)
    rtol, atol = (1e-10, 1e-12) if dtype == np.float64 else (1e-5, 1e-6)
    assert_array_close("V", got, expected, rtol, atol,
                       context=f"exact={exact}, dt={dt:.3g}, tau={tau:.3g}, beta = "
                               f"{'exp(-dt/tau)' if exact else '1 - dt/tau'} = {keep:.4g}; V "
                               f"keeps current's dtype and shape")


# ------------------------------------------------------------------ Task 13.2: gradient norms
class TwoLayers(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.lif1 = nn.Linear(6, 5), nn.LIF(tau=2.0)
        self.fc2, self.lif2 = nn.Linear(5, 3, bias=False), nn.LIF(tau=2.0)

    def forward(self, x):
        return self.lif2(self.fc2(self.lif1(self.fc1(x)))).mean(axis=0)


def test_task_13_2_norms_per_layer():
    ts.manual_seed(0)
    model = TwoLayers()
    x = Tensor(np.random.default_rng(0).uniform(0, 2, (4, 3, 6)).astype(np.float32))
    model(x).sum().backward()
    got = call("gradient_norms", ex.gradient_norms, model)
    expected = {"fc1": math.sqrt(float((model.fc1.weight.grad.astype(np.float64) ** 2).sum()
                                       + (model.fc1.bias.grad.astype(np.float64) ** 2).sum())),
                "fc2": math.sqrt(float((model.fc2.weight.grad.astype(np.float64) ** 2).sum()))}
    assert isinstance(got, dict) and sorted(got) == sorted(expected), (
        f"gradient_norms returned the layers {sorted(got) if isinstance(got, dict) else got!r}, "
        f"expected {sorted(expected)} (a parameter's name without its last part)")
    for layer, norm in expected.items():
        assert np.isclose(got[layer], norm, rtol=1e-5), (
            f"layer {layer}: norm {got[layer]!r}, expected {norm:.6g} = sqrt of the sum of the "
            f"squared gradients of all its parameters (weight and bias together)")


def test_task_13_2_a_parameter_without_gradient_counts_as_zero():
    ts.manual_seed(1)
    model = TwoLayers()
    model.fc2.weight.grad = np.full((3, 5), 2.0, np.float32)  # fc1 has no gradient (None)
    got = call("gradient_norms", ex.gradient_norms, model)
    assert got.get("fc1") == 0.0 and np.isclose(got.get("fc2"), math.sqrt(15 * 4.0)), (
        f"got {got}: expected fc1 0.0 (its gradients are None) and fc2 sqrt(15 x 2^2) = "
        f"{math.sqrt(60):.6g}")
    assert all(type(v) is float for v in got.values()), (
        f"the norms must be Python floats, got types {[type(v).__name__ for v in got.values()]}")


# ------------------------------------------------------------------ Task 13.3: truncated BPTT
def _h_of(x, config):
    flat = x.reshape(len(x), -1)
    _, h, _ = reference.lif_forward(flat, np.zeros(flat.shape[1:]), config["decay"],
                                    config["threshold"], config["reset"], config["v_reset"])
    return h.reshape(x.shape).astype(x.dtype)


def _chunked(h, g, k, config):
    out = np.empty_like(h)
    for start in range(0, len(h), k):
        out[start:start + k], _ = lif_backward(h[start:start + k], g[start:start + k],
                                               np.zeros_like(h[0]), **config)
    return out


@settings(max_examples=30)
@given(config=lif_configs(), T=st.integers(1, 9), k=st.integers(1, 10),
       features=shapes(min_dims=0, max_dims=2, max_side=3),
       dtype=st.sampled_from([np.float64, np.float32]), data=st.data())
def test_task_13_3_matches_chunks_of_the_fused_kernel(config, T, k, features, dtype, data):
    x = data.draw(arrays((T, *features), min_value=-0.5, max_value=2.0), label="x").astype(dtype)
    g = data.draw(arrays((T, *features)), label="dL/dS").astype(dtype)
    h = _h_of(x, config)
    got = call("truncated_bptt", ex.truncated_bptt, h, g, k, **config)
    rtol, atol = (1e-9, 1e-12) if dtype == np.float64 else (1e-4, 1e-5)
    chunks = [(s, min(s + k, T)) for s in range(0, T, k)]
    assert_array_close("dL/dX", got, _chunked(h, g, k, config), rtol, atol,
                       context=f"T = {T}, k = {k}: chunks {chunks} from the first step, each with "
                               f"no gradient from its future; h {np.dtype(dtype)} "
                               f"{list(h.shape)}")


def test_task_13_3_k_of_T_is_full_bptt_and_k_of_1_is_none():
    config = dict(decay=0.8, threshold=1.0, reset="soft", v_reset=0.0, detach_reset=False,
                  surrogate=Sigmoid(alpha=4.0))
    x = np.random.default_rng(3).uniform(0, 1.5, (7, 2, 3))
    h, g = _h_of(x, config), np.ones_like(x)
    full, _ = lif_backward(h, g, np.zeros_like(h[0]), **config)
    assert_array_close("dL/dX with k = T", call("truncated_bptt", ex.truncated_bptt, h, g, 7,
                                                **config), full, 1e-10, 1e-12,
                       context="one chunk of all T steps is full BPTT")
    alone = g * config["surrogate"].derivative(h - config["threshold"])
    assert_array_close("dL/dX with k = 1", call("truncated_bptt", ex.truncated_bptt, h, g, 1,
                                                **config), alone, 1e-10, 1e-12,
                       context="chunks of one step: each step only sees its own dL/dS psi")


# ------------------------------------------------------------------ Task 13.4: rate regulariser
def test_task_13_4_value_and_gradient():
    rng = np.random.default_rng(4)
    arrays_ = [(rng.random((5, 2, 4)) < 0.3).astype(np.float32),
               (rng.random((5, 2, 3, 2, 2)) < 0.1).astype(np.float32)]
    spikes = [Tensor(a, requires_grad=True) for a in arrays_]
    penalty = call("rate_penalty", ex.rate_penalty, spikes, 0.05)
    assert isinstance(penalty, Tensor) and penalty.size == 1, (
        f"rate_penalty must return a scalar Tensor (built from tinysnn ops), got {penalty!r}")
    rates = [float(a.mean()) for a in arrays_]
    expected = sum((r - 0.05) ** 2 for r in rates)
    assert np.isclose(penalty.item(), expected, rtol=1e-5), (
        f"layers with firing rates {np.round(rates, 4).tolist()}, target 0.05: penalty "
        f"{penalty.item():.6g}, expected the sum of (r - target)^2 = {expected:.6g}")
    call("penalty.backward", penalty.backward,
         hint="backward must reach every spike Tensor: build the penalty from tinysnn operations "
              "on them (no .data, no detach)")
    for a, s, r in zip(arrays_, spikes, rates):
        assert s.grad is not None, (
            "backward did not reach a spike Tensor: build the penalty from tinysnn operations")
        assert_array_close("dpenalty/dspikes", s.grad, np.full(a.shape, 2 * (r - 0.05) / a.size,
                                                               np.float32), 1e-4, 1e-9,
                           context="d (r - target)^2 / d s = 2 (r - target) / N for each of the "
                                   "N spikes of a layer")
