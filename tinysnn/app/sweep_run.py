"""One run of a sweep, as a task that runs here or on any Dask worker: plan it, train it, report.

    outcome = run_task(config.to_dict(), threads=1)
    outcome["status"]   # "done" (with "metrics") or "failed" (with "error")

The task decides from its folder what to do (``plan``): a folder that holds the finished run of
the same settings is read, one that holds its checkpoint is resumed from it, an empty one
trains afresh. That is what makes a task safe to run again: when a worker dies mid-run, Dask
starts the task on another worker and it continues from the last epoch's checkpoint, ending with
the numbers of an uninterrupted run (a resumed run is bit-exact, tinysnn.app.resume).

A run's numbers depend on its settings, its seed and its thread count only: the task seeds
everything from the settings and sets the Numba and BLAS threads to ``threads`` before it
trains. A failure of the run's own (a diverged loss, bad data: a TinysnnError) is returned as
"failed" with its message; anything else propagates, for Dask to retry.
"""

import contextlib
import io
import os
import time
from dataclasses import asdict, replace

from ..errors import TinysnnError
from .checkpoint import CheckpointError
from .config import INVOCATION_FIELDS, TrainConfig
from .report import load_metrics
from .resume import read_run_checkpoint
from .run_folder import RunFolderError, runs_in


def settings_of(config):
    """What makes two runs the same: the settings without how a run is invoked or cached."""
    settings = {k: v for k, v in config.items() if k not in INVOCATION_FIELDS}
    options = settings.get("dataset_options") or {}
    settings["dataset_options"] = {k: v for k, v in options.items() if k != "cache"}
    return settings


def differences(found, wanted):
    """'lr 0.001 (wanted 0.002); T 4 (wanted 8)': the settings in which two runs differ."""
    keys = sorted(set(found) | set(wanted))
    return "; ".join(f"{k} {found.get(k)!r} (wanted {wanted.get(k)!r})" for k in keys
                     if found.get(k) != wanted.get(k))


def plan(run):
    """("done", metrics) for a finished run of these settings in run.out, ("resume", run with
    resume set) for an interrupted one, ("train", run) for an empty folder or with overwrite.

    A folder that holds a run of other settings, or one that cannot be read, is refused with a
    RunFolderError naming what differs, unless run.overwrite.
    """
    wanted = settings_of(asdict(run))
    found = runs_in(run.out) if os.path.isdir(run.out) else []
    what = "an unreadable run"
    try:
        if "metrics.json" in found:
            metrics = load_metrics(run.out)
            theirs = settings_of(metrics["config"])
            if theirs == wanted:
                return "done", metrics
            what = f"a run of other settings ({differences(theirs, wanted)})"
        elif "checkpoint.npz" in found:
            path = os.path.join(run.out, "checkpoint.npz")
            theirs = settings_of(asdict(read_run_checkpoint(path).config))
            if theirs == wanted:
                return "resume", replace(run, resume=path)
            what = f"a run of other settings ({differences(theirs, wanted)})"
    except (RunFolderError, CheckpointError, TypeError, KeyError) as err:
        what = f"a run that cannot be read ({err})"
    if found and not run.overwrite:
        raise RunFolderError(f"{run.out} already holds {what}; choose another --out, or replace "
                             f"it with --overwrite")
    return "train", run


def default_threads():
    """The cores of this machine shared by the runs it runs at once: its Dask worker's
    threads when in one (each of them runs a run), else 1 run."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        from distributed import get_worker

        concurrent = get_worker().state.nthreads
    except (ImportError, ValueError, AttributeError):
        concurrent = 1
    return max(1, (cores or 1) // max(1, concurrent))


@contextlib.contextmanager
def run_threads(threads):
    """Numba's and BLAS's threads set to ``threads`` for the block (None: default_threads();
    at most Numba's pool, NUMBA_NUM_THREADS); yields the count used."""
    import numba

    from ..kernels.threads import blas_threads, set_blas_threads

    threads = min(threads or default_threads(), numba.config.NUMBA_NUM_THREADS)
    before, blas_before = numba.get_num_threads(), blas_threads()
    numba.set_num_threads(threads)
    set_blas_threads(threads)
    try:
        yield threads
    finally:
        numba.set_num_threads(before)
        if blas_before is not None:
            set_blas_threads(blas_before)


def run_task(settings, threads=None):
    """Train (or read, or resume) the run of ``settings`` (TrainConfig.to_dict()).

    Returns {"status": "done", "metrics", "threads", "resumed_from", "seconds"} or
    {"status": "failed", "error", ...}; the run's printed lines are dropped (its history is in
    its metrics.json).
    """
    from .train import train

    started = time.perf_counter()
    outcome = {"status": "done", "resumed_from": None}
    try:
        config = TrainConfig.from_dict(settings).validate()
        kind, planned = plan(config)
        with run_threads(threads) as used, contextlib.redirect_stdout(io.StringIO()):
            outcome["threads"] = used
            if kind == "done":
                outcome["metrics"] = planned
            else:
                outcome["resumed_from"] = planned.resume and read_run_checkpoint(
                    planned.resume).epoch
                outcome["metrics"] = train(planned)
    except TinysnnError as err:
        outcome.update(status="failed", error=" ".join(str(err).split()))
    outcome["seconds"] = time.perf_counter() - started
    return outcome
