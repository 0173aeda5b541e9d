"""PaperFrames: the authors' training window, test clips and vote, on events written here."""

import bisect
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn.data import PaperFrames, make_events
from tinysnn.data.paper_frames import clip_starts, vote


def gesture(times, x=None, y=None, p=None):
    n = len(times)
    return make_events(x if x is not None else np.arange(n) % 8,
                       y if y is not None else np.arange(n) // 8 % 8,
                       times, p if p is not None else np.arange(n) % 2)


def frames_by_loop(events, T, bin_us, k, size):
    """One event at a time: T bins of bin_us from the first event, [T, 2, y // k, x // k]."""
    frames = np.zeros((T, 2, size // k, size // k), np.float32)
    for e in events:
        b = (int(e["t"]) - int(events["t"][0])) // bin_us
        if b < T:
            frames[b, int(e["p"] > 0), e["y"] // k, e["x"] // k] += 1
    return frames


def clips_by_the_authors_steps(events, T, bin_us, clips, k, size):
    """The test clips as the authors' loader computes them, step by step with bisect."""
    t = [int(v) - int(events["t"][0]) for v in events["t"]]
    end = bisect.bisect_left(t, t[-1])                # whole gesture: [first, last)
    t, kept = t[:end], events[:end]
    duration, window = (t[-1] if t else 0), T * bin_us
    starts = []
    for j in range(clips):
        if clips * window - duration > 0:
            starts.append(j * (window - int(math.floor((clips * window - duration) / clips))))
        else:
            starts.append(j * (window + int(math.floor((duration - clips * window) / clips))))
        if starts[-1] + window > duration:
            starts[-1] -= starts[-1] + window - duration
    out = []
    for s in starts:
        i0 = bisect.bisect_left(t, s)
        i1 = bisect.bisect_left(t, s + window)
        out.append(frames_by_loop(kept[i0:i1], T, bin_us, k, size))
    return np.stack(out)


def test_short_gesture_gives_overlapping_clips_pushed_back_at_the_end():
    # T = 3 bins of 10 us (W = 30), 4 clips; the last event (t = 70) is in no clip, so D = 55;
    # clips x W = 120 > 55: overlap = floor(65 / 4) = 16, starts 0, 14, 28 -> 25, 42 -> 25
    assert clip_starts(55, 30, 4) == [0, 14, 25, 25]
    events = gesture([0, 5, 29, 30, 55, 70])
    clips = PaperFrames(train=False, T=3, bin_us=10, clips=4, downsample=1, sensor_size=8)(events)
    assert clips.shape == (4, 3, 2, 8, 8) and clips.dtype == np.float32
    per_bin = clips.sum(axis=(2, 3, 4))
    np.testing.assert_array_equal(per_bin[0], [2, 0, 1])   # 0, 5 | - | 29: bins from t = 0
    # [14, 44) holds 29 and 30; its bins start at its first event, 29, so both land in bin 0
    np.testing.assert_array_equal(per_bin[1], [2, 0, 0])
    # the pushed-back windows [25, 55) end at D, half-open: 55 itself is in none of them
    np.testing.assert_array_equal(per_bin[2], [2, 0, 0])
    np.testing.assert_array_equal(per_bin[3], [2, 0, 0])


def test_long_gesture_gives_clips_with_gaps():
    # D = 80 (the last event, 100, is dropped); clips x W = 60 <= 80: gap = floor(20 / 2) = 10
    assert clip_starts(80, 30, 2) == [0, 40]
    events = gesture([0, 10, 29, 30, 40, 69, 70, 80, 100])
    clips = PaperFrames(train=False, T=3, bin_us=10, clips=2, downsample=1, sensor_size=8)(events)
    np.testing.assert_array_equal(clips.sum(axis=(2, 3, 4)), [[1, 1, 1], [1, 0, 1]])


def test_bin_edges_are_half_open_from_the_first_event():
    # a window that starts at its first event, t = 7: bins [7, 17), [17, 27), [27, 37)
    events = gesture([7, 16, 17, 26, 27, 36, 37, 60])
    frames = PaperFrames(train=False, T=3, bin_us=10, clips=1, downsample=1,
                         sensor_size=8)(events)[0]
    np.testing.assert_array_equal(frames.sum(axis=(1, 2, 3)), [2, 2, 2])  # 37 is past W


def test_the_last_timestamp_is_in_no_clip():
    # both events at t = 20 are the gesture's last: dropped, so D = 10; the window, pushed back
    # to [D - W, D), is half-open too, so only the event at 0 is left in each clip
    events = gesture([0, 10, 20, 20])
    clips = PaperFrames(train=False, T=2, bin_us=50, clips=3, downsample=1,
                        sensor_size=8)(events)
    assert clips.sum(axis=(1, 2, 3, 4)).tolist() == [1, 1, 1]
    # a training window keeps them: it starts at 0 (the gesture is shorter than W)
    window = PaperFrames(train=True, T=2, bin_us=50, downsample=1, sensor_size=8)(events)
    assert window.sum() == 4


def test_a_gesture_shorter_than_a_window_starts_before_it():
    # D = 50 < W = 100: every start is pushed back to D - W = -50, so each clip is everything
    assert clip_starts(50, 100, 3) == [-50, -50, -50]


def test_polarity_and_downsampling():
    events = gesture([0, 1, 2, 3], x=[0, 127, 4, 5], y=[0, 126, 3, 2], p=[1, 0, 0, 1])
    frames = PaperFrames(train=True, T=1, bin_us=100)(events)
    assert frames.shape == (1, 2, 32, 32)
    assert frames[0, 1, 0, 0] == 1 and frames[0, 0, 31, 31] == 1
    assert frames[0, 0, 0, 1] == 1 and frames[0, 1, 0, 1] == 1      # (4, 3) and (5, 2)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), T=st.integers(1, 5),
       bin_us=st.integers(1, 40), clips=st.integers(1, 6), k=st.sampled_from([1, 2, 4]))
def test_test_clips_match_the_authors_steps(seed, n, T, bin_us, clips, k):
    rng = np.random.default_rng(seed)
    times = np.sort(rng.integers(0, 1000, n)) + int(rng.integers(0, 10**6))  # any time origin
    events = gesture(times, rng.integers(0, 8, n), rng.integers(0, 8, n), rng.integers(0, 2, n))
    got = PaperFrames(train=False, T=T, bin_us=bin_us, clips=clips, downsample=k,
                      sensor_size=(8, 8))(events)
    np.testing.assert_array_equal(got, clips_by_the_authors_steps(events, T, bin_us, clips, k, 8))


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), T=st.integers(1, 5),
       bin_us=st.integers(1, 60))
