"""Grades notebook 01's exercises (tutorials/exercises/ex01_autograd.py): tasks 1.1 to 1.4."""

import numpy as np
from compare import call
from grading import load
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinysnn import Tensor
from tinysnn.autograd import Context
from tinysnn.testing import assert_grad_close

ex = load("ex01_autograd")

# an input shape and the shape it broadcasts to: (input, result)
broadcasts = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                               max_side=4).map(lambda s: (s.input_shapes[0],
                                                                          s.result_shape))


# ------------------------------------------------------------------ Task 1.1: unbroadcast
def test_task_1_1_worked_example():
    grad = np.arange(24.0).reshape(2, 3, 4)
    got = np.asarray(ex.unbroadcast(grad, (3, 1)))
    assert got.shape == (3, 1), f"unbroadcast(grad [2, 3, 4], (3, 1)) has shape {got.shape}"
    expected = grad.sum(axis=(0, 2)).reshape(3, 1)  # 2 x 4 = 8 copies of each value
    assert np.allclose(got, expected), (
        f"unbroadcast(grad [2, 3, 4], (3, 1)) gave {got.ravel()}, expected the sums over axes 0 "
        f"and 2, {expected.ravel()}")


def test_task_1_1_same_shape_is_unchanged():
    grad = np.arange(6.0).reshape(2, 3)
    got = np.asarray(ex.unbroadcast(grad, (2, 3)))
    assert got.shape == (2, 3) and np.array_equal(got, grad), (
        "unbroadcast(grad, grad.shape) must return grad unchanged")


@settings(max_examples=40)
@given(pair=broadcasts, seed=st.integers(0, 2**16))
def test_task_1_1_sums_over_the_copies(pair, seed):
    # <g, broadcast(a)> == <unbroadcast(g), a> for every a: unbroadcast is broadcasting's adjoint
    shape, result = pair
    rng = np.random.default_rng(seed)
    grad, a = rng.standard_normal(result), rng.standard_normal(shape)
    got = np.asarray(ex.unbroadcast(grad, shape))
    assert got.shape == tuple(shape), (
        f"unbroadcast(grad of shape {result}, {shape}) returned shape {got.shape}, "
        f"expected {shape}")
    expected = (grad * np.broadcast_to(a, result)).sum()
    assert np.isclose((got * a).sum(), expected), (
        f"unbroadcast(grad of shape {result}, {shape}) is not the sum over the copies: "
        f"a value copied n times must receive the sum of the n gradients of its copies")


# ------------------------------------------------------------------ Task 1.2: Mul.backward
@settings(max_examples=25)
@given(pair=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4),
       seed=st.integers(0, 2**16))
def test_task_1_2_backward_matches_central_differences(pair, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.uniform(-2, 2, s) for s in pair.input_shapes)
    assert_grad_close(ex.Mul.apply, np.atleast_1d(a), np.atleast_1d(b))


def test_task_1_2_gradients_have_their_inputs_shapes():
    a, b = np.ones((3, 1)), np.full((2, 1, 4), 2.0)
    ctx = Context((True, True))
    y = ex.Mul.forward(ctx, a, b)
    grads = ex.Mul.backward(ctx, np.ones_like(y))
    assert isinstance(grads, tuple) and len(grads) == 2, (
        f"Mul.backward must return a tuple (dL/da, dL/db), got {grads!r}")
    for name, x, g in (("dL/da", a, grads[0]), ("dL/db", b, grads[1])):
        assert np.shape(g) == x.shape, f"{name} has shape {np.shape(g)}, its input {x.shape}"
    assert np.allclose(grads[0], 2.0 * 2 * 4), "dL/da: each a[i] was copied 2 x 4 times, times b"
    assert np.allclose(grads[1], 3.0), "dL/db: each b[j] was copied 3 times, times a = 1"


def test_task_1_2_no_gradient_for_an_input_that_needs_none():
    ctx = Context((True, False))
    a, b = np.ones((2, 3)), np.ones(3)
    y = ex.Mul.forward(ctx, a, b)
    grads = ex.Mul.backward(ctx, np.ones_like(y))
    assert grads[1] is None, (
        "ctx.needs_input_grad[1] is False (b needs no gradient), so dL/db must be None")
    assert grads[0] is not None and grads[0].shape == a.shape


# ------------------------------------------------------------------ Task 1.3: central differences
@settings(max_examples=20)
@given(x=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4),
                    elements=st.floats(-2, 2)))
def test_task_1_3_matches_the_exact_gradient(x):
    f = lambda v: float((np.sin(v) * v).sum())
    got = np.asarray(ex.numerical_gradient(f, x))
    assert got.shape == x.shape, f"the gradient has shape {got.shape}, x has {x.shape}"
    assert got.dtype == np.float64, (
        f"the gradient has dtype {got.dtype}, expected float64: work in float64 (in float32, "
        f"x + 1e-6 rounds and the difference is noise)")
    exact = np.cos(x) * x + np.sin(x)  # d/dx (x sin x)
    assert np.allclose(got, exact, atol=1e-6), (
        f"numerical_gradient of sum(x sin x) at x = {x.ravel()[:4]}... gave {got.ravel()[:4]}..., "
        f"expected x cos x + sin x = {exact.ravel()[:4]}...")


