"""Grades notebook 06's exercises (tutorials/exercises/ex06_events.py): tasks 6.1 and 6.2."""

import numpy as np
from compare import call
from grading import load
from hypothesis import given, settings
from hypothesis import strategies as st

from tinysnn.data import EVENT_DTYPE, events_to_frames, make_events, simulate_gesture

ex = load("ex06_events")


@st.composite
def event_streams(draw, width=6, height=5):
    n = draw(st.integers(1, 40))
    ints = lambda lo, hi: st.lists(st.integers(lo, hi), min_size=n, max_size=n)
    t = np.sort(np.array(draw(ints(0, 5000))))
    return make_events(draw(ints(0, width - 1)), draw(ints(0, height - 1)),
                       t + draw(st.integers(0, 10**6)), draw(ints(0, 1)))


# ------------------------------------------------------------------ Task 6.1: events to frames
def test_task_6_1_worked_example():
    events = make_events(x=[0, 2, 2, 1], y=[1, 0, 0, 1], t=[100, 150, 160, 499], p=[1, 0, 0, 1])
    frames = np.asarray(call("events_to_frames", ex.events_to_frames, events, 2, width=3, height=2,
                             hint="the window is [t0, t1) with t1 = the last t + 1, so every "
                                  "bin (t - t0) * T // (t1 - t0) is below T"))
    assert frames.shape == (2, 2, 2, 3), f"frames have shape {frames.shape}, expected [2, 2, 2, 3]"
    assert frames.dtype == np.float32, f"frames have dtype {frames.dtype}, expected float32"
    expected = np.zeros((2, 2, 2, 3), np.float32)
    expected[0, 1, 1, 0] = 1  # t=100 ON at (x=0, y=1); window [100, 500): bins of 200 us
    expected[0, 0, 0, 2] = 2  # t=150 and 160, OFF at (2, 0)
    expected[1, 1, 1, 1] = 1  # t=499 ON at (1, 1), the last bin
    where = np.argwhere(frames != expected)
    assert not len(where), (
        f"frames differ at [bin, polarity, y, x] = {where[:3].tolist()}: got "
        f"{frames[tuple(where[0])]}, expected {expected[tuple(where[0])]}")


@settings(max_examples=30)
@given(events=event_streams(), T=st.integers(1, 7))
def test_task_6_1_matches_tinysnn(events, T):
    got = np.asarray(call("events_to_frames", ex.events_to_frames, events, T, width=6, height=5,
                          hint="the window is [t0, t1) with t1 = the last t + 1; frames are "
                               "[bin, polarity, y, x]"))
    expected = events_to_frames(events, T=T, sensor_size=(6, 5))
    assert got.shape == expected.shape, f"frames have shape {got.shape}, expected {expected.shape}"
    assert got.sum() == len(events), f"{len(events)} events, but the frames count {got.sum()}"
    where = np.argwhere(got != expected)
    assert not len(where), (
        f"T={T}, events at t = {events['t'][:5].tolist()}...: the counts differ first at "
        f"[bin, polarity, y, x] = {where[0].tolist()} (got {got[tuple(where[0])]}, expected "
        f"{expected[tuple(where[0])]})")


def test_task_6_1_bins_in_exact_integers():
    # the window [0, 100) in 100 bins: t = 29 is bin 29, but 29 / 100 * 100 = 28.999999999999996
    events = make_events(x=[0, 1, 2, 3], y=[0, 0, 0, 0], t=[0, 29, 57, 99], p=[1, 1, 1, 1])
    frames = np.asarray(ex.events_to_frames(events, 100, width=4, height=1))
    bins = [int(np.flatnonzero(frames[:, 1, 0, i])[0]) for i in range(4)]
    assert bins == [0, 29, 57, 99], (
        f"events at t = 0, 29, 57, 99 in 100 bins of 1 us went to bins {bins}, expected "
        f"[0, 29, 57, 99]: compute the bin (t - t0) * T // (t1 - t0) in integers (a float "
        f"division rounds some of them down)")


# ------------------------------------------------------------------ Task 6.2: play backwards
def test_task_6_2_worked_example():
    events = make_events(x=[0, 1, 2], y=[0, 0, 0], t=[100, 130, 400], p=[1, 1, 0])
    before = events.copy()
    back = ex.play_backwards(events)
    assert np.array_equal(events, before), "play_backwards changed its input"
    assert back.dtype == EVENT_DTYPE, f"the result has dtype {back.dtype}, expected {EVENT_DTYPE}"
    expected = make_events(x=[2, 1, 0], y=[0, 0, 0], t=[100, 370, 400], p=[1, 0, 0])
    assert np.array_equal(back, expected), (
        f"got (x, t, p) = {[(int(e['x']), int(e['t']), int(e['p'])) for e in back]}, expected "
        f"[(2, 100, 1), (1, 370, 0), (0, 400, 0)]: t -> 100 + 400 - t, ON <-> OFF, sorted by t")


def test_task_6_2_events_of_equal_time_are_reversed_too():
    events = make_events(x=[0, 1, 2], y=[0, 0, 0], t=[100, 100, 400], p=[1, 1, 1])
    back = ex.play_backwards(events)
    order = back["x"].tolist()
    assert order == [2, 1, 0], (
        f"events x = 0, 1 (both at t = 100) and 2 (t = 400) played backwards came in the order "
        f"x = {order}, expected [2, 1, 0]: events of equal time keep their order from the "
        f"reversed sequence (a stable sort of the reversed events)")


@settings(max_examples=30)
@given(events=event_streams())
def test_task_6_2_twice_is_the_original(events):
    back = ex.play_backwards(events)
    assert np.all(np.diff(back["t"]) >= 0), "the result must be sorted by time"
    assert (back["t"].min(), back["t"].max()) == (events["t"].min(), events["t"].max()), (
        "the reversed recording must keep the original's time span")
    counts = lambda ev, p: np.bincount(ev["y"][ev["p"] == p] * 6 + ev["x"][ev["p"] == p],
                                       minlength=30)
    assert np.array_equal(counts(back, 1), counts(events, 0)), (
        "the ON events of the reversed recording must sit where the OFF events were")
    again = ex.play_backwards(back)
    assert np.array_equal(again, events), (
        "played backwards twice, a recording must come back unchanged (same events, same order)")


def test_task_6_2_a_gesture_played_backwards():
    gesture = simulate_gesture(2, seed=3)
    back = ex.play_backwards(gesture)
    assert len(back) == len(gesture), f"{len(gesture)} events in, {len(back)} out"
    counts = events_to_frames(gesture, T=1, sensor_size=32)[0]  # [2, H, W], time summed
    back_counts = events_to_frames(back, T=1, sensor_size=32)[0]
    assert np.array_equal(back_counts, counts[::-1]), (
        "summed over time, the reversed recording must have the original's counts with ON and "
        "OFF swapped")
