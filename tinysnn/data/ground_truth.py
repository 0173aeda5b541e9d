"""Ground truth of the synthetic gestures: which counts of a frame the subject made.

    data = SyntheticGestures(train=False, level="distractor", ground_truth=True,
                             transform=ToFrames(T=16, sensor_size=32))
    frames, label, truth = data[0]
    truth["subject"] + truth["other"] == frames       # each [16, 2, 32, 32], exactly

The subject's events and all the others are binned into frames with the time window of the
whole recording, so the two parts add up to the sample's frames count by count.

``WithSubjectChannel`` feeds the ground truth to a network (the ablation's ``oracle-gate``
control): its frames carry one more channel, the subject's events summed over polarity.
"""

import numpy as np

from .events import ToFrames, events_to_frames


def truth_frames(events, from_subject, transform):
    """{"subject": frames, "other": frames} of a recording's events ``[N]`` and their mask
    ``from_subject [N]``, binned as ``transform`` (a ToFrames without random crops) bins the
    whole recording: ``[T, 2, H, W]`` each, adding up to ``transform(events)``."""
    if not isinstance(transform, ToFrames) or transform.random_crop is not None:
        raise ValueError(f"ground truth: the transform must be a ToFrames without random crops "
                         f"(the same window for both parts), got {transform!r}")
    t = events["t"]
    window = {}
    if len(t):
        window["t_start"] = int(t.min())
        if transform.bin_us is None:     # T bins over the recording's span
            window["t_end"] = int(t.max()) + 1
    binning = dict(T=transform.T, sensor_size=transform.sensor_size, bin_us=transform.bin_us,
                   downsample=transform.downsample, **window)
    return {"subject": events_to_frames(events[from_subject], **binning),
            "other": events_to_frames(events[~from_subject], **binning)}


class WithSubjectChannel:
    """A SyntheticGestures built with ground_truth=True whose items are
    ``(frames [T, C + 1, H, W], label)``: the last channel counts the subject's events (both
    polarities). ``truth(i)`` and everything else come from the wrapped set."""

    def __init__(self, dataset):
        if not getattr(dataset, "ground_truth", False):
            raise ValueError("WithSubjectChannel: the data set must give ground truth "
                             "(SyntheticGestures(..., ground_truth=True))")
        self.dataset = dataset

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, index):
        frames, label, truth = self.dataset[index]
        subject = truth["subject"].sum(axis=1, keepdims=True)
        return np.concatenate([frames, subject], axis=1), label

    def __getattr__(self, name):
        if name == "dataset":          # not set yet (unpickling in a loader worker)
            raise AttributeError(name)
        return getattr(self.dataset, name)

    def __repr__(self):
        return f"WithSubjectChannel({self.dataset!r})"
