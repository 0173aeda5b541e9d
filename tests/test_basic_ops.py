"""Every Function in tinysnn/functional/basic.py: backward == central differences (float64,
hypothesis-drawn broadcasting shapes, values away from kinks), forward == NumPy in float64
and float32 (dtype kept forward and backward), and clear errors for bad input."""

from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinysnn.functional as F
from tinysnn import Tensor
from tinysnn.functional import basic, dense, shape
from tinysnn.testing import arrays, check_function, shapes


class Case(NamedTuple):
    Fn: type
    strategy: st.SearchStrategy  # draws ((input arrays...), {keyword params})
    reference: callable  # the same computation in NumPy


def unary(**array_kwargs):
    return arrays(shapes(max_dims=3, max_side=4), **array_kwargs).map(lambda x: ((x,), {}))


def broadcasting_pair(b_kwargs=None):
    """(a, b) with mutually broadcastable shapes, e.g. [3, 1, 4] and [2, 1]."""
    pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4)
    return pairs.flatmap(lambda s: st.tuples(
        arrays(s.input_shapes[0]), arrays(s.input_shapes[1], **(b_kwargs or {})))).map(
        lambda ab: (ab, {}))


@st.composite
def powers(draw):
    p = draw(st.sampled_from([-1.0, 0.5, 1.5, 2, 3]))
    low = -2.0 if isinstance(p, int) else 0.5  # integer powers for any sign, else x > 0
    return (draw(arrays(shapes(max_dims=3, max_side=4), min_value=low, max_value=2.0)),), {"p": p}


@st.composite
def matmul_pairs(draw):
    """a [..., n, k] @ b [..., k, m], the leading axes broadcasting."""
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    a = draw(arrays((*batch.input_shapes[0], n, k)))
    b = draw(arrays((*batch.input_shapes[1], k, m)))
    return (a, b), {}


@st.composite
def reductions(draw, distinct=False):
    x = draw(arrays(shapes(max_dims=3, max_side=4), distinct=distinct))
    axis = draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1),
                          hnp.valid_tuple_axes(x.ndim, min_size=1)))
    return (x,), {"axis": axis, "keepdims": draw(st.booleans())}


@st.composite
def reshapes(draw):
    x = draw(arrays(shapes(max_dims=3, max_side=4)))
    targets = [(-1,), (x.size,), x.shape[::-1], (1, *x.shape), (*x.shape[:-1], -1)]
    return (x,), {"shape": draw(st.sampled_from(targets))}


@st.composite
def permutes(draw):
    x = draw(arrays(shapes(max_dims=4, max_side=3)))
    return (x,), {"axes": tuple(draw(st.permutations(range(x.ndim))))}


@st.composite
def indexings(draw):
    x = draw(arrays(shapes(max_dims=3, max_side=4)))
    repeated = st.lists(st.integers(-x.shape[0], x.shape[0] - 1), min_size=1, max_size=6).map(
        np.array)  # integer arrays with repeats: their gradients must add up
    index = draw(st.one_of(hnp.basic_indices(x.shape, allow_newaxis=True), repeated))
    return (x,), {"index": index}


@st.composite
def concatenations(draw):
    shape = list(draw(shapes(max_dims=3, max_side=3)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        shape[axis] = draw(st.integers(1, 3))
        parts.append(draw(arrays(tuple(shape))))
    return tuple(parts), {"axis": axis}


@st.composite
def stacks(draw):
    shape = draw(shapes(max_dims=3, max_side=3))
    parts = tuple(draw(arrays(shape)) for _ in range(draw(st.integers(1, 3))))
    return parts, {"axis": draw(st.integers(-len(shape) - 1, len(shape)))}


@st.composite
def linears(draw):
    """x [..., in], weight [out, in], and maybe bias [out]."""
    lead = draw(shapes(min_dims=0, max_dims=2, max_side=3))
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    inputs = (draw(arrays((*lead, n_in))), draw(arrays((n_out, n_in))))
    if draw(st.booleans()):
        inputs += (draw(arrays((n_out,))),)
    return inputs, {}


def linear_reference(x, w, b=None):
    return x @ w.T + (0 if b is None else b)


CASES = {
    "Add": Case(basic.Add, broadcasting_pair(), np.add),
    "Sub": Case(basic.Sub, broadcasting_pair(), np.subtract),
    "Mul": Case(basic.Mul, broadcasting_pair(), np.multiply),
    "Div": Case(basic.Div, broadcasting_pair({"avoid": (0.0,), "margin": 0.5}), np.divide),
    "Pow": Case(basic.Pow, powers(), lambda x, p: x**p),
    "MatMul": Case(basic.MatMul, matmul_pairs(), np.matmul),
    "Neg": Case(basic.Neg, unary(), np.negative),
    "Exp": Case(basic.Exp, unary(), np.exp),
    "Log": Case(basic.Log, unary(min_value=0.1, max_value=3.0), np.log),
    "ReLU": Case(basic.ReLU, unary(avoid=(0.0,)), lambda x: np.maximum(x, 0)),
    "Sigmoid": Case(basic.Sigmoid, unary(min_value=-6.0, max_value=6.0),
                    lambda x: 1 / (1 + np.exp(-x))),
    "Tanh": Case(basic.Tanh, unary(min_value=-3.0, max_value=3.0), np.tanh),
    "Sum": Case(basic.Sum, reductions(), np.sum),
    "Mean": Case(basic.Mean, reductions(), np.mean),
    "Max": Case(basic.Max, reductions(distinct=True), np.max),
    "Reshape": Case(shape.Reshape, reshapes(), np.reshape),
    "Permute": Case(shape.Permute, permutes(), np.transpose),
    "GetItem": Case(shape.GetItem, indexings(), lambda x, index: x[index]),
    "Concatenate": Case(shape.Concatenate, concatenations(),
                        lambda *xs, axis: np.concatenate(xs, axis=axis)),
    "Stack": Case(shape.Stack, stacks(), lambda *xs, axis: np.stack(xs, axis=axis)),
    "Linear": Case(dense.Linear, linears(), linear_reference),
    "Convert": Case(basic.Convert, unary().map(lambda c: (c[0], {"device": "cpu"})),
                    lambda x, device: x),
}


def test_to_is_differentiable_and_casts_the_gradient_back():
    a = Tensor(np.array([1.0, -2.0], np.float32), requires_grad=True)
    (a * 2).to(dtype=np.float64).sum().backward()
    assert a.grad.dtype == np.float32 and np.array_equal(a.grad, [2.0, 2.0])


def test_pow_zero_has_a_zero_gradient_at_zero():
    x = Tensor(np.array([0.0, 1.5]), requires_grad=True)
    (x**0).sum().backward()
    assert np.array_equal(x.grad, [0.0, 0.0])


def test_every_function_in_basic_dense_and_shape_has_a_case():
    functions = {name for module in (basic, dense, shape) for name, obj in vars(module).items()
                 if isinstance(obj, type) and issubclass(obj, basic.Function)
                 and obj.__module__ == module.__name__}
    assert functions == set(CASES)


@pytest.mark.parametrize("name", CASES)
def test_backward_matches_central_differences(name):
    case = CASES[name]
    check_function(case.Fn, case.strategy)


@pytest.mark.parametrize("name", CASES)
@given(data=st.data())
def test_forward_matches_numpy_and_keeps_dtype(name, data):
    case = CASES[name]
    inputs, params = data.draw(case.strategy, label="inputs, params")
    expected = case.reference(*inputs, **params)
    out = case.Fn.apply(*[Tensor(x) for x in inputs], **params)
    assert out.shape == np.shape(expected) and out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)

    tensors = [Tensor(x.astype(np.float32), requires_grad=True) for x in inputs]
    out = case.Fn.apply(*tensors, **params)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, expected, rtol=1e-5, atol=1e-5)
    out.backward(np.ones(out.shape, np.float32))
    assert [t.grad.dtype for t in tensors] == [np.float32] * len(tensors)


