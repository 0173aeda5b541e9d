"""F.spike and nn.Neuron: the general path, and nn.LIF as its fused special case."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn import Tensor, nn, no_grad
from tinysnn import functional as F
from tinysnn.surrogate import ATan, Sigmoid
from tinysnn.testing import (
    arrays,
    assert_grad_close,
    check_function,
    shapes,
    smooth_spike,
    surrogates,
    time_major,
)
from tinysnn.testing.smooth import SmoothSpike

RNG = np.random.default_rng(3)


class Logistic:
    """A surrogate of a user's own, written without tinysnn: slope k s (1 - s), s = sigmoid(k u)."""

    def __init__(self, k=3.0):
        self.k = k

    def primitive(self, u):
        return 1 / (1 + np.exp(-self.k * u))

    def derivative(self, u):
        s = self.primitive(u)
        return self.k * s * (1 - s)


# ------------------------------------------------------------------------------- F.spike
def test_spike_is_the_heaviside_with_u_equal_to_0_firing():
    for dtype in (np.float32, np.float64):
        u = np.array([-1.0, -1e-12, 0.0, 1e-12, 2.0], dtype)
        s = F.spike(u, Sigmoid())
        assert s.dtype == dtype
        np.testing.assert_array_equal(s.data, [0, 0, 1, 1, 1])


def test_spike_backward_is_the_slope_of_the_smooth_primitive():
    """SmoothSpike has F.spike's backward and the primitive as forward: central differences of
    the primitive check F.spike's backward."""
    smooth = st.one_of(surrogates(("Sigmoid", "ATan")), st.floats(0.5, 6.0).map(Logistic))
    examples = st.tuples(st.tuples(arrays(shapes(max_dims=3))),
                         st.fixed_dictionaries({"surrogate": smooth}))
    check_function(SmoothSpike, examples)


def test_spike_backward_multiplies_the_gradient_by_the_surrogate_slope():
    u = Tensor(RNG.normal(size=(3, 4)), requires_grad=True)
    grad = RNG.normal(size=(3, 4))
    F.spike(u, Logistic(2.0)).backward(grad)
    np.testing.assert_array_equal(u.grad, grad * Logistic(2.0).derivative(u.data))


def test_spike_rejects_what_is_not_a_surrogate_or_not_float():
    with pytest.raises(TypeError, match="surrogate must have a derivative"):
        F.spike(np.zeros(3), surrogate=4.0)
    with pytest.raises(TypeError, match="u must be float32 or float64, got dtype int64"):
        F.spike(np.zeros(3, np.int64))

    class Scalar:
        def derivative(self, u):
            return 1.0

    u = Tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"derivative\(u\) must return an array of u's shape"):
        F.spike(u, Scalar()).sum().backward()


# ------------------------------------------------------------------- Neuron vs nn.LIF
class LeakyNeuron(nn.Neuron):
    """The LIF as a user would write it on nn.Neuron."""

    def __init__(self, decay, **options):
        super().__init__(**options)
        self.decay = decay

    def charge(self, v, x):
        return self.decay * v + x


@st.composite
def neuron_settings(draw):
    threshold = draw(st.floats(0.1, 2.0))
    return {"decay": draw(st.floats(0.0, 0.95)), "threshold": threshold,
            "reset": draw(st.sampled_from(["hard", "soft"])),
            "v_reset": draw(st.floats(-0.5, min(0.5, threshold))),
            "detach_reset": draw(st.booleans()), "surrogate": draw(surrogates())}


def lif_like(settings):
    """The nn.LIF with these settings."""
    return nn.LIF(**settings)


def spikes_and_gradient(neuron, x, probe):
    x = Tensor(x, requires_grad=True)
    spikes = neuron(x)
    (spikes * probe).sum().backward()
    return spikes.data, x.grad


@given(data=st.data(), settings=neuron_settings())
def test_a_neuron_charging_decay_v_plus_x_is_lif_exactly(data, settings):
    x = data.draw(time_major(st.integers(1, 8), st.integers(1, 3), shapes(max_dims=2),
                             min_value=-1.0, max_value=2.5))
    probe = RNG.normal(size=x.shape)
    s_general, g_general = spikes_and_gradient(LeakyNeuron(**settings), x, probe)
    s_fused, g_fused = spikes_and_gradient(lif_like(settings), x, probe)
    np.testing.assert_array_equal(s_general, s_fused)  # the same arithmetic, the same spikes
    # backward sums the same terms in another order: float64 rounding apart, the same gradient
    np.testing.assert_allclose(g_general, g_fused, rtol=1e-10, atol=1e-12)


