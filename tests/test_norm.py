"""batch_norm: formula, running statistics, eval mode, kernels vs reference, central differences."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn import Tensor
from tinysnn import functional as F
from tinysnn.functional import batch_norm
from tinysnn.kernels.batch_norm import cpu, reference
from tinysnn.testing import arrays, assert_grad_close

bn_shapes = st.sampled_from([2, 3, 4]).flatmap(
    lambda ndim: st.tuples(st.integers(2, 4), st.integers(1, 3),
                           *[st.integers(1, 3)] * (ndim - 2)))


def batch_norm_numpy(x, weight, bias, mean, var, eps=1e-5):
    """y = weight * (x - mean) / sqrt(var + eps) + bias, broadcast along the channel axis 1."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    xhat = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    return weight.reshape(shape) * xhat + bias.reshape(shape)


@given(bn_shapes, st.sampled_from([np.float32, np.float64]), st.data())
def test_batch_norm_training_normalises_with_the_batch_statistics(shape, dtype, data):
    x = data.draw(arrays(shape, dtype, min_value=-4, max_value=4))
    weight, bias = data.draw(arrays(shape[1:2], dtype)), data.draw(arrays(shape[1:2], dtype))
    y = batch_norm(Tensor(x), Tensor(weight), Tensor(bias), None, None, training=True)
    axes = tuple(i for i in range(x.ndim) if i != 1)
    x64 = x.astype(np.float64)
    expected = batch_norm_numpy(x64, weight, bias, x64.mean(axes), x64.var(axes))
    assert y.dtype == dtype
    tol = 2e-3 if dtype == np.float32 else 1e-9  # float32 near-constant channels: 1/std is large
    np.testing.assert_allclose(y.data, expected, rtol=tol, atol=tol)


@given(bn_shapes, st.booleans(), st.booleans(), st.data())
def test_batch_norm_backward_matches_central_differences(shape, training, affine, data):
    # values at least 0.02 apart, so no channel is near-constant (1/std stays moderate)
    x = data.draw(arrays(shape, min_value=-4, max_value=4, distinct=True, margin=0.02))
    running_mean = data.draw(arrays(shape[1:2]))
    running_var = data.draw(arrays(shape[1:2], min_value=0.5, max_value=2))
    inputs = [x] + ([data.draw(arrays(shape[1:2])), data.draw(arrays(shape[1:2]))] if affine
                    else [])

    def fn(x, weight=None, bias=None):
        return batch_norm(x, weight, bias, running_mean.copy(), running_var.copy(), training)

    assert_grad_close(fn, *inputs)


@given(st.tuples(st.integers(2, 4), st.integers(1, 3), st.integers(1, 6)), st.booleans(),
       st.sampled_from([np.float32, np.float64]), st.data())
def test_batch_norm_kernels_match_their_references(shape, training, dtype, data):
    x, grad = data.draw(arrays(shape, dtype)), data.draw(arrays(shape, dtype))
    weight, bias = data.draw(arrays(shape[1:2], dtype)), data.draw(arrays(shape[1:2], dtype))
    mean, var = data.draw(arrays(shape[1:2])), data.draw(arrays(shape[1:2], min_value=0.5))
    y, m, v = cpu.batch_norm_forward(x, weight, bias, 1e-5, training, mean, var)
    y_ref, m_ref, v_ref = reference.batch_norm_forward(x, weight, bias, 1e-5, training, mean, var)
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for ours, ref in [(y, y_ref), (m, m_ref), (v, v_ref)]:
        np.testing.assert_allclose(ours, ref, rtol=tol, atol=tol)
    m, v = m + 0.1, v + 0.5  # away from a zero variance
    ours = cpu.batch_norm_backward(grad, x, weight, m, v, 1e-5, training)
    refs = reference.batch_norm_backward(grad, x, weight, m, v, 1e-5, training)
    for a, b in zip(ours, refs):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_running_statistics_follow_pytorchs_update_rule():
    """x = [1, 3]: mean 2, biased var 1 (normalises), unbiased var 2 (goes into running_var)."""
    x = Tensor(np.array([[1.0], [3.0]]))
    running_mean, running_var = np.zeros(1), np.ones(1)
    y = batch_norm(x, None, None, running_mean, running_var, training=True, momentum=0.1)
    np.testing.assert_allclose(y.data.ravel(), [-1 / np.sqrt(1 + 1e-5), 1 / np.sqrt(1 + 1e-5)])
    np.testing.assert_allclose(running_mean, [0.2])  # 0.9 * 0 + 0.1 * 2
    np.testing.assert_allclose(running_var, [1.1])  # 0.9 * 1 + 0.1 * 2
    batch_norm(x, None, None, running_mean, running_var, training=True, momentum=0.1)
    np.testing.assert_allclose(running_mean, [0.38])  # 0.9 * 0.2 + 0.1 * 2
    np.testing.assert_allclose(running_var, [1.19])  # 0.9 * 1.1 + 0.1 * 2


