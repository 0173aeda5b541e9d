"""DVS128Gesture: the real data set, read from the files its authors distribute.

    train = DVS128Gesture("~/data/DvsGesture", train=True,
                          transform=ToFrames(T=60, sensor_size=(128, 128), downsample=4))

The folder (from DvsGesture.tar.gz) holds ``userNN_lighting.aedat`` recordings (AEDAT 3.1,
see aedat.py), next to each a ``userNN_lighting_labels.csv`` with lines
``class,startTime_usec,endTime_usec`` (classes 1..11), and ``trials_to_train.txt`` /
``trials_to_test.txt`` listing the recordings of each split. Each labelled interval
``[start, end)`` of a recording is one item; its times count from ``start``. x and y are kept
as the camera wrote them.

A recording is parsed the first time one of its gestures is asked for; its cut gestures are
then kept in the cache folder (one .npy of events plus one of offsets per recording, keyed by
the file's resolved path, a digest of its content (cache.file_digest) and its labels), so later
epochs read only what they need. Several processes may fill the cache at once.

What the folder's files hold is checked: text must be UTF-8, label lines three integers (the
header is recognised by its content), trials entries must stay inside the folder, events inside
the 128 x 128 sensor; a split without gestures is refused, and so is a gesture without events
(no valid event in its interval: it would train on empty frames). Each fault is a DataError
naming the file (and the line, the event or the gesture).
"""

import contextlib
import os
import shutil
import tempfile
import warnings

import numpy as np

from ..atomic import default_mode
from .aedat import read_aedat31
from .cache import cache_key, ensure_cache_root, file_digest
from .dataset import Dataset
from .errors import DataError

GESTURE_CLASSES = [
    "hand_clap", "right_hand_wave", "left_hand_wave", "right_arm_clockwise",
    "right_arm_counter_clockwise", "left_arm_clockwise", "left_arm_counter_clockwise",
    "arm_roll", "air_drums", "air_guitar", "other_gestures",
]
FORMAT_VERSION = 1
DOWNLOAD_HINT = ("download DvsGesture.tar.gz (IBM's DVS128 Gesture data set), extract it and "
                 "pass the folder that holds trials_to_train.txt")


def read_text(path):
    """The lines of a UTF-8 text file (a byte-order mark is allowed); DataError if it is not
    UTF-8 text (e.g. Latin-1 or binary), naming the file and the byte."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        return data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 text (byte {data[err.start]:#04x} at offset "
                        f"{err.start})") from None


TIME_LIMIT_US = 2**62        # times beyond this (146,000 years) are not a recording's


def _is_header(fields):
    """A header names its columns: every field starts with a letter (class, startTime_usec)."""
    return all(f[:1].isalpha() for f in fields)


def read_gesture_labels(path):
    """Rows ``[n, 3]`` int64 (label 0..10, start_us, end_us) of a ``*_labels.csv`` file.

    Lines are ``class,startTime_usec,endTime_usec``; a first line that names the columns (every
    field starts with a letter) is the header, judged by its content, not its position: any
    other line must be three integers, class 1..11, 0 <= start < end < 2**62. Blank lines are
    skipped. Anything else is a DataError naming the file and the line.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: label file missing (every .aedat recording needs its "
                                f"_labels.csv next to it)")
    rows, seen_content = [], False
    for number, line in enumerate(read_text(path), start=1):
        if not line.strip():
            continue
        fields = [v.strip() for v in line.split(",")]
        if not seen_content and _is_header(fields):
            seen_content = True
            continue                                # the header line
        seen_content = True
        try:
            label, start, end = (int(v) for v in fields)
        except ValueError:
            raise DataError(f"{path}, line {number}: expected 'class,startTime_usec,"
                            f"endTime_usec' as three integers, got {line!r}") from None
        if not 1 <= label <= len(GESTURE_CLASSES) or not 0 <= start < end < TIME_LIMIT_US:
            raise DataError(f"{path}, line {number}: class must be 1..{len(GESTURE_CLASSES)} "
                            f"and 0 <= start < end < 2**62, got {line!r}")
        rows.append((label - 1, start, end))
    return np.asarray(rows, dtype=np.int64).reshape(-1, 3)


