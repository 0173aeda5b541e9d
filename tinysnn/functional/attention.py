"""Temporal, channel and spatial attention (MA-SNN), each ONE Function with a hand-written backward.

Each branch scales its input by a sigmoid gate computed from the input's own average and max
pools (CBAM-style, as in the official MA-SNN code):

    temporal  x: [T, B, C, H, W] or [T, B, L]   pools over (C, H, W) or L   gate [T, B]
    channel   x: [T, B, C, H, W]                pools over (T, H, W)        gate [B, C]
    spatial   x: [T, B, C, H, W]                pools over (T, C)           gate [B, H, W]

Temporal and channel gates come from a shared bias-free MLP (w1: [h, n], w2: [n, h], ReLU
between) applied to both pools: gate = sigmoid(w2 relu(w1 avg) + w2 relu(w1 max)). The spatial
gate comes from a 2 -> 1 convolution (k x k, padding k // 2, no bias) of the [mean, max] maps.

Backward of y = x * a(x), for every branch (g = dL/dy):

    dL/dx = g * a                     the direct path
          + (path through a):  dL/da = sum of g * x over the axes a is broadcast along,
                               dL/dlogit = dL/da * a (1 - a)        sigmoid' = s (1 - s)
                               back through the MLP or the convolution to dL/davg, dL/dmax,
                               then through the pools: average spreads evenly over its window,
                               max routes to the argmax only.

With ``relu=True`` a branch also applies the ReLU that follows the last branch of a
multi-dimensional attention, y = max(x * a, 0), in the same pass; backward first keeps the
incoming gradient where x * a > 0 only (relu' = 0 at 0).

The big-array passes live in ``kernels/attention`` (one 4-D view serves all three branches);
this file holds the small parts: the MLP, the convolution, and the checks on the arguments.
``tinysnn.testing.composed_attention`` builds the same branches from primitive ops, for tests.
"""

from ..autograd import Function
from ..backend import xp_of
from ..kernels.attention import (
    gate_input_grad,
    gate_scale,
    grad_dot_input,
    pool_stats,
    relu_grad,
)
from ..tensor import Tensor
from .basic import sigmoid_array


# ------------------------------------------------------------------ the shared MLP
def mlp_logits(avg, top, w1, w2):
    """w2 relu(w1 avg) + w2 relu(w1 max), row by row.  avg, top: [B, n]; w1: [h, n]; w2: [n, h].

    Returns the logits [B, n] and what ``mlp_logits_back`` needs.
    """
    z_avg, z_max = avg @ w1.T, top @ w1.T  # [B, h]
    xp = xp_of(avg)
    hidden = xp.maximum(z_avg, 0) + xp.maximum(z_max, 0)  # w2 is linear: apply it once to the sum
    return hidden @ w2.T, (z_avg, z_max, hidden)


def mlp_logits_back(g_logits, avg, top, w1, w2, saved):
    """Gradients of ``mlp_logits`` -> (d avg, d max, d w1, d w2); g_logits: [B, n]."""
    z_avg, z_max, hidden = saved
    g_w2 = g_logits.T @ hidden  # [n, h]: the shared w2 collects both branches (hidden is their sum)
    g_hidden = g_logits @ w2  # [B, h]: the same for both branches
    g_z_avg = g_hidden * (z_avg > 0)  # relu' = 1 where z > 0 (0 at z == 0, as tinysnn's relu)
    g_z_max = g_hidden * (z_max > 0)
    g_w1 = g_z_avg.T @ avg + g_z_max.T @ top  # [h, n]: the shared w1, summed over both branches
    return g_z_avg @ w1, g_z_max @ w1, g_w1, g_w2


