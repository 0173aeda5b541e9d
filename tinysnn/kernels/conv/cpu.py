"""im2col / col2im in Numba (the specification and the column layout: ``reference.py``), and
the event-driven kernels for spike input (below).

One (c, n) plane per ``prange`` iteration. ``scratch`` keeps one reusable column buffer per
thread, so the short-lived columns of a convolution are not page-faulted in on every call.
"""

import threading

import numba
import numpy as np
from numba import njit, prange

from ..threads import threads_for
from .reference import output_size


# Each (c, n) plane is copied once into a zero-bordered buffer, so the window loops need no
# bounds checks; the unit-stride branch lets LLVM turn each row into a vector copy.
@njit(cache=True, parallel=True)
def _im2col_numba(x, kh, kw, sh, sw, ph, pw, ho_n, wo_n, cols):
    n_batch, channels, height, width = x.shape
    cols6 = cols.reshape(channels, kh, kw, n_batch, ho_n, wo_n)
    for plane in prange(channels * n_batch):
        c, n = plane // n_batch, plane % n_batch
        padded = np.zeros((height + 2 * ph, width + 2 * pw), x.dtype)
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


@njit(cache=True, parallel=True)
def _col2im_numba(cols, n_batch, channels, height, width, kh, kw, sh, sw, ph, pw, ho_n, wo_n,
                  dx):
    cols6 = cols.reshape(channels, kh, kw, n_batch, ho_n, wo_n)
    for plane in prange(channels * n_batch):
        c, n = plane // n_batch, plane % n_batch
        padded = np.zeros((height + 2 * ph, width + 2 * pw), dx.dtype)
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
    with threads_for(cols.size):
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
    with threads_for(cols.size):
        _col2im_numba(np.ascontiguousarray(cols), n_batch, channels, height, width, kh, kw, sh,
                      sw, ph, pw, ho_n, wo_n, dx)
    return dx


# ------------------------------------------------------------------ event-driven (sparse input)
# What these exploit: after the first layer a convolution reads spikes, and most of them are 0.
# A GEMM multiplies every zero anyway; these kernels visit each image's input once, skip the
# zeros with one comparison each, and for every non-zero x[n, c, h, w] = v add v times a weight
# row (forward) or a gradient row (weight gradient) to each of the k*k outputs it reaches. The
# rows run over the output channels O, which a channels-last buffer makes contiguous, so the
# innermost loop is a vectorised multiply-add of O values and the work is (non-zeros) x k*k x O
# instead of (all inputs) x k*k x O. Values are multiplied, not assumed to be 1, so the result is
# exact for any input; the dispatch only chooses this path when few inputs are non-zero.
def _reach(size, out_size, kernel, stride, pad):
    """reach[h, i] = the output row whose window reads input row h at offset i, or -1.

    Output row ho reads input rows ho*stride - pad + i; a table spares the kernels a division.
    """
    reach = np.full((size, kernel), -1, np.int64)
    for ho in range(out_size):
        for i in range(kernel):
            h = ho * stride - pad + i
            if 0 <= h < size:
                reach[h, i] = ho
    return reach


@njit(cache=True, parallel=True, fastmath={"contract"})
def _sparse_forward_numba(x, w_t, bias, reach_h, reach_w, y):
    """x: [N, C, H, W], w_t: [C, kh, kw, O] (weight with O last), bias: [O] -> y: [N, O, Ho, Wo]."""
    n_batch, channels, height, width = x.shape
    _, kh, kw, out_ch = w_t.shape
    ho_n, wo_n = y.shape[2], y.shape[3]
    for n in prange(n_batch):
        acc = np.empty((ho_n * wo_n, out_ch), y.dtype)  # this image's output, channels last
        for p in range(ho_n * wo_n):
            for o in range(out_ch):
                acc[p, o] = bias[o]
        for c in range(channels):
            for h in range(height):
                for w in range(width):
                    v = x[n, c, h, w]
                    if v == 0:
                        continue
                    for i in range(kh):
                        ho = reach_h[h, i]
                        if ho < 0:
                            continue
                        for j in range(kw):
                            wo = reach_w[w, j]
                            if wo < 0:
                                continue
                            p = ho * wo_n + wo
                            for o in range(out_ch):  # y[n, :, ho, wo] += v * weight[:, c, i, j]
                                acc[p, o] += v * w_t[c, i, j, o]
        for o in range(out_ch):  # back to NCHW (no division per element: it would cost more)
            for ho in range(ho_n):
                for wo in range(wo_n):
                    y[n, o, ho, wo] = acc[ho * wo_n + wo, o]


