"""A fused surrogate is one class: defined here, outside tinysnn, the LIF kernels compute its
slope inside their BPTT loop (no array of slopes, ``derivative`` never called) and give the
reference loop's gradients bit for bit, on the CPU and in the CUDA source."""

from dataclasses import dataclass

import numpy as np
import pytest
from test_lif_cupy import CXX, cpu_cupy  # noqa: F401  (cpu_cupy: a fixture)

from tinysnn import Tensor
from tinysnn import functional as F
from tinysnn.autograd import grad_support
from tinysnn.kernels.lif import cpu as lif_cpu
from tinysnn.kernels.lif import reference as lif_reference
from tinysnn.surrogate import Surrogate

DERIVATIVE_CALLS = []


@dataclass(frozen=True)
class Parabola(Surrogate):
    """psi(u) = 3/(4h) (1 - (u/h)^2) for |u| < h = width/2, else 0 (area 1)."""

    width: float = 1.0
    compact = True  # 0 outside |u| < width/2

    def derivative(self, u):
        DERIVATIVE_CALLS.append(u.shape)
        c0, c1 = (u.dtype.type(c) for c in self.slope_constants())
        v = u * c1
        return np.where(v * v < 1, c0 * (1 - v * v), u.dtype.type(0))

    def slope_constants(self):
        return (3 / (2 * self.width), 2 / self.width)  # c0 = 3/(4h), c1 = 1/h

    @staticmethod
    def numba_slope(u, c0, c1, one):
        v = u * c1
        return c0 * (one - v * v) if v * v < one else one - one

    cuda_slope = "T v = u * c1; return v * v < 1 ? c0 * (1 - v * v) : (T)0;"


def problem(dtype, seed=0):
    """x [T, B, N] around the threshold (1.0), v_init [B, N], dL/dS [T, B, N]."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.6, 0.8, (5, 3, 7)).astype(dtype)
    return x, rng.normal(0, 0.5, x.shape[1:]).astype(dtype), rng.normal(size=x.shape).astype(dtype)


def reference_gradients(x, v_init, g_spikes, surrogate, reset, detach_reset):
    _, h, _ = lif_reference.lif_forward(x, v_init, 0.5, 1.0, reset, 0.0)
    return lif_reference.lif_backward(h, g_spikes, np.zeros_like(v_init), 0.5, 1.0, reset, 0.0,
                                      detach_reset, surrogate)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reset, detach_reset", [("hard", False), ("soft", False),
                                                 ("hard", True)])
def test_a_new_fused_surrogate_takes_the_fused_path_and_equals_the_reference_bitwise(
        monkeypatch, dtype, reset, detach_reset):
    surrogate = Parabola(width=0.8)
    x, v_init, g_spikes = problem(dtype)

    def no_slope_array(*args):
        raise AssertionError("the kernels asked for an array of slopes: not the fused path")

    monkeypatch.setattr(lif_cpu, "surrogate_slopes", no_slope_array)
    DERIVATIVE_CALLS.clear()
    xt, vt = Tensor(x, requires_grad=True), Tensor(v_init, requires_grad=True)
    spikes = F.lif(xt, v_init=vt, reset=reset, detach_reset=detach_reset, surrogate=surrogate)
    spikes.backward(g_spikes)
    assert DERIVATIVE_CALLS == []  # psi was computed inside the BPTT loop
    want_x, want_v = reference_gradients(x, v_init, g_spikes, surrogate, reset, detach_reset)
    assert np.count_nonzero(want_x) > 0 and np.count_nonzero(want_x) < want_x.size  # compact
    np.testing.assert_array_equal(xt.grad, want_x, strict=True)
    np.testing.assert_array_equal(vt.grad, want_v, strict=True)


def test_a_compact_fused_surrogate_tells_the_next_layer_where_its_gradient_is_read():
    surrogate = Parabola(width=0.8)
    x, _, _ = problem(np.float64)
    spikes = F.lif(Tensor(x, requires_grad=True), surrogate=surrogate)
    _, h, _ = lif_reference.lif_forward(x, np.zeros(x.shape[1:]), 0.5, 1.0, "hard", 0.0)
    np.testing.assert_array_equal(grad_support(spikes), surrogate.derivative(h - 1.0) != 0)


def test_a_subclass_that_redefines_derivative_gets_its_derivative_called():
    @dataclass(frozen=True)
    class Steeper(Parabola):
        def derivative(self, u):
            return 2 * super().derivative(u)

    assert Parabola().fused_slope() is not None and Steeper().fused_slope() is None
    x, v_init, g_spikes = problem(np.float64)
    xt = Tensor(x, requires_grad=True)
    F.lif(xt, v_init=v_init, surrogate=Steeper()).backward(g_spikes)
    want_x, _ = reference_gradients(x, v_init, g_spikes, Steeper(), "hard", False)
    np.testing.assert_array_equal(xt.grad, want_x)


@pytest.mark.skipif(CXX is None, reason="needs a C++ compiler")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_new_surrogates_cuda_slope_equals_the_reference_bitwise(cpu_cupy, dtype):  # noqa: F811
    surrogate = Parabola(width=0.8)
    x, v_init, g_spikes = problem(dtype, seed=1)
    _, h, _ = cpu_cupy.lif_forward(x, v_init, 0.5, 1.0, "hard", 0.0)
    DERIVATIVE_CALLS.clear()
    got = cpu_cupy.lif_backward(h, g_spikes, np.zeros_like(v_init), 0.5, 1.0, "hard", 0.0, False,
                                surrogate)
    assert DERIVATIVE_CALLS == []
    want = reference_gradients(x, v_init, g_spikes, surrogate, "hard", False)
    for got_array, want_array in zip(got, want, strict=True):
        np.testing.assert_array_equal(got_array, want_array, strict=True)