def test_task_1_3_is_central_and_uses_eps():
    # for a cubic, (f(x + e) - f(x - e)) / 2e = 3 x^2 + e^2 exactly; a one-sided difference
    # gives 3 x^2 + 3 x e + e^2 instead
    x = np.array([0.5, -1.0, 2.0])
    cubic = lambda v: float((v ** 3).sum())
    for eps in (0.5, 1e-3):
        got = np.asarray(ex.numerical_gradient(cubic, x, eps=eps))
        expected = 3 * x ** 2 + eps ** 2
        assert np.allclose(got, expected, rtol=1e-6, atol=1e-7), (
            f"numerical_gradient(sum(x^3), x={x}, eps={eps}) gave {got}; central differences "
            f"give 3x^2 + eps^2 = {expected} (a one-sided difference, or an eps other than the "
            f"argument, gives something else)")


def test_task_1_3_each_element_alone():
    # f couples the elements: each difference must move one element and leave the rest at x
    x = np.array([0.5, -1.0, 2.0, 0.25])
    coupled = lambda v: float(v.sum() ** 3)
    eps = 0.5
    got = np.asarray(ex.numerical_gradient(coupled, x, eps=eps))
    expected = np.full(4, 3 * x.sum() ** 2 + eps ** 2)  # ((S + e)^3 - (S - e)^3) / 2e
    assert np.allclose(got, expected, rtol=1e-9), (
        f"numerical_gradient((sum x)^3, x={x}, eps={eps}) gave {got}, expected {expected}: every "
        f"central difference must shift only element i, with the others back at their values")


def test_task_1_3_leaves_x_unchanged():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    before = x.copy()
    ex.numerical_gradient(lambda v: float((v ** 2).sum()), x)
    assert np.array_equal(x, before), "numerical_gradient changed its input x: work on a copy"


# ------------------------------------------------------------------ Task 1.4: the backward walk
def _tape_gradients(build, values):
    """The gradients tinysnn's tape computes for the same expression, on float64 scalars."""
    tensors = [Tensor(np.array(v), requires_grad=True) for v in values]
    build(*tensors).backward()
    return [0.0 if t.grad is None else float(t.grad) for t in tensors]  # None: not used


def _engine_gradients(build, values):
    leaves = [ex.Value(v) for v in values]
    call("Value.backward", build(*leaves).backward)
    return [leaf.grad for leaf in leaves]


def _assert_same(name, got, expected):
    assert np.allclose(got, expected, rtol=1e-12, atol=1e-12), (
        f"{name}: your backward walk gave the gradients {np.round(got, 6).tolist()}, tinysnn's "
        f"tape {np.round(expected, 6).tolist()}")


def test_task_1_4_worked_example():
    build = lambda a, b, c: (a * b + c).tanh() * a  # a is used twice
    values = [0.5, -1.5, 0.25]
    _assert_same("tanh(a b + c) a at (0.5, -1.5, 0.25)", _engine_gradients(build, values),
                 _tape_gradients(build, values))


def test_task_1_4_a_value_used_twice_sums_both_paths():
    x = ex.Value(3.0)
    call("Value.backward", (x * x + x).backward)
    assert x.grad == 7.0, (
        f"y = x x + x at x = 3: x.grad = {x.grad}, expected 2x + 1 = 7: a Value used twice "
        f"receives the sum over both paths (parent.grad += ..., not =)")


def test_task_1_4_each_node_once_parents_first():
    a = ex.Value(0.5)
    b = a * a
    c = b + b  # a diamond: b is reached along two paths
    root = c * b
    order = call("topological_order", ex.topological_order, root)
    ids = [id(v) for v in order]
    assert len(ids) == len(set(ids)), (
        f"topological_order lists {len(ids)} Values for a graph of 4 ({order}): each node must "
        f"appear once (keep a set of the visited ones)")
    assert set(ids) == {id(a), id(b), id(c), id(root)} and ids[-1] == id(root), (
        f"topological_order({root}) gave {order}: expected a, b, c and root, root last")
    assert ids.index(id(a)) < ids.index(id(b)) < ids.index(id(c)), (
        "every Value must come after its parents: a before b before c")
    call("Value.backward", root.backward)
    assert (a.grad, root.grad) == (8 * 0.5 ** 3, 1.0), (
        f"root = (b + b) b = 2 a^4 at a = 0.5: a.grad = {a.grad}, expected 8 a^3 = 1.0; "
        f"root.grad = {root.grad}, expected 1 (the walk starts with d root / d root = 1)")


@st.composite
def expressions(draw):
    """A random graph: each step combines two earlier nodes (reusing them) by +, * or tanh."""
    n = draw(st.integers(1, 3))
    values = draw(st.lists(st.floats(-1.5, 1.5), min_size=n, max_size=n))
    steps = draw(st.lists(st.tuples(st.sampled_from("+*t"), st.integers(0, 100),
                                    st.integers(0, 100)), min_size=1, max_size=8))

    def build(*leaves):
        nodes = list(leaves)
        for op, i, j in steps:
            a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
            nodes.append(a + b if op == "+" else a * b if op == "*" else a.tanh())
        return nodes[-1]

    return build, values, steps


@settings(max_examples=40)
@given(expression=expressions())
def test_task_1_4_matches_the_tape(expression):
    build, values, steps = expression
    _assert_same(f"the graph {steps} on leaves {np.round(values, 3).tolist()}",
                 _engine_gradients(build, values), _tape_gradients(build, values))
