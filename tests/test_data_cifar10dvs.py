"""AEDAT 2.0 on files written here byte for byte, and the CIFAR10-DVS reader and split."""

import os
import struct

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn.data import (
    CIFAR10_CLASSES,
    CIFAR10DVS,
    DataError,
    make_events,
    read_aedat2,
    write_aedat2,
)
from tinysnn.data.aedat2 import aedat2_header, unwrap_timestamps
from tinysnn.data.cifar10dvs import recording_number, split_of_class


def random_events(rng, n, t_min=0, t_span=2_000_000):
    t = np.sort(rng.integers(t_min, t_min + t_span, n))
    return make_events(rng.integers(0, 128, n), rng.integers(0, 128, n), t, rng.integers(0, 2, n))


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 200),
       t_min=st.sampled_from([0, 2**32 - 1000, 3 * 2**32 + 5]))
def test_round_trip_keeps_every_event_across_counter_wraps(tmp_path_factory, seed, n, t_min):
    rng = np.random.default_rng(seed)
    events = random_events(rng, n, t_min=t_min, t_span=5000)
    path = tmp_path_factory.mktemp("aedat2") / "round_trip.aedat"
    write_aedat2(path, events)
    read = read_aedat2(path)
    # times are unwrapped from where the file starts: the same up to whole counter periods
    np.testing.assert_array_equal(read[["x", "y", "p"]], events[["x", "y", "p"]])
    np.testing.assert_array_equal(np.diff(read["t"]), np.diff(events["t"]))
    assert n == 0 or read["t"][0] == events["t"][0] % 2**32


def test_bytes_follow_jaer_dvs128_layout(tmp_path):
    """Big-endian (address, timestamp); x = 127 - bits 1-7, y = bits 8-14, ON = bit 0 clear."""
    path = tmp_path / "one.aedat"
    path.write_bytes(aedat2_header() + struct.pack(">II", (100 << 1) | (5 << 8) | 0, 77)
                     + struct.pack(">II", (0 << 1) | (127 << 8) | 1 | (1 << 15), 2**32 - 1))
    events = read_aedat2(path)
    assert events.tolist() == [(27, 5, 77, 1), (127, 127, 2**32 - 1, 0)]  # bit 15 ignored
    write_aedat2(tmp_path / "again.aedat", events)
    assert (tmp_path / "again.aedat").read_bytes() == path.read_bytes().replace(
        struct.pack(">I", (127 << 8) | 1 | (1 << 15)), struct.pack(">I", (127 << 8) | 1))


def test_header_lines_of_any_number_are_skipped(tmp_path):
    events = random_events(np.random.default_rng(1), 10)
    path = tmp_path / "comments.aedat"
    write_aedat2(path, events)
    data = path.read_bytes()
    cut = len(aedat2_header())
    path.write_bytes(data[:cut] + b"# created Mon Jan 1 00:00:00 2017\r\n#\r\n" + data[cut:])
    np.testing.assert_array_equal(read_aedat2(path), events)


def test_truncated_file_names_the_file_and_the_bytes(tmp_path):
    path = tmp_path / "cut.aedat"
    write_aedat2(path, random_events(np.random.default_rng(2), 10))
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(DataError, match=r"cut\.aedat: truncated file: 77 bytes of events"):
        read_aedat2(path)


@pytest.mark.parametrize("content, message", [
    (b"", "not an AEDAT 2.0 file"),
    (b"#!AER-DAT3.1\r\n#!END-HEADER\r\n", "not an AEDAT 2.0 file"),
    (b"#!AER-DAT2.0\r\n# a comment that never ends", "truncated header"),
])
def test_malformed_header_names_the_file(tmp_path, content, message):
    path = tmp_path / "bad.aedat"
    path.write_bytes(content)
    with pytest.raises(DataError, match=rf"bad\.aedat: {message}"):
        read_aedat2(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.aedat"):
        read_aedat2(tmp_path / "nothing.aedat")


# ------------------------------------------------------------------ the data set
@pytest.fixture(scope="module")
def cifar_root(tmp_path_factory):
    """Ten class folders of 10 recordings each (named as published, written out of order)."""
    root = tmp_path_factory.mktemp("CIFAR10DVS")
    rng = np.random.default_rng(3)
    for name in CIFAR10_CLASSES:
        (root / name).mkdir()
        for i in rng.permutation(10):
            events = random_events(rng, 20 + i)
            write_aedat2(root / name / f"cifar10_{name}_{i}.aedat", events)
    (root / "airplane" / "notes.txt").write_text("not a recording")
    return root


def test_split_is_the_authors_first_nine_tenths_by_number(cifar_root):
    train, test = CIFAR10DVS(cifar_root, train=True), CIFAR10DVS(cifar_root, train=False)
    assert (len(train), len(test)) == (90, 10)
    assert [p.rsplit("_", 1)[1] for p in train.files[:9]] == [f"{i}.aedat" for i in range(9)]
    assert [p.rsplit("/", 1)[1] for p in test.files[:2]] == ["cifar10_airplane_9.aedat",
                                                             "cifar10_automobile_9.aedat"]
    assert np.array_equal(np.bincount(train.labels), [9] * 10)
    assert test.labels.tolist() == list(range(10))


def test_items_are_the_recordings_events_and_labels(cifar_root):
    test = CIFAR10DVS(cifar_root, train=False, transform=lambda e: len(e))
    n_events, label = test[3]
    assert label == 3 and CIFAR10_CLASSES[label] == "cat"
    assert n_events == len(read_aedat2(cifar_root / "cat" / "cifar10_cat_9.aedat")) == 29
    events, _ = CIFAR10DVS(cifar_root, train=False)[-1]
    assert events.dtype.names == ("x", "y", "t", "p")


def test_missing_class_folder_is_named(tmp_path):
    (tmp_path / "airplane").mkdir()
    with pytest.raises(FileNotFoundError, match=r"lacks the class folders \['automobile'"):
        CIFAR10DVS(tmp_path)


def test_a_truncated_recording_is_named_when_read(cifar_root, tmp_path):
    import shutil

    root = tmp_path / "copy"
    shutil.copytree(cifar_root, root)
    path = root / "bird" / "cifar10_bird_9.aedat"
    path.write_bytes(path.read_bytes()[:-5])
    test = CIFAR10DVS(root, train=False)
    with pytest.raises(DataError, match="cifar10_bird_9.aedat: truncated file"):
        test[2]


def test_a_backward_step_in_time_is_not_a_counter_wrap():
    assert unwrap_timestamps(np.array([100, 105, 103], np.uint32)).tolist() == [100, 105, 103]
    wrapped = unwrap_timestamps(np.array([2**32 - 10, 5, 3], np.uint32)).tolist()
    assert wrapped == [2**32 - 10, 2**32 + 5, 2**32 + 3]


def test_recordings_are_numbered_by_their_last_integer_beyond_ten(tmp_path):
    assert recording_number("cifar10_cat_12.aedat")[0] == 12      # the docstring's example
    folder = tmp_path / "cat"
    folder.mkdir()
    for i in range(20):                                         # text order != number order
        write_aedat2(folder / f"cifar10_cat_{i}.aedat", make_events([1], [1], [i], [1]))
    numbers = [recording_number(os.path.basename(p))[0] for p in split_of_class(folder, True)]
    assert numbers == list(range(18))
    assert [recording_number(os.path.basename(p))[0]
            for p in split_of_class(folder, False)] == [18, 19]
