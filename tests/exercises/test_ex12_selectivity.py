"""Grades notebook 12's exercises (tutorials/exercises/ex12_selectivity.py): tasks 12.1, 12.2."""

import numpy as np
from grading import load

from tinysnn.app.selectivity import spatial_ratio
from tinysnn.nn.controls import pooled_presence

ex = load("ex12_selectivity")


def test_task_12_1_worked_example():
    mask = np.zeros((4, 4))
    mask[1:3, 1:3] = 1                      # the subject: the four cells in the middle
    gate = np.full((4, 4), 0.2)
    gate[1:3, 1:3] = 0.6
    got = ex.spatial_selectivity(gate, mask)
    assert np.isclose(got, 3.0), (
        f"gate 0.6 on the 4 subject cells and 0.2 on the 12 others: got {got}, expected "
        f"0.6 / 0.2 = 3.0")
    flat = ex.spatial_selectivity(np.full((4, 4), 0.37), mask)
    assert flat == 1.0, f"a constant gate selects nothing: got {flat!r}, expected exactly 1.0"


def test_task_12_1_matches_the_library():
    rng = np.random.default_rng(0)
    for trial in range(5):
        gate = rng.random((6, 6))
        mask = rng.random((6, 6)) < 0.3 + 0.1 * trial
        got, expected = ex.spatial_selectivity(gate, mask), spatial_ratio(gate, mask)
        assert np.isclose(got, expected, rtol=1e-9), (
            f"a random 6x6 gate and mask ({mask.sum()} subject cells): got {got}, the "
            f"library's spatial_ratio gives {expected}")


def test_task_12_2_worked_example():
    subject = np.zeros((3, 4, 4))
    subject[0, 0, 0] = 2                    # step 0: an event in the top-left pixel
    subject[2, 3, 2] = 1                    # step 2: one in the bottom row; step 1: none
    temporal, spatial = ex.oracle_gates(subject, 2, 2, floor=0.1)
    assert np.allclose(temporal, [1.0, 0.1, 1.0]), (
        f"the subject is in steps 0 and 2: got temporal {np.asarray(temporal).tolist()}, "
        f"expected [1.0, 0.1, 1.0]")
    expected = [[1.0, 0.1], [0.1, 1.0]]
    assert np.allclose(spatial, expected), (
        f"on a 2x2 layer the events fall into cells (0, 0) and (1, 1): got "
        f"{np.asarray(spatial).tolist()}, expected {expected}")


def test_task_12_2_matches_the_oracle_gate():
    rng = np.random.default_rng(1)
    subject = rng.poisson(0.02, (5, 16, 16)).astype(np.float32)
    subject[3] = 0                          # a step without the subject
    for size in (16, 8, 4):
        temporal, where = pooled_presence(subject[:, None], 5, size, size)
        temporal_got, spatial_got = ex.oracle_gates(subject, size, size, floor=0.05)
        assert np.allclose(temporal_got, np.where(temporal[:, 0] > 0, 1.0, 0.05)), (
            f"temporal gate on a {size}x{size} layer: got {np.asarray(temporal_got).tolist()}")
        assert np.allclose(spatial_got, np.where(where[0] > 0, 1.0, 0.05)), (
            f"spatial gate on a {size}x{size} layer differs from OracleGate's in "
            f"{int((~np.isclose(spatial_got, np.where(where[0] > 0, 1.0, 0.05))).sum())} cells")
