"""The Numba attention kernels against their plain array versions (the specification)."""

import contextlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinysnn import Tensor, kernels
from tinysnn.functional.attention import channel_attention, spatial_attention, temporal_attention
from tinysnn.kernels.attention import cpu as attention_numba
from tinysnn.kernels.attention import reference
from tinysnn.testing import arrays, attention_configs, shapes

DTYPES = st.sampled_from([np.float32, np.float64])
VIEWS = shapes(min_dims=4, max_dims=4, max_side=6)  # [P1, G, P2, Q]; Q == 1 takes its own path


def _tolerance(dtype):
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}


@given(x4=arrays(VIEWS), dtype=DTYPES, ties=st.booleans())
def test_pool_stats_kernel_matches_reference(x4, dtype, ties):
    """Mean, max and the first argmax in (i, k) order; rounding to integers makes many ties."""
    x4 = (np.round(x4) if ties else x4).astype(dtype)
    mean, top, where = attention_numba.pool_stats(x4)
    mean_ref, top_ref, where_ref = reference.pool_stats(x4)
    np.testing.assert_allclose(mean, mean_ref, **_tolerance(dtype))
    np.testing.assert_array_equal(top, top_ref)
    np.testing.assert_array_equal(where, where_ref)
    G, P2, Q = x4.shape[1:]
    i, k = np.divmod(where, P2)
    g, q = np.indices((G, Q))
    np.testing.assert_array_equal(x4[i, g, k, q], top)  # the argmax names a maximum


@given(x4=arrays(VIEWS), data=st.data(), dtype=DTYPES, relu=st.booleans())
def test_gate_scale_kernel_matches_reference(x4, data, dtype, relu):
    x4 = x4.astype(dtype)
    x4.flat[::3] = 0  # relu at its kink
    x4.flat[-1] = np.nan  # passes through, as np.maximum lets it
    gate = data.draw(arrays((x4.shape[1], x4.shape[3]), dtype=dtype, min_value=0, max_value=1))
    y = attention_numba.gate_scale(x4, gate, relu)
    np.testing.assert_array_equal(y, reference.gate_scale(x4, gate, relu))
    assert not relu or (y[~np.isnan(y)] >= 0).all()


@given(x4=arrays(VIEWS), data=st.data(), dtype=DTYPES)
def test_relu_grad_kernel_matches_reference(x4, data, dtype):
    x4 = x4.astype(dtype)
    x4.flat[::3] = 0  # relu' = 0 at 0
    grad4 = data.draw(arrays(x4.shape, dtype=dtype))
    gate = data.draw(arrays((x4.shape[1], x4.shape[3]), dtype=dtype, min_value=0, max_value=1))
    g = attention_numba.relu_grad(grad4, x4, gate)
    np.testing.assert_array_equal(g, reference.relu_grad(grad4, x4, gate))
    np.testing.assert_array_equal(g[x4 == 0], 0)


@given(grad4=arrays(VIEWS), data=st.data(), dtype=DTYPES)
def test_gate_input_grad_kernel_matches_reference(grad4, data, dtype):
    grad4 = grad4.astype(dtype)
    P1, G, P2, Q = grad4.shape
    gate, grad_mean, grad_max = (data.draw(arrays((G, Q), dtype=dtype)) for _ in range(3))
    where = data.draw(hnp.arrays(np.int64, (G, Q), elements=st.integers(0, P1 * P2 - 1)))
    args = grad4, gate, grad_mean, grad_max, where
    dx = attention_numba.gate_input_grad(*args)
    np.testing.assert_allclose(dx, reference.gate_input_grad(*args), **_tolerance(dtype))


@contextlib.contextmanager
def numba_mode(on):
    with pytest.MonkeyPatch.context() as patch:
        if not on:  # the entry points call cpu.<pass>: make that the reference
            patch.setattr(kernels.attention, "cpu", reference)
        yield


def _run(fn, x, weights, probe, numba):
    with numba_mode(numba):
        tensors = [Tensor(a, requires_grad=True) for a in (x, *weights)]
        out = fn(*tensors)
        out.backward(probe)
        return [out.data] + [t.grad for t in tensors]


@given(config=attention_configs(), dtype=DTYPES, seed=st.integers(0, 2**16))
def test_branches_agree_with_and_without_numba(config, dtype, seed):
    rng = np.random.default_rng(seed)
    T, B, C, H, W = (config[key] for key in "TBCHW")
    x = rng.standard_normal((T, B, C, H, W)).astype(dtype)
    ht, hc, k = max(1, T // config["reduction_t"]), max(1, C // config["reduction_c"]), 3
    cases = [
        (temporal_attention, [rng.standard_normal(s).astype(dtype) for s in ((ht, T), (T, ht))]),
        (channel_attention, [rng.standard_normal(s).astype(dtype) for s in ((hc, C), (C, hc))]),
        (spatial_attention, [rng.standard_normal((1, 2, k, k)).astype(dtype)]),
    ]
    probe = rng.standard_normal(x.shape).astype(dtype)
    for fn, weights in cases:
        with_numba = _run(fn, x, weights, probe, numba=True)
        plain = _run(fn, x, weights, probe, numba=False)
        for a, b in zip(with_numba, plain):
            np.testing.assert_allclose(a, b, **_tolerance(dtype), err_msg=fn.__name__)


@pytest.mark.parametrize("numba", [True, False])
def test_tied_maxima_route_the_whole_gradient_to_the_first(numba):
    x4 = np.ones((2, 1, 3, 2))  # [P1, G, P2, Q]: every (i, k) ties for each (g, q)'s max
    with numba_mode(numba):
        _, _, where = kernels.attention.pool_stats(x4)
        zeros, ones = np.zeros((1, 2)), np.ones((1, 2))
        dx = kernels.attention.gate_input_grad(np.zeros_like(x4), zeros, zeros, ones, where)
    np.testing.assert_array_equal(where, [[0, 0]])
    expected = np.zeros_like(x4)
    expected[0, :, 0, :] = 1.0  # i = 0, k = 0: the first in (i, k) order
    np.testing.assert_array_equal(dx, expected)
