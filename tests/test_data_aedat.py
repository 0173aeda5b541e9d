"""AEDAT 3.1 reading on files written here byte for byte, and the DVS128 Gesture reader."""

import os
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn.data import DataError, DVS128Gesture, ToFrames, make_events, read_aedat31
from tinysnn.data.aedat import aedat31_header, encode_packet, encode_polarity_events, write_aedat31


def random_events(rng, n, t_max=5_000_000, t_min=0):
    t = np.sort(rng.integers(t_min, t_max, n))
    return make_events(rng.integers(0, 128, n), rng.integers(0, 128, n), t, rng.integers(0, 2, n))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("aedat")


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 300), per_packet=st.integers(1, 64),
       t_min=st.sampled_from([0, 2**31 - 1000, 3 * 2**31]))
def test_round_trip_keeps_valid_events_across_timestamp_overflows(folder, seed, n, per_packet,
                                                                   t_min):
    rng = np.random.default_rng(seed)
    events = random_events(rng, n, t_min=t_min, t_max=t_min + 5000)
    valid = rng.random(n) < 0.8
    path = folder / f"round_trip_{seed}.aedat"
    write_aedat31(path, events, valid=valid, events_per_packet=per_packet)
    np.testing.assert_array_equal(read_aedat31(path), events[valid])


def test_file_bytes_follow_the_format(tmp_path):
    events = make_events(x=[3], y=[5], t=[2**31 + 7], p=[1])
    path = tmp_path / "one.aedat"
    write_aedat31(path, events)
    data = path.read_bytes()
    assert data.startswith(b"#!AER-DAT3.1\r\n")
    body = data[data.index(b"#!END-HEADER\r\n") + len(b"#!END-HEADER\r\n"):]
    assert len(body) == 28 + 8
    assert struct.unpack("<hhiiiiii", body[:28]) == (1, 1, 8, 4, 1, 1, 1, 1)
    address, timestamp = struct.unpack("<Ii", body[28:])
    assert address == (3 << 17) | (5 << 2) | (1 << 1) | 1 and timestamp == 7


def test_other_packet_types_and_unused_capacity_are_skipped(tmp_path):
    rng = np.random.default_rng(0)
    events = random_events(rng, 40)
    record = encode_polarity_events(events).tobytes()
    special = encode_packet(0, 8, rng.integers(0, 256, 3 * 8).astype(np.uint8).tobytes())
    frame = encode_packet(2, 20, bytes(40), ts_offset=12)
    # a polarity packet with room for 30 events but only 25 in it: the 5 spare slots are junk
    junk = encode_polarity_events(random_events(rng, 5)).tobytes()
    partial = encode_packet(1, 8, record[8 * 15:8 * 40] + junk, number=25)
    path = tmp_path / "mixed.aedat"
    path.write_bytes(aedat31_header() + special + encode_packet(1, 8, record[:8 * 15]) + frame
                     + partial)
    np.testing.assert_array_equal(read_aedat31(path), events)


def test_truncated_file_names_the_file_and_the_packet(tmp_path):
    path = tmp_path / "cut.aedat"
    write_aedat31(path, random_events(np.random.default_rng(1), 100), events_per_packet=50)
    whole = path.read_bytes()
    path.write_bytes(whole[:-12])
    with pytest.raises(DataError, match=rf"{path.name}: truncated file: the packet at byte \d+"):
        read_aedat31(path)
    path.write_bytes(whole[:-(8 * 50 + 10)])                 # half a packet header left
    with pytest.raises(DataError, match=rf"{path.name}: truncated file: 18 bytes"):
        read_aedat31(path)


@pytest.mark.parametrize("header, message", [
    (b"#!AER-DAT2.0\r\n#!END-HEADER\r\n", "not an AEDAT 3.1 file"),
    (b"garbage", "not an AEDAT 3.1 file"),
    (b"#!AER-DAT3.1\r\n#Format: RAW\r\n", "no '#!END-HEADER'"),
])
def test_bad_header_names_the_file(tmp_path, header, message):
    path = tmp_path / "bad.aedat"
    path.write_bytes(header)
    with pytest.raises(DataError, match=f"{path.name}.*{message}"):
        read_aedat31(path)


def test_malformed_packet_header_is_reported(tmp_path):
    path = tmp_path / "malformed.aedat"
    path.write_bytes(aedat31_header() + struct.pack("<hhiiiiii", 1, 1, 8, 4, 0, 2, 5, 5))
    with pytest.raises(DataError, match="malformed packet header at byte"):
        read_aedat31(path)
    path.write_bytes(aedat31_header() + encode_packet(1, 4, bytes(8)))
    with pytest.raises(DataError, match="eventSize 4, expected 8"):
        read_aedat31(path)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="nowhere.aedat"):
        read_aedat31("/nowhere.aedat")


# ---- the DVS128 Gesture folder ---------------------------------------------------------------

LABELS = {  # recording -> rows (class 1..11, start, end), as in the *_labels.csv files
    "user01_fluorescent": [(1, 100_000, 600_000), (4, 700_000, 1_500_000),
                           (11, 1_600_000, 2_000_000)],
    "user02_led": [(5, 0, 400_000), (8, 500_000, 900_000)],
    "user03_natural": [(2, 200_000, 800_000), (3, 900_000, 1_300_000)],
}


