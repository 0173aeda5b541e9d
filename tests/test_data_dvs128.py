"""DVS128 Gesture folders as careless and hostile users make them: every fault is a DataError
naming the file, nothing is read outside the folder, and the cache follows the labels and
survives several processes parsing at once."""

import multiprocessing
import os

import numpy as np
import pytest
from test_data_aedat import LABELS, write_gesture_folder

from tinysnn.app.cli import main
from tinysnn.data import DataError, DVS128Gesture, make_events
from tinysnn.data.aedat import write_aedat31
from tinysnn.data.dvs128 import read_gesture_labels


def labels_file(tmp_path, content):
    path = tmp_path / "user01_x_labels.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.mark.parametrize("content, rows", [
    ("class,startTime_usec,endTime_usec\n1,0,100\n", [[0, 0, 100]]),
    ("\ufeffclass,startTime_usec,endTime_usec\n1,0,100\n", [[0, 0, 100]]),
    ("\ufeff1,0,100\n2,100,200\n", [[0, 0, 100], [1, 100, 200]]),   # no header, a BOM
    ("1,0,100\n\n  2 , 100 , 200  \n", [[0, 0, 100], [1, 100, 200]]),
    ("Class, Start, End\r\n3,5,7\r\n", [[2, 5, 7]]),
])
def test_the_header_is_judged_by_its_content(tmp_path, content, rows):
    np.testing.assert_array_equal(read_gesture_labels(labels_file(tmp_path, content)), rows)


@pytest.mark.parametrize("content, message", [
    ("1.0,0,100\n2,100,200\n", "line 1: expected 'class,startTime_usec,endTime_usec' as three"),
    ("1;0;100\n", "line 1: expected"),
    ("class,start,end\n1,0,100\nclass,start,end\n", "line 3: expected"),
    ("10000000000000000000000,0,100\n", "line 1: class must be 1..11"),
    ("1,0,10000000000000000000000\n", "line 1: class must be 1..11 and 0 <= start < end"),
    ("1,-5,100\n", "line 1: class must be 1..11 and 0 <= start"),
    ("caf\xe9,0,1\n".encode("latin-1"), r"not UTF-8 text \(byte 0xe9 at offset 3\)"),
    (b"\x00\x01\xff\xfe\x80", "not UTF-8 text"),
])
def test_a_bad_label_file_is_a_data_error_naming_it(tmp_path, content, message):
    with pytest.raises(DataError, match=f"user01_x_labels.csv.*{message}"):
        read_gesture_labels(labels_file(tmp_path, content))


@pytest.mark.parametrize("trials, message", [
    ("", "trials_to_test.txt: lists no recordings"),
    ("\n  \n", "trials_to_test.txt: lists no recordings"),
    ("../../etc/passwd.aedat\n", "entry 1: '../../etc/passwd.aedat' is outside the data folder"),
    ("user03_natural.aedat\n/tmp/x.aedat\n", "entry 2: '/tmp/x.aedat' is outside"),
    (b"\xff\xfeu\x00s\x00", "trials_to_test.txt: not UTF-8 text"),
])
def test_a_bad_trials_file_is_refused(tmp_path, trials, message):
    write_gesture_folder(tmp_path / "DvsGesture")
    path = tmp_path / "DvsGesture" / "trials_to_test.txt"
    path.write_bytes(trials if isinstance(trials, bytes) else trials.encode())
    with pytest.raises(DataError, match=message):
        DVS128Gesture(tmp_path, train=False, cache_dir=False)


def test_a_split_without_gestures_is_refused(tmp_path):
    write_gesture_folder(tmp_path / "DvsGesture")
    (tmp_path / "DvsGesture" / "user03_natural_labels.csv").write_text(
        "class,startTime_usec,endTime_usec\n")
    with pytest.raises(DataError, match="trials_to_test.txt have no labelled gestures"):
        DVS128Gesture(tmp_path, train=False, cache_dir=False)


def test_an_event_outside_the_sensor_is_named_with_its_file(tmp_path):
    write_gesture_folder(tmp_path / "DvsGesture")
    events = make_events(x=[3, 200], y=[5, 6], t=[250_000, 260_000], p=[1, 0])
    write_aedat31(tmp_path / "DvsGesture" / "user03_natural.aedat", events)
    data = DVS128Gesture(tmp_path, train=False, cache_dir=tmp_path / "cache")
    with pytest.raises(DataError, match=r"user03_natural.aedat: 1 events outside the 128 x 128 "
                                        r"sensor, the first at x=200, y=6, t=260000"):
        data[0]


