"""A run's checkpoint: what it must hold, how it is checked, how a run continues from it.

A checkpoint is data, not instructions. Before anything in it is used, ``read_run_checkpoint``
checks its metadata against ``META`` (one rule per entry, the settings by TrainConfig's own
rules) and its arrays for numbers that are finite; ``restore`` then loads the weights and the
optimizer state, each checked against the model before anything changes. Whatever is wrong
becomes a CheckpointError naming the file and the entry.

What a checkpoint never decides: where a run writes (``--out`` or the checkpoint's own folder)
and where the data-set cache lives (the environment or the caller): neither is read from it.

Continuing a run (``train --resume ckpt --epochs N``) trains epochs ``epoch + 1 .. N`` as if
the run had been planned for N epochs: a schedule that is a formula of the epoch (cosine) is
evaluated over the new horizon, so extending a finished run does not train at its final lr of
0. A learning rate given again (``--lr``) is applied: it becomes the schedule's base.
"""

from dataclasses import dataclass, fields, replace

import numpy as np

from .. import random_state
from .checkpoint import CheckpointError, load_checkpoint
from .config import INVOCATION_FIELDS, ConfigError, Number, Text, TrainConfig

#: settings that decide the network's shape: a resume must keep them
MODEL_FIELDS = ("dataset", "model", "attention", "preset", "T", "neuron", "nir", "dt")
#: settings a checkpoint must state (others may be missing in older files: defaults are used;
#: "model" came later, so a checkpoint without it holds the default MASNN)
REQUIRED_SETTINGS = ("dataset", "attention", "preset", "T", "neuron", "epochs", "batch_size",
                     "lr", "seed")


class JsonObject:
    """The rule for an entry that must be a JSON object (a dict), or None when optional; its
    contents are checked by whoever loads it."""

    def __init__(self, optional=False):
        self.optional = optional

    def check(self, name, value):
        if value is None and self.optional:
            return None
        if not isinstance(value, dict):
            raise ConfigError(f"{name} must be a JSON object, got {type(value).__name__}")
        return value


class GeneratorState(JsonObject):
    """The state of a NumPy bit generator, as ``bit_generator.state`` gives it."""

    def check(self, name, value):
        try:
            return random_state.check_state(super().check(name, value))
        except ValueError as err:
            raise ConfigError(f"{name}: {err}") from None


class History:
    """One record per epoch done: epoch 1, 2, ... with finite numbers."""

    NUMBERS = ("train_loss", "train_accuracy", "test_accuracy")

    def check(self, name, value):
        if not isinstance(value, list):
            raise ConfigError(f"{name} must be a list, got {type(value).__name__}")
        for i, record in enumerate(value):
            if not isinstance(record, dict) or record.get("epoch") != i + 1:
                raise ConfigError(f"{name}[{i}] must be the record of epoch {i + 1}, "
                                  f"got {str(record)[:60]}")
            for key in self.NUMBERS:
                Number(float).check(f"{name}[{i}].{key}", record.get(key))
        return value


class Progress(JsonObject):
    """A scheduler's progress: numbers (not NaN), among them the epoch, an integer >= 0."""

    def check(self, name, value):
        if super().check(name, value) is None:
            return None
        for key, number in value.items():
            rule = Number(int, low=0) if key in ("epoch", "bad_epochs") else Number(float)
            if not (key == "best" and number in (float("inf"), float("-inf"))):  # not improved yet
                rule.check(f"{name}.{key}", number)
        Number(int, low=0).check(f"{name}.epoch", value.get("epoch"))
        return value


class Settings:
    """A run's settings: the TrainConfig they make, checked by its rules. How that run was
    invoked (its folder, its flags) and its cache folder are left out."""

    def check(self, name, value):
        JsonObject().check(name, value)
        missing = [k for k in REQUIRED_SETTINGS if k not in value]
        if missing:
            raise ConfigError(f"{name} lacks {missing}")
        defaults = TrainConfig()
        settings = {k: v for k, v in value.items() if k not in INVOCATION_FIELDS}
        options = JsonObject().check(f"{name}.dataset_options", value.get("dataset_options", {}))
        settings["dataset_options"] = {k: v for k, v in options.items() if k != "cache"}
        try:
            config = TrainConfig.from_dict(settings)
            config = replace(config, **{k: getattr(defaults, k) for k in INVOCATION_FIELDS})
            return config.validate()
        except ConfigError as err:
            raise ConfigError(f"{name}: {err}") from None


