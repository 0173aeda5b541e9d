"""The fully connected layer on spikes, in Numba (the specification: ``reference.py``).

What these exploit: a spiking layer's input row is mostly zeros, and ``x @ W.T`` multiplies
every one of them. Here the input is first compressed, row by row, into the positions and
values of its non-zeros (one pass). The forward pass then computes each y[m, o] as a short sum
over row m's non-zeros, reading weight row o (contiguous, cache-resident) at those positions;
the weight gradient adds grad[m, o] times row m's non-zero values into weight-gradient row o at
the same positions. The work falls from M x in x out to (non-zeros) x out, with no transposed
copy of the weight. Values are multiplied, not assumed to be 1, so any input gives the exact
result; the dispatch picks this path only when few inputs are non-zero.
"""

import numpy as np
from numba import njit, prange

from ..threads import threads_for


@njit(cache=True, parallel=True)
def _compress_rows(x):
    """x: [M, in] -> (starts [M + 1], positions [nnz], values [nnz]): row m's non-zeros are
    positions[starts[m]:starts[m + 1]] with their values (compressed sparse rows)."""
    rows, features = x.shape
    counts = np.zeros(rows + 1, np.int64)
    for m in prange(rows):
        for k in range(features):
            if x[m, k] != 0:
                counts[m + 1] += 1
    starts = np.cumsum(counts)
    positions = np.empty(starts[rows], np.int32)
    values = np.empty(starts[rows], x.dtype)
    for m in prange(rows):
        at = starts[m]
        for k in range(features):
            if x[m, k] != 0:
                positions[at], values[at] = k, x[m, k]
                at += 1
    return starts, positions, values


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def _sparse_forward_numba(starts, positions, values, weight, bias, y):
    """y[m, o] = bias[o] + sum over row m's non-zeros k of weight[o, k] * x[m, k].

    One weight row o per task, read for every input row while it sits in the L1 cache (the
    weight matrix streams from memory once; the compressed input stays in L2).
    """
    rows = y.shape[0]
    for o in prange(y.shape[1]):
        w = weight[o]
        for m in range(rows):
            total = bias[o]
            for t in range(starts[m], starts[m + 1]):
                total += w[positions[t]] * values[t]
            y[m, o] = total


@njit(cache=True, parallel=True, fastmath={"contract"})
def _sparse_weight_grad_numba(starts, positions, values, grad, gw):
    """gw[o, k] = sum over rows m with x[m, k] != 0 of grad[m, o] * x[m, k]; one row o per task
    (in the L1 cache while every input row adds to it), so threads never write the same row."""
    rows = grad.shape[0]
    for o in prange(gw.shape[0]):
        row = gw[o]
        row[:] = 0
        for m in range(rows):
            g = grad[m, o]
            if g == 0:
                continue
            for t in range(starts[m], starts[m + 1]):
                row[positions[t]] += g * values[t]  # dW[o, k] += grad[m, o] * x[m, k]


def sparse_linear_forward(x, weight, bias):
    """``reference.sparse_linear_forward`` in Numba: x [M, in] -> y [M, out]."""
    b = np.zeros(weight.shape[0], x.dtype) if bias is None else bias
    y = np.empty((x.shape[0], weight.shape[0]), x.dtype)
    with threads_for(x.size):
        compressed = _compress_rows(np.ascontiguousarray(x))
        _sparse_forward_numba(*compressed, np.ascontiguousarray(weight), b, y)
    return y


def sparse_linear_weight_grad(x, grad):
    """``reference.sparse_linear_weight_grad`` in Numba -> dL/dweight [out, in]."""
    gw = np.empty((grad.shape[1], x.shape[1]), grad.dtype)
    with threads_for(x.size):
        compressed = _compress_rows(np.ascontiguousarray(x))
        _sparse_weight_grad_numba(*compressed, np.ascontiguousarray(grad), gw)
    return gw
