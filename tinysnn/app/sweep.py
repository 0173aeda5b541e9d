"""A sweep: many training runs, here or on a Dask cluster, with one file of all their numbers.

    python -m tinysnn sweep --set lr=1e-3,2e-3 --set T=4,8 --seeds 3 --out runs/sweep
    python -m tinysnn sweep ... --workers 4                      # a local Dask cluster
    python -m tinysnn sweep ... --scheduler tcp://HOST:8786      # an existing Dask cluster

Each run trains into its own folder under the sweep folder (sweep_grid: ``<point>/seed<k>``).
``<kind>.json`` (sweep.json, or ablation.json for the ablation) holds every run: its grid
point, seed, folder (relative to the sweep folder, so the sweep can be moved), settings, status
(done, failed, left) and numbers; ``<kind>.md`` the table of mean +- sample std per grid point.
Both are rewritten whenever a run finishes, so a partial table is readable early.

Before anything trains every run's folder is checked (sweep_run.plan): a finished run of the
same settings is read, an interrupted one is resumed, a folder with a run of other settings is
refused. Running the same command again therefore continues a stopped sweep: the finished runs
are skipped, the others resumed from their checkpoints.
"""

import os
import sys
import time
from dataclasses import dataclass, field, replace

from tqdm.auto import tqdm

from ..atomic import atomic_open
from ..errors import TinysnnError
from .report import ABLATION_COLUMNS, format_ablation
from .run_folder import make_folder
from .selectivity import format_selectivity_table
from .sweep_dask import executor
from .sweep_grid import GridError
from .sweep_run import plan, settings_of
from .train import write_json

#: the numbers of a run kept in the sweep's file (the table's columns, the layer table, what
#: its attention selects)
KEPT = (*ABLATION_COLUMNS[1:], "test_clip_accuracy", "layers", "attention_selectivity")


class SweepFailed(TinysnnError):
    """Some runs of a sweep failed (the others finished and are in its files)."""


@dataclass
class Sweep:
    """What a sweep runs and where its files go.

    kind: "sweep" or "ablation" (the names of its files); folder: the sweep folder; runs:
    sweep_grid.Run list; order: the grid points' labels in table order; config: the settings
    every run shares (before the grid is applied); about: more entries of the file (e.g. the
    grid, the variants); command: the command line, quoted in the table's file.
    """

    kind: str
    folder: str
    runs: list
    order: list
    config: object
    seeds: int
    about: dict = field(default_factory=dict)
    command: str = None