#: what the metadata of a run's checkpoint holds; add an entry here to checkpoint more
META = {
    "config": Settings(),
    "epoch": Number(int, low=1),
    "history": History(),
    "scheduler": Progress(optional=True),
    "rng": GeneratorState(),                  # the weights' and dropout's generator
    "transform": JsonObject(optional=True),   # checked by the transform that loads it
    "nir_graph": Text(optional=True),         # a --nir run's graph (nir_model.py); else absent
}
#: entries older checkpoints lack: None when missing
MAY_BE_MISSING = ("nir_graph",)


@dataclass
class RunCheckpoint:
    """A checkpoint read and checked: its arrays, its metadata and the run's settings."""
    path: str
    model_state: dict   # name -> array
    optim_state: dict   # name -> array
    meta: dict          # META's entries, checked
    config: TrainConfig  # the saved run's settings (invocation fields at their defaults)

    @property
    def epoch(self):
        return self.meta["epoch"]

    def settings(self):
        """The saved settings a resumed run starts from (without how that run was invoked)."""
        return {f.name: getattr(self.config, f.name) for f in fields(self.config)
                if f.name not in INVOCATION_FIELDS}


def read_run_checkpoint(path):
    """A run's checkpoint, checked: RunCheckpoint, or CheckpointError naming what is wrong."""
    model_state, optim_state, meta = load_checkpoint(path)
    checked = {}
    for key, rule in META.items():
        if key not in meta and key in MAY_BE_MISSING:
            checked[key] = None
            continue
        if key not in meta:
            raise CheckpointError(f"checkpoint {path}: metadata lacks {key!r}")
        try:
            checked[key] = rule.check(key, meta[key])
        except ConfigError as err:
            raise CheckpointError(f"checkpoint {path}: {err}") from None
    if len(checked["history"]) != checked["epoch"]:
        raise CheckpointError(f"checkpoint {path}: epoch {checked['epoch']} but a history of "
                              f"{len(checked['history'])} epochs")
    for prefix, arrays in (("model", model_state), ("optim", optim_state)):
        for name, array in arrays.items():
            if array.dtype.kind not in "biuf" or not np.isfinite(array).all():
                raise CheckpointError(f"checkpoint {path}: {prefix}/{name} must hold finite "
                                      f"numbers, got {array.dtype} "
                                      f"{'with NaN or inf' if array.dtype.kind == 'f' else ''}")
    return RunCheckpoint(path, model_state, optim_state, checked, checked.pop("config"))


def load_weights(checkpoint, model):
    """Copy the checkpoint's weights into ``model``; CheckpointError if they do not fit it."""
    try:
        model.load_state_dict(checkpoint.model_state)
    except (KeyError, ValueError, TypeError) as err:
        message = err.args[0] if err.args else err
        raise CheckpointError(f"checkpoint {checkpoint.path}: its weights do not fit the "
                              f"model: {message}") from None


def check_same_model(config, checkpoint):
    """Resuming must rebuild the same network on the same data; name what differs."""
    saved = checkpoint.config
    changed = [f"{k}: {getattr(saved, k)!r} -> {getattr(config, k)!r}" for k in MODEL_FIELDS
               if getattr(saved, k) != getattr(config, k)]
    if changed:
        raise ConfigError(f"cannot resume {checkpoint.path} with other model settings "
                          f"({'; '.join(changed)})")


def check_epochs_left(config, checkpoint):
    """Resuming must train at least one more epoch; name how to extend a finished run."""
    if config.epochs <= checkpoint.epoch:
        raise ConfigError(f"{checkpoint.path} has already trained {checkpoint.epoch} epochs; "
                          f"give --epochs (epochs) above {checkpoint.epoch} to extend it")


def restore(checkpoint, config, model, optimizer, scheduler, transform):
    """Continue from ``checkpoint``: weights, optimizer, schedule, generators; each is checked
    before it is used. Returns (history so far, first epoch to train)."""
    check_same_model(config, checkpoint)
    load_weights(checkpoint, model)
    meta, where = checkpoint.meta, f"checkpoint {checkpoint.path}"
    try:
        optimizer.load_state_dict(checkpoint.optim_state)
        if scheduler is not None:  # its progress, from whatever schedule the run had before
            scheduler.load_state_dict({**scheduler.state_dict(), **(meta["scheduler"] or {}),
                                       "epoch": checkpoint.epoch})
        if transform is not None and meta["transform"] is not None:
            transform.load_state_dict(meta["transform"])
    except (KeyError, ValueError, TypeError) as err:
        message = err.args[0] if err.args else err
        raise CheckpointError(f"{where}: {message}") from None
    if (scheduler is None or scheduler.lr_at(checkpoint.epoch) is None) \
            and config.lr != checkpoint.config.lr:
        optimizer.lr = config.lr          # a new lr given on resume applies from now on
    random_state.generator().bit_generator.state = meta["rng"]
    return [dict(record) for record in meta["history"]], checkpoint.epoch + 1
