"""Digits: scikit-learn's 8x8 handwritten digits as Poisson spike trains (works offline).

    train = Digits(train=True, T=16)
    frames, label = train[0]              # frames: [16, 1, 8, 8] float32 of 0s and 1s
    images = Digits(train=True, T=1, encoding="image", size=32)   # [1, 1, 32, 32] grey levels

Rate coding: a pixel of grey level g (0..16) spikes at each time step with probability
``max_rate * g / 16``, independently. Item i always gives the same spikes for the same seed.
``encoding="image"`` gives the grey levels g / 16 themselves at every step instead, as an image
network reads them (AttResSNN). ``size`` enlarges the 8x8 images by repeating each pixel
(size 32: 4x4 blocks), for networks that halve their input several times.
The 1797 images are split once and for all: a fixed permutation, the first 80% for training.
"""

import numpy as np

from .. import settings
from ..validate import OutOfRange, check_integer, check_real
from .dataset import Dataset

TRAIN_FRACTION = 0.8
SPLIT_SEED = 20240501          # fixed, so train and test never overlap whatever `seed` is
DIGIT_CLASSES = [str(d) for d in range(10)]


def _load_digits():
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:
        raise ImportError("Digits needs scikit-learn: pip install tinysnn[digits] "
                          "(or pip install scikit-learn)") from err
    return load_digits(return_X_y=True)


class Digits(Dataset):
    """8x8 digits, rate-coded: ``dataset[i] -> (frames [T, 1, 8, 8] float32, label)``.

    T: time steps. max_rate: spike probability per step of a full-ink pixel (0 < max_rate <= 1).
    seed: fixes the spikes. transform: optional function applied to the frames.
    encoding: "rate" (Poisson spikes) or "image" (grey levels g / 16 at every step; max_rate
    and seed unused). size: side of the frames, a multiple of 8 (each pixel a block).
    """

    classes = DIGIT_CLASSES

    def __init__(self, train=True, T=settings.T, max_rate=0.8, seed=0, transform=None,
                 encoding="rate", size=8):
        T = check_integer("Digits", "T", T, low=1)
        check_real("Digits", "max_rate", max_rate, low=0, high=1, low_open=True)
        if encoding not in ("rate", "image"):
            raise ValueError(f"Digits: encoding must be 'rate' or 'image', got {encoding!r}")
        eights = " and a multiple of 8"
        if check_integer("Digits", "size", size, low=8, why=eights) % 8:
            raise OutOfRange(f"Digits: size must be an integer >= 8{eights}, got {size!r}")
        images, labels = _load_digits()
        order = np.random.default_rng(SPLIT_SEED).permutation(len(labels))
        n_train = round(TRAIN_FRACTION * len(labels))
        keep = order[:n_train] if train else order[n_train:]
        grey = images[keep].reshape(-1, 1, 8, 8) / 16.0                       # [N, 1, 8, 8]
        grey = np.kron(grey, np.ones((size // 8, size // 8)))                  # each pixel a block
        self.rates = grey * (max_rate if encoding == "rate" else 1.0)         # [N, 1, size, size]
        self.labels = labels[keep].astype(np.int64)
        self.train, self.T, self.seed, self.transform = bool(train), int(T), int(seed), transform
        self.encoding, self.size = encoding, size
        self.sensor_size = (size, size)

    def sample(self, index):
        shape = (self.T, *self.rates.shape[1:])
        if self.encoding == "image":
            frames = np.broadcast_to(self.rates[index], shape).astype(np.float32)
        else:
            rng = np.random.default_rng([self.seed, int(self.train), index])
            # spike[t] = 1 with probability rate, independently at every step and pixel
            frames = (rng.random(shape) < self.rates[index]).astype(np.float32)
        return frames

    def __repr__(self):
        return (f"Digits({'train' if self.train else 'test'}, {len(self)} images, T={self.T}, "
                f"encoding={self.encoding!r}, size={self.size})")
