"""Grades notebook 09's exercises (tutorials/exercises/ex09_own_neuron.py): tasks 9.1 to 9.3."""

import math

import numpy as np
import pytest
from grading import load
from hypothesis import given, settings
from hypothesis import strategies as st

from tinysnn import Tensor, nn
from tinysnn.surrogate import ATan, Sigmoid
from tinysnn.testing import arrays, assert_grad_close, check_function, smooth_spike
from tinysnn.testing.smooth import SmoothSpike

ex = load("ex09_own_neuron")


# ------------------------------------------------------------------ Task 9.1: a Gaussian surrogate
def test_task_9_1_values():
    g = ex.Gaussian(sigma=0.5)
    u = np.array([-1.0, 0.0, 0.25, 2.0])
    psi = np.asarray(g.derivative(u))
    expected = np.exp(-u ** 2 / 0.5) / (0.5 * math.sqrt(2 * math.pi))
    assert psi.shape == u.shape and np.allclose(psi, expected), (
        f"Gaussian(0.5).derivative({u.tolist()}) = {psi}, expected {expected}")
    step = np.asarray(g.primitive(u))
    expected = np.array([(1 + math.erf(v / (0.5 * math.sqrt(2)))) / 2 for v in u])
    assert step.shape == u.shape and np.allclose(step, expected), (
        f"Gaussian(0.5).primitive({u.tolist()}) = {step}, expected the normal CDF {expected}")


def test_task_9_1_slope_is_the_derivative_of_the_step():
    # SmoothSpike: forward the primitive, backward the derivative; they must agree
    check_function(SmoothSpike, arrays((3, 4), min_value=-2, max_value=2),
                   surrogate=ex.Gaussian(sigma=0.4), settings=settings(max_examples=20))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_task_9_1_keeps_dtype_and_stays_finite(dtype):
    g = ex.Gaussian(sigma=0.3)
    u = np.array([-1e4, -3.0, 0.0, 3.0, 1e4], dtype)
    for name in ("derivative", "primitive"):
        out = np.asarray(getattr(g, name)(u))
        assert out.dtype == dtype, f"Gaussian.{name} of {np.dtype(dtype)} gave {out.dtype}"
        assert np.isfinite(out).all(), f"Gaussian.{name}({u.tolist()}) = {out}: not finite"
    assert np.allclose(np.asarray(g.primitive(u))[[0, -1]], [0, 1]), "the step must go 0 -> 1"


# ------------------------------------------------------------------ Task 9.2: SynapticLIF
def _reference(x, alpha, beta, threshold, v_reset):
    """x: [T, N] -> (spikes, H) by the equations, in NumPy."""
    v, current, spikes, hs = np.zeros(x.shape[1]), np.zeros(x.shape[1]), [], []
    for t in range(len(x)):
        current = alpha * current + x[t]
        h = beta * v + current
        s = (h >= threshold).astype(x.dtype)
        v = h - threshold * s if v_reset is None else h * (1 - s) + v_reset * s
        spikes.append(s)
        hs.append(h)
    return np.array(spikes), np.array(hs)


@settings(max_examples=25)
@given(x=arrays((7, 4), min_value=-0.5, max_value=1.5), alpha=st.floats(0, 0.95),
       beta=st.floats(0, 0.95), v_reset=st.sampled_from([0.0, -0.2, None]))
def test_task_9_2_follows_the_equations(x, alpha, beta, v_reset):
    neuron = ex.SynapticLIF(alpha=alpha, beta=beta, threshold=1.0, v_reset=v_reset)
    spikes = neuron(Tensor(x[:, None]))
    expected, h = _reference(x, alpha, beta, 1.0, v_reset)
    assert spikes.shape == (7, 1, 4), f"spikes have shape {spikes.shape}, expected (7, 1, 4)"
    assert np.array_equal(spikes.data[:, 0], expected), (
        f"alpha={alpha}, beta={beta}, v_reset={v_reset}: spikes differ from the equations' at "
        f"steps {np.argwhere(spikes.data[:, 0] != expected)[:, 0].tolist()}")
    assert np.allclose(neuron.potential(Tensor(x[:, None]))[:, 0], h), (
        "H (what step returns second, and potential() shows) differs from beta V + I")


def test_task_9_2_without_a_synapse_it_is_lif():
    x = np.random.default_rng(0).uniform(-0.2, 1.0, (8, 2, 5))
    mine, theirs = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    s_mine = ex.SynapticLIF(alpha=0.0, beta=0.6, surrogate=ATan())(mine)
    s_theirs = nn.LIF(decay=0.6, surrogate=ATan())(theirs)
    assert np.array_equal(s_mine.data, s_theirs.data), "alpha = 0 must give nn.LIF's spikes"
    probe = np.cos(np.arange(x.size)).reshape(x.shape)
    s_mine.backward(probe)
    s_theirs.backward(probe)
    assert np.allclose(mine.grad, theirs.grad), (
        f"alpha = 0: the gradient differs from nn.LIF(decay=beta)'s by up to "
        f"{np.abs(mine.grad - theirs.grad).max():.3g}")


