"""2-D convolution on [N, C, H, W]: im2col + one GEMM per block of images, its adjoint backward.

Time-major sequences [T, B, C, H, W] are folded into N = T*B by the nn layers, not here.

Convolution as a matrix product: for a block of n images, with cols = im2col(x) of shape
[C*kh*kw, n*Ho*Wo] and W2 = weight.reshape(O, C*kh*kw),

    forward:  y2 = W2 @ cols                 [O, n*Ho*Wo] -> NCHW by swapping O and n
    backward: dcols = W2^T @ g2,  dx = col2im(dcols)       (the adjoint of im2col)
              dW2 += g2 @ cols^T                           (cols recomputed, see below)
              db   = sum of g over N, Ho, Wo

Images go through in blocks whose columns take about ``BLOCK_ELEMENTS`` values: cols is kh*kw
times larger than x, and built for a whole batch it would stream through memory twice (written,
then read by the GEMM) and take gigabytes for the paper's network (2.3 GB at T=60, batch 16).
Each thread takes a contiguous share of the blocks (``kernels.threads.in_shares``) and runs
every step of a block itself: im2col into its own reused buffer (``kernels.conv.scratch``),
small enough to stay in its core's cache, then a one-thread GEMM that reads it from there.
Forward saves x, not cols: a spiking network keeps every time step's activations until
backward, so backward recomputes cols, and only when the weight gradient is wanted.

Spikes: a stride-1 convolution whose input has few non-zeros (``kernels.sparsity``, measured on
every call) runs its forward pass and weight gradient as event-driven kernels, whose work grows
with the number of non-zero inputs; when the LIF layer that made its input reads the input
gradient at few positions only (the tape's ``ctx.input_grad_support``), only those are computed
(``kernels/conv/cpu.py``). Everything else is a GEMM.
"""

from ..autograd import Function
from ..backend import is_cupy, xp_of
from ..kernels.conv import (
    col2im,
    event_conv_backward,
    event_conv_forward,
    im2col,
    output_size,
    scratch,
    takes_events,
)
from ..kernels.sparsity import takes_masked_path, takes_sparse_path
from ..kernels.threads import in_shares
from ..tensor import Tensor
from ..validate import check_integer_pair

BLOCK_ELEMENTS = 1 << 20  # column entries per block of images (4 MB in float32: about L2)


