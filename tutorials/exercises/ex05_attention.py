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
    raise NotImplementedError("Task 5.1: temporal_gate")


def channel_gate(x, w1, w2):
    """Task 5.2: the channel gate, one value per (sample, channel), shared over time.

    x: [T, B, C, H, W]; w1: [h, C]; w2: [C, h]. Pool each (b, c) over (T, H, W) by the
    average and the maximum ([B, C] each), then the same shared MLP and sigmoid as Task 5.1.
    Returns the gate [B, C].
    """
    raise NotImplementedError("Task 5.2: channel_gate")


def spatial_gate(x, weight):
    """Task 5.3: the spatial gate, one value per (sample, pixel), shared over time and channels.

    x: [T, B, C, H, W]; weight: [1, 2, k, k] with k odd. Stack the mean and the max over (T, C)
    into maps M: [B, 2, H, W] (channel 0 the mean, 1 the max), pad them with k // 2 zeros on
    every side, and correlate:

        logit[b, h, w] = sum over c, i, j of weight[0, c, i, j] * padded[b, c, h + i, w + j]

    Returns the gate sigmoid(logit): [B, H, W].
    """
    raise NotImplementedError("Task 5.3: spatial_gate")


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
        raise NotImplementedError("Task 5.4: ChannelAttention.backward")


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
        raise NotImplementedError("Task 5.5: SpatialAttention.backward")
