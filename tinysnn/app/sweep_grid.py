"""The runs of a sweep: a grid of settings times seeds, each checked before anything trains.

    sets = parse_sets(["lr=1e-3,2e-3", "T=4,8"], train_options())   # {"lr": [...], "T": [...]}
    runs = grid_runs(sets, seeds=3, first_seed=0, out="runs/sweep", make_config=..., ...)

A grid point is one value of every ``--set`` option; it runs once per seed, into the folder
``<name>=<value>,<name>=<value>/seed<k>`` under the sweep folder (for the ablation: ``<variant>/
seed<k>``). The values of a ``--set`` option are read by the same argparse ``type`` and choices
as ``train``'s option of that name, and every run's TrainConfig is validated, so a grid holds
only runs ``train`` would start. The number of runs is bounded (``max_runs``) and counted before
a single run's settings are made.
"""

import math
import os
import urllib.parse
from dataclasses import dataclass, replace

from ..errors import TinysnnError
from .config import RULES, ConfigError

#: the grid's default bound on its number of runs (--max-runs raises it)
MAX_RUNS = 1000
#: train options a grid may not vary: where a run goes and how it is invoked, and the seed
#: (its own option, --seeds)
NOT_SWEPT = ("out", "resume", "overwrite", "no_progress", "debug", "seed", "help")


class GridError(TinysnnError):
    """A sweep that cannot be made: an unknown or repeated option, a bad value, too many runs."""


@dataclass(frozen=True)
class Run:
    """One run of a sweep: its grid point, seed, folder (relative to the sweep) and settings."""

    point: tuple        # ((option name, value text), ...) in --set order
    label: str          # the point as text: 'lr=0.001,T=4' (for an ablation: the variant)
    seed: int
    folder: str         # relative to the sweep folder, "/"-separated: '<label>/seed<k>'
    config: object      # its TrainConfig, validated; config.out = the sweep folder + folder


def parse_sets(texts, options):
    """{option dest: [(value text, value), ...]} from ``--set NAME=V1,V2,...`` texts.

    options: {dest: argparse action} of ``train``'s options; a name may be written as on the
    command line (``batch-size``, ``--batch-size``) or as the setting (``batch_size``).
    """
    sets = {}
    for text in texts:
        name, equals, values = text.partition("=")
        dest = name.strip().lstrip("-").replace("-", "_")
        if not equals or not dest:
            raise GridError(f"--set {text!r}: write NAME=VALUE1,VALUE2,... (e.g. lr=1e-3,2e-3)")
        if dest in NOT_SWEPT:
            raise GridError(f"--set {name}: a sweep cannot vary {name} (seeds: --seed and "
                            f"--seeds; the folder: --out)")
        if dest not in options:
            known = ", ".join(sorted(d.replace("_", "-") for d in options if d not in NOT_SWEPT))
            raise GridError(f"--set {name}: not an option of train; one of {known}")
        if dest in sets:
            raise GridError(f"--set {name} is given twice; list all its values in one --set")
        texts_ = [v.strip() for v in values.split(",")]
        if not all(texts_):
            raise GridError(f"--set {text!r}: an empty value")
        if len(set(texts_)) != len(texts_):
            raise GridError(f"--set {text!r}: a value is listed twice")
        sets[dest] = [(v, _value(options[dest], name, v)) for v in texts_]
    return sets


def _value(action, name, text):
    """The value of ``text`` for the option ``action``, read as train reads it."""
    try:
        value = action.type(text) if action.type is not None else text
    except Exception as err:  # noqa: BLE001 (argparse types raise several kinds)
        raise GridError(f"--set {name}: {text!r}: {err}") from None
    if action.choices is not None and value not in action.choices:
        raise GridError(f"--set {name}: {text!r} is not one of {', '.join(action.choices)}")
    return value


def check_size(sets, seeds, max_runs):
    """Refuse a grid of more than max_runs runs before any run is made; returns the count."""
    runs = math.prod(len(values) for values in sets.values()) * seeds
    if runs > max_runs:
        sizes = " x ".join([*(str(len(v)) for v in sets.values()), f"{seeds} seeds"])
        raise GridError(f"the sweep has {runs} runs ({sizes}), more than --max-runs "
                        f"{max_runs}; give a larger --max-runs if that is meant")
    return runs


def check_seeds(first_seed, seeds):
    """Every seed first_seed .. first_seed + seeds - 1 must be a valid seed."""
    last = first_seed + seeds - 1
    try:
        RULES["seed"].check("seed", last)
    except ConfigError as err:
        raise GridError(f"--seed {first_seed} with --seeds {seeds}: the last seed is {last}; "
                        f"{err}") from None


def point_label(point):
    """'lr=0.001,T=4': the grid point ((name, value text), ...) as text."""
    return ",".join(f"{name}={text}" for name, text in point)


def folder_name(label):
    """The label as a folder name: every character a file name cannot hold escaped ('%2F')."""
    return urllib.parse.quote(label, safe="=.+-_,") or "base"


def grid_runs(sets, seeds, first_seed, out, make_config, max_runs=MAX_RUNS, label=point_label):
    """Every run of the grid, seed by seed (all points with the first seed, then the next, so
    that a partial table is readable early); each run's settings checked.

    sets: parse_sets' result; make_config({dest: value}) -> TrainConfig of that grid point (out
    and seed still to set); label(point) -> the point's name in tables and folders.
    """
    check_size(sets, seeds, max_runs)
    check_seeds(first_seed, seeds)
    points = [()]
    for dest, values in sets.items():
        points = [(*p, (dest, text, value)) for p in points for text, value in values]
    configs = []
    for p in points:
        try:
            configs.append(make_config({dest: value for dest, _, value in p}))
        except ConfigError as err:
            label = ",".join(f"{d}={t}" for d, t, _ in p)
            raise GridError(f"the grid point {label}: {err}") from None
    runs = []
    for seed in range(first_seed, first_seed + seeds):
        for p, config in zip(points, configs):
            point = tuple((dest.replace("_", "-"), text) for dest, text, _ in p)
            name = f"{folder_name(label(point))}/seed{seed}"
            run_config = replace(config, seed=seed,
                                 out=os.path.join(out, *name.split("/"))).validate()
            runs.append(Run(point, label(point) or "base", seed, name, run_config))
    return runs
