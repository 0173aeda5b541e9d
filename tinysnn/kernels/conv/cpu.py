"""im2col / col2im in Numba (the specification and the column layout: ``reference.py``), and
the event-driven kernels for spike input and sparse gradients (below).

im2col / col2im are serial and release the GIL: a convolution runs them on a block of images
per thread (``threads.in_shares``). ``scratch`` keeps one reusable column buffer per thread, so
the short-lived columns of a convolution are not page-faulted in on every call.
"""

import threading

import numba
import numpy as np
from numba import njit, prange

from ..threads import threads_for
from .reference import output_size


# Each (c, n) plane is copied once into a zero-bordered buffer, so the window loops need no
# bounds checks; the unit-stride branch lets LLVM turn each row into a vector copy.
@njit(cache=True, nogil=True)
def _im2col_numba(x, kh, kw, sh, sw, ph, pw, ho_n, wo_n, cols):
    n_batch, channels, height, width = x.shape
    cols6 = cols.reshape(channels, kh, kw, n_batch, ho_n, wo_n)
    padded = np.zeros((height + 2 * ph, width + 2 * pw), x.dtype)  # the border stays 0
    for plane in range(channels * n_batch):
        c, n = plane // n_batch, plane % n_batch
        for h in range(height):
            for w in range(width):
                padded[h + ph, w + pw] = x[n, c, h, w]
        for i in range(kh):
            for j in range(kw):
                out = cols6[c, i, j, n]
                for ho in range(ho_n):
                    row = padded[ho * sh + i]
                    if sw == 1:
                        for wo in range(wo_n):
                            out[ho, wo] = row[wo + j]
                    else:  # cols[c,i,j,n,ho,wo] = x[n, c, ho*sh - ph + i, wo*sw - pw + j]
                        for wo in range(wo_n):
                            out[ho, wo] = row[wo * sw + j]


@njit(cache=True, nogil=True)
def _col2im_numba(cols, n_batch, channels, height, width, kh, kw, sh, sw, ph, pw, ho_n, wo_n,
                  dx):
    cols6 = cols.reshape(channels, kh, kw, n_batch, ho_n, wo_n)
    padded = np.empty((height + 2 * ph, width + 2 * pw), dx.dtype)
    for plane in range(channels * n_batch):
        c, n = plane // n_batch, plane % n_batch
        padded[...] = 0
        for i in range(kh):
            for j in range(kw):
                src = cols6[c, i, j, n]
                for ho in range(ho_n):
                    row = padded[ho * sh + i]
                    if sw == 1:
                        for wo in range(wo_n):
                            row[wo + j] += src[ho, wo]
                    else:  # dx[n, c, ho*sh - ph + i, wo*sw - pw + j] += cols[c,i,j,n,ho,wo]
                        for wo in range(wo_n):
                            row[wo * sw + j] += src[ho, wo]
        for h in range(height):
            for w in range(width):
                dx[n, c, h, w] = padded[h + ph, w + pw]  # the border collected padding: dropped


_scratch = threading.local()


def scratch(shape, dtype):
    """A reusable host array for short-lived columns (never returned to the user).

    cols is kh*kw times larger than x; a fresh one per call would be page-faulted in
    (zeroed by the OS) every time, which costs as much as filling it. Each thread keeps one
    buffer, grown to the largest request so far; a second call overwrites the first's data.
    """
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    buffer = getattr(_scratch, "buffer", None)
    if buffer is None or buffer.nbytes < nbytes:
        buffer = _scratch.buffer = np.empty(nbytes, np.uint8)
    return buffer[:nbytes].view(dtype).reshape(shape)


def im2col(x, kh, kw, stride=(1, 1), padding=(0, 0), out=None):
    """x: [N, C, H, W] -> cols [C*kh*kw, N*Ho*Wo] (the layout: reference.py).

    out: an optional C-contiguous NumPy array of that shape to fill (e.g. ``scratch``).
    """
    (sh, sw), (ph, pw) = stride, padding
    n_batch, channels, height, width = x.shape
    ho_n, wo_n = output_size(height, kh, sh, ph), output_size(width, kw, sw, pw)
    shape = (channels * kh * kw, n_batch * ho_n * wo_n)
    cols = np.empty(shape, x.dtype) if out is None else out
    _im2col_numba(np.ascontiguousarray(x), kh, kw, sh, sw, ph, pw, ho_n, wo_n, cols)
    return cols


