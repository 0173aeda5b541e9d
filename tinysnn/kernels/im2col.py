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

import numpy as np
from numba import njit, prange

from ..backend import is_cupy, xp_of
from .threads import for_size, serial_twin


def output_size(size, kernel, stride, padding):
    """Ho = floor((H + 2p - k) / s) + 1, the number of window positions along one axis."""
    return (size + 2 * padding - kernel) // stride + 1


def _valid_range(k_offset, stride, pad, size, out_size):
    """The range [lo, hi) of output positions o whose input index o*s - p + k lies in [0, size)."""
    shift = pad - k_offset  # need o*s >= shift and o*s < size + shift
    lo = max(0, -(-shift // stride))
    hi = min(out_size, (size + shift + stride - 1) // stride)
    return lo, max(lo, hi)


_valid_range_nb = njit(cache=True)(_valid_range)


# ------------------------------------------------------------------------ Numba kernels
@njit(cache=True, parallel=True)
def _im2col_numba(x, kh, kw, sh, sw, ph, pw, ho_n, wo_n, cols):
    n_batch, channels, height, width = x.shape
    cols6 = cols.reshape(channels, kh, kw, n_batch, ho_n, wo_n)
    for plane in prange(channels * n_batch):
        c, n = plane // n_batch, plane % n_batch
        for i in range(kh):
            h_lo, h_hi = _valid_range_nb(i, sh, ph, height, ho_n)
            for j in range(kw):
                w_lo, w_hi = _valid_range_nb(j, sw, pw, width, wo_n)
                out = cols6[c, i, j, n]
                out[:h_lo, :] = 0
                out[h_hi:, :] = 0
                for ho in range(h_lo, h_hi):
                    row = x[n, c, ho * sh - ph + i]
                    out[ho, :w_lo] = 0
                    out[ho, w_hi:] = 0
                    for wo in range(w_lo, w_hi):
                        out[ho, wo] = row[wo * sw - pw + j]  # cols[c,i,j,n,ho,wo] = x[n,c,h,w]


@njit(cache=True, parallel=True)
def _col2im_numba(cols, n_batch, channels, height, width, kh, kw, sh, sw, ph, pw, ho_n, wo_n,
                  dx):
    cols6 = cols.reshape(channels, kh, kw, n_batch, ho_n, wo_n)
    for plane in prange(channels * n_batch):
        c, n = plane // n_batch, plane % n_batch
        dx[n, c] = 0
        for i in range(kh):
            h_lo, h_hi = _valid_range_nb(i, sh, ph, height, ho_n)
            for j in range(kw):
                w_lo, w_hi = _valid_range_nb(j, sw, pw, width, wo_n)
                src = cols6[c, i, j, n]
                for ho in range(h_lo, h_hi):
                    row = dx[n, c, ho * sh - ph + i]
                    for wo in range(w_lo, w_hi):
                        row[wo * sw - pw + j] += src[ho, wo]  # dx[n,c,h,w] += cols[c,i,j,n,ho,wo]


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
def im2col(x, kh, kw, stride=(1, 1), padding=(0, 0)):
    """x: [N, C, H, W] -> cols [C*kh*kw, N*Ho*Wo] (layout in the module docstring)."""
    if is_cupy(x):
        return im2col_reference(x, kh, kw, stride, padding)
    (sh, sw), (ph, pw) = stride, padding
    n_batch, channels, height, width = x.shape
    ho_n, wo_n = output_size(height, kh, sh, ph), output_size(width, kw, sw, pw)
    cols = np.empty((channels * kh * kw, n_batch * ho_n * wo_n), x.dtype)
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
