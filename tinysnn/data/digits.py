"""Digits: scikit-learn's 8x8 handwritten digits as Poisson spike trains (works offline).

    train = Digits(train=True, T=16)
    frames, label = train[0]              # frames: [16, 1, 8, 8] float32 of 0s and 1s

Rate coding: a pixel of grey level g (0..16) spikes at each time step with probability
``max_rate * g / 16``, independently. Item i always gives the same spikes for the same seed.
The 1797 images are split once and for all: a fixed permutation, the first 80% for training.
"""

import numpy as np

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


class Digits:
    """8x8 digits, rate-coded: ``dataset[i] -> (frames [T, 1, 8, 8] float32, label)``.

    T: time steps. max_rate: spike probability per step of a full-ink pixel (0 < max_rate <= 1).
    seed: fixes the spikes. transform: optional function applied to the frames.
    """

    classes = DIGIT_CLASSES
    sensor_size = (8, 8)

    def __init__(self, train=True, T=16, max_rate=0.8, seed=0, transform=None):
        if T < 1 or not 0.0 < max_rate <= 1.0:
            raise ValueError(f"Digits: need T >= 1 and 0 < max_rate <= 1, got T={T}, "
                             f"max_rate={max_rate}")
        images, labels = _load_digits()
        order = np.random.default_rng(SPLIT_SEED).permutation(len(labels))
        n_train = round(TRAIN_FRACTION * len(labels))
        keep = order[:n_train] if train else order[n_train:]
        self.rates = (images[keep] / 16.0 * max_rate).reshape(-1, 1, 8, 8)   # [N, 1, 8, 8]
        self.labels = labels[keep].astype(np.int64)
        self.train, self.T, self.seed, self.transform = bool(train), int(T), int(seed), transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"Digits: index {index} out of range for {len(self)} items")
        index %= len(self)
        rng = np.random.default_rng([self.seed, int(self.train), index])
        # spike[t] = 1 with probability rate, independently at every step and pixel
        frames = (rng.random((self.T, 1, 8, 8)) < self.rates[index]).astype(np.float32)
        frames = frames if self.transform is None else self.transform(frames)
        return frames, int(self.labels[index])

    def __repr__(self):
        return f"Digits({'train' if self.train else 'test'}, {len(self)} images, T={self.T})"
