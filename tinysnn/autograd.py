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
import threading

import numpy as np

from .backend import device_of, is_cupy, to_device, xp_of

_state = threading.local()


def is_grad_enabled():
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


def _as_array(data, dtype=None):
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.generic):  # a NumPy scalar (what ops on 0-d arrays return)
        data = np.asarray(data)
    if isinstance(data, np.ndarray) or is_cupy(data):
        return data if dtype is None else data.astype(dtype, copy=False)
    array = np.asarray(data, dtype=dtype)
    if dtype is None and array.dtype.kind == "f":
        array = array.astype(np.float32)  # Python floats default to float32, as in PyTorch
    return array


class Tensor:
    """An array (``.data``, NumPy or CuPy) with an optional gradient (``.grad``, same shape)."""

    __array_priority__ = 100  # so that ndarray * Tensor calls Tensor.__rmul__

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = _as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"Tensor: only floating-point tensors can require gradients, got {self.data.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._node = None  # the Node that produced this tensor (None for leaves)
        self._index = 0  # which output of that node

    # ----------------------------------------------------------------- properties
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    device = property(lambda self: device_of(self.data))
    is_leaf = property(lambda self: self._node is None)

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({self.data!r}{grad})"

    def numpy(self):
        """The data as a NumPy array (copied to the host for CuPy)."""
        return to_device(self.data, "cpu")

    def item(self):
        return self.data.item()

    @property
    def graph_freed(self):
        """True when a backward has already freed the graph that produced this tensor."""
        return self._node is not None and self._node.ctx is None

    def detach(self):
        """A leaf tensor sharing the data, cut from the graph."""
        return Tensor(self.data)

    def zero_grad(self):
        self.grad = None

    # ------------------------------------------------------------------- backward
    def backward(self, grad=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) * grad into every leaf that requires a gradient."""
        if not self.requires_grad:
            raise RuntimeError("backward: this tensor does not require grad (no graph to walk)")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward: a gradient must be given for a non-scalar output of shape "
                    f"{self.shape}; pass grad=<array of that shape>"
                )
            grad = xp_of(self.data).ones_like(self.data)
        grad = _as_array(grad, self.dtype)
        if grad.shape != self.shape:
            raise ValueError(f"backward: grad has shape {grad.shape}, output has {self.shape}")
        if self._node is None:
            self.grad = grad if self.grad is None else self.grad + grad
            return
        _check_not_freed(self._node)
        self._node.accumulate(self._index, grad)
        for node in _reverse_topological(self._node):
            _run_backward(node)
            node.out_grads = [None] * len(node.out_grads)
            if not retain_graph:
                node.ctx, node.inputs = None, ()

    # Operators and methods are attached by tinysnn.functional.basic.


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
    for t, g in zip(node.inputs, in_grads):
        if g is None or not t.requires_grad:
            continue
        if g.shape != t.shape:
            raise RuntimeError(
                f"{node.fn.__name__}.backward returned a gradient of shape {g.shape} "
                f"for an input of shape {t.shape}"
            )
        if t._node is None:
            t.grad = g.copy() if t.grad is None else t.grad + g
        else:
            t._node.accumulate(t._index, g)
