"""DataLoader: batches of time-major frames from a data set.

    loader = DataLoader(train_set, batch_size=16, shuffle=True, seed=0)
    for x, y in loader:                   # x: [T, B, C, H, W] float32, y: [B] int64
        ...

Items must be ``(frames [T, ...], label)``: give event data sets a frame transform (ToFrames).
Shuffling is seeded: epoch e uses the order drawn from (seed, e), so every epoch differs and a
run is repeatable. The epoch counts up by one per full pass; set_epoch(e) jumps (e.g. resuming).
A transform that draws random windows (ToFrames, PaperFrames: ``reseed``) is seeded anew before
each item from (its seed, epoch, index), so an item is the same in whatever order or process it
is made. ``num_workers=N`` makes the batches in N worker processes ahead of the training step
(loader_workers.py): the same batches in the same order as ``num_workers=0``; ``close()`` (or
the end of the program) stops them.
"""

import numpy as np

from .. import backend
from ..validate import check_integer


class DataLoader:
    """Batches ``(x [T, B, ...] float32, y [B] int64)``; ``len()`` is the number of batches.

    shuffle: a new seeded order every epoch. drop_last: skip a final smaller batch.
    device: 'cpu' or 'cuda' (batches are moved with tinysnn.backend.to_device).
    """

    def __init__(self, dataset, batch_size, shuffle=False, drop_last=False, seed=0, device="cpu",
                 num_workers=0):
        check_integer("DataLoader", "batch_size", batch_size, low=1)
        check_integer("DataLoader", "num_workers", num_workers, low=0)
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last, self.seed, self.device = shuffle, drop_last, seed, device
        self.num_workers, self.prefetcher = int(num_workers), None
        self.epoch = 0

    def __getstate__(self):                 # a worker's copy: without the pool of workers
        return {**self.__dict__, "prefetcher": None}

    def close(self):
        """Stop the worker processes (a next pass starts them again)."""
        if self.prefetcher is not None:
            self.prefetcher.close()
            self.prefetcher = None

    def set_epoch(self, epoch):
        """Use the shuffled order of ``epoch`` on the next pass."""
        self.epoch = int(epoch)

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def order(self):
        """The item order of the current epoch ``[len(dataset)]``."""
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng([self.seed, self.epoch]).permutation(n)

    def _item(self, epoch, i):
        transform = getattr(self.dataset, "transform", None)
        if hasattr(transform, "reseed"):
            transform.reseed(epoch, int(i))
        frames, label = self.dataset[int(i)]
        if getattr(getattr(frames, "dtype", None), "names", None):
            raise TypeError(f"DataLoader: {type(self.dataset).__name__} gives raw events; "
                            f"give it a frame transform, e.g. transform=ToFrames(T=16, "
                            f"sensor_size={getattr(self.dataset, 'sensor_size', '(W, H)')})")
        return np.asarray(frames, dtype=np.float32), label

    def batch(self, epoch, indices):
        """The batch of items ``indices`` in ``epoch``: (x [T, B, ...], y [B]) on the CPU."""
        items = [self._item(epoch, i) for i in indices]
        shapes = {f.shape for f, _ in items}
        if len(shapes) != 1:
            raise ValueError(f"DataLoader: items of one batch differ in shape: {sorted(shapes)}")
        x = np.stack([f for f, _ in items], axis=1)          # [T, B, ...], time-major
        y = np.array([label for _, label in items], dtype=np.int64)
        return x, y

    def __iter__(self):
        order, epoch = self.order(), self.epoch
        self.epoch += 1
        stop = min(len(self) * self.batch_size, len(order))
        batches = [order[start:start + self.batch_size]
                   for start in range(0, stop, self.batch_size)]
        if self.num_workers:
            from .loader_workers import Prefetcher

            if self.prefetcher is None:
                self.prefetcher = Prefetcher(self, self.num_workers)
            made = self.prefetcher.run(epoch, batches)
        else:
            made = (self.batch(epoch, indices) for indices in batches)
        for x, y in made:
            yield backend.to_device(x, self.device), backend.to_device(y, self.device)
