"""Batches prepared ahead in worker processes, for ``DataLoader(..., num_workers=N)``.

    batches = Prefetcher(loader, workers=2)
    for x, y in batches.run(epoch, [indices of batch 1, indices of batch 2, ...]): ...

Each worker process holds a copy of the loader (its data set and transform, sent once when the
pool starts) and turns a list of item indices into one batch (``DataLoader.batch``). Up to
``2 * workers`` batches are in preparation while the training step runs; they come back in
order. A batch is the same wherever it is made: the loader seeds each item's random window from
(seed, epoch, index), never from a worker's history. The processes are started with "spawn"
(a fork of a process running Numba's threads is not safe), each on one Numba thread, and stop
with ``close()`` or when the program ends.
"""

import collections
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

_LOADER = None      # in a worker process: its copy of the loader


def _start_worker(loader):
    import numba

    global _LOADER
    _LOADER = loader
    numba.set_num_threads(1)          # the workers share the cores with the training step


def _batch(epoch, indices):
    return _LOADER.batch(epoch, indices)


class Prefetcher:
    """A pool of ``workers`` processes that prepare the batches of ``loader``."""

    def __init__(self, loader, workers):
        self.workers = workers
        self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start_worker, initargs=(loader,))

    def run(self, epoch, batches):
        """Yield the batches (lists of item indices) of ``epoch`` in order, made ahead."""
        batches = iter(batches)
        pending = collections.deque()
        try:
            for indices in batches:
                pending.append(self.pool.submit(_batch, epoch, indices))
                if len(pending) >= 2 * self.workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:                          # a loop left early: the batches made ahead are dropped
            for future in pending:
                future.cancel()

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)