def write_gesture_folder(root):
    """Three recordings, two for training, in the layout of DvsGesture.tar.gz."""
    rng = np.random.default_rng(42)
    streams = {}
    root.mkdir(parents=True, exist_ok=True)
    for name, rows in LABELS.items():
        streams[name] = random_events(rng, 3000, t_max=2_100_000)
        write_aedat31(root / f"{name}.aedat", streams[name], events_per_packet=512)
        lines = ["class,startTime_usec,endTime_usec"] + [f"{c},{s},{e}" for c, s, e in rows]
        (root / f"{name}_labels.csv").write_text("\n".join(lines) + "\n")
    (root / "trials_to_train.txt").write_text("user01_fluorescent.aedat\nuser02_led.aedat\n")
    (root / "trials_to_test.txt").write_text("user03_natural.aedat\n")
    return streams


def expected_items(streams, names):
    for name in names:
        for c, start, end in LABELS[name]:
            s = streams[name]
            piece = s[(s["t"] >= start) & (s["t"] < end)].copy()
            piece["t"] -= start
            yield piece, c - 1


@pytest.mark.parametrize("cache", ["folder", False])
def test_gestures_are_cut_by_their_labels(tmp_path, cache):
    streams = write_gesture_folder(tmp_path / "DvsGesture")
    cache_dir = tmp_path / "cache" if cache == "folder" else False
    train = DVS128Gesture(tmp_path / "DvsGesture", train=True, cache_dir=cache_dir)
    test = DVS128Gesture(tmp_path, train=False, cache_dir=cache_dir)      # the parent works too
    for data, names in ((train, ["user01_fluorescent", "user02_led"]), (test, ["user03_natural"])):
        expected = list(expected_items(streams, names))
        assert len(data) == len(expected)
        np.testing.assert_array_equal(data.labels, [label for _, label in expected])
        for i in range(len(data) - 1, -1, -1):                 # backwards: recordings revisited
            events, label = data[i]
            np.testing.assert_array_equal(events, expected[i][0])
            assert label == expected[i][1]
    assert train.classes[3] == "right_arm_clockwise" and train.sensor_size == (128, 128)


def test_cache_is_used_on_the_second_pass(tmp_path, monkeypatch):
    write_gesture_folder(tmp_path / "DvsGesture")
    first = DVS128Gesture(tmp_path, cache_dir=tmp_path / "cache")
    items = [first[i][0] for i in range(len(first))]
    monkeypatch.setattr("tinysnn.data.dvs128.read_aedat31",
                        lambda path: pytest.fail(f"{path} parsed again despite the cache"))
    second = DVS128Gesture(tmp_path, cache_dir=tmp_path / "cache")
    for i, events in enumerate(items):
        np.testing.assert_array_equal(second[i][0], events)


def test_frame_transform_gives_frames(tmp_path):
    write_gesture_folder(tmp_path / "DvsGesture")
    data = DVS128Gesture(tmp_path, cache_dir=False,
                         transform=ToFrames(T=6, sensor_size=(128, 128), downsample=4))
    frames, label = data[1]
    assert frames.shape == (6, 2, 32, 32) and frames.dtype == np.float32 and label == 3
    assert frames.sum() == len(DVS128Gesture(tmp_path, cache_dir=False)[1][0])


def test_missing_folder_and_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist.*DvsGesture"):
        DVS128Gesture(tmp_path / "absent")
    with pytest.raises(FileNotFoundError, match="trials_to_train.txt is missing"):
        DVS128Gesture(tmp_path)
    write_gesture_folder(tmp_path / "DvsGesture")
    os.remove(tmp_path / "DvsGesture" / "user02_led_labels.csv")
    with pytest.raises(FileNotFoundError, match="user02_led_labels.csv"):
        DVS128Gesture(tmp_path)
    os.remove(tmp_path / "DvsGesture" / "user02_led.aedat")
    with pytest.raises(FileNotFoundError, match="user02_led.aedat.*trials_to_train.txt"):
        DVS128Gesture(tmp_path)


def test_bad_label_line_is_named(tmp_path):
    write_gesture_folder(tmp_path / "DvsGesture")
    (tmp_path / "DvsGesture" / "user03_natural_labels.csv").write_text(
        "class,startTime_usec,endTime_usec\n2,10,20\n12,30,40\n")
    with pytest.raises(DataError, match="user03_natural_labels.csv, line 3: class must be 1..11"):
        DVS128Gesture(tmp_path, train=False)


def test_truncated_recording_is_named_when_read(tmp_path):
    write_gesture_folder(tmp_path / "DvsGesture")
    path = tmp_path / "DvsGesture" / "user03_natural.aedat"
    path.write_bytes(path.read_bytes()[:-100])
    data = DVS128Gesture(tmp_path, train=False, cache_dir=tmp_path / "cache")
    with pytest.raises(DataError, match="user03_natural.aedat: truncated file"):
        data[0]
