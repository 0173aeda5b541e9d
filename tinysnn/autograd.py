"""A minimal reverse-mode autograd: Tensor, Function, Context, no_grad.

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
"""

import contextlib
import sys
import threading

from .backend import xp_of

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

    def save_for_backward(self, *arrays):
        self.saved = arrays


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
    in_grads = node.fn.backward(node.ctx, *grads)
    if not isinstance(in_grads, tuple):
        in_grads = (in_grads,)
    if len(in_grads) != len(node.inputs):
        raise RuntimeError(
            f"{node.fn.__name__}.backward returned {len(in_grads)} gradients "
            f"for {len(node.inputs)} inputs"
        )
    for i, t in enumerate(node.inputs):
        g = in_grads[i]
        if g is None or not t.requires_grad:
            continue
        if g.shape != t.shape:
            raise RuntimeError(
                f"{node.fn.__name__}.backward returned a gradient of shape {g.shape} "
                f"for an input of shape {t.shape}"
            )
        if t._node is None:
            if t.grad is not None:
                t.grad = t.grad + g
            else:  # a fresh array nobody else holds becomes .grad as it is: no copy
                t.grad = g if _sole_owner(g, in_grads) else g.copy()
        else:
            t._node.accumulate(t._index, g)


def _reference_count(array):
    return sys.getrefcount(array)


def _sole_owner_count():
    """References to an array held only by a tuple of gradients and one local variable (what
    ``_run_backward`` has for a fresh gradient), as this Python counts them."""
    in_grads = (object(),)
    g = in_grads[0]
    return _reference_count(g)


_SOLE_OWNER = _sole_owner_count()


def _sole_owner(g, in_grads):
    """True when nothing but this backward pass holds ``g``, so a leaf may keep it as its grad.

    A view shares memory with its base, an array returned for two inputs would be shared by two
    leaves, and an array also kept elsewhere (saved in a context, an incoming gradient, the
    caller's own) has more references; each of those must be copied, or a later in-place change
    of one .grad (an optimizer, clipping) would change the others.
    """
    return (g.base is None and sum(x is g for x in in_grads) == 1
            and _reference_count(g) == _SOLE_OWNER + 1)  # + 1: _sole_owner's own argument


from .tensor import Tensor, as_array  # noqa: E402  (Tensor.backward calls back into this module)
