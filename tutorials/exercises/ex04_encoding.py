"""Exercises of notebook 04, from input to spikes: rate, latency and delta encoding, first-spike
decoding, and the training loop of a small spiking network.

Write each part marked "Task", then grade it with the notebook's check cell or with
``TINYSNN_EXERCISES=stubs python -m pytest tests/exercises -k task_4_1`` (task_4_2, ...).
"""

import numpy as np  # noqa: F401 (yours to use)

from tinysnn import Tensor  # noqa: F401 (yours to use)


def rate_encode(intensity, T, rng):
    """Task 4.1: rate coding. Each value fires at every step with probability = its intensity.

    intensity: an array of values in [0, 1], any shape [...]; T: number of time steps;
    rng: a ``numpy.random.Generator``, the only source of randomness (same seed, same spikes).
    Returns spikes [T, ...] float32 of 0.0 and 1.0, independent across steps and values:
    spikes[t] = 1 where a fresh uniform draw in [0, 1) is < intensity.
    """
    raise NotImplementedError("Task 4.1: rate_encode")


def latency_encode(intensity, T):
    """Task 4.2: latency (time-to-first-spike) coding. Brighter fires earlier, once.

    intensity: values in [0, 1], any shape [...]. A value of 0 never fires; any other value
    fires exactly once, at step t = min(floor((1 - intensity) * T), T - 1), so 1 fires at
    t = 0 and a faint value near the end. Returns spikes [T, ...] float32 of 0.0 and 1.0.
    """
    raise NotImplementedError("Task 4.2: latency_encode")


def delta_encode(signal, threshold):
    """Task 4.3: delta coding, the way a DVS pixel reports brightness changes.

    signal: [T, ...] values over time (say, log brightness per pixel); threshold > 0.
    Each value keeps a reference level r, starting at signal[0] (step 0 has no events). At each
    later step t, with d = signal[t] - r:

        ON event  where d >= threshold,    OFF event where d <= -threshold,
        and where an event fired, r becomes signal[t] (elsewhere r stays, so slow changes add up).

    Returns events [T, 2, ...] float32: channel 0 the OFF events, channel 1 the ON events
    (tinysnn's frame layout), at most one event per step, value and channel.
    """
    raise NotImplementedError("Task 4.3: delta_encode")


def first_spike_decode(spikes):
    """Task 4.4: first-spike decoding. The class whose output neuron fires first wins.

    spikes: [T, B, K] output spikes of B samples over K classes. For each sample, the first
    spike time of class k is the first t with spikes[t, b, k] != 0, or T if it never fires.
    Returns [B] int64, the class of the earliest first spike; ties go to the lowest class
    index (so a sample with no spike at all gets class 0).
    """
    raise NotImplementedError("Task 4.4: first_spike_decode")


def train_epoch(model, loader, optimizer, loss_fn):
    """Task 4.5: one epoch of training, the loop every network in this course is trained with.

    model: a tinysnn Module mapping x [T, B, ...] (a Tensor) to firing rates [B, K] (a Tensor);
    loader: yields (x [T, B, ...] float32 array, y [B] int64 array); optimizer: a
    tinysnn.optim optimizer over the model's parameters; loss_fn(rates, y) -> a scalar Tensor.

    Put the model in training mode, then for every batch: forward, loss, clear the old
    gradients, backward, optimizer step. Returns (mean loss, accuracy) over the samples seen:
    the batch losses weighted by batch size, and the fraction of samples whose largest rate
    (argmax over K, computed from this batch's forward pass) is their label.
    """
    raise NotImplementedError("Task 4.5: train_epoch")
