"""The Numba LIF kernels compute exactly what the reference loop computes, bit for bit.

The tests whose names contain "matches" are also re-run by ``test_kernel_source_runs_as_python``
with NUMBA_DISABLE_JIT=1, so the kernels' source is exercised line by line as plain Python.
"""

import os
import subprocess
import sys
import types

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numba import njit

from tinysnn.kernels.exp import EXP_CONSTANTS, exp_nonpositive
from tinysnn.kernels.lif import cpu as lif_cpu
from tinysnn.kernels.lif import reference as lif_reference
from tinysnn.surrogate import Sigmoid
from tinysnn.testing import arrays, lif_configs, shapes, surrogates, time_major

JIT_DISABLED = os.environ.get("NUMBA_DISABLE_JIT", "0") == "1"


def assert_identical(kernel_out, reference_out):
    for got, want in zip(kernel_out, reference_out, strict=True):
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want, strict=True)


def run_both(x, v_init, g_spikes, g_v, config, keep_membrane):
    """Forward and backward through the Numba kernels and through the reference."""
    fwd = {k: config[k] for k in ("decay", "threshold", "reset", "v_reset")}
    results = []
    for kernels in (lif_cpu, lif_reference):
        spikes, h, v = kernels.lif_forward(x, v_init, keep_membrane=keep_membrane, **fwd)
        g_x, g_v_init = kernels.lif_backward(h, g_spikes, g_v, **config)
        results.append((spikes, h, v, g_x, g_v_init))
    return results


@st.composite
def lif_problems(draw, dtype=np.float64):
    """(x [T, B, ...], v_init, dL/dS, dL/dV, config, keep_membrane) for one LIF run."""
    x = draw(time_major(st.integers(1, 6), st.integers(1, 3), shapes(0, 2, max_side=4),
                        dtype=dtype))
    v_init = draw(arrays(x.shape[1:], dtype=dtype))
    keep_membrane = draw(st.booleans())
    g_spikes = draw(arrays(x.shape, dtype=dtype))
    g_v = draw(arrays(x.shape if keep_membrane else x.shape[1:], dtype=dtype))
    return x, v_init, g_spikes, g_v, draw(lif_configs()), keep_membrane


@given(lif_problems(np.float64))
def test_numba_matches_reference_exactly_float64(problem):
    *arrays_and_config, keep = problem
    kernel_out, reference_out = run_both(*arrays_and_config, keep_membrane=keep)
    assert_identical(kernel_out, reference_out)


@given(lif_problems(np.float32))
def test_numba_matches_reference_exactly_float32(problem):
    *arrays_and_config, keep = problem
    kernel_out, reference_out = run_both(*arrays_and_config, keep_membrane=keep)
    assert_identical(kernel_out, reference_out)
    assert all(out.dtype == np.float32 for out in kernel_out)


@pytest.mark.parametrize("keep_membrane", [False, True])
def test_numba_matches_reference_across_several_chunks(keep_membrane):
    """Two full chunks and a partial one, in a [T, B, C] layout that is not chunk-aligned."""
    rng = np.random.default_rng(3)
    n = 2 * lif_cpu.CHUNK + 37
    x = rng.normal(0.4, 1.0, (2, 1, n))
    g_v = rng.normal(size=x.shape if keep_membrane else x.shape[1:])
    config = {"decay": 0.8, "threshold": 0.7, "reset": "hard", "v_reset": 0.1,
              "detach_reset": False, "surrogate": Sigmoid(alpha=3.0)}
    v_init, g_spikes = rng.normal(size=x.shape[1:]), rng.normal(size=x.shape)
    kernel_out, reference_out = run_both(x, v_init, g_spikes, g_v, config, keep_membrane)
    assert_identical(kernel_out, reference_out)


@given(surrogate=surrogates(), dtype=st.sampled_from([np.float32, np.float64]),
       h=arrays(shapes(1, 1, max_side=64), min_value=-4.0, max_value=4.0))
def test_kernel_slopes_matches_surrogate_derivative_bitwise(surrogate, dtype, h):
    h = h.astype(dtype)
    threshold = dtype(0.5)
    fused = surrogate.fused_slope()
    psi = np.empty_like(h)
    slope = njit(error_model="numpy")(fused.numba)
    fill_slopes(slope, h.reshape(-1), threshold, dtype(fused.c0), dtype(fused.c1),
                psi.reshape(-1))
    np.testing.assert_array_equal(psi, surrogate.derivative(h - threshold), strict=True)


# Not cached on disk: Numba's cache does not notice a change in an inlined callee, so a cached
# function would keep testing a stale copy of the slope functions.
@njit(error_model="numpy")
def fill_slopes(slope, h, threshold, c0, c1, psi):
    """psi = slope(h - threshold) with a surrogate class's numba_slope."""
    for i in range(h.size):
        psi[i] = slope(h[i] - threshold, c0, c1, h.dtype.type(1))


@njit
def numba_exp(x, out):
    for i in range(x.size):
        out[i] = exp_nonpositive(x[i])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numba_exp_matches_numpy_exp_nonpositive_bitwise(dtype):
    lowest = EXP_CONSTANTS[np.dtype(dtype)].lowest
    x = np.concatenate([np.linspace(1.2 * lowest, 0, 20001), [-np.inf, lowest]]).astype(dtype)
    out = np.empty_like(x)
    numba_exp(x, out)
    np.testing.assert_array_equal(out, exp_nonpositive(x), strict=True)


def test_jit_mode_matches_environment():
    kernel_is_python = isinstance(lif_cpu._forward_kernel, types.FunctionType)
    assert kernel_is_python == JIT_DISABLED


@pytest.mark.skipif(JIT_DISABLED, reason="this is already the plain-Python run")
def test_kernel_source_runs_as_python():
    """Re-run the 'matches' tests of this file in a fresh interpreter with NUMBA_DISABLE_JIT=1."""
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    command = [sys.executable, "-m", "pytest", __file__, "-o", "addopts=", "-q", "-x", "-p",
               "no:cacheprovider", "-k", "matches"]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run(command, check=False, env=env, capture_output=True, text=True,
                            timeout=600, cwd=root)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert " passed" in result.stdout and "skipped" not in result.stdout
