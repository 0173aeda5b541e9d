"""F.lif: the Function over the whole sequence, its outputs, errors and an end-to-end gradient."""

import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn import Tensor
from tinysnn import functional as F
from tinysnn.kernels.lif import reference as lif_reference
from tinysnn.surrogate import Sigmoid, Triangle
from tinysnn.testing import arrays, assert_grad_close, lif_configs, shapes, time_major

RNG = np.random.default_rng(0)


def test_spikes_have_the_shape_and_dtype_of_x():
    for dtype in (np.float32, np.float64):
        x = RNG.normal(0.5, 1.0, (4, 2, 3, 5)).astype(dtype)
        spikes = F.lif(x)
        assert spikes.shape == x.shape and spikes.dtype == dtype
        assert set(np.unique(spikes.data)) <= {0.0, 1.0}


def test_membrane_outputs_every_step_or_the_last():
    x = RNG.normal(0.5, 1.0, (5, 2, 3))
    reference_spikes, _, reference_v = lif_reference.lif_forward(x, np.zeros(x.shape[1:]), 0.5,
                                                                 1.0, keep_membrane=True)
    spikes, v = F.lif(x, return_membrane=True)
    spikes_again, v_last = F.lif(x, return_membrane="last")
    np.testing.assert_array_equal(spikes.data, reference_spikes)
    np.testing.assert_array_equal(v.data, reference_v)
    np.testing.assert_array_equal(spikes_again.data, reference_spikes)
    np.testing.assert_array_equal(v_last.data, reference_v[-1])


def test_v_init_defaults_to_zero_and_sets_the_first_membrane():
    x = RNG.normal(0.5, 1.0, (3, 4))
    np.testing.assert_array_equal(F.lif(x).data, F.lif(x, v_init=np.zeros(4)).data)
    spikes = F.lif(np.zeros((1, 4)), v_init=np.array([0.0, 1.5, 2.5, 3.0]), decay=0.5)
    np.testing.assert_array_equal(spikes.data, [[0, 0, 1, 1]])  # H = 0.5 v_init >= 1.0


def test_a_strided_view_gives_the_same_result_as_a_copy():
    x = RNG.normal(0.5, 1.0, (3, 6, 4))
    view = np.swapaxes(x, 1, 2)  # [T, 4, 6], not contiguous
    np.testing.assert_array_equal(F.lif(view).data, F.lif(np.ascontiguousarray(view)).data)


@given(x=time_major(st.integers(1, 5), st.integers(1, 2), shapes(0, 2, max_side=3)),
       config=lif_configs(), membrane=st.sampled_from([False, True, "last"]), data=st.data())
def test_numba_path_gives_exactly_the_reference_gradients(x, config, membrane, data):
    """The Function's wiring (reshapes, the membrane output's gradient, dL/dv_init) with the Numba
    kernels gives bit for bit what it gives with the reference loop (spike_fn=heaviside)."""
    v_init = data.draw(arrays(x.shape[1:]))
    probe = data.draw(arrays(x.shape))
    results = []
    for spike_fn in (None, lif_reference.heaviside):
        xt, vt = Tensor(x, requires_grad=True), Tensor(v_init, requires_grad=True)
        out = F.lif(xt, v_init=vt, return_membrane=membrane, spike_fn=spike_fn, **config)
        total = out if membrane is False else out[0] + out[1]
        (total * probe).sum().backward()
        results.append((total.data, xt.grad, vt.grad))
    for numba_result, reference_result in zip(*results, strict=True):
        np.testing.assert_array_equal(numba_result, reference_result, strict=True)


# ------------------------------------------------------------------ end to end
LAYER_1 = {"decay": 0.6, "threshold": 0.5, "reset": "hard", "v_reset": 0.1,
           "surrogate": Sigmoid(alpha=2.0)}
LAYER_2 = {"decay": 0.8, "threshold": 0.4, "reset": "soft", "surrogate": Triangle(width=1.5)}


def conv_lif_linear_lif(x, w_conv, w_fc, spike_fns=(None, None)):
    """x: [T, B, C, H, W] -> conv 3x3 -> LIF -> linear -> LIF -> firing rates [B, classes]."""
    T, B, C, H, W = x.shape
    current = F.conv2d(x.reshape(T * B, C, H, W), w_conv, padding=1)
    hidden = F.lif(current.reshape(T, B, -1), spike_fn=spike_fns[0], **LAYER_1)
    out = F.lif(F.linear(hidden, w_fc), spike_fn=spike_fns[1], **LAYER_2)
    return out.mean(axis=0)


def network_inputs():
    x = RNG.normal(0.3, 1.0, (4, 2, 2, 5, 5))
    w_conv = RNG.normal(0.0, 0.5, (3, 2, 3, 3))
    w_fc = RNG.normal(0.0, 0.3, (4, 3 * 5 * 5))
    return x, w_conv, w_fc


