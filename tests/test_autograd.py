"""The autograd engine: accumulation, topological order, no_grad, detach, graph freeing,
and Functions with several outputs."""

import weakref

import numpy as np
import pytest
from hypothesis import given

from tinysnn import Function, Tensor, is_grad_enabled, no_grad
from tinysnn.testing import arrays, assert_grad_close, shapes


def leaf(values):
    return Tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


# ---------------------------------------------------------------- accumulation and order
@given(arrays(shapes(max_dims=3)))
def test_tensor_used_twice_gets_the_sum_of_both_paths(x):
    t = leaf(x)
    (t * t).sum().backward()
    np.testing.assert_allclose(t.grad, 2 * x)  # d(x^2)/dx = 2x: both operands contribute
    t.zero_grad()
    (t + t + t).sum().backward()
    np.testing.assert_allclose(t.grad, np.full_like(x, 3.0))


@given(arrays(shapes(max_dims=2), min_value=-1.0, max_value=1.0))
def test_diamond_graph_gets_every_path_before_going_further(x):
    # a feeds b (twice) and c; every contribution to a must arrive before a's backward runs:
    # y = 3x + (3x)^2 = 3x + 9x^2  ->  dy/dx = 3 + 18x
    t = leaf(x)
    a = t * 3.0
    b = a * a
    (a + b).sum().backward()
    np.testing.assert_allclose(t.grad, 3 + 18 * x, rtol=1e-12, atol=1e-12)


def test_deep_stack_of_diamonds_doubles_the_gradient_at_each_level():
    t = leaf(np.ones(2))
    h = t
    for _ in range(30):
        h = h * 1.0 + h  # two paths from each level to the next: the gradient doubles
    h.sum().backward()
    np.testing.assert_array_equal(t.grad, np.full(2, 2.0**30))


def test_long_chain_needs_no_recursion():
    t = leaf(np.ones(3))
    h = t
    for _ in range(5000):
        h = h + 1.0
    h.sum().backward()
    np.testing.assert_array_equal(t.grad, np.ones(3))


class CountedIdentity(Function):
    """y = x, counting backward calls, to check each node runs exactly once per backward."""

    calls = 0

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        CountedIdentity.calls += 1
        return (grad,)


def test_each_node_runs_its_backward_once():
    CountedIdentity.calls = 0
    t = leaf(np.arange(3.0))
    shared = CountedIdentity.apply(t)
    y = (shared * 2.0 + shared.exp() + shared).sum()
    y.backward()
    assert CountedIdentity.calls == 1
    np.testing.assert_allclose(t.grad, 3.0 + np.exp(np.arange(3.0)))


@given(arrays((3, 4), min_value=-1.0, max_value=1.0), arrays((4,), min_value=0.5, max_value=2.0))
def test_composite_graphs_match_central_differences(x, w):
    def diamond(x, w):
        a = x * w
        return (a.tanh() * a.sigmoid() + a / w).sum(axis=1)

    assert_grad_close(diamond, x, w)


# ---------------------------------------------------------------- recording on and off
def test_no_grad_records_nothing_and_restores_recording():
    t = leaf(np.ones(3))
    with no_grad():
        assert not is_grad_enabled()
        y = (t * 2.0).exp()
        with no_grad():
            pass
        assert not is_grad_enabled()  # an inner block does not switch recording back on
    assert is_grad_enabled()
    assert not y.requires_grad and y.is_leaf
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_no_grad_restores_recording_after_an_exception():
    with pytest.raises(KeyError), no_grad():
        raise KeyError("inside no_grad")
    assert is_grad_enabled()


def test_detach_cuts_the_graph_and_shares_data():
    t = leaf(np.array([1.0, 2.0, 3.0]))
    d = t.detach()
    assert d.data is t.data and not d.requires_grad and d.is_leaf
    (d * t).sum().backward()  # only the t path counts: d(d * t)/dt = d
    np.testing.assert_array_equal(t.grad, t.data)


