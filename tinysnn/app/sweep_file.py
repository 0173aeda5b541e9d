"""Reading a sweep's file (sweep.json, ablation.json) back: checked before anything is drawn.

    document = read_sweep_file("runs/ablation")          # ablation.json or sweep.json, checked
    for record in finished_runs(document): ...
    checkpoint = run_checkpoint("runs/ablation", record) # the run's checkpoint, checked to be it

A sweep's file is data from disk, like a checkpoint: ``SCHEMA`` states what it must hold and a
file that breaks it is refused with a SweepFileError naming the file and the entry
(``runs[2].layers: missing``). A run's folder is stored relative to the sweep folder and is
resolved from it (never from where the command runs), may not leave it (no absolute path, no
``..``), and its checkpoint must be the run it is listed as: same variant, seed and grid point.
"""

import math
import os
import posixpath

from .. import bounded_json
from ..errors import TinysnnError
from .checkpoint import CheckpointError
from .resume import read_run_checkpoint

FILES = ("ablation.json", "sweep.json")
MAX_BYTES = 64 << 20        # a sweep's file larger than this is not one tinysnn wrote


class SweepFileError(TinysnnError):
    """A sweep's file (or a run it lists) that is not what tinysnn wrote."""


def _is(kind):
    return lambda v: isinstance(v, kind) and not isinstance(v, bool)


def _number(v):
    return v is None or (_is((int, float))(v) and math.isfinite(v))


def _layer(v):
    return isinstance(v, dict) and isinstance(v.get("name"), str) and \
        _is((int, float))(v.get("firing_rate")) and math.isfinite(v["firing_rate"])


#: entry -> (test, what it must be); entries of every run, then of a finished run
RUN = {"seed": (lambda v: _is(int)(v) and v >= 0, "an integer >= 0"),
       "out": (lambda v: isinstance(v, str) and bool(v), "a folder relative to the sweep's")}
FINISHED = {"layers": (lambda v: isinstance(v, list) and bool(v) and all(map(_layer, v)),
                       "a non-empty list of layers, each with a name and a finite firing_rate"),
            "params": (lambda v: _is(int)(v) and v >= 0, "an integer >= 0"),
            **{k: (_number, "a finite number or null") for k in (
                "test_accuracy", "best_test_accuracy", "spikes_per_sample", "firing_rate",
                "energy_uj_per_sample", "energy_with_attention_uj_per_sample", "seconds")}}
STATUSES = ("done", "failed", "left")


def _load(path):
    if os.path.getsize(path) > MAX_BYTES:
        raise SweepFileError(f"{path}: larger than {MAX_BYTES >> 20} MiB; not a sweep's file")
    try:
        return bounded_json.load_file(path)
    except ValueError as err:       # not UTF-8, not JSON, nested too deeply (bounded_json)
        raise SweepFileError(f"{path}: not valid JSON ({err})") from None


def check_document(document, path):
    """The sweep's document, checked against RUN and FINISHED; SweepFileError otherwise."""
    ablation = os.path.basename(path) == "ablation.json"
    if not isinstance(document, dict):
        raise SweepFileError(f"{path}: must be a JSON object with 'runs', got "
                             f"{type(document).__name__}")
    runs = document.get("runs")
    if not isinstance(runs, list) or not runs:
        raise SweepFileError(f"{path}: 'runs' must be a non-empty list, got {str(runs)[:40]}")
    key = "variant" if ablation else "label"
    if ablation and not (isinstance(document.get("variants"), list)
                         and all(isinstance(v, str) for v in document["variants"])):
        raise SweepFileError(f"{path}: 'variants' must be a list of variant names")
    for i, run in enumerate(runs):
        where = f"{path}: runs[{i}]"
        if not isinstance(run, dict):
            raise SweepFileError(f"{where} must be an object, got {type(run).__name__}")
        status = run.get("status", "done")          # files of earlier versions: all finished
        if status not in STATUSES:
            raise SweepFileError(f"{where}.status must be one of {', '.join(STATUSES)}, got "
                                 f"{status!r}")
        rules = {key: (lambda v: isinstance(v, str) and bool(v), "a non-empty name"), **RUN,
                 **(FINISHED if status == "done" else {})}
        for name, (test, what) in rules.items():
            if name not in run:
                raise SweepFileError(f"{where}.{name}: missing (must be {what})")
            if not test(run[name]):
                raise SweepFileError(f"{where}.{name} must be {what}, got {str(run[name])[:40]}")
        run_folder(path, run, where)
    _check_same_layers(runs, key, path)
    return document


def _check_same_layers(runs, key, path):
    """The runs of one grid point must have the same layers (their rates are averaged)."""
    names = {}
    for i, run in enumerate(runs):
        if run.get("status", "done") == "done":
            layers = [layer["name"] for layer in run["layers"]]
            first = names.setdefault(run[key], (i, layers))
            if first[1] != layers:
                raise SweepFileError(f"{path}: runs[{i}].layers differ from runs[{first[0]}]'s "
                                     f"of the same {key} {run[key]!r}")


def run_folder(path, run, where=None):
    """The run's folder: its 'out' resolved from the folder of the sweep's file ``path``."""
    out = run["out"]
    parts = out.replace(os.sep, "/").split("/")
    if posixpath.isabs(out) or os.path.isabs(out) or ".." in parts:
        raise SweepFileError(f"{where or path}.out {out!r} must be a folder inside the sweep "
                             f"folder (relative, without '..')")
    return os.path.join(os.path.dirname(path), *parts)


def read_sweep_file(folder):
    """(path, document) of the sweep's file in ``folder`` (ablation.json, else sweep.json)."""
    for name in FILES:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path, check_document(_load(path), path)
    raise SweepFileError(f"{folder}: no {' or '.join(FILES)}")


def finished_runs(document):
    """The records of the runs that finished (files of earlier versions list only those)."""
    return [run for run in document["runs"] if run.get("status", "done") == "done"]


def run_checkpoint(path, run):
    """The checkpoint of ``run`` (a record of the sweep's file ``path``), checked to be the run
    it is listed as: the same variant, seed and grid point settings."""
    checkpoint_path = os.path.join(run_folder(path, run), "checkpoint.npz")
    try:
        checkpoint = read_run_checkpoint(checkpoint_path)
    except CheckpointError as err:
        raise SweepFileError(f"{path}: the run {run.get('variant', run.get('label'))} seed "
                             f"{run['seed']}: {err}") from None
    config = checkpoint.config.to_dict()
    expected = {"seed": run["seed"], **({"attention": run["variant"]} if "variant" in run else {}),
                **{k: v for k, v in (run.get("settings") or {}).items() if k != "dataset_options"}}
    wrong = [f"{k} {config.get(k)!r} (listed {v!r})" for k, v in expected.items()
             if k in config and config.get(k) != v]
    if wrong:
        raise SweepFileError(f"{checkpoint_path} is not the run {path} lists there: "
                             f"{'; '.join(wrong)}")
    return checkpoint_path
