"""Exercises of notebook 12, what attention learns: the spatial selectivity ratio of a gate map,
and the oracle gate of one sample.

Write each part marked "Task", then grade it with the notebook's check cell or with
``TINYSNN_EXERCISES=stubs python -m pytest tests/exercises -k task_12_1`` (task_12_2).
"""

import numpy as np  # noqa: F401 (yours to use)


def spatial_selectivity(gate, mask):
    """Task 12.1: how much more a spatial gate lets through where the subject is.

    gate: ``[H, W]`` gate values (0..1); mask: ``[H, W]``, non-zero where the subject is.
    Returns the mean of ``gate`` over the cells where mask is non-zero divided by its mean over
    the cells where mask is 0, as a float: 1.0 means the gate does not select, 2.0 that it lets
    twice as much through on the subject. A gate that does not vary returns exactly 1.0.
    """
    raise NotImplementedError("Task 12.1: spatial_selectivity")


def oracle_gates(subject, height, width, floor=0.1):
    """Task 12.2: the oracle's temporal and spatial gates for one sample.

    subject: ``[T, H0, W0]`` counts of the subject's events (both polarities added), with H0 a
    multiple of height and W0 of width. Returns (temporal ``[T]``, spatial ``[height, width]``):

        temporal[t] = 1 if the subject made any event in step t, else floor
        spatial[i, j] = 1 if the subject made any event, at any step, in the block of input
                        pixels that cell (i, j) of the layer covers (H0 / height by W0 / width
                        pixels), else floor
    """
    raise NotImplementedError("Task 12.2: oracle_gates")
