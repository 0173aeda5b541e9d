"""nn.ParametricLIF, nn.IF and nn.AdaptiveLIF: their equations, and their gradients against
central differences of the same neuron made smooth (the surrogate's primitive as the spike)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn import Tensor, nn, no_grad
from tinysnn import functional as F
from tinysnn.surrogate import ATan, Sigmoid
from tinysnn.testing import assert_grad_close, shapes, smooth_spike, surrogates, time_major

RNG = np.random.default_rng(7)


def smooth(neuron_class):
    """The same neuron with the surrogate's primitive in place of the Heaviside."""

    class Smooth(neuron_class):
        def fire(self, h):
            return smooth_spike(h - self.threshold, self.surrogate)

    return Smooth


def sequences(max_T=6):
    return time_major(st.integers(1, max_T), st.integers(1, 2), shapes(max_dims=2, max_side=3),
                      min_value=-1.0, max_value=2.5)


# ------------------------------------------------------------------------ ParametricLIF
@pytest.mark.parametrize("decay_input", [False, True])
def test_parametric_lif_starts_as_the_lif_of_its_init_tau(decay_input):
    """k = sigmoid(0) = 1/2 exactly at init_tau = 2, so the arithmetic is nn.LIF's."""
    x = RNG.normal(0.8, 1.0, (8, 3, 4))
    plif = nn.ParametricLIF(init_tau=2.0, decay_input=decay_input).to(dtype=np.float64)
    np.testing.assert_array_equal(plif(x).data, nn.LIF(tau=2.0, decay_input=decay_input)(x).data)
    assert nn.ParametricLIF(init_tau=5.0).tau == pytest.approx(5.0, rel=1e-6)


def test_parametric_lif_decay_input_is_spikingjellys_charge():
    """decay_input=True: H = V + (X - V) / tau; False: H = V - V / tau + X."""
    plif = nn.ParametricLIF(init_tau=3.0, decay_input=True, reset="soft").to(dtype=np.float64)
    v, x = Tensor(RNG.normal(size=5)), Tensor(RNG.normal(size=5))
    k = 1 / plif.tau
    np.testing.assert_allclose(plif.charge(v, x).data, v.data + (x.data - v.data) * k, rtol=1e-12)
    plif.decay_input = False
    np.testing.assert_allclose(plif.charge(v, x).data, v.data - v.data * k + x.data, rtol=1e-12)


def reset_of(v_reset):
    """A neuron's reset arguments for the v_reset drawn here (None: a soft reset)."""
    return {"reset": "soft"} if v_reset is None else {"v_reset": v_reset}


# (detach_reset is left out: it changes backward only, so no forward has it as its derivative)
@given(data=st.data(), init_tau=st.floats(1.2, 8.0), decay_input=st.booleans(),
       v_reset=st.one_of(st.none(), st.floats(-0.3, 0.3)),
       surrogate=surrogates(("Sigmoid", "ATan")))
def test_parametric_lif_gradients_match_central_differences(data, init_tau, decay_input, v_reset,
                                                            surrogate):
    x = data.draw(sequences())
    probe = RNG.normal(size=x.shape)
    neuron = smooth(nn.ParametricLIF)(init_tau, decay_input, threshold=0.8,
                                      **reset_of(v_reset), surrogate=surrogate)
    neuron.to(dtype=np.float64)

    def loss(w):
        neuron.w.data = np.asarray(w, np.float64)
        return float((neuron(x) * probe).sum().data)

    w0 = float(neuron.w.data)
    neuron.zero_grad()
    (neuron(x) * probe).sum().backward()
    eps = 1e-6
    numeric = (loss(w0 + eps) - loss(w0 - eps)) / (2 * eps)
    assert neuron.w.grad == pytest.approx(numeric, rel=1e-4, abs=1e-6)
    neuron.w.data = np.asarray(w0)
    assert_grad_close(neuron, x)  # and dL/dx


def test_parametric_lif_learns_its_time_constant():
    """Gradient descent on w moves tau toward the time constant that produced the target."""
    x = RNG.uniform(0.0, 1.0, (12, 64))
    with no_grad():
        target = nn.ParametricLIF(init_tau=4.0, reset="soft", surrogate=ATan()).to(
            dtype=np.float64)(x).data
    student = nn.ParametricLIF(init_tau=1.5, reset="soft", surrogate=ATan()).to(dtype=np.float64)
    taus = [student.tau]
    for _ in range(30):
        student.zero_grad()
        ((student(x) - target) ** 2).mean().backward()
        student.w.data -= 5.0 * student.w.grad
        taus.append(student.tau)
    assert abs(taus[-1] - 4.0) < abs(taus[0] - 4.0) / 2, taus