def test_lif_run_through_the_general_path_equals_its_fused_path():
    x = RNG.normal(0.8, 1.0, (7, 2, 5))
    probe = RNG.normal(size=x.shape)
    lif = nn.LIF(tau=3.0, decay_input=True, reset="soft", surrogate=ATan())

    def general(t):
        return nn.Neuron.run(lif, t)[0]  # charge, fire, reset_membrane step by step

    s_general, g_general = spikes_and_gradient(general, x, probe)
    s_fused, g_fused = spikes_and_gradient(lif, x, probe)
    assert 0 < s_fused.mean() < 1
    np.testing.assert_array_equal(s_general, s_fused)
    np.testing.assert_allclose(g_general, g_fused, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(lif.potential(x), nn.Neuron.potential(lif, x))


def test_potential_is_the_membrane_compared_with_the_threshold():
    neuron = LeakyNeuron(decay=0.5, threshold=0.7)
    x = RNG.normal(0.5, 1.0, (6, 3))
    h = neuron.potential(x)
    np.testing.assert_array_equal(neuron(x).data, (h >= 0.7).astype(x.dtype))


def test_detach_reset_changes_only_the_reset_path():
    """With detach_reset and a soft reset, every path through the neuron carries exactly one
    surrogate factor, so doubling the slope doubles the gradient."""

    class Doubled(Logistic):
        def derivative(self, u):
            return 2 * super().derivative(u)

    x = RNG.normal(1.0, 0.5, (5, 4))
    grads = [spikes_and_gradient(LeakyNeuron(0.6, reset="soft", detach_reset=True,
                                             surrogate=s), x, 1.0)[1]
             for s in (Logistic(), Doubled())]
    np.testing.assert_allclose(grads[1], 2 * grads[0], rtol=1e-12)


def test_a_neuron_firing_on_greater_than_differs_only_where_h_equals_the_threshold():
    class Strict(LeakyNeuron):
        def fire(self, h):  # the pattern of nn.Neuron's docstring
            return 1 - F.spike(self.threshold - h, self.surrogate)

    x = np.array([[0.5, 1.0, 1.5]])  # one step: H = X
    np.testing.assert_array_equal(LeakyNeuron(0.5)(x).data, [[0, 1, 1]])
    np.testing.assert_array_equal(Strict(0.5)(x).data, [[0, 0, 1]])
    x = RNG.normal(0.6, 1.0, (6, 2, 3))  # no ties: the same spikes and, psi being even, gradients
    probe = RNG.normal(size=x.shape)
    s_strict, g_strict = spikes_and_gradient(Strict(0.5), x, probe)
    s_plain, g_plain = spikes_and_gradient(LeakyNeuron(0.5), x, probe)
    np.testing.assert_array_equal(s_strict, s_plain)
    np.testing.assert_allclose(g_strict, g_plain, rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------------- streaming
def test_chunks_of_a_stateful_neuron_equal_the_whole_sequence():
    x, probe = RNG.normal(0.6, 1.0, (7, 2, 3)), RNG.normal(size=(7, 2, 3))
    whole = LeakyNeuron(0.7, reset="soft")
    streaming = LeakyNeuron(0.7, reset="soft", stateful=True)

    def in_chunks(t):
        return F.concatenate([streaming(t[:3]), streaming(t[3:4]), streaming(t[4:])])

    s_chunks, g_chunks = spikes_and_gradient(in_chunks, x, probe)
    s_whole, g_whole = spikes_and_gradient(whole, x, probe)
    np.testing.assert_array_equal(s_chunks, s_whole)
    np.testing.assert_array_equal(g_chunks, g_whole)
    with pytest.raises(RuntimeError, match=r"already freed.*reset\(\).*detach\(\)"):
        streaming(x)
    streaming.detach()
    assert not streaming.v.requires_grad
    stepper = LeakyNeuron(0.7, reset="soft", step_mode="single")
    with no_grad():
        steps = np.stack([stepper(x[t]).data for t in range(len(x))])
    np.testing.assert_array_equal(steps, s_whole)
    assert stepper.reset().v is None


# ---------------------------------------------------------------------------- errors
def test_a_neuron_without_charge_says_what_to_define():
    with pytest.raises(NotImplementedError, match=r"Neuron must define charge\(self, v, x\)"):
        nn.Neuron()(np.zeros((2, 3)))


@pytest.mark.parametrize("kwargs, error, message", [
    ({"threshold": float("nan")}, ValueError, "threshold must be a finite number, got nan"),
    ({"v_reset": "0"}, ValueError, "v_reset must be a finite number, got str '0'"),
    ({"surrogate": "sigmoid"}, TypeError, "surrogate must have a derivative"),
    ({"step_mode": "all"}, ValueError, "step_mode must be 'multi' or 'single', got 'all'"),
])
def test_bad_settings_raise_naming_them(kwargs, error, message):
    with pytest.raises(error, match=f"LeakyNeuron: {message}"):
        LeakyNeuron(0.5, **kwargs)


def test_repr_shows_the_settings():
    assert repr(LeakyNeuron(0.5, reset="soft")) == (
        "LeakyNeuron(threshold=1.0, reset='soft', surrogate=Sigmoid(alpha=4.0), "
        "detach_reset=False)")


def test_smooth_spike_makes_a_neuron_checkable_by_central_differences():
    class SmoothLeaky(LeakyNeuron):
        def fire(self, h):
            return smooth_spike(h - self.threshold, self.surrogate)

    x = RNG.normal(0.8, 1.0, (6, 2, 3))
    neuron = SmoothLeaky(0.6, threshold=0.9, v_reset=0.1, surrogate=ATan())
    assert_grad_close(neuron, x)


@pytest.mark.parametrize("make", [lambda **kw: LeakyNeuron(0.5, **kw), nn.LIF, nn.IF,
                                  nn.ParametricLIF, nn.AdaptiveLIF])
def test_reset_soft_is_the_one_way_and_v_reset_none_a_deprecated_alias(make):
    x = RNG.normal(0.6, 1.0, (7, 2, 3)).astype(np.float32)
    soft = make(reset="soft")
    assert soft.reset_mode == "soft"
    with pytest.warns(DeprecationWarning, match="v_reset=None for a soft reset is deprecated; "
                                                "use reset='soft'"):
        alias = make(v_reset=None)
    assert alias.reset_mode == "soft"
    np.testing.assert_array_equal(alias(x).data, soft(x).data)
    with pytest.raises(ValueError, match="reset must be 'hard' or 'soft', got 'sof'"):
        make(reset="sof")