def test_running_statistics_update_buffers_in_place_over_height_and_width():
    x = np.arange(16, dtype=np.float32).reshape(2, 2, 2, 2)  # channel 0: 0-3 and 8-11
    running_mean, running_var = Tensor(np.zeros(2, np.float32)), Tensor(np.ones(2, np.float32))
    buffer = running_mean.data
    batch_norm(Tensor(x), None, None, running_mean, running_var, training=True, momentum=0.5)
    assert running_mean.data is buffer
    values = np.array([0, 1, 2, 3, 8, 9, 10, 11], np.float64)
    np.testing.assert_allclose(running_mean.data, 0.5 * np.array([values.mean(),
                                                                  values.mean() + 4]))
    np.testing.assert_allclose(running_var.data, 0.5 + 0.5 * values.var(ddof=1), rtol=1e-6)


def test_eval_mode_uses_running_statistics_and_leaves_them_alone():
    rng = np.random.default_rng(0)
    x, weight, bias = rng.standard_normal((5, 3, 4)), rng.standard_normal(3), rng.standard_normal(3)
    running_mean, running_var = np.array([0.5, -1.0, 2.0]), np.array([0.25, 1.0, 4.0])
    y = batch_norm(Tensor(x), Tensor(weight), Tensor(bias), running_mean, running_var, False)
    np.testing.assert_allclose(y.data, batch_norm_numpy(x, weight, bias, running_mean,
                                                        running_var))
    np.testing.assert_array_equal(running_mean, [0.5, -1.0, 2.0])
    np.testing.assert_array_equal(running_var, [0.25, 1.0, 4.0])


def test_float32_statistics_survive_a_large_mean():
    """Shifted sums: a mean of 1000 does not swamp a standard deviation of 0.01 in float32."""
    x = (1000 + 0.01 * np.random.default_rng(0).standard_normal((64, 2, 8))).astype(np.float32)
    _, mean, var = cpu.batch_norm_forward(x, np.ones(2, np.float32), np.zeros(2, np.float32),
                                              1e-5, True)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(var, x64.var(axis=(0, 2)), rtol=1e-3)
    np.testing.assert_allclose(mean, x64.mean(axis=(0, 2)), rtol=1e-7)


def test_batch_norm_errors_name_the_argument_and_shapes():
    x = Tensor(np.zeros((4, 3, 2, 2), np.float32))
    ones = Tensor(np.ones(3, np.float32))
    with pytest.raises(ValueError, match=r"batch_norm: x must be \[N, C\], \[N, C, L\] or"):
        batch_norm(Tensor(np.zeros((2, 3, 2, 2, 2), np.float32)), None, None, None, None, True)
    with pytest.raises(ValueError, match=r"batch_norm: weight must be \[3\] .* got shape \(4,\)"):
        batch_norm(x, Tensor(np.ones(4, np.float32)), ones, None, None, True)
    with pytest.raises(TypeError, match="batch_norm: x is float32, bias is float64"):
        batch_norm(x, ones, Tensor(np.zeros(3)), None, None, True)
    with pytest.raises(TypeError, match="batch_norm: x must be float32 or float64, got int64"):
        batch_norm(Tensor(np.zeros((4, 3), np.int64)), None, None, None, None, True)
    with pytest.raises(ValueError, match="batch_norm: training needs more than 1 value per"):
        batch_norm(Tensor(np.zeros((1, 3), np.float32)), None, None, None, None, True)
    with pytest.raises(ValueError, match="batch_norm: give both running_mean and running_var"):
        batch_norm(x, None, None, np.zeros(3, np.float32), None, True)
    with pytest.raises(ValueError, match=r"batch_norm: running_var must be \[3\]"):
        batch_norm(x, None, None, np.zeros(3, np.float32), np.ones(2, np.float32), True)