def test_end_to_end_gradient_of_a_smooth_conv_lif_linear_lif_network():
    """Why this checks F.lif's backward end to end.

    Finite differences cannot see a surrogate gradient: the Heaviside forward is flat. So both
    LIF layers run with spike_fn = surrogate.primitive: the same Function and the same BPTT
    recurrence, with the Heaviside replaced, in forward and backward, by the smooth step whose
    slope psi is. The network is then smooth and its true gradient is what F.lif's backward
    computes; a random-direction check compares it with central differences through conv, both
    LIF layers and linear, for the input and both weights. The next test closes the loop: with
    the Heaviside, the Numba path gives exactly the reference path's gradients.
    """
    smooth = (LAYER_1["surrogate"].primitive, LAYER_2["surrogate"].primitive)
    assert_grad_close(lambda *t: conv_lif_linear_lif(*t, spike_fns=smooth), *network_inputs(),
                      method="directional")


def test_end_to_end_numba_gradients_equal_the_reference_loop():
    inputs = network_inputs()
    grads = []
    for spike_fn in (None, lif_reference.heaviside):
        tensors = [Tensor(a, requires_grad=True) for a in inputs]
        rates = conv_lif_linear_lif(*tensors, spike_fns=(spike_fn, spike_fn))
        (rates * np.arange(1.0, 5.0)).sum().backward()
        grads.append([t.grad for t in tensors])
        assert 0 < rates.data.mean() < 1  # neither silent nor saturated: gradients are not trivial
    for numba_grad, reference_grad in zip(*grads, strict=True):
        assert np.abs(numba_grad).max() > 0
        np.testing.assert_array_equal(numba_grad, reference_grad, strict=True)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("x, kwargs, error, message", [
    (np.zeros(4), {}, ValueError, r"x must be \[T, \.\.\.\] .* got shape \(4,\)"),
    (np.zeros((0, 3)), {}, ValueError, r"T >= 1 .* got shape \(0, 3\)"),
    (np.zeros((2, 3), np.int64), {}, TypeError, "float32 or float64, got dtype int64"),
    (np.zeros((2, 3)), {"reset": "zero"}, ValueError, "reset must be 'hard' or 'soft', got 'zero'"),
    (np.zeros((2, 3)), {"decay": 1.5}, ValueError, r"decay must be a finite number in \[0, 1\]"),
    (np.zeros((2, 3)), {"threshold": np.nan}, ValueError, "threshold must be a finite number"),
    (np.zeros((2, 3)), {"surrogate": "sigmoid"}, TypeError,
     r"surrogate must have a derivative\(u\)"),
    (np.zeros((2, 3)), {"v_init": np.zeros(4)}, ValueError,
     r"v_init must have shape x.shape\[1:\] = \(3,\), got \(4,\)"),
    (np.zeros((2, 3)), {"v_init": np.zeros(3, np.float32)}, TypeError,
     "v_init is float32, x is float64"),
    (np.zeros((2, 3)), {"return_membrane": "all"}, ValueError,
     "return_membrane must be False, True or 'last', got 'all'"),
])
def test_bad_arguments_raise_naming_them(x, kwargs, error, message):
    with pytest.raises(error, match=message):
        F.lif(x, **kwargs)


def test_a_subclass_of_a_built_in_surrogate_trains_with_its_own_slope():
    """A subclass may change the slope, so it must not take the built-in's fused formula."""
    from dataclasses import dataclass

    from tinysnn.surrogate import Sigmoid as BuiltIn

    @dataclass(frozen=True)
    class Steeper(BuiltIn):
        def derivative(self, u):
            return 2 * super().derivative(u)

    x_value = np.random.default_rng(0).normal(1.0, 0.5, (4, 3))
    grads = []
    for surrogate in (BuiltIn(), Steeper()):
        x = Tensor(x_value, requires_grad=True)
        F.lif(x, reset="soft", detach_reset=True, surrogate=surrogate).sum().backward()
        grads.append(x.grad)
    # with a soft, detached reset every path through the neuron carries exactly one psi factor
    np.testing.assert_allclose(grads[1], 2 * grads[0], rtol=1e-12)


def test_a_leaf_input_gets_the_backward_kernels_array_as_its_grad(monkeypatch):
    """The autograd path moves no extra copy: x.grad is the very array BPTT wrote."""
    from tinysnn.kernels import lif as kernels

    written = []
    real = kernels.lif_backward

    def spy(*args, **kwargs):
        g_x = real(*args, **kwargs)[0]
        written.append(weakref.ref(g_x))  # a weak reference: the tape stays its only holder
        return g_x, None

    monkeypatch.setattr(kernels, "lif_backward", spy)
    x = Tensor(np.random.default_rng(0).random((4, 3, 5)).astype(np.float32), requires_grad=True)
    F.lif(x).backward(np.ones((4, 3, 5), np.float32))
    assert x.grad is written[0]() and x.grad.base is None and x.grad.shape == (4, 3, 5)
