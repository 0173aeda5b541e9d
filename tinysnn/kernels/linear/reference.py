"""The fully connected layer driven by its non-zero inputs: the specification of ``cpu.py``.

With x: [M, in] (mostly zeros: spikes), weight: [out, in]:

    forward:          y[m, :] = bias + sum over k with x[m, k] != 0 of x[m, k] * weight[:, k]
    weight gradient:  dW[:, k] = sum over m with x[m, k] != 0 of x[m, k] * grad[m, :]

Both equal the dense ``x @ weight.T + bias`` and ``grad.T @ x``: the zero terms are left out.
"""

import numpy as np


def sparse_linear_forward(x, weight, bias):
    """x: [M, in], weight: [out, in], bias: [out] or None -> y: [M, out]."""
    y = np.zeros((x.shape[0], weight.shape[0]), x.dtype)
    if bias is not None:
        y += bias
    for m, k in zip(*np.nonzero(x)):
        y[m] += x[m, k] * weight[:, k]
    return y


def sparse_linear_weight_grad(x, grad):
    """x: [M, in], grad: [M, out] -> dL/dweight: [out, in]."""
    dw = np.zeros((grad.shape[1], x.shape[1]), grad.dtype)
    for m, k in zip(*np.nonzero(x)):
        dw[:, k] += x[m, k] * grad[m]
    return dw
