"""Text event files ('t x y p' lines) and the DVS128 Gait reader, on files written here."""

import os
import shutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn.app.cli import main
from tinysnn.data import DataError, DVS128Gait, make_events, read_event_text, write_event_text


def random_events(rng, n):
    t = np.sort(rng.integers(0, 8_000_000, n))
    return make_events(rng.integers(0, 128, n), rng.integers(0, 128, n), t, rng.integers(0, 2, n))


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 100))
def test_round_trip(tmp_path_factory, seed, n):
    events = random_events(np.random.default_rng(seed), n)
    path = tmp_path_factory.mktemp("text") / "events.txt"
    write_event_text(path, events)
    np.testing.assert_array_equal(read_event_text(path), events)


def test_columns_are_t_x_y_p_and_any_white_space_separates(tmp_path):
    path = tmp_path / "columns.txt"
    path.write_text("1000 3 4 1\r\n\n  2000\t127 0 0 \n3000 0 127 -1\n")
    assert read_event_text(path).tolist() == [(3, 4, 1000, 1), (127, 0, 2000, 0),
                                              (0, 127, 3000, 0)]


@pytest.mark.parametrize("text, line, extra", [
    ("1 2 3 1\n4 5 6\n7 8 9 1\n", 2, ""),                 # a number missing
    ("1 2 3 1\n4 5 6 0 9\n", 2, ""),                      # one too many
    ("1 2 3 1\n4 5 six 0\n", 2, ""),                      # not an integer
    ("1 2 3 1\n4 5 6 0.5\n", 2, ""),                      # not an integer
    ("1 2 3 1\n4 5 6 0\n7 8", 3, r" \(the file ends there: truncated\?\)"),
])
def test_malformed_or_truncated_line_is_named(tmp_path, text, line, extra):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(DataError, match=rf"bad\.txt, line {line}: expected four integers "
                                        rf"'t x y p', got .*{extra}"):
        read_event_text(path)


@pytest.mark.parametrize("text", ["1 128 3 1\n", "1 2 -1 1\n", "1 2 3 2\n"])
def test_events_off_the_sensor_are_named(tmp_path, text):
    path = tmp_path / "off.txt"
    path.write_text("5 5 5 0\n\n" + text)
    with pytest.raises(DataError, match=r"off\.txt, line 3: event .* outside the 128x128"):
        read_event_text(path)


# ------------------------------------------------------------------ the data set
@pytest.fixture(scope="module")
def gait_root(tmp_path_factory):
    """train/ with classes 0, 1, 20 (3 recordings each), test/ with 0 and 20 (1 each)."""
    root = tmp_path_factory.mktemp("DVS128_Gait")
    rng = np.random.default_rng(0)
    for split, classes, per_class in (("train", (0, 1, 20), 3), ("test", (0, 20), 1)):
        for label in classes:
            folder = root / split / str(label)
            folder.mkdir(parents=True)
            for i in range(per_class):
                write_event_text(folder / f"{i}.txt", random_events(rng, 10 * (label + 1) + i))
    (root / "train" / "README").write_text("a file next to the class folders is ignored")
    return root


def test_labels_are_the_class_folders_and_the_split_is_the_folders(gait_root, tmp_path):
    train = DVS128Gait(gait_root, train=True, cache_dir=tmp_path)
    test = DVS128Gait(gait_root, train=False, cache_dir=tmp_path)
    assert (len(train), len(test)) == (9, 2)
    assert train.labels.tolist() == [0, 0, 0, 1, 1, 1, 20, 20, 20]
    assert test.labels.tolist() == [0, 20]
    events, label = train[7]
    assert label == 20 and len(events) == 211
    np.testing.assert_array_equal(events, read_event_text(gait_root / "train" / "20" / "1.txt"))


def test_parsed_recordings_are_cached_and_refreshed_when_the_file_changes(gait_root, tmp_path):
    cache = tmp_path / "cache"
    first = DVS128Gait(gait_root, train=False, cache_dir=cache)[0][0]
    cached = list((cache / "dvs128_gait").glob("*.npy"))
    assert len(cached) == 1
    np.testing.assert_array_equal(DVS128Gait(gait_root, train=False, cache_dir=cache)[0][0],
                                  first)
    cached[0].write_bytes(b"garbage")                     # a corrupt cache file is parsed again
    with pytest.warns(RuntimeWarning, match="unreadable cache"):
        again = DVS128Gait(gait_root, train=False, cache_dir=cache)[0][0]
    np.testing.assert_array_equal(again, first)


def test_another_copy_or_a_changed_recording_of_the_same_size_and_time_is_parsed_anew(
        gait_root, tmp_path):
    cache = tmp_path / "cache"
    root, other = tmp_path / "copy", tmp_path / "other"
    shutil.copytree(gait_root, root)
    shutil.copytree(gait_root, other)
    first = DVS128Gait(root, train=False, cache_dir=cache)[0][0]
    flipped = first.copy()
    flipped["x"], flipped["y"] = first["y"], first["x"]   # the same digits: the same size
    info = (root / "test" / "0" / "0.txt").stat()
    for folder in (other, root):    # a second copy of the data set, then the first one itself
        recording = folder / "test" / "0" / "0.txt"
        write_event_text(recording, flipped)
        os.utime(recording, ns=(info.st_atime_ns, info.st_mtime_ns))
        assert recording.stat().st_size == info.st_size
        np.testing.assert_array_equal(DVS128Gait(folder, train=False, cache_dir=cache)[0][0],
                                      flipped)


@pytest.mark.parametrize("name", ["21", "\u00b2", "\u0663"])
def test_a_class_folder_that_is_not_a_label_0_to_20_is_named(tmp_path, name):
    (tmp_path / "train" / name).mkdir(parents=True)
    with pytest.raises(DataError, match=f"{name}: a class folder's name must be its label, an "
                                        f"integer 0..20"):
        DVS128Gait(tmp_path)


def test_a_class_folder_named_superscript_two_is_one_line_in_train(tmp_path, capsys):
    (tmp_path / "train" / "\u00b2").mkdir(parents=True)
    (tmp_path / "test").mkdir()
    assert main(["train", "--dataset", "dvs128-gait", "--data-dir", str(tmp_path),
                 "--out", str(tmp_path / "run"), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "\u00b2: a class folder's name must be its label" in err


def test_bad_layouts_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"train does not exist; expected train/<class>"):
        DVS128Gait(tmp_path)
    (tmp_path / "train" / "walking").mkdir(parents=True)
    with pytest.raises(DataError, match=r"walking: a class folder's name must be its label"):
        DVS128Gait(tmp_path)


def test_a_malformed_recording_is_named_when_read(tmp_path):
    folder = tmp_path / "test" / "3"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("1 2 3 1\n2 2 3\n")
    with pytest.raises(DataError, match=r"3/a\.txt, line 2"):
        DVS128Gait(tmp_path, train=False, cache_dir=False)[0]
