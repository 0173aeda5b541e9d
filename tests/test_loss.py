"""mse_loss and cross_entropy: formulas, reductions, stability, central differences, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import log_softmax

from tinysnn import Tensor
from tinysnn.functional import cross_entropy, mse_loss
from tinysnn.testing import arrays, assert_grad_close, shapes

reductions = st.sampled_from(["mean", "sum", "none"])


@st.composite
def logits_and_labels(draw, dtype=np.float64, max_value=2.0):
    n, k = draw(st.integers(1, 5)), draw(st.integers(1, 6))
    logits = draw(arrays((n, k), dtype, min_value=-max_value, max_value=max_value))
    labels = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    return logits, labels


def cross_entropy_scipy(logits, labels, smoothing):
    """-sum_k q log p with log p = scipy's log_softmax, q = (1 - s) onehot + s / K, per row."""
    q = np.full(logits.shape, smoothing / logits.shape[1])
    q[np.arange(len(labels)), labels] += 1 - smoothing
    return -(q * log_softmax(logits.astype(np.float64), axis=1)).sum(axis=1)


def reduce_numpy(values, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](values)


@given(logits_and_labels(), st.floats(0.0, 0.5), reductions)
def test_cross_entropy_matches_the_softmax_formula(drawn, smoothing, reduction):
    logits, labels = drawn
    loss = cross_entropy(Tensor(logits), labels, reduction, label_smoothing=smoothing)
    expected = reduce_numpy(cross_entropy_scipy(logits, labels, smoothing), reduction)
    np.testing.assert_allclose(loss.data, expected, rtol=1e-10, atol=1e-12)


@given(logits_and_labels(), st.floats(0.0, 0.5), reductions)
def test_cross_entropy_backward_matches_central_differences(drawn, smoothing, reduction):
    logits, labels = drawn
    assert_grad_close(lambda z: cross_entropy(z, labels, reduction, smoothing), logits)


@given(logits_and_labels(np.float32, max_value=1000.0))
def test_cross_entropy_is_finite_for_huge_logits_in_float32(drawn):
    logits, labels = drawn
    loss = cross_entropy(Tensor(logits, requires_grad=True), labels)
    loss.backward()
    assert loss.dtype == np.float32 and np.isfinite(loss.data)
    expected = cross_entropy_scipy(logits, labels, 0.0).mean()
    np.testing.assert_allclose(loss.data, expected, rtol=1e-4, atol=1e-3)


def test_cross_entropy_of_confident_right_answers_is_near_zero():
    logits = Tensor(np.array([[20.0, 0.0, 0.0], [0.0, 0.0, 20.0]]))
    assert cross_entropy(logits, np.array([0, 2])).item() < 1e-8
    assert cross_entropy(logits, np.array([1, 1])).item() == pytest.approx(20.0, rel=1e-6)


@given(arrays(shapes(max_dims=3)), st.data(), reductions)
def test_mse_loss_matches_numpy_and_central_differences(x, data, reduction):
    target = data.draw(arrays(x.shape))
    loss = mse_loss(Tensor(x), Tensor(target), reduction)
    np.testing.assert_allclose(loss.data, reduce_numpy((x - target) ** 2, reduction))
    assert_grad_close(lambda a, b: mse_loss(a, b, reduction), x, target)


def test_loss_outputs_keep_float32():
    x = Tensor(np.ones((2, 3), np.float32))
    assert mse_loss(x, np.zeros((2, 3), np.float32)).dtype == np.float32
    assert cross_entropy(x, np.array([0, 1])).dtype == np.float32


def test_loss_errors_name_the_argument_and_shapes():
    logits = Tensor(np.zeros((4, 3), np.float32))
    with pytest.raises(TypeError, match="cross_entropy: labels must be integer class indices, "
                                        "got float32"):
        cross_entropy(logits, np.zeros(4, np.float32))
    with pytest.raises(ValueError, match=r"cross_entropy: labels must lie in \[0, 3\), got "
                                         r"values from 0 to 3"):
        cross_entropy(logits, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"cross_entropy: labels must be \[4\] for logits of "
                                         r"shape \(4, 3\), got shape \(3,\)"):
        cross_entropy(logits, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"cross_entropy: logits must be \[N, K\]"):
        cross_entropy(Tensor(np.zeros(3, np.float32)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="cross_entropy: reduction must be one of"):
        cross_entropy(logits, np.array([0, 1, 2, 0]), reduction="avg")
    with pytest.raises(ValueError, match=r"mse_loss: input has shape \(4, 3\), target has \(3,"):
        mse_loss(logits, np.zeros((3, 4), np.float32))
    with pytest.raises(TypeError, match="mse_loss: input is float32, target is float64"):
        mse_loss(logits, np.zeros((4, 3)))
