"""Grades notebook 02's exercises (tutorials/exercises/ex02_lif.py): tasks 2.1 and 2.2."""

import numpy as np
import pytest
from compare import assert_array_close
from grading import load
from hypothesis import given, settings
from hypothesis import strategies as st

import tinysnn.functional as F
from tinysnn import Tensor
from tinysnn.kernels.lif import reference
from tinysnn.surrogate import ATan, FastSigmoid, Rectangle, Sigmoid, Triangle
from tinysnn.testing import arrays, lif_configs

ex = load("ex02_lif")

SURROGATES = [Sigmoid(alpha=4.0), ATan(alpha=2.0), Rectangle(width=0.5), Triangle(width=1.0),
              FastSigmoid(slope=5.0)]


def _step(v, x, config):
    return ex.lif_step(v, x, config["decay"], config["threshold"], reset=config["reset"],
                       v_reset=config["v_reset"])


# ------------------------------------------------------------------ Task 2.1: one LIF step
@settings(max_examples=40)
@given(config=lif_configs(), v=arrays((6,), min_value=-1, max_value=2),
       x=arrays((6,), min_value=-1, max_value=2))
def test_task_2_1_matches_the_reference_recurrence(config, v, x):
    got = _step(v, x, config)
    assert isinstance(got, tuple) and len(got) == 3, (
        f"lif_step must return the tuple (H, S, V), got {type(got).__name__}")
    spikes, h, v_next = reference.lif_forward(x[None], v, config["decay"], config["threshold"],
                                              config["reset"], config["v_reset"])
    setting = (f"decay={config['decay']}, threshold={config['threshold']}, "
               f"reset={config['reset']!r}, v_reset={config['v_reset']}")
    for name, mine, expected in (("H (charge)", got[0], h[0]), ("S (fire)", got[1], spikes[0]),
                                 ("V (reset)", got[2], v_next)):
        assert_array_close(name, mine, expected, rtol=1e-12, atol=1e-12,
                           context=f"lif_step with {setting}, v={v}, x={x}")


def test_task_2_1_fires_at_exactly_the_threshold():
    h, s, v = ex.lif_step(np.zeros(3), np.array([0.999, 1.0, 1.001]), decay=0.5, threshold=1.0)
    assert np.array_equal(s, [0.0, 1.0, 1.0]), (
        f"inputs [0.999, 1.0, 1.001] with threshold 1 gave spikes {s}; a neuron fires when "
        f"H >= threshold (H == threshold fires)")


@pytest.mark.parametrize("reset", ["hard", "soft"])
def test_task_2_1_reset_rule(reset):
    h, s, v = ex.lif_step(np.array([0.9, 0.2]), np.array([1.0, 0.1]), decay=0.5, threshold=1.0,
                          reset=reset, v_reset=-0.25)
    expected = [-0.25, 0.2] if reset == "hard" else [1.45 - 1.0, 0.2]
    assert np.allclose(v, expected), (
        f"{reset} reset: H = [1.45, 0.2], S = [1, 0] gave V = {v}, expected {expected} "
        f"({'fired neurons go to v_reset' if reset == 'hard' else 'V = H - threshold * S'})")


def test_task_2_1_keeps_the_dtype():
    x = np.array([0.5, 2.0], np.float32)
    results = ex.lif_step(np.zeros(2, np.float32), x, decay=0.5, threshold=1.0)
    dtypes = [np.asarray(r).dtype for r in results]
    assert dtypes == [np.float32] * 3, f"float32 inputs gave (H, S, V) of dtypes {dtypes}"


# ------------------------------------------------------------------ Task 2.2: a spike Function
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_task_2_2_forward_is_the_heaviside_step(dtype):
    u = np.array([-1.0, -1e-3, 0.0, 1e-3, 2.0], dtype)
    s = ex.SpikeFunction.apply(Tensor(u), surrogate=Sigmoid())
    assert isinstance(s, Tensor), "SpikeFunction.apply must return a Tensor (forward an array)"
    assert s.dtype == dtype, (
        f"u of dtype {np.dtype(dtype)} gave spikes of dtype {s.dtype}: forward must keep u's dtype")
    assert np.array_equal(s.data, [0, 0, 1, 1, 1]), (
        f"u = {u} gave {s.data}, expected [0, 0, 1, 1, 1] (1 where u >= 0)")


@pytest.mark.parametrize("surrogate", SURROGATES, ids=repr)
def test_task_2_2_backward_is_the_surrogate_slope(surrogate):
    rng = np.random.default_rng(0)
    u = Tensor(rng.uniform(-1.5, 1.5, (4, 5)), requires_grad=True)
    grad = rng.standard_normal((4, 5))
    ex.SpikeFunction.apply(u, surrogate=surrogate).backward(grad)
    expected = grad * surrogate.derivative(u.data)
    assert u.grad is not None, "backward gave no gradient for u"
    assert np.allclose(u.grad, expected), (
        f"with {surrogate!r}, dL/du must be grad * surrogate.derivative(u); at u = "
        f"{u.data.ravel()[:3]}... got {u.grad.ravel()[:3]}..., expected {expected.ravel()[:3]}...")


@settings(max_examples=20)
@given(x=arrays((2, 3), min_value=-1, max_value=3), threshold=st.floats(0.1, 2.0))
def test_task_2_2_one_step_neuron_gives_the_gradient_of_f_lif(x, threshold):
    # one step from V = 0: S = spike(x - threshold), so dL/dx = dL/dS * psi, exactly F.lif's
    surrogate = Sigmoid(alpha=4.0)
    mine = Tensor(x, requires_grad=True)
    s_mine = ex.SpikeFunction.apply(mine - threshold, surrogate=surrogate)
    s_mine.sum().backward()
    theirs = Tensor(x[None], requires_grad=True)
    s_theirs = F.lif(theirs, threshold=threshold, surrogate=surrogate)
    s_theirs.sum().backward()
    assert np.array_equal(s_mine.data, s_theirs.data[0]), "spikes differ from F.lif's"
    assert np.allclose(mine.grad, theirs.grad[0]), (
        f"dL/dx of one step differs from F.lif's: {mine.grad.ravel()} vs "
        f"{theirs.grad[0].ravel()}")
