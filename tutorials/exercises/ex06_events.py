"""Exercises of notebook 06, event data: binning events into frames, and playing a recording
backwards.

Events are a NumPy structured array with fields x, y (pixel column and row), t (microseconds)
and p (polarity: 1 ON, brighter; 0 OFF, darker), as ``tinysnn.data.EVENT_DTYPE``.
Write each part marked "Task", then grade it with the notebook's check cell or with
``TINYSNN_EXERCISES=stubs python -m pytest tests/exercises -k task_6_1`` (task_6_2).
"""

import numpy as np  # noqa: F401 (yours to use)


def events_to_frames(events, T, width, height):
    """Task 6.1: count events per time bin, polarity and pixel.

    events: [N] structured array (x, y, t, p), at least one event; T: number of bins;
    width, height: the sensor's size (x < width, y < height). The window is the events' own span
    [t0, t1) with t0 = the first t and t1 = the last t + 1, cut into T equal bins: event e goes
    to bin (t_e - t0) * T // (t1 - t0), in exact integer arithmetic. Returns frames
    [T, 2, height, width] float32, frames[bin, p, y, x] = the number of such events (channel 0
    OFF, channel 1 ON).
    """
    raise NotImplementedError("Task 6.1: events_to_frames")


def play_backwards(events):
    """Task 6.2: the recording an event camera would make of the scene played backwards.

    Time runs the other way, t -> t_first + t_last - t (the recording keeps its span), and
    every brightness change changes sign, so ON becomes OFF and OFF becomes ON. Returns a new
    event array of the same dtype, sorted by time (events of equal time keep their relative
    order from the reversed sequence); the input is left unchanged.
    """
    raise NotImplementedError("Task 6.2: play_backwards")