def test_requires_grad_propagates_from_any_input():
    t, c = leaf(np.ones(2)), Tensor(np.ones(2))
    assert (t + c).requires_grad and (c * t).requires_grad
    assert not (c + c).requires_grad
    assert not (t + c).is_leaf and t.is_leaf


class SeesNeeds(Function):
    """Records ctx.needs_input_grad; returns a gradient only where one is needed."""

    seen = None

    @staticmethod
    def forward(ctx, a, b):
        SeesNeeds.seen = ctx.needs_input_grad
        return a * b

    @staticmethod
    def backward(ctx, grad):
        return tuple(grad if need else None for need in ctx.needs_input_grad)


def test_needs_input_grad_and_untouched_inputs():
    a, b = leaf(np.ones(2)), Tensor(np.ones(2))
    SeesNeeds.apply(a, b).sum().backward()
    assert SeesNeeds.seen == (True, False)
    assert b.grad is None and a.grad is not None


def test_int_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="floating-point.*int64"):
        Tensor(np.arange(3), requires_grad=True)


# ---------------------------------------------------------------- backward's contract
def test_graph_is_freed_after_backward():
    t = leaf(np.ones(3))
    y = (t * 2.0).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="already freed.*retain_graph=True"):
        y.backward()


def test_shared_part_freed_by_another_output_raises_instead_of_dropping_gradient():
    t = leaf(np.ones(3))
    a = t * 2.0
    first, second = a.sum(), (a * 3.0).sum()
    first.backward()
    with pytest.raises(RuntimeError, match="already freed"):
        second.backward()


def test_retain_graph_allows_a_second_backward_that_accumulates():
    t = leaf(np.array([1.0, -2.0]))
    y = (t * t).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(t.grad, 2 * (2 * t.data))


def test_non_scalar_backward_needs_a_gradient_of_its_shape():
    t = leaf(np.ones((2, 3)))
    y = t * 2.0
    with pytest.raises(RuntimeError, match=r"non-scalar output of shape \(2, 3\)"):
        y.backward()
    with pytest.raises(ValueError, match=r"grad has shape \(3,\), output has \(2, 3\)"):
        y.backward(np.ones(3))
    y.backward(np.full((2, 3), 0.5))
    np.testing.assert_array_equal(t.grad, np.ones((2, 3)))


def test_backward_on_a_leaf_sets_its_gradient():
    t = leaf([4.0])
    t.backward()
    np.testing.assert_array_equal(t.grad, [1.0])


def test_python_scalars_adopt_the_tensor_dtype():
    t = Tensor(np.ones(2, np.float32), requires_grad=True)
    y = (t * 2.0 + 1.0) / 3.0
    assert y.dtype == np.float32
    y.sum().backward()
    assert t.grad.dtype == np.float32


class WrongArity(Function):
    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return (grad,)


class WrongShape(Function):
    @staticmethod
    def forward(ctx, a):
        return a.sum()

    @staticmethod
    def backward(ctx, grad):
        return (grad,)  # forgot to broadcast back to a's shape


class WrongDtype(Function):
    @staticmethod
    def forward(ctx, a):
        return a * 2

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(np.float64) * 2  # a float64 scratch array for a float32 input


def test_backward_with_wrong_count_or_shape_is_reported():
    a = leaf(np.ones(3))
    with pytest.raises(RuntimeError, match="WrongArity.backward returned 1 gradients for 2"):
        WrongArity.apply(a, a).sum().backward()
    with pytest.raises(RuntimeError, match=r"WrongShape.backward .* shape \(\) .* \(3,\)"):
        WrongShape.apply(leaf(np.ones(3))).backward()


@pytest.mark.parametrize("through_graph", [False, True])
def test_backward_with_a_gradient_of_another_dtype_is_reported(through_graph):
    """A float64 gradient for a float32 input is refused, whether the input is a leaf or the
    output of another op, and the message names the Function and both dtypes."""
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    y = WrongDtype.apply(x * 1.0 if through_graph else x)
    with pytest.raises(RuntimeError, match="WrongDtype.backward returned a float64 gradient "
                                           "for input 0 of dtype float32"):
        y.sum().backward()