def test_edited_labels_are_cut_anew_despite_the_cache(tmp_path):
    write_gesture_folder(tmp_path / "DvsGesture")
    cache = tmp_path / "cache"
    before = DVS128Gesture(tmp_path, train=False, cache_dir=cache)[0][0]
    c, start, end = LABELS["user03_natural"][0]
    labels = tmp_path / "DvsGesture" / "user03_natural_labels.csv"
    labels.write_text(f"{c},{start},{start + (end - start) // 2}\n")   # a shorter gesture
    after = DVS128Gesture(tmp_path, train=False, cache_dir=cache)[0][0]
    assert 0 < len(after) < len(before)
    np.testing.assert_array_equal(after, before[before["t"] < (end - start) // 2])


def test_another_copy_with_a_recording_of_the_same_size_and_time_is_parsed_anew(tmp_path):
    streams = write_gesture_folder(tmp_path / "first")
    write_gesture_folder(tmp_path / "second")
    cache = tmp_path / "cache"
    name = "user03_natural"
    DVS128Gesture(tmp_path / "first", train=False, cache_dir=cache)[0]
    swapped = streams[name].copy()
    swapped["x"], swapped["y"] = streams[name]["y"], streams[name]["x"]
    recording = tmp_path / "second" / f"{name}.aedat"
    info = (tmp_path / "first" / f"{name}.aedat").stat()
    write_aedat31(recording, swapped, events_per_packet=512)
    os.utime(recording, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert recording.stat().st_size == info.st_size
    second = DVS128Gesture(tmp_path / "second", train=False, cache_dir=cache)
    c, start, end = LABELS[name][0]
    expected = swapped[(swapped["t"] >= start) & (swapped["t"] < end)].copy()
    expected["t"] -= start
    np.testing.assert_array_equal(second[0][0], expected)


def test_a_cached_recording_is_not_served_for_an_empty_one_in_another_copy(tmp_path, capsys,
                                                                            monkeypatch):
    """Through the command line: the second copy's recording has no events in its gestures
    (same size and time as the first copy's); it is refused, not trained on the first's."""
    monkeypatch.setenv("TINYSNN_CACHE", str(tmp_path / "cache"))
    streams = write_gesture_folder(tmp_path / "first")
    write_gesture_folder(tmp_path / "second")
    quick = ["--epochs", "1", "--T", "2", "--batch-size", "256", "--no-progress",
             "--attention", "no"]
    assert main(["train", "--dataset", "dvs128", "--data-dir", str(tmp_path / "first"),
                 "--out", str(tmp_path / "run1"), *quick]) == 0
    name = "user03_natural"
    late = streams[name].copy()
    late["t"] += 3_000_000                           # every event after every gesture
    recording = tmp_path / "second" / f"{name}.aedat"
    info = (tmp_path / "first" / f"{name}.aedat").stat()
    write_aedat31(recording, late, events_per_packet=512)
    os.utime(recording, ns=(info.st_atime_ns, info.st_mtime_ns))
    capsys.readouterr()
    assert main(["train", "--dataset", "dvs128", "--data-dir", str(tmp_path / "second"),
                 "--out", str(tmp_path / "run2"), *quick]) == 2
    assert f"{recording}: gesture 1 of" in capsys.readouterr().err


def _parse_all(root, cache, barrier):
    barrier.wait(timeout=60)        # all processes start parsing at the same moment
    data = DVS128Gesture(root, train=True, cache_dir=cache)
    return [int(data[i][0]["t"].sum()) for i in range(len(data))]


def test_concurrent_first_time_parsing_is_safe(tmp_path):
    write_gesture_folder(tmp_path / "DvsGesture")
    cache = tmp_path / "cache"
    expected = [int(events["t"].sum()) for events, _ in DVS128Gesture(tmp_path, cache_dir=False)]
    context = multiprocessing.get_context("fork")
    processes = 4
    with context.Manager() as manager:
        barrier = manager.Barrier(processes)
        with context.Pool(processes) as pool:
            runs = pool.starmap_async(_parse_all, [(tmp_path, cache, barrier)] * processes)
            results = runs.get(timeout=120)
    assert results == [expected] * processes
    folders = sorted(os.listdir(cache / "dvs128"))
    digests = os.listdir(cache / "dvs128" / "digests")       # cache.file_digest's memos
    assert len(folders) == 3 and "digests" in folders and len(digests) == 2
    assert not any(name.startswith(".tmp") for name in folders + digests)
