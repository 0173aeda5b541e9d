"""DVS128Gait: the DVS128 Gait data set in the layout the MA-SNN authors' loader reads.

    train = DVS128Gait("~/data/DVS128_Gait", train=True,     # the authors' framing: first 4 s
                       transform=PaperFrames(train=True, T=8, bin_us=500_000, downsample=1,
                                             random_start=False))

The folder holds ``train/<class>/*.txt`` and ``test/<class>/*.txt``: one recording per text file
of ``t x y p`` lines (event_text.py; time in microseconds, 128x128 sensor), each class folder
named by its integer label, 0..20 (the authors' network has 21 outputs). The split is the
data set's own train and test folders.

Text is slow to parse, so each recording is parsed once and kept in the cache folder as a .npy
of events (keyed by the file's resolved path and a digest of its content, cache.file_digest),
which later epochs load instead. A recording without events is refused (DataError naming it):
it would train on empty frames.
"""

import os
import warnings

import numpy as np

from ..atomic import atomic_open
from .cache import cache_key, cache_root, file_digest
from .dataset import Dataset
from .errors import DataError
from .event_text import read_event_text

NUM_CLASSES = 21
FORMAT_VERSION = 1
LAYOUT_HINT = ("expected train/<class>/*.txt and test/<class>/*.txt with class folders named "
               f"0..{NUM_CLASSES - 1} and one 't x y p' event per line")


def _class_label(folder, name):
    # ASCII digits only: str.isdigit accepts '²', which int() refuses
    if not (name.isascii() and name.isdigit()) or not 0 <= int(name) < NUM_CLASSES:
        raise DataError(f"DVS128Gait: {os.path.join(folder, name)}: a class folder's name must "
                        f"be its label, an integer 0..{NUM_CLASSES - 1}; {LAYOUT_HINT}")
    return int(name)


def _parse(path):
    """The events of one recording; DataError naming it when it holds none."""
    events = read_event_text(path)
    if not len(events):
        raise DataError(f"DVS128Gait: {path} holds no events (an empty recording would train "
                        f"on empty frames)")
    return events


class DVS128Gait(Dataset):
    """DVS128 Gait from its text files: ``dataset[i] -> (events, label)``.

    root: the folder holding train/ and test/. train: which of the two. transform: e.g.
    PaperFrames or ToFrames. cache_dir: where parsed recordings are kept (default $TINYSNN_CACHE or
    ~/.cache/tinysnn); False keeps nothing and parses the text on every access.
    """

    classes = [str(label) for label in range(NUM_CLASSES)]
    sensor_size = (128, 128)

    def __init__(self, root, train=True, transform=None, cache_dir=None):
        root = os.path.expanduser(os.fspath(root))
        split = os.path.join(root, "train" if train else "test")
        if not os.path.isdir(split):
            raise FileNotFoundError(f"DVS128Gait: {split} does not exist; {LAYOUT_HINT}")
        self.root, self.train, self.transform = root, bool(train), transform
        self.files, labels = [], []
        for name in sorted(os.listdir(split)):
            folder = os.path.join(split, name)
            if not os.path.isdir(folder):
                continue
            label = _class_label(split, name)
            texts = sorted(f for f in os.listdir(folder) if f.lower().endswith(".txt"))
            self.files += [os.path.join(folder, f) for f in texts]
            labels += [label] * len(texts)
        if not self.files:
            raise FileNotFoundError(f"DVS128Gait: no recordings under {split}; {LAYOUT_HINT}")
        self.labels = np.array(labels, dtype=np.int64)
        self.cache_dir = False if cache_dir is False else os.path.join(cache_root(cache_dir),
                                                                       "dvs128_gait")

    def sample(self, index):
        return self._events_of(self.files[index])

    def _events_of(self, path):
        """The events of one recording: from the cache, or parsed and then cached."""
        if self.cache_dir is False:
            return _parse(path)
        key = cache_key({"format": FORMAT_VERSION, "path": os.path.realpath(path),
                         "digest": file_digest(path, self.cache_dir)})
        cached = os.path.join(self.cache_dir, f"{os.path.basename(path)}-{key}.npy")
        if os.path.isfile(cached):
            try:
                return np.load(cached, allow_pickle=False)
            except (OSError, ValueError) as err:
                warnings.warn(f"{cached}: unreadable cache ({err}); parsing {path} again",
                              RuntimeWarning, stacklevel=3)
        events = _parse(path)
        with atomic_open(cached) as f:
            np.save(f, events)
        return events

    def __repr__(self):
        split = "train" if self.train else "test"
        return f"DVS128Gait({self.root!r}, {split}, {len(self)} recordings)"
