"""PaperFrames: the DVS128 Gesture protocol of the MA-SNN authors' loader, as a transform.

    train = DVS128Gesture(root, train=True, transform=PaperFrames(train=True))
    test = DVS128Gesture(root, train=False, transform=PaperFrames(train=False))
    frames, label = train[0]          # [60, 2, 32, 32]: one random window of 900 ms
    clips, label = test[0]            # [10, 60, 2, 32, 32]: the ten test clips of the gesture

A gesture's times count from its first event. With ``W = T * bin_us`` (60 x 15 ms = 900 ms):

* training: one window ``[s, s + W)`` with ``s`` a uniform integer in ``[0, t_last - W)``;
* testing: the gesture without the events at its last timestamp (the authors cut
  ``[first, last)``, half-open), ``D`` = the time of the last event kept, and ``clips`` windows
  ``[s_j, s_j + W)`` with ``s_j = j (W - overlap)`` when ``clips * W > D`` (the clips overlap),
  else ``s_j = j (W + gap)``; ``overlap`` or ``gap = floor(|clips * W - D| / clips)``. A window
  that would pass D is pushed back to ``s_j = D - W``;
* inside a window the T bins of ``bin_us`` start at the window's first event, not at ``s``; bin i
  counts the events with ``first + i bin_us <= t < first + (i + 1) bin_us`` per polarity and pixel,
  the pixels down-sampled by ``downsample`` (x // 4, y // 4: 128 x 128 -> 32 x 32).

A gesture is classified from its clips by ``vote``: correct when more than half of its clips are.
"""

import numpy as np

from ..settings import GESTURE
from ..validate import check_integer
from .events import _width_height, check_events, events_to_frames


def _positive_int(name, value):
    return check_integer("PaperFrames", name, value, low=1)


def clip_starts(duration, window, clips):
    """Start times of the test clips of a gesture whose last kept event is at ``duration``.

    duration: D in microseconds from the first event; window: W; -> list of ``clips`` ints
    (negative when D < W: the window then begins before the gesture).
    """
    if clips * window > duration:
        step = window - (clips * window - duration) // clips     # W - overlap
    else:
        step = window + (duration - clips * window) // clips     # W + gap
    # a window that would end after D is pushed back so that it ends exactly at D
    return [j * step if j * step + window <= duration else duration - window
            for j in range(clips)]


def vote(clip_correct):
    """The authors' rule: a gesture is correct when more than half of its clips are.

    clip_correct: [B, clips] bool -> [B] bool. Five right out of ten is wrong.
    """
    c = np.asarray(clip_correct, dtype=bool)
    if c.ndim != 2:
        raise ValueError(f"vote: clip_correct must be [B, clips], got shape {c.shape}")
    return 2 * c.sum(axis=1) > c.shape[1]


class PaperFrames:
    """The authors' framing of one gesture: ``events [N] -> [T, 2, H, W]`` (train=True) or
    ``[clips, T, 2, H, W]`` (train=False), float32 counts; H, W = sensor / downsample.

    train: a random window (drawn by this transform's generator, seeded by ``seed``; each call
    draws anew) or the test clips. T: bins per window; bin_us: bin length in microseconds;
    clips: test clips per gesture; downsample: pixel block side; sensor_size: (W, H).
    random_start: False starts every training window at the first event instead (the authors'
    DVS128 Gait loader, whose random start is switched off).

    Where this differs from the authors' code: their shipped Config.py says dt = 25 ms, the
    paper 15 ms; the default here is the paper's. Their frames are laid out [T, 2, x, y]; these
    are [T, 2, y, x] like every other frame in tinysnn (the convolutions see the image
    transposed there, which changes nothing learnable). A gesture no longer than W has no
    random start (their randint fails there); it starts at 0. A test gesture with no event
    before its last timestamp gives empty clips (their loader fails there).
    """

    def __init__(self, train, T=GESTURE.T, bin_us=GESTURE.bin_us, clips=GESTURE.clips,
                 downsample=4, sensor_size=(128, 128), seed=0, random_start=True):
        self.train, self.random_start = bool(train), bool(random_start)
        self.T = _positive_int("T", T)
        self.bin_us = _positive_int("bin_us", bin_us)
        self.clips = _positive_int("clips", clips)
        self.downsample = _positive_int("downsample", downsample)
        self.sensor_size = tuple(_width_height(sensor_size))
        self.seed = seed
        self.rng = np.random.default_rng(seed)

    @property
    def window_us(self):
        """W = T * bin_us, the length of one window in microseconds."""
        return self.T * self.bin_us

    def frame_shape(self):
        """(2, H, W) of one time step."""
        width, height = self.sensor_size
        k = self.downsample
        return 2, -(-height // k), -(-width // k)

    def __call__(self, events):
        check_events(events, "PaperFrames")
        t = events["t"].astype(np.int64)
        if np.any(t[1:] < t[:-1]):
            order = np.argsort(t, kind="stable")
            events, t = events[order], t[order]
        t = t - t[0] if len(t) else t                            # from the first event
        if self.train:
            return self._window(events, t, self.train_start(t))
        if len(t):                                # the gesture is [first, last): half-open
            keep = np.searchsorted(t, t[-1], side="left")
            events, t = events[:keep], t[:keep]
        duration = int(t[-1]) if len(t) else 0
        starts = clip_starts(duration, self.window_us, self.clips)
        return np.stack([self._window(events, t, s) for s in starts])

    def train_start(self, t):
        """A random window start, uniform in [0, t_last - W); 0 for a gesture not longer than W,
        or when random_start is off.

        t: sorted times from the first event.
        """
        if not self.random_start:
            return 0
        latest = int(t[-1]) - self.window_us if len(t) else 0
        return int(self.rng.integers(0, latest)) if latest > 0 else 0

    def _window(self, events, t, start):
        """Frames of the events in [start, start + W), binned from the first of them."""
        first, stop = np.searchsorted(t, [start, start + self.window_us], side="left")
        if first == stop:
            return np.zeros((self.T, *self.frame_shape()), np.float32)
        return events_to_frames(events[first:stop], self.T, self.sensor_size, bin_us=self.bin_us,
                                downsample=self.downsample, t_start=int(events["t"][first]))

    def reseed(self, epoch, index):
        """Draw the next call's window from (seed, epoch, index) alone: the DataLoader calls it
        before each item, so a sample's window does not depend on which process framed it or
        which samples it framed before."""
        if self.seed is not None:                    # None: unseeded, nothing to repeat
            self.rng = np.random.default_rng([self.seed, epoch, index])

    def state_dict(self):
        """The window generator's state: a checkpoint keeps it so a resumed run draws the same."""
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state):
        self.rng.bit_generator.state = state["rng"]

    def __repr__(self):
        return (f"PaperFrames(train={self.train}, T={self.T}, bin_us={self.bin_us}, "
                f"clips={self.clips}, downsample={self.downsample}, "
                f"sensor_size={self.sensor_size}, random_start={self.random_start})")