class _MLPGate(Function):
    """y = x * sigmoid(mlp_logits(avg, max)) on the view [P1, G, P2, 1]; the gate is [G, 1].

    Subclasses say how the view is made (``view``) and how the G pooled values are laid out as
    the MLP's rows [B, n] (``to_rows``) and back (``from_rows``). forward and backward are
    classmethods so that they can reach those three.
    """

    @classmethod
    def gate(cls, x, w1, w2):
        """The gate as MLP rows [B, n] (n = T or C), with what backward needs of the way there."""
        x4 = cls.view(xp_of(x).ascontiguousarray(x))
        mean, top, where = pool_stats(x4)  # [G, 1] each
        avg, top = cls.to_rows(mean, x.shape), cls.to_rows(top, x.shape)
        logits, mlp_saved = mlp_logits(avg, top, w1, w2)
        return sigmoid_array(logits), (x4, avg, top, where, mlp_saved)

    @classmethod
    def forward(cls, ctx, x, w1, w2, relu=False):
        rows, (x4, avg, top, where, mlp_saved) = cls.gate(x, w1, w2)
        gate = cls.from_rows(rows)  # [G, 1]
        ctx.save_for_backward(x4, w1, w2, avg, top, where, gate)
        ctx.mlp_saved, ctx.shape, ctx.relu = mlp_saved, x.shape, relu
        return gate_scale(x4, gate, relu).reshape(x.shape)

    @classmethod
    def backward(cls, ctx, grad):
        # y = x * a(x) reaches x two ways: directly (g * a), and through the gate:
        # g -> a -> logits -> shared MLP -> avg and max pools -> x.
        x4, w1, w2, avg, top, where, gate = ctx.saved
        grad4 = cls.view(xp_of(grad).ascontiguousarray(grad))
        if ctx.relu:
            grad4 = relu_grad(grad4, x4, gate)
        g_gate = grad_dot_input(grad4, x4)  # dL/da = sum of g * x where a was broadcast
        g_logits = cls.to_rows(g_gate * gate * (1 - gate), ctx.shape)  # sigmoid' = a (1 - a)
        g_avg, g_max, g_w1, g_w2 = mlp_logits_back(g_logits, avg, top, w1, w2, ctx.mlp_saved)
        g_x = None
        if ctx.needs_input_grad[0]:
            g_mean, g_max = cls.from_rows(g_avg), cls.from_rows(g_max)
            g_x = gate_input_grad(grad4, gate, g_mean, g_max, where).reshape(ctx.shape)
        return g_x, g_w1, g_w2


class TemporalGate(_MLPGate):
    """Temporal attention: one gate per (t, b); the MLP runs over T.  x: [T, B, *F]."""

    @staticmethod
    def view(x):  # [T, B, *F] -> [1, T*B, N, 1]
        return x.reshape(1, x.shape[0] * x.shape[1], -1, 1)

    @staticmethod
    def to_rows(pooled, shape):  # [T*B, 1] -> [B, T]
        return pooled.reshape(shape[0], shape[1]).T

    @staticmethod
    def from_rows(rows):  # [B, T] -> [T*B, 1]
        return rows.T.reshape(-1, 1)


class ChannelGate(_MLPGate):
    """Channel attention: one gate per (b, c), shared over time; the MLP runs over C."""

    @staticmethod
    def view(x):  # [T, B, C, H, W] -> [T, B*C, H*W, 1]
        T, B, C, H, W = x.shape
        return x.reshape(T, B * C, H * W, 1)

    @staticmethod
    def to_rows(pooled, shape):  # [B*C, 1] -> [B, C]
        return pooled.reshape(shape[1], shape[2])

    @staticmethod
    def from_rows(rows):  # [B, C] -> [B*C, 1]
        return rows.reshape(-1, 1)


