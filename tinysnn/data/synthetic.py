"""SyntheticGestures: a built-in, seeded event data set with DVS128 Gesture's 11 classes.

    train = SyntheticGestures(train=True, transform=ToFrames(T=16, sensor_size=32))
    frames, label = train[0]              # frames: [16, 2, 32, 32] float32

Each recording is made by a simulated event camera (event_camera.py) watching hands move
(gesture_scenes.py). Clockwise and counter-clockwise arm circles are the same scenes played
in opposite directions, so each pair has identical event counts per pixel once time is summed
away: only a model that uses time can tell them apart.

The set is generated once (about 10 s for the default 64 + 16 recordings per class) and
cached as .npz; recording i of class c depends only on (seed, split, c, i), so the same seed
gives the same events on every machine, and a larger n_per_class only adds recordings.

Two levels. "easy" (the default): one camera with little noise, recordings that vary as one
person's do; the small MA-SNN learns it to 99-100%. "hard": the camera has background activity
(1 event per pixel and second) and 6 hot pixels (100 events per second each), and the
recordings come from different people (gesture_scenes.Subject: speed, size, position), the
test split's people not among the training split's, as in DVS128 Gesture. "distractor": the
hard level plus clutter (distractors.py): a blob moving along the top or bottom edge the whole
time, and stretches of time in which the subject is hidden while a burst of noise and an object
crossing the field fill the sensor.

Ground truth: every event is known to come from the subject or from something else.
``SyntheticGestures(..., ground_truth=True)`` returns it beside each sample
(ground_truth.py): ``(frames, label, truth)`` with ``truth["subject"]`` and ``truth["other"]``
frames of the subject's and of all other events, which add up to ``frames``.
"""

import os
from dataclasses import asdict
from functools import partial

import numpy as np

from ..validate import check_integer, check_real
from .cache import cache_key, ensure_cache_root, load_or_build
from .dataset import Dataset
from .distractors import Clutter, record_cluttered
from .dvs128 import GESTURE_CLASSES
from .event_camera import EventCamera
from .events import EVENT_DTYPE
from .gesture_scenes import Subject, SubjectVariation, gesture_log_video
from .ground_truth import truth_frames

FORMAT_VERSION = 1             # part of the cache key: bump it when the generator changes
SPLITS = {"train": 0, "test": 1}

#: level -> camera noise, subjects per split, recordings per class (train, test) by default
LEVELS = {
    "easy": {"noise_hz": 0.5, "hot_pixels": 0, "hot_pixel_hz": 0.0, "subjects": None,
             "per_class": {True: 64, False: 16}},
    # calibrated so that the small vanilla network learns it to about 80% in the ablation's
    # budget (docs/paper/ablation.md); a test split of 11 x 24 = 264 recordings: one is 0.38% of it
    "hard": {"noise_hz": 1.0, "hot_pixels": 6, "hot_pixel_hz": 100.0,
             "subjects": {"train": 20, "test": 8}, "variation": SubjectVariation(),
             "per_class": {True: 64, False: 24}},
    # the hard level plus clutter where the subject is not (distractors.Clutter)
    "distractor": {"noise_hz": 1.0, "hot_pixels": 6, "hot_pixel_hz": 100.0,
                   "subjects": {"train": 20, "test": 8}, "variation": SubjectVariation(),
                   "clutter": Clutter(), "per_class": {True: 64, False: 24}},
}


def simulate_gesture(label, seed, camera=None, duration_us=1_000_000, steps=256, subject=None,
                     clutter=None, sources=False):
    """One recording of class ``label``: events ``[N]`` (EVENT_DTYPE) over ``duration_us``.

    seed: int, sequence of ints or a NumPy Generator; it fixes the scene and the camera noise.
    Clockwise and counter-clockwise classes given the same seed show the same hand path in
    opposite directions. steps: frames of the simulated scene (the time resolution).
    subject: a gesture_scenes.Subject performing it (None: no person-to-person variation).
    clutter: a distractors.Clutter (None: none). sources: return ``(events, from_subject)``,
    the second a bool mask ``[N]`` of the events the subject made.
    """
    if not 0 <= label < len(GESTURE_CLASSES):
        raise ValueError(f"simulate_gesture: label must be in 0..{len(GESTURE_CLASSES) - 1}, "
                         f"got {label}")
    camera = camera or EventCamera()
    rng = np.random.default_rng(seed)
    video = gesture_log_video(label, steps, camera.size, rng, subject)
    if clutter is None:
        return camera.record(video, duration_us, rng, sources=sources)
    events, from_subject = record_cluttered(camera, video, clutter, duration_us, rng)
    return (events, from_subject) if sources else events


def subjects_of(split, seed, count, variation=None):
    """The ``count`` people of a split, each drawn from (seed, split, person)."""
    variation = variation or SubjectVariation()
    return [Subject.draw(variation, np.random.default_rng([seed, SPLITS[split], 0x5B, k]))
            for k in range(count)]


def generate_gestures(n_per_class, split, seed=0, camera=None, duration_us=1_000_000,
                      steps=256, subjects=None, clutter=None):
    """All recordings of a split: events (concatenated), offsets ``[N + 1]``, labels ``[N]``,
    and ``subject``, the mask of the events the subject made (concatenated).

    subjects: the people of the split (recording i of every class is by subjects[i % n]),
    or None. clutter: a distractors.Clutter, or None.
    """
    camera = camera or EventCamera(seed=seed)
    streams, masks, labels = [], [], []
    for label in range(len(GESTURE_CLASSES)):
        for i in range(n_per_class):
            subject = subjects[i % len(subjects)] if subjects else None
            events, mask = simulate_gesture(label, (seed, SPLITS[split], label, i), camera,
                                            duration_us, steps, subject, clutter, sources=True)
            streams.append(events)
            masks.append(mask)
            labels.append(label)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in streams])])
    events = np.concatenate(streams) if streams else np.empty(0, EVENT_DTYPE)
    subject = np.concatenate(masks) if masks else np.empty(0, bool)
    return {"events": events, "offsets": offsets, "labels": np.asarray(labels, np.int64),
            "subject": subject}


