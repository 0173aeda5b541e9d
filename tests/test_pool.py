"""avg_pool2d and max_pool2d: Numba kernels against loops, references and central differences."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn import Tensor
from tinysnn.functional import avg_pool2d, max_pool2d
from tinysnn.kernels.pool import cpu, reference
from tinysnn.testing import arrays, assert_grad_close


@st.composite
def pool_configs(draw, max_side=6):
    """(x shape, kernel, stride, padding): padding <= kernel // 2, window fits the padded input."""
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    h = draw(st.integers(max(1, kernel[0] - 2 * padding[0]), max_side))
    w = draw(st.integers(max(1, kernel[1] - 2 * padding[1]), max_side))
    return (draw(st.integers(1, 3)), draw(st.integers(1, 3)), h, w), kernel, stride, padding


def pool_loop(x, kernel, stride, padding, reduce):
    """y[n, c, a, b] = reduce(xpad[n, c, a*sh : a*sh + kh, b*sw : b*sw + kw])."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    fill = -np.inf if reduce is np.max else 0.0
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    ho, wo = (xpad.shape[2] - kh) // sh + 1, (xpad.shape[3] - kw) // sw + 1
    y = np.empty(x.shape[:2] + (ho, wo))
    for a in range(ho):
        for b in range(wo):
            y[:, :, a, b] = reduce(xpad[:, :, a * sh : a * sh + kh, b * sw : b * sw + kw], (2, 3))
    return y


@given(pool_configs(), st.sampled_from([np.float32, np.float64]), st.data())
def test_pools_match_explicit_loops(config, dtype, data):
    shape, kernel, stride, padding = config
    x = data.draw(arrays(shape, dtype))
    avg = avg_pool2d(Tensor(x), kernel, stride, padding)
    mx = max_pool2d(Tensor(x), kernel, stride, padding)
    assert avg.dtype == dtype and mx.dtype == dtype
    expected_avg = pool_loop(x.astype(np.float64), kernel, stride, padding, np.mean)
    np.testing.assert_allclose(avg.data, expected_avg, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(mx.data, pool_loop(x, kernel, stride, padding, np.max))


@given(pool_configs(max_side=5), st.data())
def test_avg_pool2d_backward_matches_central_differences(config, data):
    shape, kernel, stride, padding = config
    assert_grad_close(lambda t: avg_pool2d(t, kernel, stride, padding), data.draw(arrays(shape)))


@given(pool_configs(max_side=5), st.data())
def test_max_pool2d_backward_matches_central_differences(config, data):
    shape, kernel, stride, padding = config
    x = data.draw(arrays(shape, distinct=True, margin=1e-3))  # no ties: the max is unique
    assert_grad_close(lambda t: max_pool2d(t, kernel, stride, padding), x)


@given(pool_configs(), st.sampled_from([np.float32, np.float64]), st.data())
def test_pool_kernels_match_their_references(config, dtype, data):
    shape, kernel, stride, padding = config
    x = data.draw(arrays(shape, dtype, distinct=True, margin=1e-3))
    y, argmax = cpu.max_pool_forward(x, kernel, stride, padding)
    y_ref, argmax_ref = reference.max_pool_forward(x, kernel, stride, padding)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(argmax, argmax_ref)
    assert argmax.dtype == np.uint8
    g = data.draw(arrays(y.shape, dtype))
    np.testing.assert_allclose(cpu.max_pool_backward(g, argmax, shape, kernel, stride, padding),
                               reference.max_pool_backward(g, argmax, shape, kernel, stride,
                                                                padding), rtol=1e-6)
    np.testing.assert_allclose(cpu.avg_pool_forward(x, kernel, stride, padding),
                               reference.avg_pool_forward(x, kernel, stride, padding),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cpu.avg_pool_backward(g, shape, kernel, stride, padding),
                               reference.avg_pool_backward(g, shape, kernel, stride,
                                                                padding), rtol=1e-5, atol=1e-6)


@given(pool_configs(), st.data())
def test_max_pool2d_sends_each_gradient_to_its_argmax_only(config, data):
    shape, kernel, stride, padding = config
    x = Tensor(data.draw(arrays(shape, distinct=True, margin=1e-3)), requires_grad=True)
    y = max_pool2d(x, kernel, stride, padding)
    g = data.draw(arrays(y.shape, min_value=0.5, max_value=2.0))  # positive: no cancellation
    y.backward(g)
    winners = x.grad != 0
    assert np.isclose(x.grad.sum(), g.sum())  # every output's gradient lands somewhere, once
    assert set(x.data[winners]) == set(y.data.ravel())  # and only on values that won a window


def test_avg_pool2d_counts_padding_as_zeros():
    y = avg_pool2d(Tensor(np.ones((1, 1, 4, 4))), 3, stride=1, padding=1)
    assert y.data[0, 0, 0, 0] == pytest.approx(4 / 9)  # corner window: 4 ones, 5 padded zeros
    assert y.data[0, 0, 1, 1] == pytest.approx(1.0)


def test_max_pool2d_propagates_nan_and_ignores_padding():
    x = np.array([[[[1.0, np.nan], [2.0, 0.5]]]])
    assert np.isnan(max_pool2d(Tensor(x), 2).data).all()
    negative = Tensor(-np.ones((1, 1, 2, 2)))
    assert (max_pool2d(negative, 2, stride=1, padding=1).data == -1).all()  # padding never wins


def test_max_pool2d_argmax_is_int32_for_windows_over_256_elements():
    _, argmax = cpu.max_pool_forward(np.zeros((1, 1, 17, 17)), (17, 17), (1, 1), (0, 0))
    assert argmax.dtype == np.int32


def test_pool_stride_defaults_to_the_kernel_size():
    x = Tensor(np.zeros((2, 3, 8, 6), np.float32))
    assert avg_pool2d(x, 2).shape == (2, 3, 4, 3)
    assert max_pool2d(x, (4, 3)).shape == (2, 3, 2, 2)


def test_pool_errors_name_the_argument_and_shapes():
    x = Tensor(np.zeros((2, 3, 4, 4), np.float32))
    with pytest.raises(ValueError, match=r"max_pool2d: x must be \[N, C, H, W\], got shape \(3,"):
        max_pool2d(Tensor(np.zeros((3, 4), np.float32)), 2)
    with pytest.raises(ValueError, match="avg_pool2d: kernel 5x5 is larger than the padded input"):
        avg_pool2d(x, 5)
    with pytest.raises(ValueError, match="max_pool2d: padding .* must be at most half the kernel"):
        max_pool2d(x, 2, padding=2)
    with pytest.raises(TypeError, match="avg_pool2d: x must be float32 or float64, got int32"):
        avg_pool2d(Tensor(np.zeros((1, 1, 4, 4), np.int32)), 2)
    with pytest.raises(ValueError, match="max_pool2d: kernel_size must be an integer >= 1"):
        max_pool2d(x, 0)


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4),
       st.sampled_from([np.float32, np.float64]), st.data())
def test_tiling_2x2_fast_path_matches_the_reference(n, c, half_h, half_w, dtype, data):
    shape, window = (n, c, 2 * half_h, 2 * half_w), ((2, 2), (2, 2), (0, 0))
    assert cpu._tiles_2x2(shape, *window)
    x = data.draw(arrays(shape, dtype))
    g = data.draw(arrays((n, c, half_h, half_w), dtype))
    np.testing.assert_allclose(cpu.avg_pool_forward(x, *window),
                               reference.avg_pool_forward(x, *window), rtol=1e-6)
    np.testing.assert_allclose(cpu.avg_pool_backward(g, shape, *window),
                               reference.avg_pool_backward(g, shape, *window), rtol=1e-6)
    assert_grad_close(lambda t: avg_pool2d(t, 2), x.astype(np.float64))


def test_tiling_2x2_fast_path_runs_on_large_inputs_too():
    # large enough for the parallel kernel (tinysnn.kernels.threads.PARALLEL_MIN_SIZE)
    x = np.random.default_rng(0).random((8, 16, 32, 32)).astype(np.float32)
    window = ((2, 2), (2, 2), (0, 0))
    np.testing.assert_allclose(cpu.avg_pool_forward(x, *window),
                               reference.avg_pool_forward(x, *window), rtol=1e-6)
    g = np.random.default_rng(1).random((8, 16, 16, 16)).astype(np.float32)
    np.testing.assert_allclose(cpu.avg_pool_backward(g, x.shape, *window),
                               reference.avg_pool_backward(g, x.shape, *window), rtol=1e-6)


def test_odd_sides_take_the_general_kernel():
    assert not cpu._tiles_2x2((1, 1, 5, 4), (2, 2), (2, 2), (0, 0))
    x = np.random.default_rng(0).random((2, 3, 5, 7))
    np.testing.assert_allclose(cpu.avg_pool_backward(np.ones((2, 3, 2, 3)), x.shape, (2, 2),
                                                      (2, 2), (0, 0))[:, :, 4, :], 0)
