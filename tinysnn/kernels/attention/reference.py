"""The four passes of an attention gate over its big input, as plain array code: the specification.

Every branch scales its input by a gate that is constant along some axes and pools the input
along exactly those axes. Viewed as ``x4: [P1, G, P2, Q]``, the gate is indexed by (g, q) and
the pools run over P1 and P2 (views of a contiguous array, no copies):

    temporal  x [T, B, *F]       -> [1, T*B, N, 1]     one gate per (t, b), N = prod(F)
    channel   x [T, B, C, H, W]  -> [T, B*C, H*W, 1]   one gate per (b, c)
    spatial   x [T, B, C, H, W]  -> [T, B, C, H*W]     one gate per (b, h, w)

Four passes make a branch: ``pool_stats`` and ``gate_scale`` forward, ``grad_dot_input`` and
``gate_input_grad`` backward. The last branch of a multi-dimensional attention also applies its
ReLU: in ``gate_scale``, and backward as ``relu_grad`` on the incoming gradient.

Max pooling routes its gradient to one element: the first maximum in (i, k) order, where the
pooled position is the flat index i * P2 + k. With distinct values there are no ties; with ties,
the first one takes the whole gradient (tinysnn's ``max`` instead shares it equally).
"""

from ...backend import xp_of


def pool_stats(x4):
    """Mean, max and argmax over axes 0 and 2.  x4: [P1, G, P2, Q] -> three [G, Q] arrays."""
    xp = xp_of(x4)
    P2 = x4.shape[2]
    mean = x4.mean(axis=(0, 2))
    # argmax over two axes at once, in two steps: first along k (axis 2) for each i, then along i
    # among those row winners; argmax returns the first maximum, so the result is the first in
    # (i, k) order.
    inner = x4.argmax(axis=2)  # [P1, G, Q]
    row_max = xp.take_along_axis(x4, inner[:, :, None, :], axis=2)[:, :, 0, :]  # [P1, G, Q]
    outer = row_max.argmax(axis=0)[None]  # [1, G, Q]
    top = xp.take_along_axis(row_max, outer, axis=0)[0]
    where = outer[0] * P2 + xp.take_along_axis(inner, outer, axis=0)[0]
    return mean, top, where


def gate_scale(x4, gate, relu=False):
    """y = x * gate, the gate broadcast over the pooled axes.  x4: [P1, G, P2, Q], gate: [G, Q].

    relu: y = max(x * gate, 0) instead."""
    y = x4 * gate[None, :, None, :]
    return xp_of(y).maximum(y, 0, out=y) if relu else y


def relu_grad(grad4, x4, gate):
    """The gradient before a ReLU that followed ``gate_scale``: grad where x * gate > 0, else 0
    (relu' = 0 at 0, as tinysnn's relu).  grad4, x4: [P1, G, P2, Q]; gate: [G, Q]."""
    return grad4 * (x4 * gate[None, :, None, :] > 0)


def grad_dot_input(grad4, x4):
    """dL/dgate of y = x * gate: sum of grad * x over the pooled axes 0 and 2 -> [G, Q]."""
    return xp_of(x4).einsum("igkq,igkq->gq", grad4, x4)


def gate_input_grad(grad4, gate, grad_mean, grad_max, where):
    """dL/dx of y = x * gate(pools of x).  grad4: [P1, G, P2, Q]; the others: [G, Q].

    dx = grad * gate                        the direct path
       + grad_mean / (P1 * P2)              average pooling spreads its gradient evenly
       + grad_max at the argmax only        max pooling routes it to the maximum
    """
    xp = xp_of(grad4)
    P1, P2 = grad4.shape[0], grad4.shape[2]
    dx = grad4 * gate[None, :, None, :]
    dx += (grad_mean / (P1 * P2))[None, :, None, :]
    i, k = xp.divmod(where, P2)
    g, q = xp.indices(where.shape)
    dx[i, g, k, q] += grad_max  # each (g, q) names one element: no repeated indices
    return dx
