"""The tape: a minimal reverse-mode autograd of Function, Context, no_grad and backward.

A ``Function`` computes on raw arrays (NumPy or CuPy) in ``forward`` and maps the
output gradient(s) back to input gradients in ``backward``, side by side:

    class Mul(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved
            return grad * b, grad * a          # d(ab)/da = b, d(ab)/db = a

``Mul.apply(x, y)`` runs forward and, when some input requires a gradient, records
a ``Node`` that links the output to its inputs. ``loss.backward()`` visits the
nodes once in reverse topological order and accumulates (+=) into ``.grad`` of
the leaves, so a tensor used twice gets the sum of both paths.

The tape checks each gradient a backward returns (one per input, of the input's shape and
dtype) and owns the graph; a Function talks to it only through its context and two hooks:
``ctx.mark_fresh(g)`` (a leaf may keep g as its .grad uncopied) and ``output_grad_support``,
which a Function's consumer reads as ``ctx.input_grad_support(i)`` (where a gradient is read).
"""

import contextlib
import threading

from .backend import xp_of
from .tensor import Tensor, as_array

_state = threading.local()


def is_grad_enabled():
    """False inside ``no_grad()`` (in this thread), else True."""
    return getattr(_state, "grad_enabled", True)


@contextlib.contextmanager
def no_grad():
    """Context manager: operations inside record no graph (inference, optimizer steps)."""
    previous = is_grad_enabled()
    _state.grad_enabled = False
    try:
        yield
    finally:
        _state.grad_enabled = previous


