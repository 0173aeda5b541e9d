"""The command-line side of ``sweep`` and ``ablation``: their own options, and the grid read from
``--set`` through ``train``'s options.

    python -m tinysnn sweep --set lr=1e-3,2e-3 --set T=4,8 --seeds 2 --out runs/sweep --workers 2
"""

import argparse
import copy

from .ablation import ablation_sweep
from .config import Number
from .sweep import Sweep, run_sweep
from .sweep_grid import MAX_RUNS, GridError, grid_runs, parse_sets


def add_where_options(p):
    """The options of every command that runs many runs: how many, where, on how many threads."""
    p.add_argument("--seeds", type=Number(int, low=1).option, default=1,
                   help="seeds per grid point: --seed, --seed + 1, ... (default 1)")
    p.add_argument("--max-runs", type=Number(int, low=1).option, default=MAX_RUNS,
                   help="refuse a sweep of more runs than this (default %(default)s)")
    p.add_argument("--workers", type=Number(int, low=1, high=1024).option, default=1,
                   help="run on a local Dask cluster of this many worker processes (default 1: "
                        "one run after another in this process; needs the [distributed] extra)")
    p.add_argument("--dask-scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run on an existing Dask cluster (`dask scheduler`; also "
                        "DASK_SCHEDULER_ADDRESS); --out must be a folder every worker sees "
                        "(--scheduler is the learning-rate schedule)")
    p.add_argument("--threads-per-run", type=Number(int, low=1, high=1024).option, default=None,
                   help="Numba and BLAS threads of each run (default: the cores of its worker "
                        "divided by the runs it runs at once); a run's numbers depend on it")


def add_sweep_options(p):
    """The options of ``sweep`` beside train's: the grid (--set), the variant, the folder."""
    p.add_argument("--set", action="append", default=[], metavar="NAME=V1,V2,...",
                   help="vary a train option over these values (repeatable: the grid is every "
                        "combination), e.g. --set lr=1e-3,2e-3 --set T=4,8")
    p.add_argument("--attention", default=None, help="the variant of every run (default TCSA)")
    p.add_argument("--out", default="runs/sweep")
    add_where_options(p)


def train_options(root):
    """{dest: argparse action} of ``train``'s options in the parser ``root``."""
    sub = next(a for a in root._actions if isinstance(a, argparse._SubParsersAction))
    return {a.dest: a for a in sub.choices["train"]._actions if a.option_strings}


def where(args):
    """run_sweep's keywords (where and how the runs execute) from the command line."""
    return dict(workers=args.workers, scheduler=args.dask_scheduler, threads=args.threads_per_run,
                progress=not args.no_progress)


def cmd_sweep(args, root, config_from, command):
    """The grid of ``--set`` x ``--seeds`` under --out; prints its table."""
    sets = parse_sets(args.set, train_options(root))
    given = [f"--{dest.replace('_', '-')}" for dest in sets if getattr(args, dest, None)
             is not None]
    if given:
        raise GridError(f"{', '.join(given)} given both alone and in --set; give it once")

    def make_config(values):
        point = copy.copy(args)
        for dest, value in values.items():
            setattr(point, dest, value)
        return config_from(point, out=args.out, attention=point.attention)

    base = make_config({})
    runs = grid_runs(sets, args.seeds, base.seed, args.out, make_config, args.max_runs)
    order = list(dict.fromkeys(run.label for run in runs))
    grid = {dest.replace("_", "-"): [text for text, _ in values] for dest, values in sets.items()}
    sweep = Sweep("sweep", args.out, runs, order, base, args.seeds, about={"grid": grid},
                  command=command)
    print(run_sweep(sweep, **where(args)))


def cmd_ablation(args, variants, config, command):
    """The ablation of ``variants`` with config's budget; prints its table."""
    sweep = ablation_sweep(config, variants, args.seeds, command=command,
                           max_runs=args.max_runs)
    print(run_sweep(sweep, **where(args)))
