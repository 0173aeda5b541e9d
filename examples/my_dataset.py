"""A data set of your own, trained from tinysnn's command line, without touching tinysnn.

    python examples/my_dataset.py --epochs 5      # 100% test accuracy in about 15 s

runs ``python -m tinysnn train --dataset moving-bars --out runs/moving-bars --epochs 5`` with this
file's data set registered (any option of ``train`` may follow).

Subclass ``tinysnn.data.Dataset`` (it checks the index and applies the transform): say what the
classes are, give each sample a label and read one sample. Then one ``register_dataset`` call
makes it a ``--dataset`` of the command line (and of ``TrainConfig(dataset=...)``).
"""

import sys

import numpy as np

from tinysnn.app.cli import main
from tinysnn.app.datasets import register_dataset
from tinysnn.data import Dataset


class MovingBars(Dataset):
    """A bar sweeping across a 16 x 16 sensor in one of four directions, with noise:
    ``dataset[i] -> (frames [T, 2, 16, 16] float32, label)``. Channel 0 holds the pixels the
    bar's leading edge switches on (ON events), channel 1 those its trailing edge leaves (OFF).
    """

    classes = ("right", "left", "down", "up")

    def __init__(self, train=True, T=16, per_class=64, noise=0.02, seed=0, transform=None):
        self.T, self.noise, self.seed, self.train = T, noise, seed, bool(train)
        self.labels = np.repeat(np.arange(len(self.classes)), per_class)
        self.transform = transform

    def sample(self, index):
        rng = np.random.default_rng([self.seed, int(self.train), index])
        side, label = 16, self.labels[index]
        # the bar's column (or row) at each step: across the sensor at a random speed
        speed = rng.uniform(0.6, 1.4)
        position = np.minimum(np.arange(self.T) * speed * side / self.T, side - 1).astype(int)
        position = position if label in (0, 2) else side - 1 - position
        bar = np.zeros((self.T, side, side), np.float32)
        bar[np.arange(self.T), :, position] = 1.0             # a vertical bar at its column
        if label >= 2:
            bar = bar.transpose(0, 2, 1)                       # a horizontal bar at its row
        left = np.concatenate([np.zeros_like(bar[:1]), bar[:-1]]) * (1 - bar)  # pixels it left
        frames = np.stack([bar, left], axis=1)                 # [T, 2, 16, 16]: ON, OFF
        return np.maximum(frames, rng.random(frames.shape) < self.noise).astype(np.float32)


def build(config, options):
    """The training and test sets of a run: ``config`` is its TrainConfig (T, seed, ...)."""
    return (MovingBars(train=True, T=config.T, seed=config.seed),
            MovingBars(train=False, T=config.T, per_class=16, seed=config.seed))


register_dataset("moving-bars", build)

if __name__ == "__main__":
    sys.exit(main(["train", "--dataset", "moving-bars", "--out", "runs/moving-bars",
                   *sys.argv[1:]]))
