"""Grades notebook 03's exercises (tutorials/exercises/ex03_bptt.py): tasks 3.1 and 3.2.

Task 3.2 is checked against tinysnn's fused LIF backward kernel, whose specification is
``tinysnn/kernels/lif/reference.py``."""

import numpy as np
import pytest
from compare import assert_array_close, call
from grading import load
from hypothesis import given, settings
from hypothesis import strategies as st

from tinysnn.kernels import lif as kernels
from tinysnn.kernels.lif import reference
from tinysnn.surrogate import Rectangle, Sigmoid
from tinysnn.testing import arrays, lif_configs, shapes

ex = load("ex03_bptt")


# ------------------------------------------------------------------ Task 3.1: rho = dV/dH
CASES = [  # reset, detach_reset, expected rho for h = [1.5, 0.4], s = [1, 0], psi = [0.5, 0.25]
    ("hard", False, [0 + (0.1 - 1.5) * 0.5, 1 + (0.1 - 0.4) * 0.25]),
    ("hard", True, [0.0, 1.0]),
    ("soft", False, [1 - 1.0 * 0.5, 1 - 1.0 * 0.25]),
    ("soft", True, [1.0, 1.0]),
]


@pytest.mark.parametrize("reset, detach, expected", CASES)
def test_task_3_1_worked_values(reset, detach, expected):
    h, s, psi = np.array([1.5, 0.4]), np.array([1.0, 0.0]), np.array([0.5, 0.25])
    rho = np.asarray(ex.reset_factor(h, s, psi, threshold=1.0, reset=reset, v_reset=0.1,
                                     detach_reset=detach))
    assert rho.shape == h.shape, f"rho has shape {rho.shape}, h has {h.shape}"
    assert np.allclose(rho, expected), (
        f"reset={reset!r}, detach_reset={detach}, H={h}, S={s}, psi={psi}, threshold 1, "
        f"v_reset 0.1: rho = {rho}, expected {expected}")


@settings(max_examples=30)
@given(config=lif_configs(), h=arrays((5,), min_value=-1, max_value=3))
def test_task_3_1_is_the_derivative_of_the_reset(config, h):
    # with S replaced by a smooth step F(H - threshold), rho is the true derivative dV/dH
    sg = config["surrogate"]
    threshold, v_reset = config["threshold"], config["v_reset"]

    def v_of(hh):
        s = sg.primitive(hh - threshold)
        if config["reset"] == "hard":
            return hh * (1 - s) + v_reset * s
        return hh - threshold * s

    eps = 1e-6
    numeric = (v_of(h + eps) - v_of(h - eps)) / (2 * eps)
    s, psi = sg.primitive(h - threshold), sg.derivative(h - threshold)
    rho = np.asarray(ex.reset_factor(h, s, psi, threshold, config["reset"], v_reset, False))
    kinks = np.abs(np.abs(h - threshold) - getattr(sg, "width", np.inf) / 2) < 1e-4
    ok = np.isclose(rho, numeric, atol=1e-5) | kinks
    assert ok.all(), (
        f"reset={config['reset']!r}, threshold={threshold}, v_reset={v_reset}, {sg!r}: "
        f"at H = {h[~ok]}, rho = {rho[~ok]} but dV/dH = {numeric[~ok]} (S = primitive(H - "
        f"threshold) in the reset, so rho must follow the product rule)")


# ------------------------------------------------------------------ Task 3.2: the reverse loop
def _h_of(x, config):
    """The membrane before reset that forward saves, from the reference recurrence."""
    flat = x.reshape(len(x), -1)  # [T, N]: the reference loop wants one axis of neurons
    _, h, _ = reference.lif_forward(flat, np.zeros(flat.shape[1:]), config["decay"],
                                    config["threshold"], config["reset"], config["v_reset"])
    return h.reshape(x.shape)


def _kernel_grad(h, g_spikes, config):
    g_x, _ = kernels.lif_backward(h, g_spikes, np.zeros(h.shape[1:]), config["decay"],
                                  config["threshold"], config["reset"], config["v_reset"],
                                  config["detach_reset"], config["surrogate"])
    return g_x