class Context:
    """What forward leaves for backward: saved arrays, flags, and which inputs need a gradient."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.saved = ()
        self.fresh = ()
        self.inputs = ()  # the input tensors, while backward runs (for input_grad_support)

    def save_for_backward(self, *arrays):
        self.saved = arrays

    def input_grad_support(self, index):
        """In backward: where the Function that produced input ``index`` will read the gradient
        this backward returns for it (``Function.output_grad_support``): a boolean array of
        that input's shape, or None for everywhere (or unknown). Elsewhere this backward may
        leave the gradient at 0. None too when backward is called outside the tape."""
        return grad_support(self.inputs[index]) if self.inputs else None

    def mark_fresh(self, *arrays):
        """Declare, in backward, that these gradient arrays were made by this call and are held
        nowhere else (not saved, not a view, not an incoming gradient): a leaf input may then
        keep one as its ``.grad`` without a copy. Any gradient not declared fresh is copied
        before it becomes a leaf's ``.grad``, so that an in-place change of that ``.grad``
        (an optimizer, clipping) touches nothing else."""
        self.fresh = arrays


class Node:
    """One recorded call: the Function, its context, its input tensors, its output gradients."""

    __slots__ = ("__weakref__", "ctx", "fn", "inputs", "out_grads", "out_shapes")

    def __init__(self, fn, ctx, inputs, outputs):
        self.fn, self.ctx, self.inputs = fn, ctx, inputs
        self.out_shapes = [(o.shape, o.dtype) for o in outputs]
        self.out_grads = [None] * len(outputs)

    def accumulate(self, index, grad):
        old = self.out_grads[index]
        self.out_grads[index] = grad if old is None else old + grad


class Function:
    """Base class of every differentiable operation; subclasses define forward and backward."""

    @staticmethod
    def forward(ctx, *arrays, **params):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError

    @staticmethod
    def output_grad_support(ctx, index, input_grad_support):
        """Where this Function's backward will read the gradient of its output ``index``: a
        boolean array of that output's shape, or None for everywhere (or unknown).

        The tape asks it for the Function that consumes that output (``ctx.input_grad_support``
        in its backward), before this Function's backward has run, so ``ctx.saved`` is still
        there. input_grad_support(i) asks the same of this Function's input i (what a reshape
        passes on). Default: None, the gradient is read everywhere.
        """
        return None

    @classmethod
    def apply(cls, *inputs, **params):
        tensors = [x if isinstance(x, Tensor) else Tensor(x) for x in inputs]
        needs = tuple(t.requires_grad for t in tensors)
        ctx = Context(needs)
        out = cls.forward(ctx, *[t.data for t in tensors], **params)
        multi = isinstance(out, tuple)
        outs = out if multi else (out,)
        record = is_grad_enabled() and any(needs)
        results = tuple(Tensor(o, requires_grad=record) for o in outs)
        if record:
            node = Node(cls, ctx, tensors, outs)
            for i, r in enumerate(results):
                r._node, r._index = node, i
        return results if multi else results[0]


def backward(tensor, grad=None, retain_graph=False):
    """``tensor.backward(grad)``: accumulate d(tensor)/d(leaf) * grad into every leaf's ``.grad``.

    grad defaults to 1 for a scalar tensor. Visits each node once, in reverse topological
    order; frees the graph afterwards unless ``retain_graph``.
    """
    if not tensor.requires_grad:
        raise RuntimeError("backward: this tensor does not require grad (no graph to walk)")
    if grad is None:
        if tensor.data.size != 1:
            raise RuntimeError(
                f"backward: a gradient must be given for a non-scalar output of shape "
                f"{tensor.shape}; pass grad=<array of that shape>"
            )
        grad = xp_of(tensor.data).ones_like(tensor.data)
    grad = as_array(grad, tensor.dtype)
    if grad.shape != tensor.shape:
        raise ValueError(f"backward: grad has shape {grad.shape}, output has {tensor.shape}")
    if tensor._node is None:
        tensor.grad = grad if tensor.grad is None else tensor.grad + grad
        return
    _check_not_freed(tensor._node)
    tensor._node.accumulate(tensor._index, grad)
    for node in _reverse_topological(tensor._node):
        _run_backward(node)
        node.out_grads = [None] * len(node.out_grads)
        if not retain_graph:
            node.ctx, node.inputs = None, ()


def _check_not_freed(node):
    if node.ctx is None:
        raise RuntimeError(
            "backward: this graph was already freed by an earlier backward; "
            "use backward(retain_graph=True) the first time to walk it twice"
        )


def _reverse_topological(root):
    """Nodes reachable from ``root``, each after every node that consumes its outputs.

    Depth-first post-order (a node is appended once all its inputs' nodes are), reversed.
    """
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for t in node.inputs:
            child = t._node
            if child is not None and id(child) not in visited:
                _check_not_freed(child)  # a part freed by another output's backward
                stack.append((child, False))
    return order[::-1]


def _run_backward(node):
    xp = None
    grads = list(node.out_grads)
    for i, g in enumerate(grads):  # outputs nobody used get a zero gradient
        if g is None:
            xp = xp or xp_of(node.inputs[0].data)
            shape, dtype = node.out_shapes[i]
            grads[i] = xp.zeros(shape, dtype)
    node.ctx.inputs = node.inputs
    in_grads = node.fn.backward(node.ctx, *grads)
    node.ctx.inputs = ()
    if not isinstance(in_grads, tuple):
        in_grads = (in_grads,)
    if len(in_grads) != len(node.inputs):
        raise RuntimeError(
            f"{node.fn.__name__}.backward returned {len(in_grads)} gradients "
            f"for {len(node.inputs)} inputs"
        )
    fresh, node.ctx.fresh = node.ctx.fresh, ()
    for i, t in enumerate(node.inputs):
        g = in_grads[i]
        if g is None or not t.requires_grad:
            continue
        _check_gradient(node.fn, i, g, t)
        if t._node is None:
            if t.grad is not None:
                t.grad = t.grad + g
            else:  # a fresh array the Function declared its own becomes .grad as it is
                t.grad = g if _may_keep(g, fresh, in_grads) else g.copy()
        else:
            t._node.accumulate(t._index, g)


def grad_support(tensor):
    """Where the Function that produced ``tensor`` will read its gradient in backward: a boolean
    array of tensor's shape, or None for everywhere (a leaf, a freed graph, a Function that does
    not say: ``Function.output_grad_support``)."""
    node = tensor._node
    if node is None or node.ctx is None:
        return None
    return node.fn.output_grad_support(node.ctx, tensor._index,
                                       lambda i: grad_support(node.inputs[i]))


def _check_gradient(fn, index, g, t):
    """A backward's gradient for input ``index`` must have that input's shape and dtype."""
    if g.shape != t.shape:
        raise RuntimeError(
            f"{fn.__name__}.backward returned a gradient of shape {g.shape} "
            f"for input {index} of shape {t.shape}"
        )
    if g.dtype != t.dtype:
        raise RuntimeError(
            f"{fn.__name__}.backward returned a {g.dtype} gradient for input {index} "
            f"of dtype {t.dtype}; cast it to the input's dtype in backward"
        )


def _may_keep(g, fresh, in_grads):
    """True when a leaf may keep ``g`` as its .grad: backward declared it fresh
    (``ctx.mark_fresh``), it is not a view, and it was returned for this input only (one array
    for two leaves would make an in-place change of one .grad change the other)."""
    return (any(g is f for f in fresh) and g.base is None
            and sum(x is g for x in in_grads) == 1)


def _tensor_backward(self, grad=None, retain_graph=False):
    """Accumulate d(self)/d(leaf) * grad into every leaf that requires a gradient.

    grad defaults to 1 for a scalar; the graph is freed afterwards unless retain_graph.
    """
    backward(self, grad, retain_graph)


Tensor.backward = _tensor_backward  # tensor.py sits below the tape, so the tape attaches it
