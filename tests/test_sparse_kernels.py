"""Event-driven conv and linear kernels: Numba == plain reference == the dense GEMM, on inputs
of every density (all zero, one spike, sparse spikes, all ones, real values), the input gradient
computed only where the LIF layer before reads it, and the dispatch."""

import contextlib

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tinysnn import Tensor
from tinysnn.functional import conv2d, linear
from tinysnn.kernels import conv as conv_kernels
from tinysnn.kernels import linear as linear_kernels
from tinysnn.kernels import sparsity
from tinysnn.kernels.conv import reference as conv_reference
from tinysnn.kernels.linear import reference as linear_reference
from tinysnn.testing import arrays, assert_grad_close

PATTERNS = ("zeros", "one spike", "spikes", "ones", "sparse values", "dense values")


def inputs(shape, pattern, dtype, data):
    """An input of ``shape`` following ``pattern`` (the density edge cases and real values)."""
    size = int(np.prod(shape))
    if pattern == "zeros":
        return np.zeros(shape, dtype)
    if pattern == "ones":
        return np.ones(shape, dtype)
    if pattern == "one spike":
        x = np.zeros(size, dtype)
        x[data.draw(st.integers(0, size - 1))] = 1
        return x.reshape(shape)
    mask = data.draw(arrays(shape, min_value=0, max_value=1)) < data.draw(st.floats(0.05, 0.5))
    if pattern == "spikes":
        return mask.astype(dtype)
    values = data.draw(arrays(shape, dtype))
    return values * mask if pattern == "sparse values" else values


@st.composite
def conv_cases(draw, max_side=6):
    """(x shape, weight shape, stride, padding) whose kernel fits the padded input."""
    n, c, o = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 5))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, kh // 2 + 1)), draw(st.integers(0, kw // 2 + 1)))
    h = draw(st.integers(max(1, kh - 2 * padding[0]), max_side))
    w = draw(st.integers(max(1, kw - 2 * padding[1]), max_side))
    return (n, c, h, w), (o, c, kh, kw), stride, padding


def dense_conv(x, weight, bias, stride, padding):
    """The GEMM formulation (reference im2col), the ground truth for both sparse versions.

    Returns y [N, O, Ho, Wo] and cols [C*kh*kw, N*Ho*Wo]."""
    out_ch, _, kh, kw = weight.shape
    cols = conv_reference.im2col(x, kh, kw, stride, padding)
    ho = conv_reference.output_size(x.shape[2], kh, stride[0], padding[0])
    wo = conv_reference.output_size(x.shape[3], kw, stride[1], padding[1])
    y = (weight.reshape(out_ch, -1) @ cols).reshape(out_ch, x.shape[0], ho, wo)
    return y.transpose(1, 0, 2, 3) + (0 if bias is None else bias[None, :, None, None]), cols


@st.composite
def event_cases(draw, max_side=6):
    """(x shape, weight shape, padding) of a stride-1 convolution the event kernels run."""
    n, c, o = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 5))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = (draw(st.integers(0, kh - 1)), draw(st.integers(0, kw - 1)))
    h = draw(st.integers(max(1, kh - 2 * padding[0]), max_side))
    w = draw(st.integers(max(1, kw - 2 * padding[1]), max_side))
    return (n, c, h, w), (o, c, kh, kw), padding


def supports(shape, data):
    """Where an input gradient is wanted: nowhere, everywhere, one place, or a random share."""
    kind = data.draw(st.sampled_from(["none", "all", "one", "some"]))
    if kind in ("none", "all"):
        return np.full(shape, kind == "all")
    if kind == "one":
        return inputs(shape, "one spike", np.float64, data) != 0
    return inputs(shape, "spikes", np.float64, data) != 0


@given(conv_cases(), st.sampled_from(PATTERNS), st.sampled_from([np.float32, np.float64]),
       st.booleans(), st.data())