# ---------------------------------------------------------------- several outputs
class SplitScale(Function):
    """(2x, 3x): a Function with two outputs."""

    @staticmethod
    def forward(ctx, x):
        return 2 * x, 3 * x

    @staticmethod
    def backward(ctx, grad_double, grad_triple):
        return (2 * grad_double + 3 * grad_triple,)


@given(arrays(shapes(max_dims=2)))
def test_multi_output_function_with_one_output_unused(x):
    t = leaf(x)
    double, triple = SplitScale.apply(t)
    assert double.requires_grad and triple.requires_grad
    double.sum().backward()  # triple is never used: it gets a zero gradient
    np.testing.assert_array_equal(t.grad, np.full_like(x, 2.0))


@given(arrays(shapes(max_dims=2)))
def test_multi_output_function_with_both_outputs_used(x):
    assert_grad_close(lambda t: SplitScale.apply(t)[0] * SplitScale.apply(t)[1], x)
    t = leaf(x)
    double, triple = SplitScale.apply(t)
    (double + triple * triple).sum().backward()  # 2 + 2 * 3x * 3 = 2 + 18x
    np.testing.assert_allclose(t.grad, 2 + 18 * x, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- a leaf's first gradient
class Returns(Function):
    """Identity forward; backward returns ``make(grad, ctx)``, to see what becomes .grad."""

    @staticmethod
    def forward(ctx, *inputs, make):
        ctx.make = make
        return sum(inputs)

    @staticmethod
    def backward(ctx, grad):
        return ctx.make(grad, ctx)


def test_a_fresh_gradient_becomes_the_leafs_grad_without_a_copy():
    returned = []

    def fresh(grad, ctx):
        returned.append(weakref.ref(g := grad * 2))  # a weak reference keeps nothing alive
        ctx.mark_fresh(g)
        return g

    t = leaf(np.ones(3))
    Returns.apply(t, make=fresh).backward(np.ones(3))
    assert t.grad is returned[0]()
    np.testing.assert_array_equal(t.grad, 2.0)


def keep_in_context(grad, ctx):
    ctx.kept = grad * 2
    return ctx.kept


def view_of_fresh(grad, ctx):
    return (grad * 2).reshape(-1).reshape(grad.shape)


@pytest.mark.parametrize("make", [keep_in_context, view_of_fresh, lambda grad, ctx: grad])
def test_a_gradient_held_elsewhere_is_copied(make):
    t = leaf(np.ones(3))
    incoming = np.ones(3)
    out = Returns.apply(t, make=make)
    out.backward(incoming, retain_graph=True)
    t.grad *= 10  # an in-place change (as clipping does) must touch t.grad alone
    np.testing.assert_array_equal(incoming, 1.0)
    if make is keep_in_context:
        np.testing.assert_array_equal(out._node.ctx.kept, 2.0)
    assert t.grad.base is None and not np.shares_memory(t.grad, incoming)


def test_one_array_returned_for_two_leaves_gives_each_its_own_grad():
    a, b = leaf(np.ones(3)), leaf(np.ones(3))

    def same_for_both(grad, ctx):
        g = grad * 3
        return g, g

    for _ in range(2):  # the second backward accumulates into both
        Returns.apply(a, b, make=same_for_both).backward(np.ones(3))
    assert a.grad is not b.grad and not np.shares_memory(a.grad, b.grad)
    a.grad += 100
    np.testing.assert_array_equal(b.grad, 6.0)
    np.testing.assert_array_equal(a.grad, 106.0)


def test_a_zero_dimensional_parameter_gets_an_array_gradient():
    """Broadcasting a 0-d tensor over a batch sums its gradient back to a 0-d *array*: a NumPy
    scalar would not support in-place updates (grad *= ...) as every other .grad does."""
    w = Tensor(np.full((), 2.0), requires_grad=True)
    (Tensor(np.ones((3, 4))) * w).sum().backward()
    assert isinstance(w.grad, np.ndarray) and w.grad.shape == ()
    assert w.grad == 12.0
