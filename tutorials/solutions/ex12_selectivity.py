"""Solutions of notebook 12's exercises (tutorials/exercises/ex12_selectivity.py)."""

import numpy as np


def spatial_selectivity(gate, mask):
    """Task 12.1: mean gate where the subject is over mean gate where it is not."""
    gate, mask = np.asarray(gate, np.float64), np.asarray(mask) != 0
    if gate.max() == gate.min():
        return 1.0
    return float(gate[mask].mean() / gate[~mask].mean())


def oracle_gates(subject, height, width, floor=0.1):
    """Task 12.2: 1 where (and when) the subject is, floor elsewhere."""
    subject = np.asarray(subject)
    steps, h0, w0 = subject.shape
    temporal = np.where(subject.sum(axis=(1, 2)) > 0, 1.0, floor)
    # cell (i, j) covers rows i*k_h .. (i+1)*k_h - 1 and columns j*k_w .. (j+1)*k_w - 1
    blocks = subject.sum(axis=0).reshape(height, h0 // height, width, w0 // width)
    spatial = np.where(blocks.sum(axis=(1, 3)) > 0, 1.0, floor)
    return temporal, spatial
