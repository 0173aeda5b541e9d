"""dropout: inverted scaling, a bool mask from the given Generator, identity in eval."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn import Tensor
from tinysnn.autograd import Context
from tinysnn.functional import dropout
from tinysnn.functional.dropout import Dropout
from tinysnn.testing import arrays, assert_grad_close, shapes


@given(arrays(shapes(max_dims=3)), st.floats(0.05, 0.95), st.integers(0, 2**16))
def test_dropout_backward_matches_central_differences(x, p, seed):
    # a fresh Generator with the same seed on every call: the same mask in every forward
    assert_grad_close(lambda t: dropout(t, p, True, np.random.default_rng(seed)), x)


@given(arrays(shapes(max_dims=3), min_value=0.5, max_value=2.0), st.floats(0.05, 0.95),
       st.integers(0, 2**16))
def test_survivors_are_scaled_by_one_over_keep_probability(x, p, seed):
    y = dropout(Tensor(x), p, True, np.random.default_rng(seed)).data
    kept = y != 0  # x is nonzero, so a zero output means dropped
    np.testing.assert_allclose(y[kept], x[kept] / (1 - p))


def test_dropout_keeps_a_fraction_one_minus_p_and_preserves_the_mean():
    x = Tensor(np.ones((1000, 1000), np.float32))
    y = dropout(x, 0.3, True, np.random.default_rng(0)).data
    assert y.dtype == np.float32
    assert abs(np.mean(y != 0) - 0.7) < 0.003  # 1e6 Bernoulli(0.7) draws: std 0.00046
    assert abs(y.mean() - 1.0) < 0.005  # inverted dropout: E[y] = x


def test_same_seed_same_mask_and_the_mask_is_saved_as_bool():
    x = Tensor(np.arange(1.0, 25.0).reshape(4, 6))
    first = dropout(x, 0.5, True, np.random.default_rng(7)).data
    again = dropout(x, 0.5, True, np.random.default_rng(7)).data
    np.testing.assert_array_equal(first, again)
    ctx = Context((True,))
    Dropout.forward(ctx, x.data, mask=first != 0, scale=2.0)
    assert ctx.saved[0].dtype == bool


def test_dropout_is_the_identity_in_eval_or_with_p_zero():
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    assert dropout(x, 0.5, training=False) is x
    assert dropout(x, 0.0, training=True) is x


def test_dropout_with_p_one_zeroes_outputs_and_gradients():
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    y = dropout(x, 1.0, True, np.random.default_rng(0))
    y.backward(np.ones((3, 4)))
    assert not y.data.any() and not x.grad.any()


def test_dropout_errors():
    x = Tensor(np.ones(3, np.float32))
    with pytest.raises(ValueError, match=r"dropout: p must be a finite number in \[0, 1\], "
                                         r"got 1.5"):
        dropout(x, 1.5)
    with pytest.raises(TypeError, match="dropout: rng must be a numpy.random.Generator"):
        dropout(x, 0.5, True, rng=np.random.RandomState(0))