# ------------------------------------------------------------------ the spatial convolution
def conv_two_to_one(maps, weight):
    """s[b, h, w] = sum over c, i, j of weight[0, c, i, j] * padded[b, c, h + i, w + j].

    maps: [B, 2, H, W] (mean, max); weight: [1, 2, k, k]; zero padding k // 2 -> [B, H, W].
    One shifted slice of the padded maps per kernel offset (2 k^2 of them), no loop over pixels.
    """
    xp = xp_of(maps)
    B, _, H, W = maps.shape
    k = weight.shape[-1]
    p = k // 2
    padded = xp.zeros((B, 2, H + 2 * p, W + 2 * p), maps.dtype)
    padded[:, :, p : p + H, p : p + W] = maps
    out = xp.zeros((B, H, W), maps.dtype)
    for c in range(2):
        for i in range(k):
            for j in range(k):
                out += weight[0, c, i, j] * padded[:, c, i : i + H, j : j + W]
    return out, padded


def conv_two_to_one_back(g_out, padded, weight):
    """Gradients of ``conv_two_to_one`` -> (d maps [B, 2, H, W], d weight [1, 2, k, k]).

    The forward read each shifted window once; its backward visits the same windows:
    dL/dweight[0, c, i, j] = sum of g * window, and g * weight[0, c, i, j] accumulates into
    the window's place in the padded maps (a correlation, transposed).
    """
    xp = xp_of(g_out)
    H, W = g_out.shape[1:]
    k = weight.shape[-1]
    p = k // 2
    g_padded = xp.zeros_like(padded)
    g_weight = xp.zeros_like(weight)
    for c in range(2):
        for i in range(k):
            for j in range(k):
                window = padded[:, c, i : i + H, j : j + W]
                g_weight[0, c, i, j] = (g_out * window).sum()
                g_padded[:, c, i : i + H, j : j + W] += weight[0, c, i, j] * g_out
    return g_padded[:, :, p : p + H, p : p + W], g_weight


class SpatialGate(Function):
    """Spatial attention: one gate per (b, h, w), shared over time and channels."""

    @staticmethod
    def gate(x, weight):
        """The spatial map [B, H, W], with what backward needs of the way there."""
        xp = xp_of(x)
        T, B, C, H, W = x.shape
        x4 = xp.ascontiguousarray(x).reshape(T, B, C, H * W)
        mean, top, where = pool_stats(x4)  # [B, H*W] each, over (t, c)
        maps = xp.stack([mean, top], axis=1).reshape(B, 2, H, W)
        logits, padded = conv_two_to_one(maps, weight)
        return sigmoid_array(logits).reshape(B, H, W), (x4, padded, where)

    @staticmethod
    def forward(ctx, x, weight, relu=False):
        B, H, W = x.shape[1], x.shape[3], x.shape[4]
        gate, (x4, padded, where) = SpatialGate.gate(x, weight)
        gate = gate.reshape(B, H * W)
        ctx.save_for_backward(x4, weight, padded, where, gate)
        ctx.shape, ctx.relu = x.shape, relu
        return gate_scale(x4, gate, relu).reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        # As for the MLP gates, with the convolution in place of the MLP:
        # g -> a -> logits -> 2 -> 1 convolution -> mean and max maps -> x.
        x4, weight, padded, where, gate = ctx.saved
        B, H, W = ctx.shape[1], ctx.shape[3], ctx.shape[4]
        grad4 = xp_of(grad).ascontiguousarray(grad).reshape(x4.shape)
        if ctx.relu:
            grad4 = relu_grad(grad4, x4, gate)
        g_gate = grad_dot_input(grad4, x4)  # [B, H*W]: dL/da = sum over (t, c) of g * x
        g_logits = (g_gate * gate * (1 - gate)).reshape(B, H, W)  # sigmoid' = a (1 - a)
        g_maps, g_weight = conv_two_to_one_back(g_logits, padded, weight)
        g_x = None
        if ctx.needs_input_grad[0]:
            g_mean, g_max = g_maps[:, 0].reshape(B, H * W), g_maps[:, 1].reshape(B, H * W)
            g_x = gate_input_grad(grad4, gate, g_mean, g_max, where).reshape(ctx.shape)
        return g_x, g_weight


