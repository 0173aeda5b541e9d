"""Tensor: an array with an optional gradient, and the place in the graph that produced it.

``Tensor(data, requires_grad=False)`` wraps one NumPy or CuPy array (``.data``). Arithmetic on
tensors (``a + b``, ``a @ b``, ``x.sum(axis=0)``, ``x[1:3]``, ...) calls the differentiable
operations of ``tinysnn.functional``, which record the graph that ``backward()`` walks
(``tinysnn.autograd``). Comparisons return plain tensors: they have no gradient.

Layers: this module sits below the tape and the operations (both make and take Tensors), so it
imports neither. The tape attaches ``Tensor.backward`` (``autograd.py``) and the operations
attach the operators and methods that build graphs (``functional/operators.py``); ``import
tinysnn`` imports both.
"""

import collections
import operator

import numpy as np

from .backend import device_of, is_cupy, to_device


def as_array(data, dtype=None):
    """The array inside ``data`` (a Tensor, an array, a number or a nested list)."""
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
        self.data = as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"Tensor: only floating-point tensors can require gradients, got {self.data.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._node = None  # the autograd Node that produced this tensor (None for leaves)
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
        """True when a backward has already freed the graph that produced this tensor, or a
        part of it (a backward through another output of the same computation frees that)."""
        queue, seen = collections.deque([self._node]), set()
        while queue:  # breadth first: a freed node is usually a step or two back
            node = queue.popleft()
            if node is None or id(node) in seen:
                continue
            if node.ctx is None:
                return True
            seen.add(id(node))
            queue.extend(t._node for t in node.inputs)
        return False

    def detach(self):
        """A leaf tensor sharing the data, cut from the graph."""
        return Tensor(self.data)

    def zero_grad(self):
        self.grad = None

    def _compare(self, other, op):
        return Tensor(op(self.data, other.data if isinstance(other, Tensor) else other))

    def __lt__(self, other):
        return self._compare(other, operator.lt)

    def __le__(self, other):
        return self._compare(other, operator.le)

    def __gt__(self, other):
        return self._compare(other, operator.gt)

    def __ge__(self, other):
        return self._compare(other, operator.ge)

    def eq(self, other):
        """Elementwise ==, as a Tensor of bools (``==`` itself keeps Python's identity meaning)."""
        return self._compare(other, operator.eq)
