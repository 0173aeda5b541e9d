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
the file's name, size and modification time), so later epochs read only what they need.
"""

import os
import shutil
import warnings

import numpy as np

from .aedat import read_aedat31
from .cache import cache_key, cache_root
from .errors import DataError

GESTURE_CLASSES = [
    "hand_clap", "right_hand_wave", "left_hand_wave", "right_arm_clockwise",
    "right_arm_counter_clockwise", "left_arm_clockwise", "left_arm_counter_clockwise",
    "arm_roll", "air_drums", "air_guitar", "other_gestures",
]
FORMAT_VERSION = 1
DOWNLOAD_HINT = ("download DvsGesture.tar.gz (IBM's DVS128 Gesture data set), extract it and "
                 "pass the folder that holds trials_to_train.txt")


def read_gesture_labels(path):
    """Rows ``[n, 3]`` int64 (label 0..10, start_us, end_us) of a ``*_labels.csv`` file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: label file missing (every .aedat recording needs its "
                                f"_labels.csv next to it)")
    rows = []
    with open(path) as f:
        lines = f.read().splitlines()
    for number, line in enumerate(lines, start=1):
        fields = [v.strip() for v in line.split(",")]
        if number == 1 and not fields[0].lstrip("-").isdigit():
            continue                                # the header line
        if not line.strip():
            continue
        try:
            label, start, end = (int(v) for v in fields)
        except ValueError:
            raise DataError(f"{path}, line {number}: expected 'class,startTime_usec,"
                            f"endTime_usec' as three integers, got {line!r}") from None
        if not 1 <= label <= len(GESTURE_CLASSES) or end <= start:
            raise DataError(f"{path}, line {number}: class must be 1..{len(GESTURE_CLASSES)} "
                            f"and end after start, got {line!r}")
        rows.append((label - 1, start, end))
    return np.asarray(rows, dtype=np.int64).reshape(-1, 3)


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


class DVS128Gesture:
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
        with open(trials) as f:
            names = [line.strip() for line in f if line.strip()]
        self.recordings = [os.path.join(root, name) for name in names]
        for path in self.recordings:
            if not os.path.isfile(path):
                raise FileNotFoundError(f"DVS128Gesture: {path} (listed in {trials}) is missing")
        self._rows = [read_gesture_labels(self._labels_path(p)) for p in self.recordings]
        # item i -> (recording, gesture within it)
        self.index = [(r, g) for r, rows in enumerate(self._rows) for g in range(len(rows))]
        self.labels = np.array([self._rows[r][g, 0] for r, g in self.index], dtype=np.int64)
        self.cache_dir = False if cache_dir is False else os.path.join(cache_root(cache_dir),
                                                                       "dvs128")
        self._last = (None, None)        # the most recently loaded recording, without a cache

    @staticmethod
    def _labels_path(recording):
        return recording[: -len(".aedat")] + "_labels.csv" if recording.endswith(".aedat") \
            else recording + "_labels.csv"

    def __len__(self):
        return len(self.index)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"DVS128Gesture: index {index} out of range for {len(self)} items")
        recording, gesture = self.index[index % len(self)]
        events, offsets = self._gestures_of(recording)
        piece = np.array(events[offsets[gesture]:offsets[gesture + 1]])
        label = int(self.labels[index % len(self)])
        return (piece if self.transform is None else self.transform(piece)), label

    def _gestures_of(self, recording):
        """(events, offsets) of all labelled gestures of one recording, cached."""
        path = self.recordings[recording]
        if self.cache_dir is False:
            if self._last[0] != recording:
                self._last = (recording, cut_gestures(read_aedat31(path), self._rows[recording]))
            return self._last[1]
        stat = os.stat(path)
        key = cache_key({"format": FORMAT_VERSION, "name": os.path.basename(path),
                         "size": stat.st_size, "mtime_ns": stat.st_mtime_ns})
        folder = os.path.join(self.cache_dir, f"{os.path.basename(path)}-{key}")
        if os.path.isdir(folder):
            try:
                return (np.load(os.path.join(folder, "events.npy"), mmap_mode="r",
                                allow_pickle=False),
                        np.load(os.path.join(folder, "offsets.npy"), allow_pickle=False))
            except (OSError, ValueError) as err:
                warnings.warn(f"{folder}: unreadable cache ({err}); parsing {path} again",
                              RuntimeWarning, stacklevel=3)
        events, offsets = cut_gestures(read_aedat31(path), self._rows[recording])
        tmp = f"{folder}.tmp{os.getpid()}"
        os.makedirs(tmp, exist_ok=True)
        np.save(os.path.join(tmp, "events.npy"), events)
        np.save(os.path.join(tmp, "offsets.npy"), offsets)
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)             # the whole folder appears at once
        return events, offsets

    def __repr__(self):
        split = "train" if self.train else "test"
        return (f"DVS128Gesture({self.root!r}, {split}, {len(self.recordings)} recordings, "
                f"{len(self)} gestures)")
