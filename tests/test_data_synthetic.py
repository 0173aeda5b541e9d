"""The simulated event camera and the synthetic gesture set."""

import os
import pathlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn.data import (
    GESTURE_CLASSES,
    EventCamera,
    SyntheticGestures,
    ToFrames,
    events_to_frames,
    simulate_gesture,
)
from tinysnn.data.event_camera import dvs_counts, dvs_counts_reference
from tinysnn.data.gesture_scenes import SCENES

CW_CCW_PAIRS = [(GESTURE_CLASSES.index(f"{side}_arm_clockwise"),
                 GESTURE_CLASSES.index(f"{side}_arm_counter_clockwise"))
                for side in ("right", "left")]
SMALL = {"n_per_class": 2, "sensor": 16, "duration_us": 200_000, "steps": 64}


def signals(seed, steps, pixels, closed):
    """Random log-brightness changes in thresholds, some landing exactly on whole levels."""
    rng = np.random.default_rng(seed)
    u = np.cumsum(rng.normal(0, 0.8, (steps, pixels)), axis=0)
    u[:, ::2] = np.round(u[:, ::2] * 2) / 2                       # exact ties with the levels
    u -= u[0]
    if closed:
        u[-1] = u[0]
    return u


@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(2, 40), pixels=st.integers(1, 12))
def test_numba_camera_matches_the_reference(seed, steps, pixels):
    u = signals(seed, steps, pixels, closed=False)
    np.testing.assert_array_equal(dvs_counts(u), dvs_counts_reference(u))


@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(2, 60), pixels=st.integers(1, 12))
def test_camera_counts_are_the_same_played_backwards_when_the_video_is_closed(seed, steps, pixels):
    u = signals(seed, steps, pixels, closed=True)
    forward, backward = dvs_counts(u), dvs_counts(u[::-1] - u[-1])
    for counts in (forward, backward):
        on, off = np.clip(counts, 0, None).sum(0), -np.clip(counts, None, 0).sum(0)
        np.testing.assert_array_equal(on, off)          # a closed video: as many ON as OFF
    np.testing.assert_array_equal(np.abs(forward).sum(0), np.abs(backward).sum(0))


def test_camera_stays_silent_below_threshold_and_counts_whole_thresholds():
    u = np.array([[0.0], [0.9], [2.5], [1.6], [1.4], [-0.2]])
    # 0.9 < 1: silent; 2.5: two ON, level 2; 1.6 and 1.4 stay above 2 - 1: silent;
    # -0.2 <= 1: OFF down to level ceil(-0.2) = 0, two events
    np.testing.assert_array_equal(dvs_counts(u)[:, 0], [0, 0, 2, 0, 0, -2])


def test_still_scene_gives_only_noise():
    camera = EventCamera(size=8, noise_hz=0.0)
    video = np.full((30, 64), 0.3)
    assert len(camera.record(video, 100_000, np.random.default_rng(0))) == 0
    noisy = EventCamera(size=8, noise_hz=100.0).record(video, 1_000_000, np.random.default_rng(0))
    assert 0.5 * 6400 < len(noisy) < 1.5 * 6400


@pytest.mark.parametrize("cw, ccw", CW_CCW_PAIRS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clockwise_and_counter_clockwise_share_their_time_summed_image(cw, ccw, seed):
    """Exact equality, per polarity, by construction: the counter-clockwise scene is the
    clockwise one played backwards, the path is closed, the camera counts the same events
    in either direction, and the noise does not depend on the direction."""
    a = events_to_frames(simulate_gesture(cw, seed), 16, 32)
    b = events_to_frames(simulate_gesture(ccw, seed), 16, 32)
    np.testing.assert_array_equal(a.sum(axis=0), b.sum(axis=0))
    assert np.abs(a - b).sum() > 0.3 * a.sum()              # but the frames in time differ


def test_same_seed_same_events_other_seed_other_events():
    for label in range(len(GESTURE_CLASSES)):
        a, b = simulate_gesture(label, 7), simulate_gesture(label, 7)
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, simulate_gesture(label, 8))


