"""Shape Functions: reshape, permute, indexing, concatenation and stacking.

None of them computes anything; their backward only moves the gradient back to where each
element came from: the backward of a reshape is a reshape, of a permutation the inverse
permutation, of an index a scatter-add, of a concatenation a split.
"""

import numpy as np

from ..autograd import Function
from ..backend import xp_of
from ..tensor import Tensor


class Reshape(Function):
    """x with a new shape; backward reshapes the gradient back."""
    @staticmethod
    def forward(ctx, x, shape):
        out = x.reshape(shape)
        ctx.shape, ctx.out_shape = x.shape, out.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        return (grad.reshape(ctx.shape),)

    @staticmethod
    def output_grad_support(ctx, index, input_grad_support):
        """Read where the input's gradient is read, in the output's shape."""
        support = input_grad_support(0)
        return None if support is None else support.reshape(ctx.out_shape)


class Permute(Function):
    """x with its axes reordered; backward applies the inverse order."""
    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, grad):  # the inverse permutation undoes it
        return (grad.transpose(np.argsort(ctx.axes)),)


class GetItem(Function):
    """x[index]; backward adds the gradient into zeros at the indexed places."""
    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        xp = xp_of(grad)
        out = xp.zeros(ctx.shape, ctx.dtype)
        if _is_basic(ctx.index):
            out[ctx.index] = grad  # slices and integers pick each element at most once
        else:
            xp.add.at(out, ctx.index, grad)  # index arrays may repeat: add.at accumulates
        return (out,)


def _is_basic(index):
    """True for indices made only of ints, slices, None and Ellipsis (no index arrays)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, slice)) or p is None or p is Ellipsis for p in parts)


class Concatenate(Function):
    """Arrays joined along an existing axis; backward splits the gradient."""
    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        ctx.bounds = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return xp_of(arrays[0]).concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):  # the backward of a concatenation is a split
        return tuple(xp_of(grad).split(grad, ctx.bounds, axis=ctx.axis))


class Stack(Function):
    """Arrays stacked along a new axis; backward takes each one's slice."""
    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        return xp_of(arrays[0]).stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        xp = xp_of(grad)
        return tuple(xp.take(grad, i, axis=ctx.axis) for i in range(grad.shape[ctx.axis]))


# ------------------------------------------------------------------ functional names
def reshape(x, *shape):
    """x with a new shape of the same size (one side may be -1)."""
    shape = tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], int) else shape
    known = int(np.prod([n for n in shape if n != -1]))  # the size of the sides given
    fits = bool(known) and x.size % known == 0 if -1 in shape else x.size == known
    if not fits or shape.count(-1) > 1:
        raise ValueError(f"reshape: cannot reshape {x.shape} ({x.size} elements) into {shape}")
    return Reshape.apply(x, shape=shape)


def permute(x, *axes):
    """x with its axes reordered: permute(x, 1, 0, 2) of [A, B, C] is [B, A, C]."""
    axes = tuple(axes[0]) if len(axes) == 1 and not isinstance(axes[0], int) else axes
    if sorted(a % x.ndim for a in axes) != list(range(x.ndim)):
        raise ValueError(f"permute: {axes} is not a permutation of the {x.ndim} axes of {x.shape}")
    return Permute.apply(x, axes=tuple(a % x.ndim for a in axes))


def transpose(x, dim0=-2, dim1=-1):
    """x with axes dim0 and dim1 swapped."""
    axes = list(range(x.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return Permute.apply(x, axes=tuple(axes))


def flatten(x, start_dim=0, end_dim=-1):
    """Merge axes start_dim..end_dim into one: [2, 3, 4, 5] -> [2, 60] for start_dim=1."""
    end = end_dim % x.ndim
    if not 0 <= start_dim % x.ndim <= end or start_dim >= x.ndim:
        raise ValueError(f"flatten: cannot merge axes {start_dim}..{end_dim} of a tensor of "
                         f"shape {x.shape}")
    shape = x.shape[:start_dim] + (-1,) + x.shape[end + 1 :]
    return Reshape.apply(x, shape=shape)


def getitem(x, index):
    """x[index] for NumPy indices; repeated integer indices accumulate in backward."""
    if isinstance(index, Tensor):
        index = index.data
    return GetItem.apply(x, index=index)


def _same_dtype(name, tensors):
    dtypes = sorted({str(t.dtype) for t in tensors})
    if len(dtypes) > 1:
        raise TypeError(f"{name}: tensors have dtypes {dtypes}; convert them to one first")


def concatenate(tensors, axis=0):
    """Tensors of one dtype joined along an existing axis."""
    _same_dtype("concatenate", tensors)
    return Concatenate.apply(*tensors, axis=axis)


def stack(tensors, axis=0):
    """Tensors of one shape and dtype joined along a new axis."""
    _same_dtype("stack", tensors)
    return Stack.apply(*tensors, axis=axis)
