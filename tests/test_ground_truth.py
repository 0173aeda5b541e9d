"""Ground truth of the synthetic gestures and the distractor level."""

import numpy as np
import pytest

from tinysnn.data import EventCamera, SyntheticGestures, ToFrames, simulate_gesture
from tinysnn.data.distractors import Clutter, absent_stretches, record_cluttered
from tinysnn.data.gesture_scenes import gesture_log_video
from tinysnn.data.ground_truth import WithSubjectChannel, truth_frames
from tinysnn.data.synthetic import LEVELS

SMALL = {"n_per_class": 2, "sensor": 16, "duration_us": 200_000, "steps": 64}


def small_set(tmp_path, level, **kwargs):
    return SyntheticGestures(root=tmp_path, level=level, train=False, ground_truth=True,
                             transform=ToFrames(T=8, sensor_size=16), **SMALL, **kwargs)


@pytest.mark.parametrize("level", list(LEVELS))
def test_subject_and_other_frames_add_up_to_the_frames(tmp_path, level):
    data = small_set(tmp_path, level)
    for index in (0, 7, len(data) - 1):
        frames, label, truth = data[index]
        assert label == data.labels[index]
        assert truth["subject"].shape == truth["other"].shape == frames.shape == (8, 2, 16, 16)
        np.testing.assert_array_equal(truth["subject"] + truth["other"], frames)
        assert truth["subject"].sum() > 0 and truth["other"].sum() > 0


def test_ground_truth_with_bins_of_fixed_length_adds_up_too(tmp_path):
    raw = SyntheticGestures(root=tmp_path, level="distractor", ground_truth=True, **SMALL)
    events, _, from_subject = raw[3]
    assert from_subject.dtype == bool and from_subject.shape == events.shape
    for transform in (ToFrames(T=5, sensor_size=16, bin_us=30_000),
                      ToFrames(T=4, sensor_size=16, downsample=2)):
        truth = truth_frames(events, from_subject, transform)
        np.testing.assert_array_equal(truth["subject"] + truth["other"], transform(events))
    with pytest.raises(ValueError, match="random crops"):
        truth_frames(events, from_subject, ToFrames(T=4, sensor_size=16, random_crop=0.5))


def test_sources_change_no_event_of_the_existing_levels():
    camera = EventCamera(size=16, noise_hz=1.0, hot_pixels=3, hot_pixel_hz=100.0)
    plain = simulate_gesture(4, 11, camera, 200_000, 64)
    events, from_subject = simulate_gesture(4, 11, camera, 200_000, 64, sources=True)
    np.testing.assert_array_equal(plain, events)
    # about as many noise events as the camera's rates give; the rest is the subject's
    noise = 1.0 * 256 * 0.2 + 3 * 100.0 * 0.2
    assert abs((~from_subject).sum() - noise) < 5 * np.sqrt(noise)


def test_distractor_level_hides_the_subject_in_its_stretches_and_adds_clutter():
    clutter = Clutter()
    camera = EventCamera(size=16, noise_hz=1.0)
    duration = 1_000_000
    video = gesture_log_video(0, 128, 16, np.random.default_rng(1))
    events, from_subject = record_cluttered(camera, video, clutter, duration,
                                            np.random.default_rng(5))
    stretches = absent_stretches(clutter, np.random.default_rng(5))   # its first draw
    t = events["t"]
    for start, end in stretches * duration:
        inside = (t >= start) & (t < end)
        assert inside.any() and not from_subject[inside].any()
        burst = inside.sum() / ((end - start) * 1e-6 * 256)            # events / pixel / s
        assert burst > clutter.burst_hz
    assert from_subject.sum() > 0 and (~from_subject).sum() > from_subject.sum()


def test_absent_stretches_do_not_overlap():
    clutter = Clutter(stretches=3, stretch=(0.2, 0.3))
    for seed in range(20):
        s = absent_stretches(clutter, np.random.default_rng(seed))
        assert s.shape == (3, 2) and (s[:, 1] > s[:, 0]).all()
        assert (s[1:, 0] >= s[:-1, 1]).all() and s.min() >= 0 and s.max() <= 1


def test_the_subject_channel_is_the_subjects_events(tmp_path):
    data = small_set(tmp_path, "distractor")
    frames, label = WithSubjectChannel(data)[2]
    expected, _, truth = data[2]
    assert frames.shape == (8, 3, 16, 16) and label == data.labels[2]
    np.testing.assert_array_equal(frames[:, :2], expected)
    np.testing.assert_array_equal(frames[:, 2], truth["subject"].sum(axis=1))
    with pytest.raises(ValueError, match="ground truth"):
        WithSubjectChannel(SyntheticGestures(root=tmp_path, level="distractor", **SMALL))


def test_a_set_cached_before_the_ground_truth_gets_it_when_asked(tmp_path):
    kwargs = dict(root=tmp_path, level="hard", **SMALL, transform=ToFrames(T=4, sensor_size=16))
    data = SyntheticGestures(**kwargs)
    assert len(data[0]) == 2                                 # items as without ground truth
    with np.load(data.path) as archive:                      # a cache file of the first format
        arrays = {k: archive[k] for k in ("events", "offsets", "labels")}
    np.savez(data.path, **arrays)
    old = SyntheticGestures(**kwargs)
    with pytest.raises(ValueError, match="ground_truth=True"):
        old.truth(0)
    with pytest.warns(RuntimeWarning, match="lacks arrays"):
        truth = old.load_ground_truth().truth(0)
    np.testing.assert_array_equal(truth["subject"] + truth["other"], old[0][0])