def test_task_9_2_bptt_is_the_gradient_of_the_smooth_neuron():
    class Smooth(ex.SynapticLIF):
        def fire(self, h):
            return smooth_spike(h - self.threshold, self.surrogate)

    x = np.random.default_rng(1).uniform(-0.5, 1.5, (6, 2, 3))
    assert_grad_close(lambda t: Smooth(alpha=0.7, beta=0.5, surrogate=Sigmoid())(t), x)


def test_task_9_2_streams_in_chunks():
    x = Tensor(np.random.default_rng(2).uniform(0, 1, (9, 2, 3)).astype(np.float32))
    whole = ex.SynapticLIF(alpha=0.8)(x).data
    stream = ex.SynapticLIF(alpha=0.8, stateful=True)
    chunks = np.concatenate([stream(x[i:i + 4]).data for i in range(0, 9, 4)])
    assert np.array_equal(chunks, whole), (
        "stateful=True, fed in chunks of 4 steps, must give the spikes of one call: the state "
        "(V, I) must be the pair that step returns")


# ------------------------------------------------------------------ Task 9.3: a neuron property
class ReferenceSynaptic(nn.Neuron):
    """A correct two-state neuron (the grader's own, not yours)."""

    def initial_state(self, x):
        return super().initial_state(x), super().initial_state(x)

    def step(self, state, x):
        v, current = state
        current = 0.6 * current + x
        h = 0.5 * v + current
        s = self.fire(h)
        return s, h, (self.reset_membrane(h, s), current)


class DetachedLeak(nn.Neuron):
    """Bug: the membrane carried to the next step is detached, so BPTT stops at every step."""

    def charge(self, v, x):
        return 0.7 * v.detach() + x


class DoubledSlope:
    """Bug: a surrogate whose slope is twice the slope of its step."""

    def primitive(self, u):
        return Sigmoid(alpha=2.0).primitive(u)

    def derivative(self, u):
        return 2 * Sigmoid(alpha=2.0).derivative(u)


class CutAfterThreeSteps(nn.Neuron):
    """Bug: the state is detached at the fourth step: only sequences of 4 or more steps show it."""

    def charge(self, v, x):
        return 0.7 * v + x

    def initial_state(self, x):
        self.steps = 0
        return super().initial_state(x)

    def step(self, state, x):
        self.steps += 1
        return super().step(state.detach() if self.steps == 4 else state, x)


class SlopeCutFarBelow:
    """Bug: a surrogate whose slope is cut to 0 far below the threshold (u < -1.5), while its
    step still rises there: only inputs well below the threshold show it."""

    def primitive(self, u):
        return Sigmoid(alpha=2.0).primitive(u)

    def derivative(self, u):
        return np.where(u < -1.5, 0.0, Sigmoid(alpha=2.0).derivative(u))


class Leaky(nn.Neuron):
    """A plain leaky neuron (correct), used with a buggy surrogate below."""

    def charge(self, v, x):
        return 0.7 * v + x


CORRECT = {"reference synaptic": lambda: ReferenceSynaptic(surrogate=Sigmoid()),
           "nn.AdaptiveLIF": lambda: nn.AdaptiveLIF(tau=3.0, beta=0.3, surrogate=ATan())}
BUGGY = {"detached leak": (lambda: DetachedLeak(surrogate=Sigmoid()), "any T >= 2",
                           DetachedLeak.__doc__),
         "doubled slope": (lambda: Leaky(surrogate=DoubledSlope()), "any input",
                           DoubledSlope.__doc__),
         "cut after three steps": (lambda: CutAfterThreeSteps(surrogate=Sigmoid()),
                                   "sequences of 4 steps or more", CutAfterThreeSteps.__doc__),
         "slope cut far below": (lambda: Leaky(surrogate=SlopeCutFarBelow()),
                                 "inputs below -0.5", SlopeCutFarBelow.__doc__)}


@pytest.mark.parametrize("name", list(CORRECT))
def test_task_9_3_passes_correct_neurons(name):
    try:
        ex.neuron_property(CORRECT[name])
    except AssertionError as err:
        raise AssertionError(f"neuron_property fails a correct neuron ({name}): {err}") from None


@pytest.mark.parametrize("name", list(BUGGY))
def test_task_9_3_catches_a_planted_bug(name):
    make, where, bug = BUGGY[name]
    try:
        ex.neuron_property(make)
    except AssertionError:
        return
    raise AssertionError(f"neuron_property passed a neuron with a bug ({bug.strip()}); it shows "
                         f"on {where}: draw such inputs")
