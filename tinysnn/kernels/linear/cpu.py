"""The fully connected layer on spikes, in Numba (the specification: ``reference.py``).

What these exploit: a spiking layer's input row is mostly zeros, and ``x @ W.T`` multiplies
every one of them. Here each input row is scanned once, a zero costs one comparison, and each
non-zero x[m, k] = v adds v times row k of the transposed weight [in, out] (forward) or v times
the gradient row grad[m] into row k of the transposed weight gradient (backward); both rows are
contiguous runs of ``out`` values, so the innermost loop is one vectorised multiply-add. The work
falls from M x in x out to (non-zeros) x out. Values are multiplied, not assumed to be 1, so any
input gives the exact result; the dispatch picks this path only when few inputs are non-zero.
"""

import numpy as np
from numba import njit, prange

from ..threads import threads_for

ROWS_PER_TASK = 64  # weight-gradient rows (input features) one parallel task owns


@njit(cache=True, parallel=True, fastmath={"contract"})
def _sparse_forward_numba(x, w_t, bias, y):
    """x: [M, in], w_t: [in, out], bias: [out] -> y: [M, out]."""
    rows, features = x.shape
    out_features = w_t.shape[1]
    for m in prange(rows):
        for o in range(out_features):
            y[m, o] = bias[o]
        for k in range(features):
            v = x[m, k]
            if v == 0:
                continue
            for o in range(out_features):  # y[m, :] += v * weight[:, k]
                y[m, o] += v * w_t[k, o]


@njit(cache=True, parallel=True, fastmath={"contract"})
def _sparse_weight_grad_numba(x, grad, gw_t):
    """x: [M, in], grad: [M, out] -> gw_t: [in, out] (dL/dweight transposed).

    Each task owns a block of rows k of gw_t, so threads never write the same row.
    """
    rows, features = x.shape
    out_features = grad.shape[1]
    for block in prange((features + ROWS_PER_TASK - 1) // ROWS_PER_TASK):
        lo = block * ROWS_PER_TASK
        hi = min(lo + ROWS_PER_TASK, features)
        gw_t[lo:hi] = 0
        for m in range(rows):
            for k in range(lo, hi):
                v = x[m, k]
                if v == 0:
                    continue
                for o in range(out_features):  # dW[:, k] += v * grad[m, :]
                    gw_t[k, o] += v * grad[m, o]


def sparse_linear_forward(x, weight, bias):
    """``reference.sparse_linear_forward`` in Numba: x [M, in] -> y [M, out]."""
    b = np.zeros(weight.shape[0], x.dtype) if bias is None else bias
    y = np.empty((x.shape[0], weight.shape[0]), x.dtype)
    with threads_for(x.size):
        _sparse_forward_numba(np.ascontiguousarray(x), np.ascontiguousarray(weight.T), b, y)
    return y


def sparse_linear_weight_grad(x, grad):
    """``reference.sparse_linear_weight_grad`` in Numba -> dL/dweight [out, in]."""
    gw_t = np.empty((x.shape[1], grad.shape[1]), grad.dtype)
    with threads_for(x.size):
        _sparse_weight_grad_numba(np.ascontiguousarray(x), np.ascontiguousarray(grad), gw_t)
    return np.ascontiguousarray(gw_t.T)
