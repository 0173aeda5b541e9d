"""The gates a module reports are exactly the ones its forward multiplies by."""

import numpy as np
from hypothesis import given

from tinysnn import Tensor
from tinysnn.nn import MultiDimensionalAttention
from tinysnn.testing import arrays, attention_configs


@given(attention_configs(dims="TCS"), arrays((1,), min_value=0.0, max_value=1.0))
def test_module_gates_match_forward(config, seed):
    c = config
    rng = np.random.default_rng(int(seed[0] * 1000))
    x = Tensor(rng.standard_normal((c["T"], c["B"], c["C"], c["H"], c["W"])))
    ma = MultiDimensionalAttention(c["T"], c["C"], "TCS", c["reduction_t"], c["reduction_c"],
                                   c["kernel_size"], dtype=np.float64)
    temporal = ma.ta.gate(x)  # [B, T]
    np.testing.assert_allclose(ma.ta(x).data, x.data * temporal.T[:, :, None, None, None])
    channel = ma.ca.gate(x)  # [B, C]
    np.testing.assert_allclose(ma.ca(x).data, x.data * channel[None, :, :, None, None])
    spatial = ma.sa.gate(x)  # [B, H, W]
    np.testing.assert_allclose(ma.sa(x).data, x.data * spatial[None, :, None])
    assert temporal.shape == (c["B"], c["T"]) and spatial.shape == (c["B"], c["H"], c["W"])