def test_sparse_conv_references_match_gemm(case, pattern, dtype, with_bias, data):
    x_shape, w_shape, stride, padding = case
    x = inputs(x_shape, pattern, dtype, data)
    weight = data.draw(arrays(w_shape, dtype))
    bias = data.draw(arrays((w_shape[0],), dtype)) if with_bias else None
    expected, cols = dense_conv(x.astype(np.float64), weight, bias, stride, padding)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(conv_reference.sparse_conv_forward(x, weight, bias, stride, padding),
                               expected, rtol=tol, atol=tol)
    grad = data.draw(arrays(expected.shape, dtype))
    g2 = grad.transpose(1, 0, 2, 3).reshape(w_shape[0], -1)
    np.testing.assert_allclose(
        conv_reference.sparse_conv_weight_grad(x, grad, w_shape[2:], stride, padding),
        (g2 @ cols.T).reshape(w_shape), rtol=tol, atol=tol)
    support = supports(x_shape, data)
    dense_gx = conv_reference.col2im(weight.reshape(w_shape[0], -1).T @ g2, x_shape,
                                     *w_shape[2:], stride, padding)
    np.testing.assert_allclose(
        conv_reference.masked_conv_input_grad(grad, weight, support, stride, padding),
        np.where(support, dense_gx, 0), rtol=tol, atol=tol)


@given(event_cases(), st.sampled_from(PATTERNS), st.sampled_from([np.float32, np.float64]),
       st.booleans(), st.data())
def test_event_conv_kernels_match_reference_and_gemm(case, pattern, dtype, with_bias, data):
    x_shape, w_shape, padding = case
    x = inputs(x_shape, pattern, dtype, data)
    weight = data.draw(arrays(w_shape, dtype))
    bias = data.draw(arrays((w_shape[0],), dtype)) if with_bias else None
    expected, cols = dense_conv(x.astype(np.float64), weight, bias, (1, 1), padding)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    y = conv_kernels.event_conv_forward(x, weight, bias, padding)
    assert y.dtype == dtype and y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=tol, atol=tol)
    grad = data.draw(arrays(expected.shape, dtype))
    support = supports(x_shape, data)
    g2 = grad.transpose(1, 0, 2, 3).reshape(w_shape[0], -1)
    expected_gw = (g2 @ cols.T).reshape(w_shape)
    expected_gx = conv_reference.masked_conv_input_grad(grad, weight, support, (1, 1), padding)
    weight_grad = data.draw(st.booleans())
    gx, gw = conv_kernels.event_conv_backward(x, grad, weight, padding, weight_grad, support)
    assert gx.dtype == dtype and gx.shape == x_shape
    np.testing.assert_allclose(gx, expected_gx, rtol=tol, atol=tol)
    assert not gx[~support].any()  # exactly 0 where no gradient is wanted
    if weight_grad:
        assert gw.dtype == dtype and gw.shape == w_shape
        np.testing.assert_allclose(gw, expected_gw, rtol=tol, atol=tol)
    else:
        assert gw is None
    gx, gw = conv_kernels.event_conv_backward(x, grad, weight, padding, True, None)
    assert gx is None
    np.testing.assert_allclose(gw, expected_gw, rtol=tol, atol=tol)


@given(st.integers(1, 5), st.integers(1, 9), st.integers(1, 6), st.sampled_from(PATTERNS),
       st.sampled_from([np.float32, np.float64]), st.booleans(), st.data())
def test_sparse_linear_kernels_match_reference_and_gemm(rows, features, out, pattern, dtype,
                                                        with_bias, data):
    x = inputs((rows, features), pattern, dtype, data)
    weight = data.draw(arrays((out, features), dtype))
    bias = data.draw(arrays((out,), dtype)) if with_bias else None
    expected = x @ weight.T + (0 if bias is None else bias)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    y = linear_kernels.sparse_linear_forward(x, weight, bias)
    assert y.dtype == dtype
    np.testing.assert_allclose(y, expected, rtol=tol, atol=tol)
    np.testing.assert_allclose(linear_reference.sparse_linear_forward(x, weight, bias), expected,
                               rtol=tol, atol=tol)
    grad = data.draw(arrays((rows, out), dtype))
    gw = linear_kernels.sparse_linear_weight_grad(x, grad)
    assert gw.dtype == dtype
    np.testing.assert_allclose(gw, grad.T @ x, rtol=tol, atol=tol)
    np.testing.assert_allclose(linear_reference.sparse_linear_weight_grad(x, grad), grad.T @ x,
                               rtol=tol, atol=tol)


@contextlib.contextmanager
def always_sparse():
    """Every NumPy call inside takes the event-driven kernels, whatever its density."""
    limits = sparsity.SPARSE_MAX_DENSITY, sparsity.LINEAR_SPARSE_MAX_DENSITY
    sparsity.SPARSE_MAX_DENSITY = sparsity.LINEAR_SPARSE_MAX_DENSITY = 1.0
    try:
        yield
    finally:
        sparsity.SPARSE_MAX_DENSITY, sparsity.LINEAR_SPARSE_MAX_DENSITY = limits


