"""Where the runs of a sweep execute: in this process, or as Dask tasks on a cluster.

    with executor(workers=1, scheduler=None) as ex:       # here, one run after another
        for index, outcome in ex.run(tasks): ...
    with executor(workers=4, scheduler=None) as ex: ...    # a local Dask cluster, 4 processes
    with executor(workers=1, scheduler="tcp://host:8786") as ex: ...   # an existing cluster

A task is ``(settings, threads)`` for ``sweep_run.run_task``; ``run`` yields ``(index,
outcome)`` as runs finish, in any order. On a cluster each run is one Dask task: when the worker
running it dies, the scheduler gives it to another worker (up to ``ALLOWED_FAILURES`` deaths),
which resumes it from its folder's last checkpoint; an exception that escapes the task is
retried ``RETRIES`` times. Leaving the ``with`` block (at the end, on an error or on Ctrl-C)
cancels the runs still queued and stops a cluster this process started.

Dask is imported only here, and only when a cluster is asked for.
"""

import contextlib
import logging
import os

from ..errors import TinysnnError
from .sweep_run import run_task

#: how often a run is started again after an exception escaped it, and how many worker deaths
#: a run may see (Dask's distributed.scheduler.allowed-failures) before it is reported failed
RETRIES = 3
ALLOWED_FAILURES = 3

INSTALL = 'pip install -e ".[distributed]"'


class DaskMissing(TinysnnError):
    """--workers > 1 or --dask-scheduler without dask.distributed installed."""


class Serial:
    """The runs one after another in this process."""

    slots = 1
    dashboard = None

    def run(self, tasks):
        for index, (settings, threads) in tasks:
            yield index, run_task(settings, threads)


class OnDask:
    """The runs as tasks of a Dask client (a local cluster's or an existing scheduler's)."""

    def __init__(self, client):
        self.client = client
        info = client.scheduler_info()
        self.slots = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))
        self.dashboard = client.dashboard_link if "dashboard" in info.get("services", {}) \
            else None
        self.futures = []

    def run(self, tasks):
        from distributed import as_completed

        index_of = {}
        for index, (settings, threads) in tasks:
            future = self.client.submit(run_task, settings, threads, pure=False,
                                        retries=RETRIES, key=f"tinysnn-run-{index}-{os.getpid()}")
            index_of[future.key] = index
            self.futures.append(future)
        for future in as_completed(self.futures):
            index = index_of[future.key]
            try:
                outcome = future.result()
            except Exception as err:  # noqa: BLE001 (a killed worker too often, or a bug)
                outcome = {"status": "failed", "error": f"{type(err).__name__}: "
                                                        f"{' '.join(str(err).split())}",
                           "seconds": None, "resumed_from": None}
            yield index, outcome

    def cancel(self):
        if self.futures:
            self.client.cancel(self.futures)


def _distributed():
    try:
        import distributed
    except ImportError:
        raise DaskMissing(f"--workers above 1 and --dask-scheduler run the sweep on Dask, which is "
                          f"not installed: {INSTALL}") from None
    return distributed


@contextlib.contextmanager
def executor(workers=1, scheduler=None):
    """Serial() for one worker and no scheduler, else OnDask on a local cluster of ``workers``
    processes (one run at a time each) or on the cluster at ``scheduler``."""
    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if workers == 1 and not scheduler:
        yield Serial()
        return
    distributed = _distributed()
    import dask

    with contextlib.ExitStack() as stack:
        stack.enter_context(dask.config.set(
            {"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}))
        if scheduler:
            try:
                client = stack.enter_context(distributed.Client(scheduler, timeout="10s"))
            except OSError as err:
                raise TinysnnError(f"--dask-scheduler {scheduler}: cannot reach it ({err}); is "
                                   f"`dask scheduler` running there?") from None
        else:
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=":0", silence_logs=logging.ERROR))
            client = stack.enter_context(distributed.Client(cluster))
        on_dask = OnDask(client)
        try:
            yield on_dask
        finally:
            on_dask.cancel()
