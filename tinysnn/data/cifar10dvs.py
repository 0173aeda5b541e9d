"""CIFAR10DVS: the CIFAR10-DVS data set, read from the files as they are published.

    train = CIFAR10DVS("~/data/CIFAR10DVS", train=True,      # the authors' framing: 20 x 10 ms
                       transform=PaperFrames(train=True, T=20, bin_us=10_000, downsample=1))

The data set (Li et al. 2017, figshare 4724671) is one zip per class; unzipped, the folder holds
ten class folders ``airplane/ ... truck/`` of 1000 recordings each, ``cifar10_<class>_<i>.aedat``
with i = 0..999, in AEDAT 2.0 (aedat2.py): a DVS128 watching a CIFAR-10 image move on a screen.

Labels follow the class names in CIFAR-10's order (airplane 0, automobile 1, ..., truck 9).
The split is the MA-SNN authors': in each class, the recordings sorted by their number, the
first 90% (0..899) for training and the last 10% (900..999) for testing, 9000 and 1000 in all.
Recordings are read when asked for (np.frombuffer on 8-byte events: milliseconds each), so
there is no cache. A recording without events (only its header) is refused, naming the file.
"""

import os
import re

import numpy as np

from .aedat2 import read_aedat2
from .dataset import Dataset
from .errors import DataError

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck"]
TRAIN_FRACTION_TENTHS = 9         # first 9/10 of each class's recordings train, the rest test
DOWNLOAD_HINT = ("download CIFAR10-DVS (figshare 4724671: one zip per class), unzip every class "
                 "into one folder and pass that folder, which holds airplane/ ... truck/")


def recording_number(name):
    """The last integer in a file name: 'cifar10_cat_12.aedat' -> 12 (sort key of a class)."""
    numbers = re.findall(r"\d+", os.path.splitext(name)[0])
    return (int(numbers[-1]) if numbers else -1), name


def split_of_class(folder, train):
    """The recordings of one class folder in its split: sorted by number, first 9/10 train."""
    names = sorted((n for n in os.listdir(folder) if n.lower().endswith(".aedat")),
                   key=recording_number)
    if not names:
        raise FileNotFoundError(f"CIFAR10DVS: {folder} holds no .aedat recordings; "
                                f"{DOWNLOAD_HINT}")
    n_train = len(names) * TRAIN_FRACTION_TENTHS // 10
    chosen = names[:n_train] if train else names[n_train:]
    return [os.path.join(folder, n) for n in chosen]


def _read_recording(path):
    """The events of one recording; DataError naming it when it holds none."""
    events = read_aedat2(path)
    if not len(events):
        raise DataError(f"CIFAR10DVS: {path} holds no events, only its header (an empty "
                        f"recording would train on empty frames)")
    return events


class CIFAR10DVS(Dataset):
    """CIFAR10-DVS from its AEDAT 2.0 files: ``dataset[i] -> (events, label)``.

    root: the folder holding the ten class folders. train: the authors' split (first 90% of
    each class by file number). transform: e.g. PaperFrames or ToFrames.
    """

    classes = CIFAR10_CLASSES
    sensor_size = (128, 128)

    def __init__(self, root, train=True, transform=None):
        root = os.path.expanduser(os.fspath(root))
        if not os.path.isdir(root):
            raise FileNotFoundError(f"CIFAR10DVS: folder {root} does not exist; {DOWNLOAD_HINT}")
        missing = [c for c in CIFAR10_CLASSES if not os.path.isdir(os.path.join(root, c))]
        if missing:
            raise FileNotFoundError(f"CIFAR10DVS: {root} lacks the class folders {missing}; "
                                    f"{DOWNLOAD_HINT}")
        self.root, self.train, self.transform = root, bool(train), transform
        self.files, labels = [], []
        for label, name in enumerate(CIFAR10_CLASSES):
            paths = split_of_class(os.path.join(root, name), self.train)
            self.files += paths
            labels += [label] * len(paths)
        self.labels = np.array(labels, dtype=np.int64)

    def sample(self, index):
        return _read_recording(self.files[index])

    def __repr__(self):
        split = "train" if self.train else "test"
        return f"CIFAR10DVS({self.root!r}, {split}, {len(self)} recordings)"
