"""The ablation: every variant trained with several seeds and one budget, reported as mean +- std.

    python -m tinysnn ablation --seeds 3 --out runs/ablation

Runs go to ``<out>/<variant>/seed<k>`` and are trained seed by seed (every variant with the
first seed, then with the second, ...), so a partial table is readable early. After each run
``ablation.json`` (every run's numbers) and ``ablation.md`` (the table, the command, the
settings) are rewritten. A run whose folder already holds the metrics of the same settings is
read instead of trained again, and one that was interrupted is resumed from its checkpoint,
so an interrupted ablation continues where it stopped when started again. A folder that holds
a run of other settings is refused before anything trains (unless config.overwrite).
"""

import os
from dataclasses import asdict, replace

from ..atomic import atomic_open
from .checkpoint import CheckpointError
from .config import INVOCATION_FIELDS
from .report import ABLATION_COLUMNS, format_ablation, load_metrics
from .resume import read_run_checkpoint
from .run_folder import RunFolderError, check_fresh_folder, make_folder, runs_in
from .selectivity import format_selectivity_table
from .train import train, write_json

#: what an ablation trains by default: the paper's five variants and the two controls
DEFAULT_VARIANTS = ("no", "TA", "CA", "SA", "TCSA", "no+relu", "const-gate")


def _settings(config):
    """What makes two runs the same: the settings without how a run is invoked or cached."""
    settings = {k: v for k, v in config.items() if k not in INVOCATION_FIELDS}
    options = settings.get("dataset_options") or {}
    settings["dataset_options"] = {k: v for k, v in options.items() if k != "cache"}
    return settings


def _plan(run):
    """("done", metrics) for a finished run of these settings in run.out, ("resume", run with
    resume set) for an interrupted one, ("train", run) for an empty folder or with overwrite;
    RunFolderError for a folder that holds a run of other settings."""
    wanted = _settings(asdict(run))
    found = runs_in(run.out) if os.path.isdir(run.out) else []
    try:
        if "metrics.json" in found:
            metrics = load_metrics(run.out)
            if _settings(metrics["config"]) == wanted:
                return "done", metrics
        elif "checkpoint.npz" in found:
            path = os.path.join(run.out, "checkpoint.npz")
            if _settings(asdict(read_run_checkpoint(path).config)) == wanted:
                return "resume", replace(run, resume=path)
    except (RunFolderError, CheckpointError):
        pass                           # unreadable: a run of unknown settings, refused below
    check_fresh_folder(run.out, run.overwrite)
    return "train", run


def run_ablation(config, variants=DEFAULT_VARIANTS, seeds=1, command=None):
    """Train each variant with seeds config.seed, config.seed + 1, ... and config's budget.

    Returns the Markdown table; writes ablation.json and ablation.md into config.out.
    command: the command line that asked for it, quoted in ablation.md.
    """
    make_folder(config.out)
    runs = [replace(config, attention=variant, seed=seed,
                    out=os.path.join(config.out, variant, f"seed{seed}"))
            for seed in range(config.seed, config.seed + seeds) for variant in variants]
    plans = [_plan(run) for run in runs]        # every folder checked before anything trains
    rows = []
    for run, (kind, plan) in zip(runs, plans):
        metrics = plan if kind == "done" else train(plan)
        rows.append({"variant": run.attention, "seed": run.seed, "out": run.out,
                     **{k: metrics[k] for k in ABLATION_COLUMNS[1:]},
                     "layers": metrics["layers"],
                     "attention_selectivity": metrics.get("attention_selectivity", {})})
        _write(config, rows, variants, seeds, command)
    return _tables(rows, variants)


def _tables(rows, variants):
    """The ablation table, and what the gates select when the runs measured it."""
    table = format_ablation(rows, order=variants)
    if any(r["attention_selectivity"] for r in rows):
        table += ("\n\nWhat the gates select (selectivity.py; no selection: spatial 1, "
                  "temporal 0, channel 0):\n\n" + format_selectivity_table(rows, variants))
    return table


def _write(config, rows, variants, seeds, command):
    write_json(os.path.join(config.out, "ablation.json"),
               {"command": command, "variants": list(variants), "seeds": seeds,
                "config": asdict(config), "runs": rows})
    done = len(rows)
    total = len(variants) * seeds
    settings = (f"dataset {config.dataset} {config.dataset_options}, T {config.T}, "
                f"{config.epochs} epochs, batch {config.batch_size}, lr {config.lr}, "
                f"scheduler {config.scheduler}, seeds {config.seed}..{config.seed + seeds - 1}")
    with atomic_open(os.path.join(config.out, "ablation.md"), "w") as f:
        if command:
            f.write(f"Measured by `{command}`.\n\n")
        f.write(f"Settings: {settings}. Runs finished: {done} of {total}.\n\n")
        f.write(_tables(rows, variants) + "\n")
