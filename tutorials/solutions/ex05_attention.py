"""Exercises of notebook 05, attention: the temporal, channel and spatial gates, and the
backward of the channel and spatial branches.

Write each part marked "Task", then grade it with the notebook's check cell or with
``TINYSNN_EXERCISES=stubs python -m pytest tests/exercises -k task_5_1`` (task_5_2, ...).
Everything here is plain NumPy on float arrays; x is an input current [T, B, C, H, W].
"""

import numpy as np

from tinysnn import Function


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def shared_mlp(v, w1, w2):
    """w2 relu(w1 v), row by row.  v: [B, n]; w1: [h, n]; w2: [n, h] -> [B, n]."""
    return np.maximum(v @ w1.T, 0) @ w2.T


def temporal_gate(x, w1, w2):
    """Task 5.1: the temporal gate, one value per (sample, time step).

    x: [T, B, C, H, W]; w1: [h, T]; w2: [T, h]. Pool each (t, b) over (C, H, W) twice, by the
    average and by the maximum, giving two [B, T] arrays; then

        gate = sigmoid(shared_mlp(avg, w1, w2) + shared_mlp(max, w1, w2))

    Returns the gate [B, T] (the layout of ``nn.TemporalAttention.gate``).
    """
    flat = x.reshape(x.shape[0], x.shape[1], -1)  # [T, B, C*H*W]
    avg, top = flat.mean(axis=2).T, flat.max(axis=2).T  # [B, T]
    return sigmoid(shared_mlp(avg, w1, w2) + shared_mlp(top, w1, w2))


def channel_gate(x, w1, w2):
    """Task 5.2: the channel gate, one value per (sample, channel), shared over time.

    x: [T, B, C, H, W]; w1: [h, C]; w2: [C, h]. Pool each (b, c) over (T, H, W) by the
    average and the maximum ([B, C] each), then the same shared MLP and sigmoid as Task 5.1.
    Returns the gate [B, C].
    """
    avg, top = x.mean(axis=(0, 3, 4)), x.max(axis=(0, 3, 4))  # [B, C]
    return sigmoid(shared_mlp(avg, w1, w2) + shared_mlp(top, w1, w2))


def spatial_gate(x, weight):
    """Task 5.3: the spatial gate, one value per (sample, pixel), shared over time and channels.

    x: [T, B, C, H, W]; weight: [1, 2, k, k] with k odd. Stack the mean and the max over (T, C)
    into maps M: [B, 2, H, W] (channel 0 the mean, 1 the max), pad them with k // 2 zeros on
    every side, and correlate:

        logit[b, h, w] = sum over c, i, j of weight[0, c, i, j] * padded[b, c, h + i, w + j]

    Returns the gate sigmoid(logit): [B, H, W].
    """
    maps = np.stack([x.mean(axis=(0, 2)), x.max(axis=(0, 2))], axis=1)  # [B, 2, H, W]
    k = weight.shape[-1]
    p = k // 2
    padded = np.pad(maps, ((0, 0), (0, 0), (p, p), (p, p)))
    H, W = maps.shape[2:]
    logits = sum(weight[0, c, i, j] * padded[:, c, i:i + H, j:j + W]
                 for c in range(2) for i in range(k) for j in range(k))
    return sigmoid(logits)


