"""Grades notebook 11's exercise (tutorials/exercises/ex11_nir.py): task 11.1."""

import numpy as np
import pytest
from grading import load
from hypothesis import given, settings
from hypothesis import strategies as st

ex = load("ex11_nir")


def test_task_11_1_one_step_by_hand():
    v, x = np.array([[0.0, 1.0]]), np.array([[2.0, 0.0]])
    got = np.asarray(ex.li_step(v, x, tau=np.array([2.0, 4.0]), r=np.array([1.0, 1.0]),
                                v_leak=np.array([0.0, 0.5]), dt=1.0))
    # neuron 0: 0 + 1/2 (0 - 0 + 2) = 1; neuron 1: 1 + 1/4 (0.5 - 1 + 0) = 0.875
    assert got.shape == (1, 2), f"li_step returned shape {got.shape}, expected v's (1, 2)"
    assert np.allclose(got, [[1.0, 0.875]]), (
        f"li_step(v=[[0, 1]], x=[[2, 0]], tau=[2, 4], r=1, v_leak=[0, 0.5], dt=1) = {got}, "
        f"expected [[1, 0.875]] (v + dt/tau (v_leak - v + r x))")


def test_task_11_1_uses_r_and_dt():
    got = float(np.asarray(ex.li_step(np.zeros((1, 1)), np.ones((1, 1)), tau=1e-3, r=3.0,
                                      v_leak=0.0, dt=1e-4)).reshape(-1)[0])
    assert np.isclose(got, 0.3), (f"li_step with x=1, r=3, tau=1e-3, dt=1e-4 from v=0 gave "
                                  f"{got}, expected dt/tau r x = 0.3")


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 4), steps=st.integers(1, 8), dt=st.sampled_from([1.0, 1e-3]),
       seed=st.integers(0, 2**16))
def test_task_11_1_run_over_time_equals_from_nir(n, steps, dt, seed):
    nir = pytest.importorskip("nir")
    from tinysnn import from_nir, no_grad

    rng = np.random.default_rng(seed)
    tau, r = rng.uniform(dt, 5 * dt, n), rng.uniform(0.5, 2, n)
    v_leak = rng.uniform(-0.5, 0.5, n)
    x = rng.normal(size=(steps, 2, n))
    graph = nir.NIRGraph.from_list(nir.LI(tau=tau, r=r, v_leak=v_leak), type_check=False)
    with no_grad():
        expected = from_nir(graph, dt=dt)(x).data
    v, mine = np.zeros((2, n)), []
    for t in range(steps):              # the membrane starts at 0; LI outputs v after each step
        v = np.asarray(ex.li_step(v, x[t], tau, r, v_leak, dt))
        mine.append(v)
    assert np.allclose(np.stack(mine), expected, atol=1e-9), (
        f"li_step run over {steps} steps differs from from_nir's LI node: largest difference "
        f"{np.abs(np.stack(mine) - expected).max():.3g}")
