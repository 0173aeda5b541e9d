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


# ---- the sensor model and the hard level ------------------------------------------------------

def test_background_activity_and_hot_pixels_fire_at_their_rates():
    camera = EventCamera(size=16, noise_hz=20.0, hot_pixels=5, hot_pixel_hz=300.0, seed=4)
    still = np.zeros((10, 256))                                   # a scene that never changes
    events = camera.record(still, 2_000_000, np.random.default_rng(0))
    hot, polarity = camera.hot_pixel_map()
    pixel = events["y"].astype(int) * 16 + events["x"]
    at_hot = np.isin(pixel, hot)
    # background: 20 Hz x 256 pixels x 2 s = 10240 expected, spread over all pixels (a few of
    # them land on hot pixels too); hot pixels: 5 x 300 Hz x 2 s = 3000 more
    background = (~at_hot).sum() / (1 - len(hot) / 256)
    assert abs(background - 10240) < 4 * np.sqrt(10240)
    assert abs(at_hot.sum() - 10240 * 5 / 256 - 3000) < 4 * np.sqrt(3000 + 200)
    for p, sign in zip(hot, polarity):                           # each hot pixel: one polarity
        mine = events["p"][pixel == p]
        assert (mine == sign).mean() > 0.9
    # the same sensor has the same hot pixels in every recording
    again = camera.record(still, 2_000_000, np.random.default_rng(1))
    again_pixel = again["y"].astype(int) * 16 + again["x"]
    counts = np.bincount(again_pixel, minlength=256)
    assert set(np.argsort(counts)[-5:]) == set(hot)


def test_easy_level_keeps_the_cache_key_of_the_first_format(tmp_path):
    from dataclasses import asdict

    from tinysnn.data.cache import cache_key

    data = SyntheticGestures(root=tmp_path, **SMALL)
    camera = EventCamera(size=16, noise_hz=0.5, seed=0)
    first_format = {"format": 1, "split": "train", "n_per_class": 2, "duration_us": 200_000,
                    "steps": 64, "seed": 0,
                    "camera": {k: v for k, v in asdict(camera).items() if "hot" not in k}}
    assert os.path.basename(data.path) == f"synthetic_gestures_train_{cache_key(first_format)}.npz"
    hard = SyntheticGestures(root=tmp_path, level="hard", **SMALL)
    assert hard.path != data.path and len(hard) == len(data)


def test_hard_level_subjects_differ_between_splits_and_keep_the_direction_symmetry(tmp_path):
    from tinysnn.data.synthetic import LEVELS, subjects_of

    counts = LEVELS["hard"]["subjects"]
    train, test = subjects_of("train", 0, counts["train"]), subjects_of("test", 0, counts["test"])
    assert not set(train) & set(test)
    assert len({s.duration for s in train}) == len(train)         # people differ
    assert LEVELS["hard"]["per_class"][False] * 11 > 200           # one test sample < 0.5%
    camera = EventCamera(size=32, noise_hz=0.0)
    for cw, ccw in CW_CCW_PAIRS:
        a = events_to_frames(simulate_gesture(cw, 5, camera, subject=train[0]), 16, 32)
        b = events_to_frames(simulate_gesture(ccw, 5, camera, subject=train[0]), 16, 32)
        np.testing.assert_array_equal(a.sum(axis=0), b.sum(axis=0))


def test_a_quick_subject_moves_during_part_of_the_recording_only():
    from tinysnn.data.gesture_scenes import Subject, _active_phase, hand_paths

    u = np.linspace(0.0, 1.0, 1001)
    for seed in range(5):
        phase = _active_phase(u, Subject(duration=0.5), np.random.default_rng(seed))
        assert phase[0] == 0.0 and phase[-1] == 1.0 and np.all(np.diff(phase) >= 0)
        moving = (phase > 0) & (phase < 1)
        assert 0.44 < moving.mean() < 0.56                        # 0.5 x (0.9 .. 1.1)
    np.testing.assert_array_equal(_active_phase(u, None, None), u)
    label = GESTURE_CLASSES.index("right_hand_wave")
    a, sigma_a, _ = hand_paths(label, 50, np.random.default_rng(1), Subject())
    b, sigma_b, _ = hand_paths(label, 50, np.random.default_rng(1), Subject(dx=0.1, size=1.2))
    assert abs((b[..., 0] - a[..., 0]).mean() - 0.1) < 0.05          # the body moved right
    np.testing.assert_allclose(sigma_b, 1.2 * sigma_a)               # bigger hands
