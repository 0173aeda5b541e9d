"""im2col / col2im in Numba (the specification and the column layout: ``reference.py``).

One (c, n) plane per ``prange`` iteration. ``scratch`` keeps one reusable column buffer per
thread, so the short-lived columns of a convolution are not page-faulted in on every call.
"""

import threading

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
    """x: [N, C, H, W] -> cols [C*kh*kw, N*Ho*Wo] (layout in the module docstring).

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


def col2im(cols, x_shape, kh, kw, stride=(1, 1), padding=(0, 0)):
    """cols [C*kh*kw, N*Ho*Wo] -> dx [N, C, H, W]: sum each column entry back onto its pixel."""
    (sh, sw), (ph, pw) = stride, padding
    n_batch, channels, height, width = x_shape
    ho_n, wo_n = output_size(height, kh, sh, ph), output_size(width, kw, sw, pw)
    dx = np.empty(x_shape, cols.dtype)
    with threads_for(cols.size):
        _col2im_numba(np.ascontiguousarray(cols), n_batch, channels, height, width, kh, kw, sh,
                      sw, ph, pw, ho_n, wo_n, dx)
    return dx