def read_trials(path, root):
    """The recordings a ``trials_to_*.txt`` file lists, as paths inside ``root``.

    An entry that would leave the data folder (an absolute path, '..') is a DataError, as is
    a file that lists none.
    """
    names = [line.strip() for line in read_text(path) if line.strip()]
    for number, name in enumerate(names, start=1):
        parts = os.path.normpath(name).split(os.sep)
        if os.path.isabs(name) or ".." in parts or "\0" in name:
            raise DataError(f"{path}, entry {number}: {name!r} is outside the data folder")
    if not names:
        raise DataError(f"{path}: lists no recordings")
    return [os.path.join(root, name) for name in names]


def cut_gestures(events, rows):
    """Events of each labelled interval, times from its start: (events, offsets ``[n + 1]``)."""
    t = events["t"]
    if np.any(t[1:] < t[:-1]):
        events = events[np.argsort(t, kind="stable")]
        t = events["t"]
    bounds = np.searchsorted(t, rows[:, 1:3], side="left")      # [n, 2]: first, past-last
    pieces = []
    for (first, stop), start in zip(bounds, rows[:, 1]):        # one per gesture, ~11 a file
        piece = events[first:stop].copy()
        piece["t"] -= start
        pieces.append(piece)
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in pieces])]).astype(np.int64)
    return (np.concatenate(pieces) if pieces else events[:0]), offsets


def _check_no_empty_gesture(path, labels_path, rows, events, offsets):
    """DataError naming the recording and the first labelled gesture that holds no event."""
    empty = np.flatnonzero(np.diff(offsets) == 0)
    if not empty.size:
        return
    g = int(empty[0])
    c, start, end = (int(v) for v in rows[g])
    held = (f"its {len(events)} valid events lie in {int(events['t'].min())}.."
            f"{int(events['t'].max())} us" if len(events) else "it holds no valid event")
    raise DataError(f"{path}: gesture {g + 1} of {labels_path} (class {c + 1}, {start}..{end} us) "
                    f"holds no events ({held}); {empty.size} of {len(rows)} gestures are empty")