def test_task_3_2_three_steps_by_hand():
    # one neuron, T = 3, L = S[2]: the gradient reaches X[1] and X[0] through the leak and rho
    config = dict(decay=0.5, threshold=1.0, reset="hard", v_reset=0.0, detach_reset=False,
                  surrogate=Sigmoid(alpha=4.0))
    x = np.array([[1.2], [0.3], [0.9]])  # H = 1.2 (spike), 0.3, 1.05 (spike)
    h = _h_of(x, config)
    g_spikes = np.array([[0.0], [0.0], [1.0]])
    got = call("lif_bptt", ex.lif_bptt, h, g_spikes, **config)
    assert_array_close("dL/dX", got, _kernel_grad(h, g_spikes, config), 1e-10, 1e-12,
                       context=f"T = 3, L = S[2], H = {h.ravel()}")


@settings(max_examples=40)
@given(config=lif_configs(), T=st.integers(1, 6), features=shapes(min_dims=0, max_dims=3,
                                                                    max_side=3),
       dtype=st.sampled_from([np.float64, np.float32]), data=st.data())
def test_task_3_2_matches_the_fused_kernel(config, T, features, dtype, data):
    # every rank a LIF layer sees: [T], [T, N], [T, B, N], [T, B, C, H] ...; float64 and float32
    x = data.draw(arrays((T, *features), min_value=-0.5, max_value=2.0), label="x")
    g_spikes = data.draw(arrays((T, *features)), label="dL/dS")
    h, g_spikes = _h_of(x, config).astype(dtype), g_spikes.astype(dtype)
    got = call("lif_bptt", ex.lif_bptt, h, g_spikes, **config)
    expected = _kernel_grad(h, g_spikes, config)
    rtol, atol = (1e-9, 1e-12) if dtype == np.float64 else (1e-4, 1e-5)
    bad = ~np.isclose(np.asarray(got), expected, rtol=rtol, atol=atol)
    if np.shape(got) == expected.shape and bad.any():
        t = int(np.argwhere(bad)[:, 0].max())  # the latest wrong step: the error starts there
        hint = (" (the last step: check gH[T] = 0 and dL/dS psi)" if t == T - 1 else
                " (the last step is right: check gV = decay gH[t+1] and rho)")
        assert_array_close("dL/dX", got, expected, rtol, atol,
                           context=f"first wrong going backwards at t = {t} of T = {T}{hint}; "
                                   f"{config}")
    assert_array_close("dL/dX", got, expected, rtol, atol, context=f"h {dtype.__name__} "
                       f"{list(h.shape)}: dL/dX keeps h's dtype and shape")


def test_task_3_2_fires_at_exactly_the_threshold():
    # H[0] = H[2] = threshold exactly: S = [H >= threshold] = 1 there, so the hard reset's rho
    # is (1 - S) + (v_reset - H) psi = (v_reset - H) psi, not 1 + (v_reset - H) psi
    config = dict(decay=0.5, threshold=1.0, reset="hard", v_reset=0.0, detach_reset=False,
                  surrogate=Sigmoid(alpha=4.0))
    x = np.array([[1.0], [0.5], [0.75], [0.25]])
    h = _h_of(x, config)
    assert h[0, 0] == 1.0 and h[2, 0] == 1.0
    got = call("lif_bptt", ex.lif_bptt, h, np.ones_like(h), **config)
    assert_array_close("dL/dX", got, _kernel_grad(h, np.ones_like(h), config), 1e-10, 1e-12,
                       context=f"H = {h.ravel()} with threshold 1: H equals the threshold exactly "
                               f"at t = 0 and 2, where S = [H >= threshold] = 1")


def test_task_3_2_detach_reset_changes_only_the_reset_path():
    config = dict(decay=0.9, threshold=0.3, reset="hard", v_reset=0.3,
                  surrogate=Rectangle(width=0.5))
    x = np.array([[0.35], [0.1], [0.2], [0.05]])
    h = _h_of(x, config)
    g_spikes = np.ones_like(x)
    for detach in (False, True):
        got = np.asarray(ex.lif_bptt(h, g_spikes, detach_reset=detach, **config))
        expected = _kernel_grad(h, g_spikes, {**config, "detach_reset": detach})
        assert np.allclose(got, expected, rtol=1e-10, atol=1e-12), (
            f"the MA-SNN cell with detach_reset={detach}: dL/dX = {got.ravel()}, "
            f"expected {expected.ravel()}")