def test_parametric_lif_rejects_a_time_constant_it_cannot_reach():
    with pytest.raises(ValueError, match="init_tau must be a finite number > 1"):
        nn.ParametricLIF(init_tau=1.0)


# ----------------------------------------------------------------------------------- IF
def test_if_integrates_without_leak():
    x = RNG.normal(0.3, 1.0, (9, 2, 3))
    for reset in ("hard", "soft"):
        neuron = nn.IF(threshold=0.9, reset=reset)
        expected = F.lif(x, decay=1.0, threshold=0.9, reset=reset)
        np.testing.assert_array_equal(neuron(x).data, expected.data)
        np.testing.assert_array_equal(neuron(x).data, nn.Neuron.run(neuron, Tensor(x))[0].data)
    assert repr(nn.IF()) == ("IF(threshold=1.0, v_reset=0.0, surrogate=Sigmoid(alpha=4.0), "
                             "detach_reset=False)")


# --------------------------------------------------------------------------- AdaptiveLIF
def adaptive_loop(x, tau, tau_adapt, beta, threshold, v_reset):
    """The docstring's equations as a plain NumPy loop."""
    decay, adapt_decay = 1 - 1 / tau, 1 - 1 / tau_adapt
    v, a, spikes = np.zeros_like(x[0]), np.zeros_like(x[0]), []
    for x_t in x:
        h = decay * v + x_t
        theta = threshold + beta * a
        s = (h - theta >= 0).astype(x.dtype)
        v = h - theta * s if v_reset is None else h * (1 - s) + v_reset * s
        a = adapt_decay * a + s
        spikes.append(s)
    return np.stack(spikes)


@pytest.mark.parametrize("v_reset", [0.0, None])
def test_adaptive_lif_follows_its_equations(v_reset):
    x = RNG.uniform(0.2, 1.2, (30, 4, 5))
    neuron = nn.AdaptiveLIF(tau=3.0, tau_adapt=10.0, beta=0.3, threshold=0.8,
                            **reset_of(v_reset))
    expected = adaptive_loop(x, 3.0, 10.0, 0.3, 0.8, v_reset)
    # the threshold is compared as (H - beta A) - threshold: rounding differs from H - theta,
    # so a tie may flip; none here
    np.testing.assert_array_equal(neuron(x).data, expected)


def test_adaptive_lif_fires_less_under_a_constant_drive_as_its_threshold_rises():
    x = np.full((40, 1), 0.6)
    fixed = nn.LIF(tau=2.0)(x).data[:, 0]
    adaptive = nn.AdaptiveLIF(tau=2.0, tau_adapt=20.0, beta=0.4)(x).data[:, 0]
    np.testing.assert_array_equal(adaptive[:3], fixed[:3])  # the first spike comes as fast
    assert adaptive.sum() < fixed.sum()
    assert adaptive[20:].sum() < fixed[20:].sum()  # later the gaps have grown


def test_adaptive_lif_with_beta_0_is_lif():
    x = RNG.normal(0.6, 1.0, (10, 3, 4))
    np.testing.assert_array_equal(nn.AdaptiveLIF(tau=2.5, beta=0.0, reset="soft")(x).data,
                                  nn.LIF(tau=2.5, reset="soft")(x).data)


@given(data=st.data(), beta=st.floats(0.0, 0.5), v_reset=st.one_of(st.none(), st.just(0.0)))
def test_adaptive_lif_gradient_matches_central_differences(data, beta, v_reset):
    x = data.draw(sequences())
    neuron = smooth(nn.AdaptiveLIF)(tau=2.0, tau_adapt=5.0, beta=beta, threshold=0.7,
                                    **reset_of(v_reset), surrogate=Sigmoid(alpha=3.0))
    assert_grad_close(neuron, x)


def test_adaptive_lif_streams_its_two_state_variables():
    x = RNG.uniform(0.2, 1.2, (12, 3))
    whole = nn.AdaptiveLIF(beta=0.3)(x).data
    streaming = nn.AdaptiveLIF(beta=0.3, stateful=True)
    with no_grad():
        chunks = np.concatenate([streaming(x[:5]).data, streaming(x[5:]).data])
    np.testing.assert_array_equal(chunks, whole)
    v, a = streaming.v
    assert a.data.max() > 0


def test_adaptive_lif_rejects_bad_settings():
    with pytest.raises(ValueError, match="tau_adapt must be a finite number >= 1, got 0.5"):
        nn.AdaptiveLIF(tau_adapt=0.5)
    with pytest.raises(ValueError, match="beta must be a finite number >= 0, got -1"):
        nn.AdaptiveLIF(beta=-1)
    assert math.isfinite(nn.AdaptiveLIF().adapt_decay)
