"""nn attention modules: parameters, initialisation, MA end to end, zero-weight gates, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn import Tensor, nn, random_state
from tinysnn.functional import channel_attention, relu, spatial_attention, temporal_attention
from tinysnn.testing import ATTENTION_DIMS, arrays, assert_grad_close, attention_configs


def _ma(config, dtype=np.float64):
    return nn.MultiDimensionalAttention(
        config["T"], config["C"], config["dims"], config["reduction_t"], config["reduction_c"],
        config["kernel_size"], dtype=dtype,
    )


def _shape(config):
    return tuple(config[key] for key in "TBCHW")


def as_function(module):
    """fn(x, *params) = module(x) with the module's parameters swapped for the given tensors."""
    owners = [(m, name) for _, m in module.named_modules() for name in m._parameters]

    def fn(x, *params):
        saved = [getattr(m, name) for m, name in owners]
        for (m, name), p in zip(owners, params):
            object.__setattr__(m, name, p)  # a plain attribute: no registration, restored below
        try:
            return module(x)
        finally:
            for (m, name), p in zip(owners, saved):
                object.__setattr__(m, name, p)

    return fn


# ------------------------------------------------------------------ parameters and init
@given(config=attention_configs(max_T=12, max_C=16))
def test_parameters_have_the_documented_shapes(config):
    ma = _ma(config)
    T, C, k = config["T"], config["C"], config["kernel_size"]
    ht, hc = max(1, T // config["reduction_t"]), max(1, C // config["reduction_c"])
    expected = {}
    if "T" in config["dims"]:
        expected.update({"ta.w1": (ht, T), "ta.w2": (T, ht)})
    if "C" in config["dims"]:
        expected.update({"ca.w1": (hc, C), "ca.w2": (C, hc)})
    if "S" in config["dims"]:
        expected["sa.weight"] = (1, 2, k, k)
    assert {name: p.shape for name, p in ma.named_parameters()} == expected
    for letter, branch in zip("TCS", (ma.ta, ma.ca, ma.sa)):
        assert (branch is not None) == (letter in config["dims"])


def test_initialisation_is_pytorch_default_uniform():
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)): fan_in = n for w1, hidden for w2, 2 k^2 for the conv."""
    random_state.manual_seed(0)
    ma = nn.MultiDimensionalAttention(T=60, C=256, reduction_t=5, reduction_c=8, kernel_size=7)
    for p, fan_in in [(ma.ta.w1, 60), (ma.ta.w2, 12), (ma.ca.w1, 256), (ma.ca.w2, 32),
                      (ma.sa.weight, 98)]:
        bound = 1 / np.sqrt(fan_in)
        assert p.dtype == np.float32
        assert np.abs(p.data).max() <= bound
        assert np.abs(p.data).max() > 0.9 * bound  # hundreds of draws fill the interval
        assert abs(p.data.mean()) < 0.2 * bound


def test_manual_seed_makes_initialisation_repeatable():
    random_state.manual_seed(3)
    first = nn.MultiDimensionalAttention(8, 16, reduction_t=2, reduction_c=4).state_dict()
    random_state.manual_seed(3)
    second = nn.MultiDimensionalAttention(8, 16, reduction_t=2, reduction_c=4).state_dict()
    assert first.keys() == second.keys()
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])


# ------------------------------------------------------------------ MA end to end
@pytest.mark.parametrize("dims", ATTENTION_DIMS)
def test_ma_gradients_along_a_random_direction(dims):
    @given(config=attention_configs(dims=dims), data=st.data(), seed=st.integers(0, 2**16))
    def check(config, data, seed):
        random_state.manual_seed(seed)
        ma = _ma(config)
        x = data.draw(arrays(_shape(config), avoid=(0.0,), distinct=True, margin=1e-4))
        params = [p.data for p in ma.parameters()]
        assert_grad_close(as_function(ma), x, *params, method="directional", seed=seed)

    check()


@given(config=attention_configs(), data=st.data())
def test_ma_applies_t_then_c_then_s_then_relu(config, data):
    random_state.manual_seed(0)
    ma = _ma(config)
    x = Tensor(data.draw(arrays(_shape(config))))
    expected = x
    if ma.ta is not None:
        expected = temporal_attention(expected, ma.ta.w1, ma.ta.w2)
    if ma.ca is not None:
        expected = channel_attention(expected, ma.ca.w1, ma.ca.w2)
    if ma.sa is not None:
        expected = spatial_attention(expected, ma.sa.weight)
    np.testing.assert_array_equal(ma(x).data, relu(expected).data)


@given(config=attention_configs(), data=st.data())
def test_zero_weights_make_every_gate_one_half(config, data):
    """sigmoid(0) = 1/2 for each of the k branches in dims: the output is relu(x * 0.5^k)."""
    ma = _ma(config)
    for p in ma.parameters():
        p.data[...] = 0.0
    x = data.draw(arrays(_shape(config)))
    k = len(config["dims"])
    np.testing.assert_allclose(ma(Tensor(x)).data, np.maximum(x * 0.5**k, 0), rtol=1e-15)


@given(x=arrays((4, 2, 6), distinct=True, margin=1e-4, avoid=(0.0,)))
def test_fully_connected_input_takes_temporal_attention(x):
    random_state.manual_seed(1)
    ma = nn.MultiDimensionalAttention(T=4, C=6, dims="T", reduction_t=2, dtype=np.float64)
    expected = relu(temporal_attention(Tensor(x), ma.ta.w1, ma.ta.w2))
    np.testing.assert_array_equal(ma(Tensor(x)).data, expected.data)
    assert_grad_close(as_function(ma), x, ma.ta.w1.data, ma.ta.w2.data)


def test_float32_by_default_and_float64_after_to():
    ma = nn.MultiDimensionalAttention(4, 8, reduction_t=2, reduction_c=2)
    x = np.random.default_rng(0).standard_normal((4, 2, 8, 5, 5))
    assert ma(Tensor(x.astype(np.float32))).dtype == np.float32
    ma.to(dtype=np.float64)
    assert ma(Tensor(x)).dtype == np.float64


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: nn.TemporalAttention(4, reduction=5), r"reduction 5 is larger than T = 4"),
        (lambda: nn.ChannelAttention(8, reduction=9), r"reduction 9 is larger than C = 8"),
        (lambda: nn.ChannelAttention(8, reduction=0), r"reduction must be an integer >= 1"),
        (lambda: nn.SpatialAttention(kernel_size=4),
         r"kernel_size must be an integer >= 1 and odd \(padding k // 2 keeps H and W\), got 4"),
        (lambda: nn.MultiDimensionalAttention(4, 8, dims="TX"), r"dims must be .* got 'TX'"),
        (lambda: nn.MultiDimensionalAttention(4, 8, dims="TT"), r"without repeats"),
        (lambda: nn.MultiDimensionalAttention(4, 8, dims=""), r"non-empty"),
        (lambda: nn.MultiDimensionalAttention(4, 8, reduction_t=6), r"larger than T = 4"),
    ],
)
def test_bad_construction_raises_clear_errors(build, message):
    with pytest.raises(ValueError, match=message):
        build()


MA = {"T": 4, "C": 8, "reduction_t": 2, "reduction_c": 2}


@pytest.mark.parametrize(
    "module, shape, message",
    [
        (nn.MultiDimensionalAttention(**MA), (4, 2, 8, 5), r"must be \[T, B, C, H, W\]"),
        (nn.MultiDimensionalAttention(**MA), (3, 2, 8, 5, 5), r"x has T = 3 .* built for T = 4"),
        (nn.MultiDimensionalAttention(**MA), (4, 2, 6, 5, 5), r"x has C = 6 .* built for C = 8"),
        (nn.MultiDimensionalAttention(**MA), (4, 2, 8), r"\[T, B, L\] input .* dims='T'"),
        (nn.MultiDimensionalAttention(**MA, dims="T"), (4, 2, 6), r"x has L = 6 .* for L = 8"),
        (nn.TemporalAttention(4, 2), (5, 2, 8), r"x has T = 5 .* built for T = 4"),
        (nn.ChannelAttention(8, 2), (4, 2, 7, 3, 3), r"x has C = 7 .* built for C = 8"),
        (nn.SpatialAttention(3), (4, 2, 3, 3), r"x must be \[T, B, C, H, W\]"),
    ],
)
def test_wrong_input_raises_clear_errors(module, shape, message):
    with pytest.raises(ValueError, match=message):
        module(Tensor(np.zeros(shape, np.float32)))


def test_dtype_mismatch_raises():
    with pytest.raises(TypeError, match="w1 is float32, x is float64"):
        nn.TemporalAttention(4, 2)(Tensor(np.zeros((4, 2, 3))))
