"""Surrogate gradients: each derivative is the slope of its primitive, finite everywhere."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn.kernels.exp import EXP_CONSTANTS, exp_nonpositive
from tinysnn.surrogate import ATan, FastSigmoid, Rectangle, Sigmoid, Triangle
from tinysnn.testing import arrays, assert_grad_close, shapes, smooth_spike, surrogates

ALL = (Sigmoid(), ATan(), Rectangle(), Triangle(), FastSigmoid())


def kinks(surrogate):
    """Where the derivative is not smooth (the primitive's derivative jumps or bends)."""
    if isinstance(surrogate, Rectangle):
        return (-surrogate.width / 2, surrogate.width / 2)
    if isinstance(surrogate, Triangle):
        return (-surrogate.width / 2, 0.0, surrogate.width / 2)
    return (0.0,) if isinstance(surrogate, FastSigmoid) else ()


@given(data=st.data(), surrogate=surrogates())
def test_derivative_is_the_slope_of_the_primitive(data, surrogate):
    u = data.draw(arrays(shapes(max_dims=2, max_side=8), min_value=-3.0, max_value=3.0,
                         avoid=kinks(surrogate), margin=1e-3))
    # SmoothSpike: forward the primitive, backward F.spike's grad * derivative
    assert_grad_close(lambda t: smooth_spike(t, surrogate), u, eps=1e-7,
                      atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("surrogate", ALL + (Sigmoid(alpha=1e3), ATan(alpha=1e3),
                                              FastSigmoid(slope=1e3), Rectangle(width=1e-3)))
def test_finite_on_the_whole_range(surrogate, dtype):
    u = np.concatenate([np.linspace(-1e4, 1e4, 20001), [-1e4, -1e-30, 0.0, 1e-30, 1e4]])
    u = u.astype(dtype)
    slope, step = surrogate.derivative(u), surrogate.primitive(u)
    assert slope.dtype == dtype and step.dtype == dtype
    assert np.all(np.isfinite(slope)) and np.all(slope >= 0)
    assert np.all(np.isfinite(step)) and np.all((step >= 0) & (step <= 1))


@pytest.mark.parametrize("surrogate", ALL)
def test_primitive_is_a_step_from_0_to_1(surrogate):
    far = np.array([-1e4, 1e4])
    assert np.allclose(surrogate.primitive(far), [0.0, 1.0], atol=1e-4)
    assert np.all(np.diff(surrogate.primitive(np.linspace(-3, 3, 601))) >= 0)


def test_rectangle_half_is_the_ma_snn_surrogate():
    """The authors' code: slope 1/0.5 = 2 where |u| < 0.25, else 0 (strict inequality)."""
    u = np.array([-0.3, -0.25, -0.2499, 0.0, 0.2499, 0.25, 0.3])
    assert np.array_equal(Rectangle(width=0.5).derivative(u), [0, 0, 2, 2, 2, 0, 0])


def test_surrogates_are_values_with_a_readable_repr():
    assert Sigmoid(alpha=4.0) == Sigmoid() and hash(Sigmoid(4.0)) == hash(Sigmoid())
    assert Sigmoid(alpha=2.0) != Sigmoid() and Rectangle(1.0) != Triangle(1.0)
    assert repr(Rectangle(width=0.5)) == "Rectangle(width=0.5)"
    assert len({*ALL, *ALL}) == len(ALL)


@pytest.mark.parametrize("make", [Sigmoid, ATan, Rectangle, Triangle, FastSigmoid])
@pytest.mark.parametrize("bad", [0.0, -1.0, float("inf"), float("nan"), "2"])
def test_bad_sharpness_raises_naming_it(make, bad):
    with pytest.raises(ValueError, match=f"{make.__name__}: .* must be a finite number > 0"):
        make(bad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_nonpositive_is_within_2_ulp_of_exp(dtype):
    lowest = EXP_CONSTANTS[np.dtype(dtype)].lowest
    x = np.concatenate([np.linspace(lowest, 0, 200001), -np.geomspace(1e-30, -lowest, 50001)])
    x = x.astype(dtype)
    exact = np.exp(x.astype(np.float64))
    ulps = np.abs(exp_nonpositive(x) - exact) / np.spacing(exact.astype(dtype))
    assert ulps.max() <= 2


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_exp_nonpositive_flushes_to_zero_below_lowest(dtype):
    lowest = EXP_CONSTANTS[np.dtype(dtype)].lowest
    x = np.array([lowest * 1.0001, -1e4, -np.inf], dtype)
    assert np.array_equal(exp_nonpositive(x), [0, 0, 0])
    assert exp_nonpositive(np.array([lowest], dtype))[0] > 0