# ------------------------------------------------------------------ fused with an average pool
@st.composite
def pooled_cases(draw):
    """(x shape [N, C, H, W] with H, W multiples of k, k)."""
    k = draw(st.integers(1, 3))
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = k * draw(st.integers(1, 3)), k * draw(st.integers(1, 3))
    if n * h * w < 2:
        n = 2
    return (n, c, h, w), k


@given(pooled_cases(), st.booleans(), st.sampled_from([np.float32, np.float64]), st.data())
def test_batch_norm_then_avg_pool_in_one_pass_equals_the_two_ops(case, training, dtype, data):
    shape, k = case
    x = data.draw(arrays(shape, dtype))
    weight, bias = data.draw(arrays((shape[1],), dtype)), data.draw(arrays((shape[1],), dtype))
    grad = data.draw(arrays((shape[0], shape[1], shape[2] // k, shape[3] // k), dtype))
    outputs = []
    for fused in (True, False):
        stats = [np.zeros(shape[1], dtype), np.ones(shape[1], dtype)]
        leaves = [Tensor(a.copy(), requires_grad=True) for a in (x, weight, bias)]
        if fused:
            y = F.batch_norm_avg_pool2d(*leaves, *stats, training, k)
        else:
            y = F.avg_pool2d(F.batch_norm(*leaves, *stats, training), k)
        y.backward(grad)
        outputs.append([y.data, *(t.grad for t in leaves), *stats])
    tol = 1e-4 if dtype == np.float32 else 1e-10
    for fused, composed in zip(*outputs):
        np.testing.assert_allclose(fused, composed, rtol=tol, atol=tol)


@given(pooled_cases(), st.booleans(), st.data())
def test_batch_norm_avg_pool_gradients_match_central_differences(case, training, data):
    shape, k = case
    x = data.draw(arrays(shape))
    weight, bias = data.draw(arrays((shape[1],))), data.draw(arrays((shape[1],)))
    stats = (np.zeros(shape[1]), np.ones(shape[1]))
    assert_grad_close(lambda a, w, b: F.batch_norm_avg_pool2d(a, w, b, None, None, True, k)
                      if training else
                      F.batch_norm_avg_pool2d(a, w, b, *stats, False, k), x, weight, bias)


@given(pooled_cases(), st.booleans(), st.data())
def test_fused_kernels_match_their_reference(case, training, data):
    shape, k = case
    x = data.draw(arrays(shape))
    weight, bias = data.draw(arrays((shape[1],))), data.draw(arrays((shape[1],)))
    mean, var = data.draw(arrays((shape[1],))), 1 + data.draw(arrays((shape[1],), min_value=0))
    stats = (None, None) if training else (mean, var)
    y, m, v = cpu.batch_norm_avg_pool_forward(x, weight, bias, 1e-5, training, k, *stats)
    y_ref, m_ref, v_ref = reference.batch_norm_avg_pool_forward(x, weight, bias, 1e-5, training,
                                                                k, *stats)
    for ours, theirs in ((y, y_ref), (m, m_ref), (v, v_ref)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)
    grad = data.draw(arrays(y.shape))
    for ours, theirs in zip(
            cpu.batch_norm_avg_pool_backward(grad, x, weight, m, v, 1e-5, training, k),
            reference.batch_norm_avg_pool_backward(grad, x, weight, m, v, 1e-5, training, k)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10)


def test_batch_norm_avg_pool_refuses_windows_that_do_not_tile():
    x = Tensor(np.zeros((2, 3, 5, 4), np.float32))
    with pytest.raises(ValueError, match="kernel_size must be an integer >= 1 that divides H"):
        F.batch_norm_avg_pool2d(x, None, None, None, None, True, 2)