def test_recordings_look_like_an_event_camera():
    camera = EventCamera(size=32)
    for label in range(len(GESTURE_CLASSES)):
        events = simulate_gesture(label, label, camera, duration_us=500_000, steps=128)
        assert len(events) > 500, GESTURE_CLASSES[label]
        assert np.all(np.diff(events["t"]) >= 0)
        assert events["t"].min() >= 0 and events["t"].max() < 500_000
        assert events["x"].max() < 32 and events["y"].max() < 32
        assert 0.3 < events["p"].mean() < 0.7                   # ON and OFF both present


def test_dataset_items_labels_and_determinism(tmp_path):
    train = SyntheticGestures(root=tmp_path, train=True, seed=3, **SMALL)
    again = SyntheticGestures(root=tmp_path / "other", train=True, seed=3, **SMALL)
    test = SyntheticGestures(root=tmp_path, train=False, seed=3, **SMALL)
    assert len(train) == len(test) == 2 * 11 and train.classes == GESTURE_CLASSES
    assert train.sensor_size == (16, 16)
    np.testing.assert_array_equal(train.labels, np.repeat(np.arange(11), 2))
    events, label = train[5]
    assert events.dtype.names == ("x", "y", "t", "p") and label == 2
    np.testing.assert_array_equal(again.events, train.events)          # regenerated, identical
    assert not np.array_equal(test[5][0], events)                       # splits differ
    other_seed = SyntheticGestures(root=tmp_path, train=True, seed=4, **SMALL)
    assert not np.array_equal(other_seed[5][0], events)
    with pytest.raises(IndexError):
        train[len(train)]


def test_dataset_with_frame_transform(tmp_path):
    data = SyntheticGestures(root=tmp_path, transform=ToFrames(T=8, sensor_size=16, downsample=2),
                             **SMALL)
    frames, label = data[-1]
    assert frames.shape == (8, 2, 8, 8) and frames.dtype == np.float32 and label == 10
    assert frames.sum() == len(data.events[data.offsets[-2]:])


def test_cache_is_written_once_and_reused(tmp_path, monkeypatch):
    first = SyntheticGestures(root=tmp_path, **SMALL)
    assert os.path.isfile(first.path) and os.path.dirname(first.path) == str(tmp_path)
    monkeypatch.setattr("tinysnn.data.synthetic.generate_gestures",
                        lambda *a, **k: pytest.fail("regenerated despite the cache"))
    second = SyntheticGestures(root=tmp_path, **SMALL)
    np.testing.assert_array_equal(second.events, first.events)


def test_cache_key_changes_with_every_parameter(tmp_path):
    base = SyntheticGestures(root=tmp_path, **SMALL).path
    for change in ({"n_per_class": 3}, {"sensor": 17}, {"duration_us": 200_001},
                   {"steps": 65}, {"noise_hz": 0.6}, {"seed": 1}):
        assert SyntheticGestures(root=tmp_path, **SMALL | change).path != base, change


def test_environment_variable_chooses_the_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYSNN_CACHE", str(tmp_path / "env"))
    data = SyntheticGestures(**SMALL)
    assert data.path.startswith(str(tmp_path / "env"))


def test_scenes_follow_the_class_order():
    assert list(SCENES) == GESTURE_CLASSES
    for cw, ccw in CW_CCW_PAIRS:
        assert SCENES[GESTURE_CLASSES[cw]][1] is False and SCENES[GESTURE_CLASSES[ccw]][1] is True


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_cache_is_regenerated_with_a_warning_naming_it(tmp_path, damage):
    good = SyntheticGestures(root=tmp_path, **SMALL)
    path = pathlib.Path(good.path)
    whole = path.read_bytes()
    path.write_bytes(b"not a zip file" if damage == "garbage" else whole[: len(whole) // 2])
    with pytest.warns(RuntimeWarning, match=os.path.basename(good.path)):
        again = SyntheticGestures(root=tmp_path, **SMALL)
    np.testing.assert_array_equal(again.events, good.events)


def test_bad_parameters_are_refused(tmp_path):
    with pytest.raises(ValueError, match="n_per_class"):
        SyntheticGestures(root=tmp_path, n_per_class=0)
    with pytest.raises(ValueError, match="label"):
        simulate_gesture(11, 0)
