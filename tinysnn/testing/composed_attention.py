"""The three attention branches composed from primitive tinysnn ops, differentiated by the tape.

Same mathematics as ``tinysnn.functional.attention`` (see there), written the slow, obvious way:
mean, max, matmul, relu, sigmoid, slicing and broadcasting multiplication, each its own node.
The tests check the hand-written backward against these; the benchmark times both.
One difference: with tied maxima tinysnn's ``max`` shares the gradient equally among the ties,
while the hand-written max pool routes it all to the first.
"""

from ..backend import xp_of
from ..functional.basic import relu, sigmoid
from ..functional.shape import concatenate, stack
from ..tensor import Tensor


def _mlp_logits(avg, top, w1, w2):
    """w2 relu(w1 avg) + w2 relu(w1 max).  avg, top: [B, n]; w1: [h, n]; w2: [n, h] -> [B, n]."""
    return relu(avg @ w1.T) @ w2.T + relu(top @ w1.T) @ w2.T


def temporal_attention_composed(x, w1, w2):
    """x: [T, B, *F]; w1: [h, T]; w2: [T, h] -> x * gate[t, b]."""
    T, B = x.shape[:2]
    flat = x.reshape(T, B, -1)
    avg, top = flat.mean(axis=2).T, flat.max(axis=2).T  # [B, T]
    gate = sigmoid(_mlp_logits(avg, top, w1, w2)).T  # [T, B]
    return x * gate.reshape(T, B, *[1] * (x.ndim - 2))


def channel_attention_composed(x, w1, w2):
    """x: [T, B, C, H, W]; w1: [h, C]; w2: [C, h] -> x * gate[b, c]."""
    B, C = x.shape[1:3]
    avg, top = x.mean(axis=(0, 3, 4)), x.max(axis=(0, 3, 4))  # [B, C]
    gate = sigmoid(_mlp_logits(avg, top, w1, w2))
    return x * gate.reshape(1, B, C, 1, 1)


def _zero_pad(maps, p):
    """maps: [B, 2, H, W] -> [B, 2, H + 2p, W + 2p], by concatenating zeros."""
    if p == 0:
        return maps
    B, M, H, W = maps.shape
    xp = xp_of(maps.data)
    rows = Tensor(xp.zeros((B, M, p, W), maps.dtype))
    cols = Tensor(xp.zeros((B, M, H + 2 * p, p), maps.dtype))
    tall = concatenate([rows, maps, rows], axis=2)
    return concatenate([cols, tall, cols], axis=3)


def spatial_attention_composed(x, weight):
    """x: [T, B, C, H, W]; weight: [1, 2, k, k] -> x * gate[b, h, w]."""
    B, H, W = x.shape[1], x.shape[3], x.shape[4]
    k = weight.shape[-1]
    maps = stack([x.mean(axis=(0, 2)), x.max(axis=(0, 2))], axis=1)  # [B, 2, H, W]
    padded = _zero_pad(maps, k // 2)
    logits = None
    for c in range(2):
        for i in range(k):
            for j in range(k):  # s[b, h, w] += weight[0, c, i, j] * padded[b, c, h + i, w + j]
                term = padded[:, c, i : i + H, j : j + W] * weight[0, c, i, j]
                logits = term if logits is None else logits + term
    return x * sigmoid(logits).reshape(1, B, 1, H, W)