class DVS128Gesture(Dataset):
    """DVS128 Gesture from its original files: ``dataset[i] -> (events, label)``.

    root: the extracted folder (or its parent, if it contains ``DvsGesture/``). train: the
    split named by trials_to_train.txt or trials_to_test.txt. transform: e.g. ToFrames.
    cache_dir: where cut gestures are kept (default $TINYSNN_CACHE or ~/.cache/tinysnn);
    False keeps nothing on disk and re-parses a recording when it is needed again.
    """

    classes = GESTURE_CLASSES
    sensor_size = (128, 128)

    def __init__(self, root, train=True, transform=None, cache_dir=None):
        root = os.path.expanduser(os.fspath(root))
        if not os.path.isdir(root):
            raise FileNotFoundError(f"DVS128Gesture: folder {root} does not exist; {DOWNLOAD_HINT}")
        if os.path.isdir(os.path.join(root, "DvsGesture")):
            root = os.path.join(root, "DvsGesture")
        self.root, self.train, self.transform = root, bool(train), transform
        trials = os.path.join(root, "trials_to_train.txt" if train else "trials_to_test.txt")
        if not os.path.isfile(trials):
            raise FileNotFoundError(f"DVS128Gesture: {trials} is missing; {DOWNLOAD_HINT}")
        self.recordings = read_trials(trials, root)
        for path in self.recordings:
            if not os.path.isfile(path):
                raise FileNotFoundError(f"DVS128Gesture: {path} (listed in {trials}) is missing")
        self._rows = [read_gesture_labels(self._labels_path(p)) for p in self.recordings]
        if not sum(len(rows) for rows in self._rows):
            raise DataError(f"DVS128Gesture: the recordings listed in {trials} have no "
                            f"labelled gestures")
        # item i -> (recording, gesture within it)
        self.index = [(r, g) for r, rows in enumerate(self._rows) for g in range(len(rows))]
        self.labels = np.array([self._rows[r][g, 0] for r, g in self.index], dtype=np.int64)
        self.cache_dir = False if cache_dir is False else os.path.join(
            ensure_cache_root(cache_dir), "dvs128")
        self._last = (None, None)        # the most recently loaded recording, without a cache

    @staticmethod
    def _labels_path(recording):
        return recording[: -len(".aedat")] + "_labels.csv" if recording.endswith(".aedat") \
            else recording + "_labels.csv"

    def sample(self, index):
        recording, gesture = self.index[index]
        events, offsets = self._gestures_of(recording)
        return np.array(events[offsets[gesture]:offsets[gesture + 1]])

    def _read_recording(self, recording):
        """Parse and cut one recording; DataError if an event lies outside the 128 x 128
        sensor (x and y cannot be negative in the format)."""
        path = self.recordings[recording]
        events = read_aedat31(path)
        width, height = self.sensor_size
        outside = (events["x"] >= width) | (events["y"] >= height)
        if outside.any():
            first = events[outside][0]
            raise DataError(f"{path}: {int(outside.sum())} events outside the {width} x {height} "
                            f"sensor, the first at x={first['x']}, y={first['y']}, "
                            f"t={first['t']}")
        cut = cut_gestures(events, self._rows[recording])
        _check_no_empty_gesture(path, self._labels_path(path), self._rows[recording], events,
                                cut[1])
        return cut

    def _gestures_of(self, recording):
        """(events, offsets) of all labelled gestures of one recording, cached."""
        if self.cache_dir is False:
            if self._last[0] != recording:
                self._last = (recording, self._read_recording(recording))
            return self._last[1]
        path, rows = self.recordings[recording], self._rows[recording]
        key = cache_key({"format": FORMAT_VERSION, "path": os.path.realpath(path),
                         "digest": file_digest(path, self.cache_dir),
                         "labels": rows.tolist()})          # edited labels cut anew
        folder = os.path.join(self.cache_dir, f"{os.path.basename(path)}-{key}")
        stale = os.path.isdir(folder)
        if stale:
            try:
                return (np.load(os.path.join(folder, "events.npy"), mmap_mode="r",
                                allow_pickle=False),
                        np.load(os.path.join(folder, "offsets.npy"), allow_pickle=False))
            except (OSError, ValueError) as err:
                warnings.warn(f"{folder}: unreadable cache ({err}); parsing {path} again",
                              RuntimeWarning, stacklevel=3)
        events, offsets = self._read_recording(recording)
        try:
            _store_folder(folder, {"events.npy": events, "offsets.npy": offsets}, stale)
        except OSError as err:
            raise DataError(f"{folder}: cannot write the cache ({err.strerror or err})") from None
        return events, offsets

    def __repr__(self):
        split = "train" if self.train else "test"
        return (f"DVS128Gesture({self.root!r}, {split}, {len(self.recordings)} recordings, "
                f"{len(self)} gestures)")


def _store_folder(folder, arrays, stale=False):
    """Write ``arrays`` (name -> array) as .npy files into ``folder``, which appears whole.

    Several processes may parse one recording at the same time: each writes a temporary
    folder of its own and renames it into place; the first rename wins, the others find the
    folder there and drop theirs. A ``stale`` (unreadable) folder is moved aside first. No
    temporary folder is left behind, whatever happens.
    """
    parent = os.path.dirname(folder)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=parent, prefix=".tmp-")
    try:
        os.chmod(tmp, default_mode(folder=True))   # mkdtemp made it 0700
        for name, array in arrays.items():
            np.save(os.path.join(tmp, name), array)
        if stale:
            with contextlib.suppress(FileNotFoundError):   # another process moved it already
                os.rename(folder, f"{tmp}-stale")
        try:
            os.rename(tmp, folder)                 # the whole folder appears at once
        except OSError:
            if not os.path.isdir(folder):          # not another process that was first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(f"{tmp}-stale", ignore_errors=True)