def col2im(cols, x_shape, kh, kw, stride=(1, 1), padding=(0, 0), out=None):
    """cols [C*kh*kw, N*Ho*Wo] -> dx [N, C, H, W]: sum each column entry back onto its pixel.

    out: an optional C-contiguous [N, C, H, W] array to write dx into.
    """
    (sh, sw), (ph, pw) = stride, padding
    n_batch, channels, height, width = x_shape
    ho_n, wo_n = output_size(height, kh, sh, ph), output_size(width, kw, sw, pw)
    dx = np.empty(x_shape, cols.dtype) if out is None else out
    _col2im_numba(np.ascontiguousarray(cols), n_batch, channels, height, width, kh, kw, sh, sw,
                  ph, pw, ho_n, wo_n, dx)
    return dx


# ------------------------------------------------------------------ event-driven (sparse input)
# What these exploit. After the first layer a convolution reads spikes, mostly 0, and the LIF
# layer behind it reads its input gradient only where the surrogate slope is non-zero (see
# ``LIFSequence.output_grad_support``). A GEMM multiplies every zero and computes every gradient
# anyway. These kernels work image by image on a zero-bordered, channels-last buffer (one per
# image, in cache): every non-zero input x[n, c, h, w] = v adds v times one row of flipped
# weights to each of the kh rows its windows reach (forward), or adds v times those rows of the
# gradient to the weight gradient (backward); each input gradient that is wanted is one dot
# product of the flipped weights with the gradient rows it reaches. Channels last and flipped
# weights make each of those rows kw*O contiguous values, so the inner loops are vectorised
# multiply-adds and the work is (non-zeros or wanted gradients) x kh*kw*O instead of
# (all inputs) x kh*kw*O. Values are multiplied, not assumed to be 1, so the result is exact for
# any input. Stride 1 with padding below the kernel size (every conv of the MA-SNN); the
# dispatch (``kernels.sparsity``) takes this path only when it pays.
#
# The buffer: with stride 1, output row ho reads input rows ho - ph + i (i < kh), so input row h
# reaches output rows h + ph - i. Row r = ho + (kh - 1 - ph) of the buffer holds output row ho,
# and input row h reaches buffer rows h + i' with i' = kh - 1 - i; the same for columns. The
# flipped weights wf[c, i', j'*O + o] = weight[o, c, kh-1-i', kw-1-j'] then pair with the
# buffer's row h + i', columns w .. w + kw - 1, all O channels: one contiguous run each.
def flip_weights(weight):
    """weight [O, C, kh, kw] -> wf [C, kh, kw*O], wf[c, i', j'*O + o] = weight[o, c, kh-1-i',
    kw-1-j'] (C-contiguous)."""
    out_ch, channels, kh, kw = weight.shape
    flipped = weight[:, :, ::-1, ::-1].transpose(1, 2, 3, 0)
    return np.ascontiguousarray(flipped).reshape(channels, kh, kw * out_ch)


@njit(cache=True, parallel=True, fastmath={"contract"})
def _event_forward_numba(x, wf, bias_row, ph, pw, y):
    """x: [N, C, H, W], wf: [C, kh, kw*O] -> y: [N, O, Ho, Wo] (stride 1); bias_row: the bias
    repeated along a buffer row, [(W + kw - 1) * O]."""
    n_batch, channels, height, width = x.shape
    _, kh, row = wf.shape
    out_ch, ho_n, wo_n = y.shape[1:]
    kw = row // out_ch
    top, left = kh - 1 - ph, kw - 1 - pw  # buffer row and column of output pixel (0, 0)
    for n in prange(n_batch):
        acc = np.empty((height + kh - 1, width + kw - 1, out_ch), y.dtype)  # y[n], channels last
        flat = acc.reshape(acc.shape[0], -1)
        for r in range(acc.shape[0]):
            flat[r] = bias_row
        for c in range(channels):
            for h in range(height):
                for w in range(width):
                    v = x[n, c, h, w]
                    if v == 0:
                        continue
                    at = w * out_ch
                    for i in range(kh):  # y[n, :, h + ph - i, w + pw - j] += v weight[:, c, i, j]
                        out, weights = flat[h + i, at:at + row], wf[c, i]
                        for k in range(row):
                            out[k] += v * weights[k]
        for ho in range(ho_n):  # to NCHW, a row at a time: the row's O x Wo values stay in L1
            for o in range(out_ch):
                for wo in range(wo_n):
                    y[n, o, ho, wo] = acc[ho + top, wo + left, o]


