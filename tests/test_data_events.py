"""Event arrays and frames: events_to_frames against a plain loop, windows, crops, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn.data import (
    EVENT_DTYPE,
    DataError,
    ToFrames,
    events_to_frames,
    make_events,
    random_time_window,
)


def random_events(rng, n, width, height, t_max):
    t = np.sort(rng.integers(0, t_max, n))
    return make_events(rng.integers(0, width, n), rng.integers(0, height, n), t,
                       rng.integers(0, 2, n))


def frames_by_loop(events, n_bins, width, height, k, bin_us):
    """The specification, one event at a time: bins of bin_us from t = 0."""
    frames = np.zeros((n_bins, 2, -(-height // k), -(-width // k)), np.float32)
    for e in events:
        b = int(e["t"]) // bin_us
        if b < n_bins:
            frames[b, int(e["p"] > 0), e["y"] // k, e["x"] // k] += 1
    return frames


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 60), T=st.integers(1, 7),
       k=st.integers(1, 3), width=st.integers(1, 9), height=st.integers(1, 9))
def test_events_to_frames_matches_a_loop_over_events(seed, n, T, k, width, height):
    rng = np.random.default_rng(seed)
    events = random_events(rng, n, width, height, t_max=1000)
    bin_us = int(rng.integers(1, 300))
    got = events_to_frames(events, None, (width, height), bin_us=bin_us, downsample=k, t_start=0)
    n_bins = got.shape[0]
    assert n_bins == (-(-(int(events["t"].max()) + 1) // bin_us) if n else 1)
    np.testing.assert_array_equal(got, frames_by_loop(events, n_bins, width, height, k, bin_us))
    fixed = events_to_frames(events, T, (width, height), bin_us=bin_us, downsample=k, t_start=0)
    np.testing.assert_array_equal(fixed, frames_by_loop(events, T, width, height, k, bin_us))


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 80), T=st.integers(1, 9))
def test_equal_bins_keep_every_event_and_follow_time(seed, n, T):
    rng = np.random.default_rng(seed)
    events = random_events(rng, n, 5, 4, t_max=10**6)
    frames = events_to_frames(events, T, (5, 4))
    assert frames.shape == (T, 2, 4, 5) and frames.dtype == np.float32
    assert frames.sum() == n
    t0, t1 = events["t"].min(), events["t"].max() + 1
    expected_bin = (events["t"] - t0) * T // (t1 - t0)
    np.testing.assert_array_equal(frames.sum(axis=(1, 2, 3)),
                                  np.bincount(expected_bin, minlength=T))


def test_polarity_channels_and_downsampling():
    events = make_events(x=[0, 127, 127, 4], y=[0, 127, 126, 3], t=[0, 1, 2, 3], p=[1, 0, 0, 1])
    frames = events_to_frames(events, 1, (128, 128), downsample=4)
    assert frames.shape == (1, 2, 32, 32)
    assert frames[0, 1, 0, 0] == 1 and frames[0, 1, 0, 1] == 1     # ON at (0,0) and (4,3)
    assert frames[0, 0, 31, 31] == 2                                # two OFF in the last block
    assert frames.sum() == 4


def test_tonic_layout_drops_in():
    """tonic orders fields x, y, p, t and stores p as bool; only the names matter."""
    tonic_dtype = np.dtype([("x", np.int16), ("y", np.int16), ("p", bool), ("t", np.int64)])
    events = np.zeros(3, tonic_dtype)
    events["x"], events["y"] = [1, 2, 3], [0, 1, 2]
    events["p"], events["t"] = [True, False, True], [0, 5, 9]
    ours = make_events(events["x"], events["y"], events["t"], events["p"])
    np.testing.assert_array_equal(events_to_frames(events, 2, (4, 3)),
                                  events_to_frames(ours, 2, (4, 3, 2)))


def test_minus_one_polarity_is_off():
    events = make_events([0, 0], [0, 0], [0, 1], [-1, 1])
    frames = events_to_frames(events, 1, 1)
    assert frames[0, 0, 0, 0] == 1 and frames[0, 1, 0, 0] == 1


def test_window_drops_events_outside():
    events = make_events([0] * 4, [0] * 4, [10, 20, 30, 40], [1] * 4)
    frames = events_to_frames(events, 2, 1, t_start=15, t_end=35)
    np.testing.assert_array_equal(frames[:, 1, 0, 0], [1, 1])


def test_empty_stream_gives_zero_frames():
    frames = events_to_frames(np.empty(0, EVENT_DTYPE), 3, (4, 2))
    assert frames.shape == (3, 2, 2, 4) and not frames.any()


@pytest.mark.parametrize("kwargs, message", [
    ({"T": None}, "give T"),
    ({"T": 0}, "T must be an integer >= 1, got 0"),
    ({"T": 2, "downsample": 0}, "downsample"),
    ({"T": 2, "sensor_size": (3, 3)}, "outside sensor_size"),
    ({"T": 2, "t_start": 50, "t_end": 40}, "empty time window"),
])
def test_bad_arguments_say_what_is_wrong(kwargs, message):
    events = make_events([0, 5], [0, 1], [0, 9], [0, 1])
    args = {"sensor_size": (8, 8)} | kwargs
    with pytest.raises(ValueError, match=message):
        events_to_frames(events, **args)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"T": 2.7}, TypeError, "T must be an integer >= 1, got float 2.7"),
    ({"T": "4"}, TypeError, "T must be an integer >= 1, got str '4'"),
    ({"T": True}, TypeError, "T must be an integer >= 1, got bool True"),
    ({"T": 2, "downsample": 2.9}, TypeError, "downsample must be an integer >= 1, got float 2.9"),
    ({"T": 2, "bin_us": 0}, ValueError, "bin_us must be an integer >= 1, got 0"),
    ({"T": 2, "sensor_size": 0}, ValueError, "sensor_size must be an integer >= 1, got 0"),
    ({"T": 2, "sensor_size": (8, 0)}, ValueError, r"sensor_size\[1\] \(H\) must be an integer"),
    ({"T": 2, "t_start": 2**63}, ValueError, "t_start must fit in int64"),
])
def test_loose_arguments_are_refused_by_name(kwargs, error, message):
    events = make_events([0, 5], [0, 1], [0, 9], [0, 1])
    with pytest.raises(error, match=message):
        events_to_frames(events, **({"sensor_size": (8, 8)} | kwargs))


@pytest.mark.parametrize("kwargs, error, message", [
    ({"T": 0}, ValueError, "ToFrames: T must be an integer >= 1, got 0"),
    ({"T": 2.5}, TypeError, "ToFrames: T must be an integer"),
    ({"T": 4, "sensor_size": 0}, ValueError, "ToFrames: sensor_size must be"),
    ({"T": 4, "downsample": 0}, ValueError, "ToFrames: downsample must be"),
])
def test_to_frames_checks_its_arguments_when_made(kwargs, error, message):
    with pytest.raises(error, match=message):
        ToFrames(**({"sensor_size": 8} | kwargs))


def test_spans_beyond_int64_arithmetic_are_refused_not_wrapped():
    far = make_events([0, 1], [0, 0], [0, 2**60], [1, 1])
    frames = events_to_frames(far, 4, 8)                   # 2**60 x 4 < 2**63: exact
    np.testing.assert_array_equal(frames.sum(axis=(1, 2, 3)), [1, 0, 0, 1])
    with pytest.raises(DataError, match=r"too long to count in 64-bit integers"):
        events_to_frames(far, 16, 8)                       # 2**60 x 16 would overflow
    extremes = make_events([0, 1], [0, 0], [np.iinfo(np.int64).min, np.iinfo(np.int64).max],
                           [0, 1])
    with pytest.raises(DataError, match="too long"):
        events_to_frames(extremes, 1, 8)
    assert events_to_frames(extremes[1:], 2, 8).sum() == 1  # the last representable time
    with pytest.raises(DataError, match="would be more than"):
        events_to_frames(far, None, 8, bin_us=1)


@pytest.mark.parametrize("field, values, message", [
    ("x", [65540], r"x holds 65540, outside the range of int16"),
    ("y", [-40000], r"y holds -40000, outside the range of int16"),
    ("p", [256], r"p holds 256, outside the range of int8"),
    ("t", [2.0**63], r"t holds 9.223372036854776e\+18, outside the range of int64"),
    ("t", [1.5], r"t must hold whole numbers, got 1.5"),
    ("t", [float("nan")], r"t must hold whole numbers, got nan"),
])
def test_make_events_refuses_values_its_fields_cannot_hold(field, values, message):
    columns = {"x": [0], "y": [0], "t": [0], "p": [1]} | {field: values}
    with pytest.raises(DataError, match=message):
        make_events(**columns)


def test_make_events_keeps_values_that_fit_exactly():
    events = make_events([32767, 0], [0, -32768], [2**62, -(2**62)], [True, False])
    assert events["x"][0] == 32767 and events["y"][1] == -32768 and events["t"][0] == 2**62
    assert list(events["p"]) == [1, 0]


def test_plain_arrays_are_refused_with_the_expected_layout():
    with pytest.raises(TypeError, match="fields x, y, t, p"):
        events_to_frames(np.zeros((5, 4)), 2, (8, 8))


def test_make_events_checks_lengths():
    with pytest.raises(ValueError, match="one length"):
        make_events([1, 2], [1], [0, 1], [0, 1])


@given(seed=st.integers(0, 2**32 - 1), fraction=st.floats(0.05, 1.0))
def test_random_window_lies_inside_the_span_and_has_the_asked_length(seed, fraction):
    rng = np.random.default_rng(seed)
    events = random_events(rng, 30, 4, 4, t_max=10**5)
    first, last = events["t"].min(), events["t"].max() + 1
    start, end = random_time_window(events, fraction, np.random.default_rng(seed))
    assert first <= start < end <= last
    assert end - start == max(1, round(fraction * (last - first)))


def test_random_crop_is_seeded_and_changes_between_calls():
    rng = np.random.default_rng(0)
    events = random_events(rng, 2000, 8, 8, t_max=10**6)
    a, b = ToFrames(8, 8, random_crop=0.5, seed=3), ToFrames(8, 8, random_crop=0.5, seed=3)
    first, second = a(events), a(events)
    np.testing.assert_array_equal(first, b(events))          # same seed, same windows
    np.testing.assert_array_equal(second, b(events))
    assert not np.array_equal(first, second)                  # a new window per call
    assert first.sum() < len(events)                          # half the stream is cut away
    np.testing.assert_array_equal(ToFrames(8, 8)(events), events_to_frames(events, 8, 8))


def test_to_frames_reports_its_frame_shape():
    transform = ToFrames(T=5, sensor_size=(128, 96), downsample=4)
    events = make_events([127], [95], [0], [1])
    assert transform(events).shape == (5, *transform.frame_shape()) == (5, 2, 24, 32)