class ChannelAttention(Function):
    """y = x * gate[b, c], the gate broadcast over T, H and W.

    x: [T, B, C, H, W]; w1: [h, C]; w2: [C, h]. Forward is written out; backward is yours.
    """

    @staticmethod
    def forward(ctx, x, w1, w2):
        avg, top = x.mean(axis=(0, 3, 4)), x.max(axis=(0, 3, 4))  # [B, C] each
        z_avg, z_max = avg @ w1.T, top @ w1.T  # [B, h]: before the ReLU
        logits = np.maximum(z_avg, 0) @ w2.T + np.maximum(z_max, 0) @ w2.T  # [B, C]
        gate = sigmoid(logits)
        ctx.save_for_backward(x, w1, w2, avg, top, z_avg, z_max, gate)
        return x * gate[None, :, :, None, None]

    @staticmethod
    def backward(ctx, grad):
        """Task 5.4: (dL/dx, dL/dw1, dL/dw2) from grad = dL/dy [T, B, C, H, W].

        y = x * a(x) reaches x twice: directly, dL/dx = grad * a, and through the gate:
        dL/da[b, c] = sum over (t, h, w) of grad * x;  dL/dlogit = dL/da * a (1 - a);
        then back through the MLP (both branches share w1 and w2; ReLU passes where z > 0)
        to dL/davg and dL/dmax; the average spreads dL/davg evenly over its T*H*W values, the
        max sends dL/dmax to the one value that was the maximum. Where several values tie for
        the maximum, the first in (t, h, w) order takes all of dL/dmax (what ``argmax`` of the
        values of one (b, c), flattened in that order, picks; tinysnn's kernels do the same).
        Every gradient has the dtype of its input (float32 in, float32 out).
        """
        x, w1, w2, avg, top, z_avg, z_max, gate = ctx.saved
        T, B, C, H, W = x.shape
        g_gate = (grad * x).sum(axis=(0, 3, 4))  # [B, C]: summed where the gate was copied
        g_logits = g_gate * gate * (1 - gate)  # sigmoid' = a (1 - a)
        hidden = np.maximum(z_avg, 0) + np.maximum(z_max, 0)  # w2 sees the sum of both branches
        g_w2 = g_logits.T @ hidden  # [C, h]
        g_hidden = g_logits @ w2  # [B, h]
        g_z_avg, g_z_max = g_hidden * (z_avg > 0), g_hidden * (z_max > 0)  # relu'
        g_w1 = g_z_avg.T @ avg + g_z_max.T @ top  # [h, C]
        g_avg, g_top = g_z_avg @ w1, g_z_max @ w1  # [B, C]
        g_x = grad * gate[None, :, :, None, None]  # the direct path
        g_x = g_x + g_avg[None, :, :, None, None] / (T * H * W)  # the average: evenly
        flat = x.transpose(1, 2, 0, 3, 4).reshape(B, C, -1)  # [B, C, T*H*W]
        routed = np.zeros_like(flat)
        np.put_along_axis(routed, flat.argmax(axis=2)[..., None], g_top[..., None], axis=2)
        g_x = g_x + routed.reshape(B, C, T, H, W).transpose(2, 0, 1, 3, 4)  # the max: argmax
        return g_x, g_w1, g_w2


class SpatialAttention(Function):
    """y = x * gate[b, h, w], the gate broadcast over T and C.

    x: [T, B, C, H, W]; weight: [1, 2, k, k], k odd. Forward is written out; backward is yours.
    """

    @staticmethod
    def forward(ctx, x, weight):
        maps = np.stack([x.mean(axis=(0, 2)), x.max(axis=(0, 2))], axis=1)  # [B, 2, H, W]
        k = weight.shape[-1]
        p = k // 2
        padded = np.pad(maps, ((0, 0), (0, 0), (p, p), (p, p)))
        H, W = maps.shape[2:]
        logits = np.zeros((x.shape[1], H, W), x.dtype)
        for c in range(2):
            for i in range(k):
                for j in range(k):
                    logits += weight[0, c, i, j] * padded[:, c, i:i + H, j:j + W]
        gate = sigmoid(logits)  # [B, H, W]
        ctx.save_for_backward(x, weight, padded, gate)
        return x * gate[None, :, None, :, :]

    @staticmethod
    def backward(ctx, grad):
        """Task 5.5: (dL/dx, dL/dweight) from grad = dL/dy [T, B, C, H, W].

        As in Task 5.4, with the correlation in place of the MLP: dL/da[b, h, w] = sum over
        (t, c) of grad * x; dL/dlogit = dL/da * a (1 - a); the correlation read every shifted
        window of the padded maps once, so dL/dweight[0, c, i, j] = sum of dL/dlogit * window,
        and dL/dlogit * weight[0, c, i, j] flows back into that window of the padded maps
        (drop the padding afterwards). Then the mean over (T, C) spreads evenly over its T*C
        values and the max goes to the arg-max only: of tied maxima, the first in (t, c) order.
        Every gradient has the dtype of its input.
        """
        x, weight, padded, gate = ctx.saved
        T, B, C, H, W = x.shape
        k = weight.shape[-1]
        p = k // 2
        g_gate = (grad * x).sum(axis=(0, 2))  # [B, H, W]
        g_logits = g_gate * gate * (1 - gate)
        g_padded, g_weight = np.zeros_like(padded), np.zeros_like(weight)
        for c in range(2):
            for i in range(k):
                for j in range(k):
                    window = padded[:, c, i:i + H, j:j + W]
                    g_weight[0, c, i, j] = (g_logits * window).sum()
                    g_padded[:, c, i:i + H, j:j + W] += weight[0, c, i, j] * g_logits
        g_mean, g_top = g_padded[:, 0, p:p + H, p:p + W], g_padded[:, 1, p:p + H, p:p + W]
        g_x = grad * gate[None, :, None, :, :] + g_mean[None, :, None, :, :] / (T * C)
        flat = x.transpose(1, 3, 4, 0, 2).reshape(B, H, W, -1)  # [B, H, W, T*C]
        routed = np.zeros_like(flat)
        np.put_along_axis(routed, flat.argmax(axis=3)[..., None], g_top[..., None], axis=3)
        g_x = g_x + routed.reshape(B, H, W, T, C).transpose(3, 0, 4, 1, 2)
        return g_x, g_weight
