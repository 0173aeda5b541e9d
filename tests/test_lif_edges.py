"""LIF neurons at their edges: exactly at the threshold, and with NaN or infinite input.

The kernel-vs-reference tests draw arbitrary floats, which almost never land exactly on the
threshold; here every value is a multiple of 1/8, so sums are exact and H == threshold happens
often, and an independent scalar loop decides what must fire. Non-finite input is part of the
contract: a NaN membrane gives a NaN spike, an infinite one fires and a hard reset lands it on
v_reset; the Numba kernels, the CUDA source and the reference agree on it.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn import functional as F
from tinysnn.kernels.lif import cpu as lif_cpu
from tinysnn.kernels.lif import reference as lif_reference
from tinysnn.nn import LIF
from tinysnn.surrogate import Rectangle
from tinysnn.testing import lif_configs

GRID = st.integers(-16, 16).map(lambda k: k / 8)   # multiples of 1/8: exact in float32 and 64


@st.composite
def grid_problems(draw):
    """x [T, N] on the grid, v_init [N], and a config whose decay/threshold/v_reset are too."""
    T, n = draw(st.integers(1, 6)), draw(st.integers(1, 8))
    x = np.array(draw(st.lists(GRID, min_size=T * n, max_size=T * n))).reshape(T, n)
    v_init = np.array(draw(st.lists(GRID, min_size=n, max_size=n)))
    config = draw(lif_configs(decay=draw(st.sampled_from([0.0, 0.5])),
                              threshold=draw(st.sampled_from([0.25, 0.5, 1.0])),
                              v_reset=draw(st.sampled_from([0.0, 0.125]))))
    return x, v_init, config


def scalar_spikes(x, v_init, decay, threshold, reset, v_reset):
    """The specification, one neuron and one step at a time in Python floats (exact here)."""
    spikes = np.zeros_like(x)
    for n in range(x.shape[1]):
        v = float(v_init[n])
        for t in range(x.shape[0]):
            h = decay * v + float(x[t, n])
            fired = h >= threshold                     # >=: a neuron exactly at threshold fires
            spikes[t, n] = fired
            v = (v_reset if fired else h) if reset == "hard" else h - threshold * fired
    return spikes


@given(grid_problems(), st.sampled_from([np.float32, np.float64]))
def test_a_membrane_exactly_at_the_threshold_fires_in_every_implementation(problem, dtype):
    x, v_init, config = problem
    forward = {k: config[k] for k in ("decay", "threshold", "reset", "v_reset")}
    expected = scalar_spikes(x, v_init, **forward)
    for kernels in (lif_cpu, lif_reference):
        spikes, _, _ = kernels.lif_forward(x.astype(dtype), v_init.astype(dtype), **forward)
        np.testing.assert_array_equal(spikes, expected)


def test_the_grid_does_reach_the_threshold_exactly():
    x = np.array([[0.5], [0.25], [0.5]])       # H = 0.5, 0.5 (0.25 + 0.5 * 0.5), ...
    spikes, h, _ = lif_cpu.lif_forward(x, np.zeros(1), 0.5, 0.5, "hard", 0.0)
    assert h[0, 0] == 0.5 and h[1, 0] == 0.25 and spikes[:, 0].tolist() == [1.0, 0.0, 1.0]


@st.composite
def non_finite_problems(draw, dtype):
    """x [T, N] with NaN, +inf and -inf sprinkled in, v_init, gradients, a config."""
    T, n = draw(st.integers(1, 5)), draw(st.integers(1, 6))
    values = st.one_of(st.floats(-2, 2), st.sampled_from([np.nan, np.inf, -np.inf]))
    x = np.array(draw(st.lists(values, min_size=T * n, max_size=T * n)), dtype).reshape(T, n)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    v_init, g_spikes = rng.normal(size=n).astype(dtype), rng.normal(size=(T, n)).astype(dtype)
    g_v = rng.normal(size=n).astype(dtype)
    return x, v_init, g_spikes, g_v, draw(lif_configs())


@given(st.sampled_from([np.float32, np.float64]).flatmap(non_finite_problems))
def test_numba_matches_reference_on_non_finite_input(problem):
    x, v_init, g_spikes, g_v, config = problem
    forward = {k: config[k] for k in ("decay", "threshold", "reset", "v_reset")}
    results = []
    with np.errstate(invalid="ignore", over="ignore"):
        for kernels in (lif_cpu, lif_reference):
            spikes, h, v = kernels.lif_forward(x, v_init, **forward)
            results.append((spikes, h, v, *kernels.lif_backward(h, g_spikes, g_v, **config)))
    for got, want in zip(*results, strict=True):
        np.testing.assert_array_equal(got, want, strict=True)   # NaN where NaN, inf where inf


def test_an_infinite_input_fires_once_and_the_hard_reset_lands_on_v_reset():
    x = np.array([[np.inf], [0.1], [0.1], [0.4]], np.float32)
    spikes, v = F.lif(x, decay=0.5, threshold=0.3, v_reset=0.3, surrogate=Rectangle(0.5),
                      return_membrane=True)
    np.testing.assert_array_equal(spikes.data[:, 0], [1, 0, 0, 1])  # then as from v_reset
    np.testing.assert_allclose(v.data[:, 0], [0.3, 0.25, 0.225, 0.3])
    assert np.isfinite(v.data).all()


def test_an_infinite_input_keeps_a_soft_reset_neuron_firing():
    spikes = F.lif(np.array([[np.inf], [0.0], [0.0]]), decay=0.5, threshold=1.0, reset="soft")
    np.testing.assert_array_equal(spikes.data[:, 0], [1, 1, 1])


@pytest.mark.parametrize("reset", ["hard", "soft"])
def test_a_nan_input_shows_as_nan_spikes_not_as_silence(reset):
    x = np.array([[0.2, 0.2], [np.nan, 0.2], [0.2, 0.2]], np.float32)
    spikes = LIF(tau=2.0, reset=reset)(x[:, None, :]).data[:, 0, :]
    assert np.isnan(spikes[1:, 0]).all()                 # the NaN and everything after it
    assert np.isfinite(spikes[:, 1]).all() and not np.isnan(spikes[0, 0])


def test_spike_gives_nan_for_nan():
    np.testing.assert_array_equal(F.spike(np.array([np.nan, -1.0, 0.0, np.inf])).data,
                                  [np.nan, 0.0, 1.0, 1.0])
