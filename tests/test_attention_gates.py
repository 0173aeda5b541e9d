"""The gates a module reports are the ones the paper defines, and the ones forward applies."""

import numpy as np
from hypothesis import given

from tinysnn import Tensor
from tinysnn.nn import MultiDimensionalAttention
from tinysnn.testing import arrays, attention_configs


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def mlp_gate(avg, top, w1, w2):
    """sigmoid(w2 relu(w1 avg) + w2 relu(w1 max)) on rows [B, n], written out in NumPy."""
    return sigmoid(np.maximum(avg @ w1.T, 0) @ w2.T + np.maximum(top @ w1.T, 0) @ w2.T)


def spatial_gate(x, weight):
    """sigmoid(conv2d([mean, max] over T and C)) per (b, h, w), with an explicit loop."""
    maps = np.stack([x.mean(axis=(0, 2)), x.max(axis=(0, 2))], axis=1)  # [B, 2, H, W]
    k = weight.shape[-1]
    padded = np.pad(maps, ((0, 0), (0, 0), (k // 2, k // 2), (k // 2, k // 2)))
    B, _, H, W = maps.shape
    logits = np.zeros((B, H, W))
    for h in range(H):
        for w in range(W):
            logits[:, h, w] = (padded[:, :, h:h + k, w:w + k] * weight[0]).sum(axis=(1, 2, 3))
    return sigmoid(logits)


@given(attention_configs(dims="TCS"), arrays((1,), min_value=0.0, max_value=1.0))
def test_module_gates_match_forward(config, seed):
    c = config
    rng = np.random.default_rng(int(seed[0] * 1000))
    x = Tensor(rng.standard_normal((c["T"], c["B"], c["C"], c["H"], c["W"])))
    ma = MultiDimensionalAttention(c["T"], c["C"], "TCS", c["reduction_t"], c["reduction_c"],
                                   c["kernel_size"], dtype=np.float64)
    temporal = ma.ta.gate(x)  # [B, T]
    xd = x.data
    np.testing.assert_allclose(temporal, mlp_gate(xd.mean(axis=(2, 3, 4)).T,
                                                  xd.max(axis=(2, 3, 4)).T,
                                                  ma.ta.w1.data, ma.ta.w2.data), rtol=1e-10)
    np.testing.assert_allclose(ma.ta(x).data, x.data * temporal.T[:, :, None, None, None])
    channel = ma.ca.gate(x)  # [B, C]
    np.testing.assert_allclose(channel, mlp_gate(xd.mean(axis=(0, 3, 4)), xd.max(axis=(0, 3, 4)),
                                                 ma.ca.w1.data, ma.ca.w2.data), rtol=1e-10)
    np.testing.assert_allclose(ma.ca(x).data, x.data * channel[None, :, :, None, None])
    spatial = ma.sa.gate(x)  # [B, H, W]
    np.testing.assert_allclose(spatial, spatial_gate(xd, ma.sa.weight.data), rtol=1e-10)
    np.testing.assert_allclose(ma.sa(x).data, x.data * spatial[None, :, None])
    assert temporal.shape == (c["B"], c["T"]) and spatial.shape == (c["B"], c["H"], c["W"])