def test_training_window_is_a_random_start_binned_from_its_first_event(seed, n, T, bin_us):
    rng = np.random.default_rng(seed)
    times = np.sort(rng.integers(0, 1000, n)) + 500
    events = gesture(times, rng.integers(0, 8, n), rng.integers(0, 8, n), rng.integers(0, 2, n))
    transform = PaperFrames(train=True, T=T, bin_us=bin_us, downsample=1, sensor_size=8,
                            seed=seed)
    got = transform(events)
    t = times - times[0]
    latest = int(t[-1]) - T * bin_us
    start = int(np.random.default_rng(seed).integers(0, latest)) if latest > 0 else 0
    inside = events[(t >= start) & (t < start + T * bin_us)]
    np.testing.assert_array_equal(got, frames_by_loop(inside, T, bin_us, 1, 8) if len(inside)
                                  else np.zeros((T, 2, 8, 8), np.float32))


def test_training_windows_are_seeded_and_resumable():
    events = gesture(np.arange(0, 5000, 7))
    a = PaperFrames(train=True, T=4, bin_us=50, seed=3)
    b = PaperFrames(train=True, T=4, bin_us=50, seed=3)
    first = [a(events) for _ in range(3)]
    assert not np.array_equal(first[0], first[1])            # each call draws a new window
    state = b.state_dict()
    np.testing.assert_array_equal(b(events), first[0])
    b.load_state_dict(state)
    np.testing.assert_array_equal(b(events), first[0])


def test_unsorted_and_empty_gestures():
    sorted_events = gesture([0, 3, 9, 12, 40])
    shuffled = sorted_events[[3, 0, 4, 1, 2]]
    transform = PaperFrames(train=False, T=2, bin_us=5, clips=2, downsample=1, sensor_size=8)
    np.testing.assert_array_equal(transform(shuffled), transform(sorted_events))
    assert transform(gesture([])).shape == (2, 2, 2, 8, 8)
    assert transform(gesture([])).sum() == 0


def test_vote_needs_more_than_half_of_the_clips():
    five, six = [True] * 5 + [False] * 5, [True] * 6 + [False] * 4
    assert vote([five, six, [True] * 10, [False] * 10]).tolist() == [False, True, True, False]
    assert vote([[True, False, True]]).tolist() == [True]
    with pytest.raises(ValueError, match=r"\[B, clips\]"):
        vote([True, False])


@pytest.mark.parametrize("name, value", [("T", 0), ("bin_us", 2.5), ("clips", -1),
                                         ("downsample", True)])
def test_bad_settings_are_named(name, value):
    with pytest.raises(ValueError, match=name):
        PaperFrames(train=True, **{name: value})
