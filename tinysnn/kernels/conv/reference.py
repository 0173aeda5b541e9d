"""im2col / col2im as plain array code: the specification of the conv kernels (and the CuPy path).

Column layout (chosen so one matrix product covers every image given):

    cols[c, i, j, n, ho, wo] = x[n, c, ho*sh - ph + i, wo*sw - pw + j]   (0 outside x)

viewed as a matrix ``[C*kh*kw, N*Ho*Wo]``. Then ``W.reshape(O, C*kh*kw) @ cols`` is
``[O, N, Ho, Wo]``, and reaching NCHW only swaps the two leading axes, each (o, n) block being a
contiguous run of Ho*Wo values. ``col2im`` is the adjoint: it adds every column entry back onto
the input pixel it was copied from (a pixel covered by several windows gets the sum). Both loop
only over the kh*kw kernel offsets, one strided slice each.

The event-driven functions at the end specify the sparse kernels of ``cpu.py``: the same
convolution and weight gradient, computed from the non-zero inputs alone, and the input gradient
computed only where it is wanted.
"""

import numpy as np

from ...backend import xp_of


def output_size(size, kernel, stride, padding):
    """Ho = floor((H + 2p - k) / s) + 1, the number of window positions along one axis."""
    return (size + 2 * padding - kernel) // stride + 1


def _padded(x, ph, pw):
    xp = xp_of(x)
    if ph == 0 and pw == 0:
        return x
    return xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def im2col(x, kh, kw, stride=(1, 1), padding=(0, 0)):
    """x: [N, C, H, W] -> cols [C*kh*kw, N*Ho*Wo], one strided slice per kernel offset."""
    xp = xp_of(x)
    (sh, sw), (ph, pw) = stride, padding
    n_batch, channels, height, width = x.shape
    ho_n, wo_n = output_size(height, kh, sh, ph), output_size(width, kw, sw, pw)
    xpad = _padded(x, ph, pw)
    cols = xp.empty((channels, kh, kw, n_batch, ho_n, wo_n), x.dtype)
    for i in range(kh):
        for j in range(kw):
            window = xpad[:, :, i : i + sh * ho_n : sh, j : j + sw * wo_n : sw]  # [N, C, Ho, Wo]
            cols[:, i, j] = window.transpose(1, 0, 2, 3)
    return cols.reshape(channels * kh * kw, n_batch * ho_n * wo_n)


def col2im(cols, x_shape, kh, kw, stride=(1, 1), padding=(0, 0)):
    """cols [C*kh*kw, N*Ho*Wo] -> dx [N, C, H, W], the adjoint of ``im2col``."""
    xp = xp_of(cols)
    (sh, sw), (ph, pw) = stride, padding
    n_batch, channels, height, width = x_shape
    ho_n, wo_n = output_size(height, kh, sh, ph), output_size(width, kw, sw, pw)
    cols6 = cols.reshape(channels, kh, kw, n_batch, ho_n, wo_n)
    dpad = xp.zeros((n_batch, channels, height + 2 * ph, width + 2 * pw), cols.dtype)
    for i in range(kh):
        for j in range(kw):
            dpad[:, :, i : i + sh * ho_n : sh, j : j + sw * wo_n : sw] += cols6[:, i, j].transpose(
                1, 0, 2, 3)
    return dpad[:, :, ph : ph + height, pw : pw + width]


# ------------------------------------------------------------------ event-driven (sparse input)
def _window_positions(h, out_size, kernel, stride, pad):
    """The (offset i, output row ho) pairs whose window reads input row h: ho*s - p + i == h."""
    for i in range(kernel):
        shifted = h + pad - i
        if shifted >= 0 and shifted % stride == 0 and shifted // stride < out_size:
            yield i, shifted // stride


def sparse_conv_forward(x, weight, bias, stride=(1, 1), padding=(0, 0)):
    """The convolution driven by its non-zero inputs: the specification of the sparse kernel.

    x: [N, C, H, W], weight: [O, C, kh, kw], bias: [O] or None -> y: [N, O, Ho, Wo].
    y starts at the bias; every non-zero x[n, c, h, w] = v adds v * weight[:, c, i, j] to each
    output y[n, :, ho, wo] whose window sees it at offset (i, j). Zeros cost nothing.
    """
    (sh, sw), (ph, pw) = stride, padding
    n_batch, _, height, width = x.shape
    out_ch, _, kh, kw = weight.shape
    ho_n, wo_n = output_size(height, kh, sh, ph), output_size(width, kw, sw, pw)
    y = np.zeros((n_batch, out_ch, ho_n, wo_n), x.dtype)
    if bias is not None:
        y += bias[None, :, None, None]
    for n, c, h, w in zip(*np.nonzero(x)):
        for i, ho in _window_positions(h, ho_n, kh, sh, ph):
            for j, wo in _window_positions(w, wo_n, kw, sw, pw):
                y[n, :, ho, wo] += x[n, c, h, w] * weight[:, c, i, j]
    return y


def sparse_conv_weight_grad(x, grad, kernel, stride=(1, 1), padding=(0, 0)):
    """dL/dweight driven by the non-zero inputs.  x: [N, C, H, W], grad: [N, O, Ho, Wo].

    dW[o, c, i, j] = sum over windows of grad[n, o, ho, wo] * x[n, c, ho*sh - ph + i, ...]:
    every non-zero x[n, c, h, w] = v adds v * grad[n, :, ho, wo] to dW[:, c, i, j] for each
    window (ho, wo) that sees it at offset (i, j).
    """
    (sh, sw), (ph, pw), (kh, kw) = stride, padding, kernel
    ho_n, wo_n = grad.shape[2:]
    dw = np.zeros((grad.shape[1], x.shape[1], kh, kw), grad.dtype)
    for n, c, h, w in zip(*np.nonzero(x)):
        for i, ho in _window_positions(h, ho_n, kh, sh, ph):
            for j, wo in _window_positions(w, wo_n, kw, sw, pw):
                dw[:, c, i, j] += x[n, c, h, w] * grad[n, :, ho, wo]
    return dw


def masked_conv_input_grad(grad, weight, support, stride=(1, 1), padding=(0, 0)):
    """dL/dx where ``support`` is True and 0 elsewhere: the specification of the masked kernel.

    grad: [N, O, Ho, Wo], weight: [O, C, kh, kw], support: bool [N, C, H, W] -> dx of its shape.
    dx[n, c, h, w] = sum over the windows (ho, wo) that read x[n, c, h, w] at offset (i, j) of
    weight[:, c, i, j] . grad[n, :, ho, wo] (the adjoint of the convolution, one entry at a time).
    """
    (sh, sw), (ph, pw) = stride, padding
    _, _, kh, kw = weight.shape
    ho_n, wo_n = grad.shape[2:]
    dx = np.zeros(support.shape, grad.dtype)
    for n, c, h, w in zip(*np.nonzero(support)):
        for i, ho in _window_positions(h, ho_n, kh, sh, ph):
            for j, wo in _window_positions(w, wo_n, kw, sw, pw):
                dx[n, c, h, w] += weight[:, c, i, j] @ grad[n, :, ho, wo]
    return dx