# ---------------------------------------------------------------- behaviour worth stating
def test_max_shares_the_gradient_among_tied_maxima():
    x = Tensor(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]]), requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0.5, 0.5], [0.5, 0, 0.5]])


def test_repeated_indices_accumulate_their_gradients():
    x = Tensor(np.arange(4.0), requires_grad=True)
    x[np.array([1, 1, 3, 1])].sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 3, 0, 1])


def test_operators_route_to_the_functions():
    a, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, -1.0])
    ta, tb = Tensor(a), Tensor(b)
    np.testing.assert_allclose((2.0 - ta / tb + ta * 3.0).data, 2.0 - a / b + a * 3.0)
    np.testing.assert_allclose((ta @ ta.T).data, a @ a.T)
    np.testing.assert_allclose((-ta**2).data, -(a**2))
    np.testing.assert_allclose(ta.flatten().data, a.ravel())
    np.testing.assert_allclose(F.stack([ta, ta], axis=1).data, np.stack([a, a], axis=1))


# ---------------------------------------------------------------- bad input
def test_mismatched_matmul_names_both_shapes():
    with pytest.raises(ValueError, match=r"inner sizes differ, a \(2, 3\) @ b \(2, 3\)"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"rank >= 2, got shapes \(3,\) and \(3, 1\)"):
        F.matmul(Tensor(np.ones(3)), Tensor(np.ones((3, 1))))


def test_mixed_dtypes_are_refused():
    a32, a64 = Tensor(np.ones(2, np.float32)), Tensor(np.ones(2))
    with pytest.raises(TypeError, match="add: operands have dtypes float32 and float64"):
        a32 + a64
    with pytest.raises(TypeError, match="concatenate: .*float32.*float64"):
        F.concatenate([a32, a64])
    with pytest.raises(TypeError, match="stack: .*float32.*float64"):
        F.stack([a32, a64])
    with pytest.raises(TypeError, match="int64 with the float 2.5"):
        Tensor(np.arange(3)) * 2.5


@pytest.mark.parametrize("shape", [(4,), (-1, 4), (-1, -1), (7, -1)])
def test_wrong_reshape_names_shape_and_target(shape):
    with pytest.raises(ValueError, match=r"cannot reshape \(2, 3\) \(6 elements\)"):
        Tensor(np.ones((2, 3))).reshape(*shape)


def test_other_bad_arguments_are_named():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="not a permutation"):
        x.permute(0, 0)
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        x.sum(axis=2)
    with pytest.raises(TypeError, match="exponent must be a Python number"):
        x ** Tensor(np.ones(1))
    with pytest.raises(ValueError, match="x has 3 input features"):
        F.linear(x, Tensor(np.ones((4, 2))))
    with pytest.raises(ValueError, match=r"weight must be \[out, in\]"):
        F.linear(x, Tensor(np.ones(3)))
    with pytest.raises(TypeError, match="x is float64, weight is float32"):
        F.linear(x, Tensor(np.ones((4, 3), np.float32)))
    with pytest.raises(ValueError, match=r"bias must be \[4\]"):
        F.linear(x, Tensor(np.ones((4, 3))), Tensor(np.ones(1)))
