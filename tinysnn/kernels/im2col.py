"""im2col / col2im: turn a convolution into one matrix product, and back.

Column layout (chosen so the GEMM output is already in channel-major order):

    cols[c, i, j, n, ho, wo] = x[n, c, ho*sh - ph + i, wo*sw - pw + j]   (0 outside x)

viewed as a matrix ``[C*kh*kw, N*Ho*Wo]``. Then ``W.reshape(O, C*kh*kw) @ cols`` is
``[O, N, Ho, Wo]``, and reaching NCHW only swaps the two leading axes, each (o, n) block
being a contiguous run of Ho*Wo values. ``col2im`` is the adjoint: it adds every column entry
back onto the input pixel it was copied from (a pixel covered by several windows gets the sum).

Each has a Numba kernel (CPU, ``prange`` over (c, n) planes) and a plain array version that
loops only over the kh*kw kernel offsets; the plain one runs on CuPy and is the reference.
"""

import threading

import numpy as np
from numba import njit, prange

from ..backend import is_cupy, xp_of
from .threads import for_size, serial_twin


def output_size(size, kernel, stride, padding):
    """Ho = floor((H + 2p - k) / s) + 1, the number of window positions along one axis."""
    return (size + 2 * padding - kernel) // stride + 1


# ------------------------------------------------------------------------ Numba kernels
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


_im2col_numba_serial = serial_twin(_im2col_numba)
_col2im_numba_serial = serial_twin(_col2im_numba)


# ------------------------------------------------------------------ plain array versions
def _padded(x, ph, pw):
    xp = xp_of(x)
    if ph == 0 and pw == 0:
        return x
    return xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def im2col_reference(x, kh, kw, stride=(1, 1), padding=(0, 0)):
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


def col2im_reference(cols, x_shape, kh, kw, stride=(1, 1), padding=(0, 0)):
    """cols [C*kh*kw, N*Ho*Wo] -> dx [N, C, H, W], the adjoint of ``im2col_reference``."""
    xp = xp_of(cols)
    (sh, sw), (ph, pw) = stride, padding
    n_batch, channels, height, width = x_shape
    ho_n, wo_n = output_size(height, kh, sh, ph), output_size(width, kw, sw, pw)
    cols6 = cols.reshape(channels, kh, kw, n_batch, ho_n, wo_n)
    dpad = xp.zeros((n_batch, channels, height + 2 * ph, width + 2 * pw), cols.dtype)
    for i in range(kh):
        for j in range(kw):
            dpad[:, :, i : i + sh * ho_n : sh, j : j + sw * wo_n : sw] += cols6[:, i, j].transpose(
                1, 0, 2, 3
            )
    return dpad[:, :, ph : ph + height, pw : pw + width]


# ------------------------------------------------------------------------- dispatchers
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
    if is_cupy(x):
        return im2col_reference(x, kh, kw, stride, padding)
    (sh, sw), (ph, pw) = stride, padding
    n_batch, channels, height, width = x.shape
    ho_n, wo_n = output_size(height, kh, sh, ph), output_size(width, kw, sw, pw)
    shape = (channels * kh * kw, n_batch * ho_n * wo_n)
    cols = np.empty(shape, x.dtype) if out is None else out
    kernel = for_size(_im2col_numba, _im2col_numba_serial, cols.size)
    kernel(np.ascontiguousarray(x), kh, kw, sh, sw, ph, pw, ho_n, wo_n, cols)
    return cols


def col2im(cols, x_shape, kh, kw, stride=(1, 1), padding=(0, 0)):
    """cols [C*kh*kw, N*Ho*Wo] -> dx [N, C, H, W]: sum each column entry back onto its pixel."""
    if is_cupy(cols):
        return col2im_reference(cols, x_shape, kh, kw, stride, padding)
    (sh, sw), (ph, pw) = stride, padding
    n_batch, channels, height, width = x_shape
    ho_n, wo_n = output_size(height, kh, sh, ph), output_size(width, kw, sw, pw)
    dx = np.empty(x_shape, cols.dtype)
    kernel = for_size(_col2im_numba, _col2im_numba_serial, cols.size)
    kernel(np.ascontiguousarray(cols), n_batch, channels, height, width, kh, kw, sh, sw,
           ph, pw, ho_n, wo_n, dx)
    return dx