def run_sweep(sweep, workers=1, scheduler=None, threads=None, progress=True):
    """Run every run of ``sweep`` not finished yet; returns the table (Markdown).

    workers: processes of a local Dask cluster (1: in this process); scheduler: the address of
    an existing Dask cluster; threads: Numba and BLAS threads per run (None: the cores of a
    worker divided by the runs it runs at once). Raises SweepFailed, after writing the files,
    when a run failed.
    """
    on_dask = workers > 1 or scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if on_dask and any(run.config.loader_workers for run in sweep.runs):
        raise GridError("--loader-workers runs with the runs in this process only: a Dask "
                          "worker process cannot start processes of its own")
    make_folder(sweep.folder)
    records = [_record(run) for run in sweep.runs]
    tasks = []
    for index, run in enumerate(sweep.runs):      # every folder checked before anything trains
        kind, planned = plan(run.config)
        if kind == "done":
            _finish(records[index], {"status": "done", "metrics": planned})
        else:
            settings = replace(run.config, progress=False).to_dict()
            tasks.append((index, (settings, threads)))
    _write(sweep, records)
    if workers > 1 and not scheduler and threads is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        tasks = [(i, (s, max(1, cores // workers))) for i, (s, _) in tasks]
    bar = tqdm(total=len(records), initial=len(records) - len(tasks), unit="run",
               desc=sweep.kind, disable=not progress, dynamic_ncols=True)
    with bar, executor(workers, scheduler) as where:
        if where.dashboard and progress:
            print(f"Dask dashboard: {where.dashboard}", file=sys.stderr)
        started, times = time.perf_counter(), []
        _show(bar, records, where.slots, times)
        for index, outcome in where.run(tasks):
            _finish(records[index], outcome)
            times.append(time.perf_counter() - started)
            _write(sweep, records)
            bar.update(1)
            _show(bar, records, where.slots, times)
    failed = [r for r in records if r["status"] == "failed"]
    if failed:
        first = failed[0]
        raise SweepFailed(f"{len(failed)} of {len(records)} runs failed (first: {first['label']} "
                          f"seed {first['seed']}: {first['error']}); the others finished: see "
                          f"{os.path.join(sweep.folder, sweep.kind + '.md')}")
    return format_table(sweep, records)


def _record(run):
    record = {"label": run.label, "point": dict(run.point), "seed": run.seed, "out": run.folder,
              "status": "left", "settings": settings_of(run.config.to_dict())}
    if len(run.point) == 1 and run.point[0][0] == "attention":
        record["variant"] = run.point[0][1]
    return record


def _finish(record, outcome):
    """Put a run's outcome (sweep_run.run_task's) into its record."""
    record["status"] = outcome["status"]
    for key in ("threads", "resumed_from", "error"):
        if outcome.get(key) is not None:
            record[key] = outcome[key]
    metrics = outcome.get("metrics") or {}
    record.update({k: metrics[k] for k in KEPT if k in metrics})


def _show(bar, records, slots, times):
    count = {s: sum(r["status"] == s for r in records) for s in ("done", "failed", "left")}
    running = min(count["left"], slots)
    per_run = f"{times[-1] / len(times):.0f}s" if times else "-"
    bar.set_postfix_str(f"done {count['done']}, running {running}, failed {count['failed']}, "
                        f"left {count['left'] - running}, per run {per_run}")


def format_table(sweep, records):
    """The Markdown table: one line per grid point (mean +- std over its finished runs), then
    one line per failed run with its error."""
    done = [r for r in records if r["status"] == "done"]
    key = "variant" if sweep.kind == "ablation" else "label"
    table = format_ablation(done, order=sweep.order, key=key,
                            title="variant" if key == "variant" else "settings")
    width = table.splitlines()[0].count("|") - 1
    for r in records:
        if r["status"] == "failed":
            cells = [r["label"], f"failed (seed {r['seed']}): {r['error']}"]
            table += "\n| " + " | ".join(cells + [""] * (width - 2)) + " |"
    if any(r.get("attention_selectivity") for r in done):
        table += ("\n\nWhat the gates select (selectivity.py; no selection: spatial 1, "
                  "temporal 0, channel 0):\n\n"
                  + format_selectivity_table(done, order=sweep.order, key=key))
    return table


def _write(sweep, records):
    """Rewrite <kind>.json and <kind>.md from the records."""
    config = sweep.config
    write_json(os.path.join(sweep.folder, f"{sweep.kind}.json"),
               {"kind": sweep.kind, "command": sweep.command, **sweep.about, "seeds": sweep.seeds,
                "config": config.to_dict(), "runs": records})
    done = sum(r["status"] == "done" for r in records)
    failed = sum(r["status"] == "failed" for r in records)
    last = config.seed + sweep.seeds - 1
    settings = (f"dataset {config.dataset} {config.dataset_options}, T {config.T}, "
                f"{config.epochs} epochs, batch {config.batch_size}, lr {config.lr}, "
                f"scheduler {config.scheduler}, seeds {config.seed}..{last}")
    with atomic_open(os.path.join(sweep.folder, f"{sweep.kind}.md"), "w") as f:
        if sweep.command:
            f.write(f"Measured by `{sweep.command}`.\n\n")
        varied = sweep.about.get("grid")
        if varied:
            f.write(f"Varied: {', '.join(f'{k} {v}' for k, v in varied.items())}; the other "
                    f"settings as below.\n\n")
        f.write(f"Settings: {settings}. Runs finished: {done} of {len(records)}"
                f"{f', {failed} failed' if failed else ''}.\n\n")
        f.write(format_table(sweep, records) + "\n")