@njit(cache=True, parallel=True, fastmath={"contract"})
def _sparse_weight_grad_numba(x, grad, reach_h, reach_w, parts):
    """x: [N, C, H, W], grad: [N, O, Ho, Wo] -> parts: [chunks, C, kh, kw, O], one partial
    dL/dweight per chunk of images (summed by the caller), so threads never share a row."""
    n_batch, channels, height, width = x.shape
    chunks, _, kh, kw, out_ch = parts.shape
    ho_n, wo_n = grad.shape[2], grad.shape[3]
    for chunk in prange(chunks):
        part = parts[chunk]
        part[...] = 0
        g_t = np.empty((ho_n * wo_n, out_ch), grad.dtype)  # one image's gradient, channels last
        for n in range(chunk * n_batch // chunks, (chunk + 1) * n_batch // chunks):
            for o in range(out_ch):
                for ho in range(ho_n):
                    for wo in range(wo_n):
                        g_t[ho * wo_n + wo, o] = grad[n, o, ho, wo]
            for c in range(channels):
                for h in range(height):
                    for w in range(width):
                        v = x[n, c, h, w]
                        if v == 0:
                            continue
                        for i in range(kh):
                            ho = reach_h[h, i]
                            if ho < 0:
                                continue
                            for j in range(kw):
                                wo = reach_w[w, j]
                                if wo < 0:
                                    continue
                                p = ho * wo_n + wo
                                for o in range(out_ch):  # dW[:, c, i, j] += v * grad[n, :, ho, wo]
                                    part[c, i, j, o] += v * g_t[p, o]


def _reach_tables(x_shape, kernel, stride, padding):
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    height, width = x_shape[2:]
    ho_n, wo_n = output_size(height, kh, sh, ph), output_size(width, kw, sw, pw)
    return (_reach(height, ho_n, kh, sh, ph), _reach(width, wo_n, kw, sw, pw)), (ho_n, wo_n)


def sparse_conv_forward(x, weight, bias, stride=(1, 1), padding=(0, 0)):
    """``reference.sparse_conv_forward`` in Numba: x [N, C, H, W] -> y [N, O, Ho, Wo]."""
    out_ch, _, kh, kw = weight.shape
    (reach_h, reach_w), (ho_n, wo_n) = _reach_tables(x.shape, (kh, kw), stride, padding)
    w_t = np.ascontiguousarray(weight.transpose(1, 2, 3, 0))
    b = np.zeros(out_ch, x.dtype) if bias is None else bias
    y = np.empty((x.shape[0], out_ch, ho_n, wo_n), x.dtype)
    with threads_for(y.size):
        _sparse_forward_numba(np.ascontiguousarray(x), w_t, b, reach_h, reach_w, y)
    return y


def sparse_conv_weight_grad(x, grad, kernel, stride=(1, 1), padding=(0, 0)):
    """``reference.sparse_conv_weight_grad`` in Numba -> dL/dweight [O, C, kh, kw]."""
    (reach_h, reach_w), _ = _reach_tables(x.shape, kernel, stride, padding)
    with threads_for(grad.size):
        chunks = min(numba.get_num_threads(), x.shape[0])
        parts = np.empty((chunks, x.shape[1], *kernel, grad.shape[1]), grad.dtype)
        _sparse_weight_grad_numba(np.ascontiguousarray(x), np.ascontiguousarray(grad), reach_h,
                                  reach_w, parts)
    return np.ascontiguousarray(parts.sum(axis=0).transpose(3, 0, 1, 2))