@njit(cache=True, parallel=True, fastmath={"contract", "reassoc"})
def _event_backward_numba(x, grad, wf, support, ph, pw, want_gw, want_gx, parts, gx):
    """x: [N, C, H, W], grad: [N, O, Ho, Wo], wf: [C, kh, kw*O] (stride 1).

    want_gw: parts[chunk] = the flipped dL/dweight [C, kh, kw*O] of one chunk of images (summed
    by the caller), from the non-zero inputs. want_gx: gx[n, c, h, w] = dL/dx where
    support[n, c, h, w], 0 elsewhere.
    """
    n_batch, channels, height, width = x.shape
    _, kh, row = wf.shape
    out_ch, ho_n, wo_n = grad.shape[1:]
    top, left = kh - 1 - ph, row // out_ch - 1 - pw
    chunks = parts.shape[0]
    for chunk in prange(chunks):
        part = parts[chunk]
        part[...] = 0
        g = np.zeros((height + kh - 1, width + row // out_ch - 1, out_ch), grad.dtype)
        flat = g.reshape(g.shape[0], -1)
        for n in range(chunk * n_batch // chunks, (chunk + 1) * n_batch // chunks):
            for ho in range(ho_n):  # grad[n], channels last: contiguous writes
                for wo in range(wo_n):
                    for o in range(out_ch):
                        g[ho + top, wo + left, o] = grad[n, o, ho, wo]
            for c in range(channels):
                for h in range(height):
                    for w in range(width):
                        v, at = x[n, c, h, w], w * out_ch
                        if want_gw and v != 0:
                            for i in range(kh):  # dW[:, c, i, j] += v grad[n, :, h+ph-i, w+pw-j]
                                rows, out = flat[h + i, at:at + row], part[c, i]
                                for k in range(row):
                                    out[k] += v * rows[k]
                        if want_gx:
                            total = grad.dtype.type(0)
                            if support[n, c, h, w]:  # dL/dx = sum of weight * grad over windows
                                for i in range(kh):
                                    rows, weights = flat[h + i, at:at + row], wf[c, i]
                                    for k in range(row):
                                        total += weights[k] * rows[k]
                            gx[n, c, h, w] = total


def event_conv_forward(x, weight, bias, padding=(0, 0)):
    """``reference.sparse_conv_forward`` with stride 1, in Numba: x [N, C, H, W] -> y."""
    out_ch, _, kh, kw = weight.shape
    ph, pw = padding
    ho_n, wo_n = output_size(x.shape[2], kh, 1, ph), output_size(x.shape[3], kw, 1, pw)
    b = np.zeros(out_ch, x.dtype) if bias is None else bias
    bias_row = np.tile(b, x.shape[3] + kw - 1)
    y = np.empty((x.shape[0], out_ch, ho_n, wo_n), x.dtype)
    with threads_for(y.size):
        _event_forward_numba(np.ascontiguousarray(x), flip_weights(weight), bias_row, ph, pw, y)
    return y


def event_conv_backward(x, grad, weight, padding=(0, 0), weight_grad=True, support=None):
    """The gradients of a stride-1 convolution from its non-zero inputs and wanted positions.

    x: [N, C, H, W] (the forward input), grad: [N, O, Ho, Wo], weight: [O, C, kh, kw].
    weight_grad: compute dL/dweight (``reference.sparse_conv_weight_grad``); support: a boolean
    array of x's shape: compute dL/dx where it is True, 0 elsewhere
    (``reference.masked_conv_input_grad``), or None for no dL/dx. Returns (dx or None, dw or None).
    """
    out_ch, channels, kh, kw = weight.shape
    ph, pw = padding
    want_gx = support is not None
    with threads_for(grad.size):
        chunks = min(numba.get_num_threads(), x.shape[0])
        parts = np.empty((chunks, channels, kh, kw * out_ch) if weight_grad else (chunks, 0, 0, 0),
                         x.dtype)
        gx = np.empty(x.shape if want_gx else (0, 0, 0, 0), x.dtype)
        mask = np.ascontiguousarray(support) if want_gx else np.empty((0, 0, 0, 0), np.bool_)
        _event_backward_numba(np.ascontiguousarray(x), np.ascontiguousarray(grad),
                              flip_weights(weight), mask, ph, pw, weight_grad, want_gx, parts, gx)
    gw = None
    if weight_grad:  # unflip: dW[o, c, i, j] = sum of parts[:, c, kh-1-i, (kw-1-j)*O + o]
        flipped = parts.sum(axis=0).reshape(channels, kh, kw, out_ch)[:, ::-1, ::-1]
        gw = np.ascontiguousarray(flipped.transpose(3, 0, 1, 2))
    return (gx if want_gx else None), gw