# ------------------------------------------------------------------ functional names
def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _check_input(name, x, ranks, layout):
    if x.ndim not in ranks:
        raise ValueError(f"{name}: x must be {layout}, got shape {tuple(x.shape)}")
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: x must be floating-point, got {x.dtype}")


def _check_weight(name, arg, weight, shape, x):
    if tuple(weight.shape) != tuple(shape):
        raise ValueError(f"{name}: {arg} must have shape {tuple(shape)}, got {tuple(weight.shape)}")
    if weight.dtype != x.dtype:
        raise TypeError(f"{name}: {arg} is {weight.dtype}, x is {x.dtype}; convert one first")


def _check_mlp(name, x, axis_name, n, w1, w2):
    if w1.ndim != 2:
        raise ValueError(f"{name}: w1 must be [hidden, {axis_name}], got shape {tuple(w1.shape)}")
    if w1.shape[1] != n:
        raise ValueError(
            f"{name}: w1 has {w1.shape[1]} inputs, x has {axis_name} = {n} (shape {tuple(x.shape)})"
        )
    _check_weight(name, "w1", w1, (w1.shape[0], n), x)
    _check_weight(name, "w2", w2, (n, w1.shape[0]), x)


def temporal_attention(x, w1, w2, relu=False):
    """x * sigmoid(w2 relu(w1 avg) + w2 relu(w1 max)), one gate per (t, b).

    x: [T, B, C, H, W] (pools over C, H, W) or [T, B, L] (pools over L); w1: [h, T]; w2: [T, h].
    relu: return max(that, 0), in the same pass. Returns a tensor of x's shape.
    """
    x, w1, w2 = _as_tensor(x), _as_tensor(w1), _as_tensor(w2)
    _check_input("temporal_attention", x, (3, 5), "[T, B, C, H, W] or [T, B, L]")
    _check_mlp("temporal_attention", x, "T", x.shape[0], w1, w2)
    return TemporalGate.apply(x, w1, w2, relu=bool(relu))


def channel_attention(x, w1, w2, relu=False):
    """x * sigmoid(w2 relu(w1 avg) + w2 relu(w1 max)), one gate per (b, c), shared over time.

    x: [T, B, C, H, W] (pools over T, H, W); w1: [h, C]; w2: [C, h]. relu: return max(that, 0),
    in the same pass. Returns x's shape.
    """
    x, w1, w2 = _as_tensor(x), _as_tensor(w1), _as_tensor(w2)
    _check_input("channel_attention", x, (5,), "[T, B, C, H, W]")
    _check_mlp("channel_attention", x, "C", x.shape[2], w1, w2)
    return ChannelGate.apply(x, w1, w2, relu=bool(relu))


def spatial_attention(x, weight, relu=False):
    """x * sigmoid(conv([mean, max] over T and C)), one gate per (b, h, w).

    x: [T, B, C, H, W]; weight: [1, 2, k, k] with k odd (padding k // 2 keeps H, W).
    relu: return max(that, 0), in the same pass. Returns x's shape.
    """
    x, weight = _as_tensor(x), _as_tensor(weight)
    _check_input("spatial_attention", x, (5,), "[T, B, C, H, W]")
    if weight.ndim != 4 or tuple(weight.shape[:2]) != (1, 2) or weight.shape[2] != weight.shape[3]:
        raise ValueError(
            f"spatial_attention: weight must be [1, 2, k, k], got {tuple(weight.shape)}"
        )
    if weight.shape[-1] % 2 == 0:
        raise ValueError(
            f"spatial_attention: the kernel size must be odd (padding k // 2 keeps H and W), "
            f"got k = {weight.shape[-1]}"
        )
    if weight.dtype != x.dtype:
        raise TypeError(
            f"spatial_attention: weight is {weight.dtype}, x is {x.dtype}; convert one first"
        )
    return SpatialGate.apply(x, weight, relu=bool(relu))