def _blocks(x, weight, pixels):
    """Slices of images whose columns [C*kh*kw, n*Ho*Wo] hold about BLOCK_ELEMENTS values."""
    size = max(1, min(x.shape[0], BLOCK_ELEMENTS // (weight[0].size * pixels)))
    return [slice(lo, min(lo + size, x.shape[0])) for lo in range(0, x.shape[0], size)]


def _columns(x, weight, block, pixels):
    """This thread's buffer for the columns of ``block``, [C*kh*kw, n*Ho*Wo] (C-contiguous):
    the reused ``scratch`` on the CPU."""
    shape = (weight[0].size, (block.stop - block.start) * pixels)
    return xp_of(x).empty(shape, x.dtype) if is_cupy(x) else scratch(shape, x.dtype)


def _parallel_size(x, weight):
    """The elements a convolution's blocks touch, for ``in_shares`` (0 on a GPU: one share)."""
    return 0 if is_cupy(x) else x.size * weight[0, 0].size


def gemm_forward(x, weight, bias, stride, padding):
    """y = W2 @ im2col(x), block by block, each thread a share of the blocks.
    -> y: [N, O, Ho, Wo]."""
    xp = xp_of(x)
    out_ch, _, kh, kw = weight.shape
    ho_n = output_size(x.shape[2], kh, stride[0], padding[0])
    wo_n = output_size(x.shape[3], kw, stride[1], padding[1])
    pixels = ho_n * wo_n
    y = xp.empty((x.shape[0], out_ch, pixels), x.dtype)
    w2 = weight.reshape(out_ch, -1)

    def forward_share(blocks):
        for block in blocks:
            cols = im2col(x[block], kh, kw, stride, padding,
                          out=_columns(x, weight, block, pixels))
            y2 = (w2 @ cols).reshape(out_ch, -1, pixels)  # [O, n, Ho*Wo]
            if bias is None:
                y[block] = y2.transpose(1, 0, 2)
            else:  # to NCHW and + b in one pass
                xp.add(y2.transpose(1, 0, 2), bias[:, None], out=y[block])

    in_shares(forward_share, _blocks(x, weight, pixels), _parallel_size(x, weight))
    return y.reshape(x.shape[0], out_ch, ho_n, wo_n)


def gemm_backward(x, weight, grad, stride, padding, want_gx, want_gw):
    """(dL/dx or None, dL/dweight or None) by GEMMs, block by block, each thread a share of the
    blocks: dcols = W2^T g2 then col2im, and dW2 += g2 cols^T with cols recomputed."""
    xp = xp_of(x)
    out_ch, _, kh, kw = weight.shape
    pixels = grad.shape[2] * grad.shape[3]
    w2 = weight.reshape(out_ch, -1)
    g3 = grad.reshape(x.shape[0], out_ch, pixels)
    gx = xp.empty(x.shape, x.dtype) if want_gx else None

    def backward_share(blocks):
        gw2 = xp.zeros(w2.shape, x.dtype) if want_gw else None  # this share's part of dW2
        for block in blocks:
            g2 = g3[block].transpose(1, 0, 2).reshape(out_ch, -1)  # [O, n*Ho*Wo], a copy
            columns = _columns(x, weight, block, pixels)  # holds dcols, then cols
            if want_gx:
                dcols = xp.matmul(w2.T, g2, out=columns)
                col2im(dcols, gx[block].shape, kh, kw, stride, padding, out=gx[block])
            if want_gw:
                cols = im2col(x[block], kh, kw, stride, padding, out=columns)
                gw2 += (cols @ g2.T).T  # (cols g2^T)^T: the [C*kh*kw, O] transpose is tiny
        return gw2

    parts = in_shares(backward_share, _blocks(x, weight, pixels), _parallel_size(x, weight))
    return gx, (sum(parts[1:], parts[0]).reshape(weight.shape) if want_gw else None)


class Conv2d(Function):
    """x: [N, C, H, W], weight: [O, C, kh, kw], bias: [O] (optional) -> y: [N, O, Ho, Wo].

    dL/dx may be left at 0 where the Function that produced x does not read it
    (``ctx.input_grad_support(0)``: a LIF layer with a compact surrogate says where it does).
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=(1, 1), padding=(0, 0)):
        ctx.save_for_backward(x, weight)
        ctx.stride, ctx.padding = stride, padding
        ctx.events = takes_events(x, weight, stride, padding)
        ctx.sparse = ctx.events and takes_sparse_path(x)  # few non-zero inputs: event-driven
        if ctx.sparse:
            return event_conv_forward(x, weight, bias, padding)
        return gemm_forward(x, weight, bias, stride, padding)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        needs = ctx.needs_input_grad
        support = None  # where dL/dx is wanted, when few enough positions to compute only those
        if needs[0] and ctx.events:
            support = ctx.input_grad_support(0)
            support = support if takes_masked_path(support) else None
        event_gw = needs[1] and ctx.sparse
        gx = gw = gb = None
        if event_gw or support is not None:
            gx, gw = event_conv_backward(x, grad, weight, ctx.padding, event_gw, support)
        gemm_gx, gemm_gw = needs[0] and support is None, needs[1] and not event_gw
        if gemm_gx or gemm_gw:
            gx_gemm, gw_gemm = gemm_backward(x, weight, grad, ctx.stride, ctx.padding, gemm_gx,
                                             gemm_gw)
            gx, gw = (gx_gemm if gemm_gx else gx), (gw_gemm if gemm_gw else gw)
        if len(needs) == 3 and needs[2]:
            gb = xp_of(grad).einsum("nop->o", grad.reshape(grad.shape[0], grad.shape[1], -1))
        return (gx, gw) if len(needs) == 2 else (gx, gw, gb)


# ------------------------------------------------------------------ functional names
def _check_input(name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: x must be a Tensor, got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(f"{name}: x must be [N, C, H, W], got shape {x.shape}")
    if x.dtype.name not in ("float32", "float64"):  # what the kernels are compiled for
        raise TypeError(f"{name}: x must be float32 or float64, got {x.dtype}")


def _check_window(name, x, kernel, padding):
    """The kernel window must fit inside the padded input."""
    padded = (x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1])
    if kernel[0] > padded[0] or kernel[1] > padded[1]:
        raise ValueError(f"{name}: kernel {kernel[0]}x{kernel[1]} is larger than the padded "
                         f"input {padded[0]}x{padded[1]} (x shape {x.shape}, padding {padding})")


def conv2d(x, weight, bias=None, stride=1, padding=0):
    """2-D cross-correlation, as PyTorch's conv2d.

    x: [N, C, H, W], weight: [O, C, kh, kw], bias: [O] or None -> [N, O, Ho, Wo] with
    Ho = (H + 2*padding - kh) // stride + 1. stride, padding: int or (along H, along W).
    """
    _check_input("conv2d", x)
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must be [O, C, kh, kw], got shape {weight.shape}")
    if weight.shape[1] != x.shape[1]:
        raise ValueError(f"conv2d: weight has {weight.shape[1]} input channels, "
                         f"x has {x.shape[1]} (x {x.shape}, weight {weight.shape})")
    if weight.dtype != x.dtype:
        raise TypeError(f"conv2d: x is {x.dtype}, weight is {weight.dtype}; convert one first")
    if is_cupy(x.data) != is_cupy(weight.data):
        raise TypeError("conv2d: x and weight are on different devices")
    stride = check_integer_pair("conv2d", "stride", stride, low=1)
    padding = check_integer_pair("conv2d", "padding", padding, low=0)
    _check_window("conv2d", x, weight.shape[2:], padding)
    params = {"stride": stride, "padding": padding}
    if bias is None:
        return Conv2d.apply(x, weight, **params)
    if bias.shape != (weight.shape[0],):
        raise ValueError(f"conv2d: bias must be [{weight.shape[0]}], got shape {bias.shape}")
    if bias.dtype != x.dtype:
        raise TypeError(f"conv2d: x is {x.dtype}, bias is {bias.dtype}; convert one first")
    return Conv2d.apply(x, weight, bias, **params)