@given(event_cases(max_side=4), st.sampled_from(PATTERNS), st.data())
def test_sparse_conv2d_gradients_match_central_differences(case, pattern, data):
    x_shape, w_shape, padding = case
    x = inputs(x_shape, pattern, np.float64, data)
    weight, bias = data.draw(arrays(w_shape)), data.draw(arrays((w_shape[0],)))
    with always_sparse():  # central differences perturb the zeros too: exact for any values
        assert_grad_close(lambda *t: conv2d(*t, padding=padding), x, weight, bias)


@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 4), st.sampled_from(PATTERNS),
       st.data())
def test_sparse_linear_gradients_match_central_differences(rows, features, out, pattern, data):
    x = inputs((2, rows, features), pattern, np.float64, data)
    weight, bias = data.draw(arrays((out, features))), data.draw(arrays((out,)))
    with always_sparse():
        assert_grad_close(linear, x, weight, bias)


def test_dispatch_takes_the_sparse_path_only_below_the_density_limit(monkeypatch):
    calls = []
    real = conv_kernels.event_conv_forward
    monkeypatch.setattr("tinysnn.functional.conv.event_conv_forward",
                        lambda *a: calls.append(a) or real(*a))
    rng = np.random.default_rng(0)
    weight = Tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32))
    sparse = (rng.random((2, 3, 8, 8)) < sparsity.SPARSE_MAX_DENSITY / 2).astype(np.float32)
    dense = (rng.random((2, 3, 8, 8)) < 0.9).astype(np.float32)
    conv2d(Tensor(dense), weight, padding=1)
    conv2d(Tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32)), weight, padding=1)
    assert not calls  # dense spikes and real values: the GEMM
    conv2d(Tensor(sparse), weight, padding=1)
    assert len(calls) == 1
    conv2d(Tensor(sparse), weight, padding=1, stride=2)
    assert len(calls) == 1  # the event kernels run stride 1 only
    assert sparsity.takes_sparse_path(np.zeros((3, 4), np.float32))
    assert not sparsity.takes_sparse_path(np.ones((3, 4), np.float32))
    assert sparsity.density(np.array([0.0, -0.0, 2.0, 0.0])) == 0.25


def test_the_sparse_path_is_taken_up_to_the_limit_inclusive(monkeypatch):
    """The decision itself (both paths give the same values, so only this catches a wrong
    comparison): at the limit exactly it is sparse, one non-zero more it is not; 1 = always,
    0 = never."""
    for name, is_linear in (("SPARSE_MAX_DENSITY", False), ("LINEAR_SPARSE_MAX_DENSITY", True)):
        monkeypatch.setattr(sparsity, name, 0.25)
        x = np.zeros(16, np.float32)
        x[:4] = 1.0                                             # density 0.25, the limit
        assert sparsity.takes_sparse_path(x, is_linear)
        x[4] = 1.0
        assert not sparsity.takes_sparse_path(x, is_linear)
        monkeypatch.setattr(sparsity, name, 1.0)
        assert sparsity.takes_sparse_path(np.ones(16, np.float32), is_linear)
        monkeypatch.setattr(sparsity, name, 0.0)
        assert not sparsity.takes_sparse_path(np.zeros(16, np.float32), is_linear)


def test_the_masked_path_reads_the_gradient_support_limit_not_the_inputs(monkeypatch):
    support = np.zeros(16, bool)
    support[:4] = True                                          # density 0.25
    monkeypatch.setattr(sparsity, "SPARSE_MAX_DENSITY", 0.0)
    monkeypatch.setattr(sparsity, "GRAD_SUPPORT_MAX_DENSITY", 0.25)
    assert sparsity.takes_masked_path(support)                 # at the limit
    support[4] = True
    assert not sparsity.takes_masked_path(support)
    monkeypatch.setattr(sparsity, "GRAD_SUPPORT_MAX_DENSITY", 1.0)
    assert sparsity.takes_masked_path(np.ones(16, bool))       # 1 = always
    monkeypatch.setattr(sparsity, "SPARSE_MAX_DENSITY", 1.0)
    monkeypatch.setattr(sparsity, "GRAD_SUPPORT_MAX_DENSITY", 0.0)
    assert not sparsity.takes_masked_path(np.zeros(16, bool))  # 0 = never
    assert not sparsity.takes_masked_path(None)