class SyntheticGestures(Dataset):
    """Synthetic DVS gestures: ``dataset[i] -> (events, label)`` or ``(transform(events), label)``.

    root: cache folder (default $TINYSNN_CACHE or ~/.cache/tinysnn). train: which split (the
    splits use different seeds). level: "easy", "hard" or "distractor" (the module docstring).
    n_per_class: recordings per class (default: the level's, 64 train and 16 or 24 test).
    sensor: side of the square sensor in pixels. duration_us: length of each recording.
    steps: time resolution of the simulated scene. noise_hz: background events per pixel and
    second (default: the level's). seed: fixes everything. transform: e.g.
    ToFrames(T=16, sensor_size=32). ground_truth: items are ``(frames, label, truth)``,
    truth a dict of the frames of the subject's events ("subject") and of all others ("other"),
    or with no transform ``(events, label, from_subject [N] bool)``.
    """

    classes = GESTURE_CLASSES

    def __init__(self, root=None, train=True, n_per_class=None, sensor=32,
                 duration_us=1_000_000, steps=256, noise_hz=None, seed=0, transform=None,
                 level="easy", ground_truth=False):
        if level not in LEVELS:
            raise ValueError(f"SyntheticGestures: level must be one of {list(LEVELS)}, "
                             f"got {level!r}")
        setting = LEVELS[level]
        self.train, self.transform, self.level = bool(train), transform, level
        self.ground_truth = bool(ground_truth)
        self.n_per_class = check_integer(
            "SyntheticGestures", "n_per_class",
            setting["per_class"][self.train] if n_per_class is None else n_per_class, low=1)
        sensor = check_integer("SyntheticGestures", "sensor", sensor, low=4)
        steps = check_integer("SyntheticGestures", "steps", steps, low=2)
        self.duration_us = check_integer("SyntheticGestures", "duration_us", duration_us,
                                         low=steps, why=" (steps)")
        self.sensor_size = (sensor, sensor)
        noise_hz = check_real("SyntheticGestures", "noise_hz",
                              setting["noise_hz"] if noise_hz is None else noise_hz, low=0)
        seed = check_integer("SyntheticGestures", "seed", seed, low=0)
        camera = EventCamera(size=sensor, noise_hz=noise_hz, seed=seed,
                             hot_pixels=setting["hot_pixels"],
                             hot_pixel_hz=setting["hot_pixel_hz"])
        split = "train" if self.train else "test"
        params = {"format": FORMAT_VERSION, "split": split, "n_per_class": self.n_per_class,
                  "duration_us": self.duration_us, "steps": steps, "seed": seed,
                  "camera": camera.cache_fields()}
        subjects = None
        if setting["subjects"]:
            subjects = subjects_of(split, seed, setting["subjects"][split],
                                   setting["variation"])
            params.update(level=level, subjects=[asdict(s) for s in subjects])
        clutter = setting.get("clutter")
        if clutter is not None:
            params.update(clutter=asdict(clutter))
        self.path = os.path.join(ensure_cache_root(root), f"synthetic_gestures_{split}_"
                                 f"{cache_key(params)}.npz")
        # sets cached before the ground truth existed lack "subject": they are rebuilt once
        # when it is asked for (the same events, with their mask)
        names = ["events", "offsets", "labels"] + (["subject"] if self.ground_truth else [])
        # a partial, not a lambda: the set is pickled into DataLoader's worker processes
        self._build = partial(generate_gestures, self.n_per_class, split, seed, camera,
                              self.duration_us, steps, subjects, clutter)
        data = load_or_build(self.path, names, self._build)
        self.events, self.offsets, self.labels = data["events"], data["offsets"], data["labels"]
        self.from_subject = data.get("subject")

    def sample(self, index):
        return self.events[self.offsets[index]:self.offsets[index + 1]].copy()

    def __getitem__(self, index):
        item = super().__getitem__(index)               # checks the index
        if not self.ground_truth:
            return item
        return (*item, self.truth(int(index) % len(self)))

    def load_ground_truth(self):
        """Read the ground truth so that ``truth(i)`` works, the items staying as they are;
        returns the set."""
        if self.from_subject is None:
            self.from_subject = load_or_build(self.path, ["subject"], self._build)["subject"]
        return self

    def truth(self, index):
        """The ground truth of recording ``index`` (see the class docstring); needs
        ground_truth=True or load_ground_truth()."""
        if self.from_subject is None:
            raise ValueError("SyntheticGestures.truth: build the set with ground_truth=True "
                             "or call load_ground_truth() first")
        index %= len(self)
        span = slice(self.offsets[index], self.offsets[index + 1])
        if self.transform is None:
            return self.from_subject[span].copy()
        return truth_frames(self.events[span], self.from_subject[span], self.transform)

    def __repr__(self):
        split = "train" if self.train else "test"
        return (f"SyntheticGestures({split}, level {self.level!r}, {len(self)} recordings, "
                f"sensor {self.sensor_size}, transform={self.transform!r})")
