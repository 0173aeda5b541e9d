"""Numba kernels for the attention gates: the passes over the big [T, B, C, H, W] array.

Every attention branch is the same operation on a different 4-D view of its input,
``x4: [P1, G, P2, Q]``: the gate is indexed by (g, q) and the statistics pool over P1 and P2.

    temporal  x [T, B, *F]       -> [1, T*B, N, 1]     one gate per (t, b)
    channel   x [T, B, C, H, W]  -> [T, B*C, H*W, 1]   one gate per (b, c)
    spatial   x [T, B, C, H, W]  -> [T, B, C, H*W]     one gate per (b, h, w)

Each kernel streams that view once (``prange`` over g). The big outputs come in preallocated
by NumPy: its large arrays get huge pages, so first touching them costs far fewer page faults
than an array allocated inside a kernel. ``reference.py`` holds the plain array versions they
are tested against. The reduction sum(grad * x) of the backward has no kernel here: ``einsum``
is as fast.
"""

import numpy as np
from numba import njit, prange

from ..threads import threads_for


@njit(cache=True, parallel=True)
def _pool_stats_kernel(x4):
    """Mean, max and argmax over axes 0 and 2.  x4: [P1, G, P2, Q] -> three [G, Q] arrays.

    The argmax is the flat index i * P2 + k of the first maximum in (i, k) order. Sums
    accumulate in float64. Fast for long Q (the spatial view), where the loop over q runs
    along contiguous memory; a Q == 1 row's max does not vectorize here (NumPy's does).
    """
    P1, G, P2, Q = x4.shape
    mean = np.empty((G, Q), x4.dtype)
    top = np.empty((G, Q), x4.dtype)
    where = np.empty((G, Q), np.int64)
    for g in prange(G):
        total = np.zeros(Q)
        best = x4[0, g, 0].copy()
        at = np.zeros(Q, np.int64)
        for i in range(P1):
            for k in range(P2):
                row = x4[i, g, k]
                for q in range(Q):
                    v = row[q]
                    total[q] += v  # sum_(i,k) x
                    if v > best[q]:  # strict: ties keep the first maximum
                        best[q] = v
                        at[q] = i * P2 + k
        for q in range(Q):
            mean[g, q] = total[q] / (P1 * P2)
            top[g, q] = best[q]
            where[g, q] = at[q]
    return mean, top, where


@njit(cache=True, parallel=True)
def _gate_scale_kernel(x4, gate, relu, y):
    """y = x * gate, broadcast over the pooled axes, or max(x * gate, 0) with ``relu`` (NaN
    passing through, as in np.maximum).  x4, y: [P1, G, P2, Q]; gate: [G, Q]."""
    P1, G, P2, Q = x4.shape
    zero = y.dtype.type(0)
    for g in prange(G):
        for i in range(P1):
            if Q == 1:  # one gate per row: a scalar, so the loop along k vectorizes
                a, row, out = gate[g, 0], x4[i, g, :, 0], y[i, g, :, 0]
                for k in range(P2):
                    v = row[k] * a
                    out[k] = v if not relu or v > 0 or v != v else zero  # max(x a, 0)
            else:
                for k in range(P2):
                    for q in range(Q):
                        v = x4[i, g, k, q] * gate[g, q]
                        y[i, g, k, q] = v if not relu or v > 0 or v != v else zero
    return y


@njit(cache=True, parallel=True)
def _relu_grad_kernel(grad4, x4, gate, out):
    """out = grad where x * gate > 0, else 0.  grad4, x4, out: [P1, G, P2, Q]; gate: [G, Q]."""
    P1, G, P2, Q = x4.shape
    zero = out.dtype.type(0)
    for g in prange(G):
        for i in range(P1):
            if Q == 1:  # as in gate_scale
                a, row, g_row = gate[g, 0], x4[i, g, :, 0], grad4[i, g, :, 0]
                o_row = out[i, g, :, 0]
                for k in range(P2):  # relu' = 1 where its input x a > 0
                    o_row[k] = g_row[k] if row[k] * a > 0 else zero
            else:
                for k in range(P2):
                    for q in range(Q):
                        positive = x4[i, g, k, q] * gate[g, q] > 0
                        out[i, g, k, q] = grad4[i, g, k, q] if positive else zero
    return out


@njit(cache=True, parallel=True)
def _gate_input_grad_kernel(grad4, gate, grad_mean, grad_max, where, dx):
    """dL/dx of y = x * gate(pools of x), into dx.  grad4, dx: [P1, G, P2, Q]; the rest [G, Q].

    dx[i, g, k, q] = grad * gate[g, q]                        (the direct path)
                   + grad_mean[g, q] / (P1 * P2)              (average pooling spreads evenly)
                   + grad_max[g, q] if i * P2 + k == where[g, q]  (max pooling: the argmax only)
    """
    P1, G, P2, Q = grad4.shape
    for g in prange(G):
        if Q == 1:  # scalars per row, as in gate_scale
            a, spread = gate[g, 0], grad_mean[g, 0] / (P1 * P2)
            for i in range(P1):
                for k in range(P2):
                    dx[i, g, k, 0] = grad4[i, g, k, 0] * a + spread
        else:
            spread = grad_mean[g] / (P1 * P2)
            for i in range(P1):
                for k in range(P2):
                    for q in range(Q):
                        dx[i, g, k, q] = grad4[i, g, k, q] * gate[g, q] + spread[q]
        for q in range(Q):
            i, k = divmod(where[g, q], P2)
            dx[i, g, k, q] += grad_max[g, q]
    return dx


def pool_stats(x4):
    """``reference.pool_stats``: mean, max and argmax of x4 [P1, G, P2, Q] over axes 0 and 2."""
    with threads_for(x4.size):
        return _pool_stats_kernel(x4)


def gate_scale(x4, gate, relu=False):
    """``reference.gate_scale``: y = x * gate (max(x * gate, 0) with relu)."""
    with threads_for(x4.size):
        return _gate_scale_kernel(x4, gate, relu, np.empty_like(x4))


def relu_grad(grad4, x4, gate):
    """``reference.relu_grad``: grad where x * gate > 0, else 0."""
    with threads_for(x4.size):
        return _relu_grad_kernel(grad4, x4, gate, np.empty_like(grad4))


def gate_input_grad(grad4, gate, grad_mean, grad_max, where):
    """``reference.gate_input_grad``: dL/dx of y = x * gate(pools of x)."""
    with threads_for(grad4.size):
        return _gate_input_grad_kernel(grad4, gate, grad_mean, grad_max, where,
                                       np.empty_like(grad4))
