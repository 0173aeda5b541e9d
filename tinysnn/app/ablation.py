"""The ablation: every variant trained with several seeds and one budget, reported as mean +- std.

    python -m tinysnn ablation --seeds 3 --out runs/ablation

The ablation is the sweep (tinysnn.app.sweep) over ``attention``: runs go to
``<out>/<variant>/seed<k>`` and are trained seed by seed (every variant with the first seed,
then with the second, ...), so a partial table is readable early. After each run
``ablation.json`` (every run's numbers) and ``ablation.md`` (the table, the command, the
settings) are rewritten. A run whose folder already holds the metrics of the same settings is
read instead of trained again, and one that was interrupted is resumed from its checkpoint,
so an interrupted ablation continues where it stopped when started again. A folder that holds
a run of other settings is refused before anything trains (unless config.overwrite).
"""

from dataclasses import replace

from .sweep import Sweep, run_sweep
from .sweep_grid import MAX_RUNS, grid_runs

#: what an ablation trains by default: the paper's five variants and the two controls
DEFAULT_VARIANTS = ("no", "TA", "CA", "SA", "TCSA", "no+relu", "const-gate")


def ablation_sweep(config, variants=DEFAULT_VARIANTS, seeds=1, command=None, max_runs=MAX_RUNS):
    """The Sweep of the ablation: each variant with seeds config.seed, config.seed + 1, ...
    (refused at once when it has more than max_runs runs or a seed out of range)."""
    variants = list(variants)
    runs = grid_runs({"attention": [(v, v) for v in variants]}, seeds, config.seed, config.out,
                     lambda given: replace(config, **given).validate(), max_runs=max_runs,
                     label=lambda point: point[0][1])
    return Sweep("ablation", config.out, runs, variants, config, seeds,
                 about={"variants": variants}, command=command)


def run_ablation(config, variants=DEFAULT_VARIANTS, seeds=1, command=None, **where):
    """Train each variant with seeds config.seed, config.seed + 1, ... and config's budget.

    Returns the Markdown table; writes ablation.json and ablation.md into config.out.
    command: the command line that asked for it, quoted in ablation.md. where: run_sweep's
    workers, scheduler, threads.
    """
    sweep = ablation_sweep(config, variants, seeds, command)
    return run_sweep(sweep, progress=config.progress, **where)
