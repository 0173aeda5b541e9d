"""Surrogates of a user's own train in F.lif and nn.LIF: the general path and numba_derivative.

A built-in surrogate runs inside the fused kernels; any other object with derivative(u) takes
the general path (derivative called once on the whole [T, N] array of membranes), and one that
also offers numba_derivative gets it applied in one parallel Numba pass. Each built-in,
re-implemented here as a plain class that knows nothing of tinysnn, must train exactly as the
built-in does, float rounding aside.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numba import njit

from tinysnn import Tensor, nn
from tinysnn import functional as F
from tinysnn.surrogate import ATan, FastSigmoid, Rectangle, Sigmoid, Triangle
from tinysnn.testing import arrays, lif_configs, shapes, time_major


class UserSigmoid:
    def __init__(self, alpha):
        self.alpha = alpha

    def derivative(self, u):
        e = np.exp(-np.abs(self.alpha * u))  # sigmoid' = e / (1 + e)^2, without overflow
        return self.alpha * e / (1 + e) ** 2


class UserATan:
    def __init__(self, alpha):
        self.alpha = alpha

    def derivative(self, u):
        return self.alpha / 2 / (1 + (math.pi / 2 * self.alpha * u) ** 2)


class UserRectangle:
    def __init__(self, width):
        self.width = width

    def derivative(self, u):
        return np.where(np.abs(u) < self.width / 2, 1 / self.width, 0.0).astype(u.dtype)


class UserTriangle:
    def __init__(self, width):
        self.half = width / 2

    def derivative(self, u):
        inside = np.abs(u) < self.half
        return np.where(inside, (1 - np.abs(u) / self.half) / self.half, 0.0).astype(u.dtype)


class UserFastSigmoid:
    def __init__(self, slope):
        self.slope = slope

    def derivative(self, u):
        return self.slope / 2 / (1 + self.slope * np.abs(u)) ** 2


def as_users(built_in):
    """The user's re-implementation of a built-in surrogate, with the same settings."""
    if isinstance(built_in, Sigmoid):
        return UserSigmoid(built_in.alpha)
    if isinstance(built_in, ATan):
        return UserATan(built_in.alpha)
    if isinstance(built_in, Rectangle):
        return UserRectangle(built_in.width)
    if isinstance(built_in, Triangle):
        return UserTriangle(built_in.width)
    return UserFastSigmoid(built_in.slope)


def gradients(x, v_init, probe, config, surrogate):
    xt, vt = Tensor(x, requires_grad=True), Tensor(v_init, requires_grad=True)
    spikes, v = F.lif(xt, v_init=vt, return_membrane=True, **{**config, "surrogate": surrogate})
    ((spikes + v) * probe).sum().backward()
    return spikes.data, xt.grad, vt.grad


def assert_close_to_scale(actual, expected, rtol):
    """Equal up to rtol of the largest magnitude: BPTT sums many terms, and one rounding apart
    in a slope can leave an absolute difference on an element that summed to almost 0."""
    scale = max(float(np.abs(expected).max()), 1.0)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


@given(x=time_major(st.integers(1, 6), st.integers(1, 3), shapes(0, 2, max_side=4)),
       config=lif_configs(decay=0.7), dtype=st.sampled_from([np.float64, np.float32]),
       data=st.data())
def test_each_built_in_rewritten_by_a_user_trains_as_the_fused_built_in(x, config, dtype, data):
    x = x.astype(dtype)
    v_init = data.draw(arrays(x.shape[1:])).astype(dtype)
    probe = data.draw(arrays(x.shape)).astype(dtype)
    fused = gradients(x, v_init, probe, config, config["surrogate"])
    general = gradients(x, v_init, probe, config, as_users(config["surrogate"]))
    np.testing.assert_array_equal(general[0], fused[0])  # forward does not see the surrogate
    rtol = 1e-9 if dtype == np.float64 else 2e-4
    assert_close_to_scale(general[1], fused[1], rtol)
    assert_close_to_scale(general[2], fused[2], rtol)


@pytest.mark.parametrize("built_in", [Sigmoid(), ATan(), Rectangle(width=0.5), Triangle(),
                                      FastSigmoid()])
def test_nn_lif_takes_a_users_surrogate(built_in):
    x = np.random.default_rng(1).normal(0.6, 1.0, (8, 3, 5)).astype(np.float32)
    grads = []
    for surrogate in (built_in, as_users(built_in)):
        xt = Tensor(x, requires_grad=True)
        nn.LIF(tau=2.0, surrogate=surrogate)(xt).sum().backward()
        grads.append(xt.grad)
    assert np.abs(grads[0]).max() > 0
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-5, atol=1e-6)


class CountingFastSigmoid(UserFastSigmoid):
    """Records each call of derivative and the shape it got."""

    def __init__(self, slope):
        super().__init__(slope)
        self.calls = []

    def derivative(self, u):
        self.calls.append(u.shape)
        return super().derivative(u)


def test_the_general_path_calls_derivative_once_on_the_whole_sequence():
    x = Tensor(np.random.default_rng(2).normal(0.6, 1.0, (7, 4, 3, 2)), requires_grad=True)
    surrogate = CountingFastSigmoid(10.0)
    F.lif(x, surrogate=surrogate).sum().backward()
    assert surrogate.calls == [(7, 24)]  # [T, N]: no Python loop over steps or neurons


def fast_sigmoid_numba(slope):
    """A scalar slope Numba can compile, with the user's setting baked in as a constant."""
    half = slope / 2

    @njit
    def derivative(u):
        d = 1 + slope * abs(u)
        return half / (d * d)

    return derivative


class NumbaFastSigmoid(CountingFastSigmoid):
    """derivative(u) for arrays (CuPy, or any caller), numba_derivative for the LIF kernels."""

    def __init__(self, slope):
        super().__init__(slope)
        self.numba_derivative = fast_sigmoid_numba(slope)

    def derivative(self, u):
        self.calls.append(u.shape)
        d = 1 + self.slope * np.abs(u)
        return self.slope / 2 / (d * d)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numba_derivative_is_used_and_gives_the_slopes_of_derivative(dtype):
    x = np.random.default_rng(3).normal(0.6, 1.0, (6, 5, 4)).astype(dtype)
    probe = np.random.default_rng(4).normal(size=x.shape).astype(dtype)
    config = {"decay": 0.6, "threshold": 0.8, "reset": "hard", "v_reset": 0.1}
    v_init = np.zeros(x.shape[1:], dtype)
    scalar = NumbaFastSigmoid(8.0)
    fast = gradients(x, v_init, probe, config, scalar)
    assert scalar.calls == []  # the kernel path never called derivative
    general = gradients(x, v_init, probe, config, UserFastSigmoid(8.0))
    fused = gradients(x, v_init, probe, config, FastSigmoid(slope=8.0))
    if dtype == np.float64:  # the same operations, one number at a time: the same bits
        np.testing.assert_array_equal(fast[1], general[1])
    else:  # the Numba function's constants are Python floats: it computes psi in float64
        assert_close_to_scale(fast[1], general[1], 1e-5)
    assert_close_to_scale(fast[1], fused[1], 1e-12 if dtype == np.float64 else 1e-5)
