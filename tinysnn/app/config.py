"""TrainConfig, everything that defines a run, and the rules its values must obey.

    config = TrainConfig(attention="TCSA", epochs=10, out="runs/tcsa").validate()

One rule per setting (``RULES``) checks a value wherever it comes from: a TrainConfig made in
Python, an option on the command line (``RULES["lr"].option`` is an argparse ``type``), or the
settings stored in a checkpoint. A value that breaks its rule is refused with a ConfigError that
names the setting, what it must be, and what came: ``lr must be a finite number > 0, got nan``.
NaN and infinities are refused everywhere; bools are not numbers.

To add a setting: add the field to TrainConfig and its rule to RULES (a test checks that every
field has one). ``Number``, ``Choice``, ``Text``, ``Flag`` and ``Options`` cover the kinds in use.
"""

import argparse
import numbers
from dataclasses import asdict, dataclass, field, fields

from ..errors import TinysnnError
from ..nn.models import ALL_VARIANTS, MODELS, NEURONS, VARIANTS
from ..settings import PRESETS, RUN
from ..validate import interval, is_finite, is_number, within
from . import recipes
from .datasets import DATASETS, FRAMINGS, LEVELS, file_datasets


class ConfigError(TinysnnError, ValueError):
    """Settings that cannot make a run (bad values, a resume with another model)."""


@dataclass(frozen=True)
class Number:
    """A finite int (kind=int) or float in [low, high] (an end excluded when low_open or
    high_open)."""

    kind: type = float
    low: float = None
    high: float = None
    low_open: bool = False
    optional: bool = False  # None is allowed
    high_open: bool = False

    def describe(self):
        what = "an integer" if self.kind is int else "a finite number"
        return what + interval(self.low, self.high, self.low_open, self.high_open)

    def check(self, name, value):
        if value is None and self.optional:
            return None
        if not self._fits(value):
            raise ConfigError(f"{name} must be {self.describe()}, got {value!r}")
        return self.kind(value)

    def _fits(self, value):
        if not is_number(value):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        if self.kind is float and not is_finite(value):
            return False
        return within(value, self.low, self.high, self.low_open, self.high_open)

    def option(self, text):
        """argparse ``type=``: the text of a command-line option -> a checked value."""
        try:
            value = int(text) if self.kind is int else float(text)
            return self.check("value", value)
        except (ValueError, ConfigError):
            shown = text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"
            raise argparse.ArgumentTypeError(f"must be {self.describe()}, got {shown!r}") \
                from None


@dataclass(frozen=True)
class Choice:
    """One of ``options`` (a tuple, or a dict whose keys are read when a value is checked, so
    that entries added to it later are accepted)."""

    options: object
    optional: bool = False

    def check(self, name, value):
        if value is None and self.optional:
            return None
        if not isinstance(value, str) or value not in tuple(self.options):
            raise ConfigError(f"{name} must be one of {', '.join(self.options)}, got {value!r}")
        return value


@dataclass(frozen=True)
class Text:
    """A non-empty string (a path)."""

    optional: bool = False

    def check(self, name, value):
        if value is None and self.optional:
            return None
        if not isinstance(value, str) or not value or "\0" in value:
            raise ConfigError(f"{name} must be a non-empty path, got {value!r}")
        return value


@dataclass(frozen=True)
class Flag:
    """A boolean setting (True or False, nothing else)."""
    optional: bool = False

    def check(self, name, value):
        if value is None and self.optional:
            return None
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false, got {value!r}")
        return value


@dataclass(frozen=True)
class Options:
    """A dict whose known keys each follow their rule; unknown keys are refused."""

    rules: dict

    def check(self, name, value):
        if not isinstance(value, dict):
            raise ConfigError(f"{name} must be a mapping, got {type(value).__name__}")
        unknown = sorted(str(k) for k in set(value) - set(self.rules))
        if unknown:
            raise ConfigError(f"{name}: unknown keys {unknown}; known: {sorted(self.rules)}")
        return {k: self.rules[k].check(f"{name}.{k}", v) for k, v in value.items()}


#: options of the data sets (TrainConfig.dataset_options)
DATASET_OPTIONS = {
    "samples_per_class": Number(int, low=1, optional=True),       # synthetic gestures
    "test_samples_per_class": Number(int, low=1, optional=True),
    "level": Choice(LEVELS, optional=True),
    "sensor": Number(int, low=4, high=4096, optional=True),
    "random_crop": Number(float, low=0, high=1, low_open=True, optional=True),
    "cache": Text(optional=True),                  # cache folder (API only, never from a file)
    "framing": Choice(FRAMINGS, optional=True),                    # event data sets
    "bin_us": Number(int, low=1, optional=True),
    "clips": Number(int, low=1, optional=True),
    "random_start": Flag(optional=True),            # False: training windows at the start
    "encoding": Choice(("rate", "image"), optional=True),          # digits
    "size": Number(int, low=8, optional=True),
}

#: more epochs than anyone trains: bounds the schedules' arithmetic (a 400-digit --epochs)
MAX_EPOCHS = 1_000_000
#: Adam moves each weight by about lr per step: above this a run only overflows, so it is
#: refused before any arithmetic instead of after a screen of NumPy overflow warnings
MAX_LR = 10.0

RULES = {
    "dataset": Choice(DATASETS),
    "data_dir": Text(optional=True),
    "model": Choice(MODELS),
    "attention": Choice(ALL_VARIANTS),
    "preset": Choice(PRESETS, optional=True),
    "T": Number(int, low=1),
    "epochs": Number(int, low=1, high=MAX_EPOCHS),
    "batch_size": Number(int, low=1),
    "lr": Number(float, low=0, high=MAX_LR, low_open=True),
    "weight_decay": Number(float, low=0),
    "loss": Choice(("mse", "ce")),
    "scheduler": Choice(("cosine", "plateau", "none")),
    "plateau_factor": Number(float, low=0, high=1, low_open=True, high_open=True),
    "plateau_patience": Number(int, low=0),
    "clip_grad": Number(float, low=0, low_open=True, optional=True),
    "neuron": Choice(NEURONS),
    "seed": Number(int, low=0, high=2**63 - 1),
    "device": Choice(("cpu", "cuda")),
    "out": Text(),
    "resume": Text(optional=True),
    "overwrite": Flag(),
    "progress": Flag(),
    "loader_workers": Number(int, low=0, high=256),
    "dataset_options": Options(DATASET_OPTIONS),
    "nir": Text(optional=True),                       # a NIR graph as the network (nir_model.py)
    "dt": Number(float, low=0, low_open=True, optional=True),   # its time step
}

#: how this run is invoked, not what it is: not carried over when a run is resumed
INVOCATION_FIELDS = ("out", "resume", "overwrite", "progress", "loader_workers")


@dataclass
class TrainConfig:
    """Everything that defines a run; saved in checkpoints and metrics.json.

    Fields left at None take the value of the recipes of the preset, the model and the data set,
    else tinysnn's default (tinysnn.settings; resolved by tinysnn.app.recipes):
    ``TrainConfig(preset="paper-gesture")`` trains as the paper did,
    ``TrainConfig(preset="paper-gesture", epochs=20)`` too, for 20 epochs;
    ``TrainConfig(dataset="cifar10dvs")`` frames CIFAR10-DVS as the authors (T 20, 10 ms bins).
    """

    dataset: str = "synthetic-gestures"
    data_dir: str = None
    model: str = "masnn"          # or attres18, attres34, attres104 (Att-Res-SNN)
    attention: str = None
    preset: str = None
    T: int = None
    epochs: int = None
    batch_size: int = None
    lr: float = None
    weight_decay: float = None
    loss: str = None
    scheduler: str = None
    plateau_factor: float = None
    plateau_patience: int = None
    clip_grad: float = None
    neuron: str = None
    seed: int = 0
    device: str = "cpu"
    out: str = "runs/masnn"
    resume: str = None
    overwrite: bool = False       # a fresh run may replace a run already in ``out``
    progress: bool = True
    loader_workers: int = 0       # processes that prepare batches ahead (same batches as 0)
    dataset_options: dict = field(default_factory=dict)
    nir: str = None               # a .nir graph to train instead of a built-in model
    dt: float = None              # the time step the graph is discretised at (with nir)

    def __post_init__(self):
        for name in ("dataset", "model", "preset", "dataset_options"):   # what recipes follow
            RULES[name].check(name, getattr(self, name))
        given = {name: getattr(self, name) for name in RUN}
        values, self.dataset_options = recipes.resolve(self.preset, given, self.dataset_options,
                                                       self.dataset, self.model)
        for name, value in values.items():
            setattr(self, name, value)

    def validate(self):
        """Check every value against its rule and the values against each other; returns self."""
        for f in fields(self):
            setattr(self, f.name, RULES[f.name].check(f.name, getattr(self, f.name)))
        if self.dataset in file_datasets() and not self.data_dir:
            raise ConfigError(f"dataset {self.dataset} needs data_dir (--data-dir), the folder "
                              f"of its files")
        if self.data_dir:                   # the rule of applicability.APPLIES_TO
            from .applicability import check_applicable

            check_applicable(self, ["data_dir"])
        if self.model != "masnn" and self.attention not in VARIANTS:
            raise ConfigError(f"attention must be one of {', '.join(VARIANTS)} for {self.model} "
                              f"(the controls are MASNN's), got {self.attention!r}")
        if (self.nir is None) != (self.dt is None):
            raise ConfigError("nir and dt go together: a NIR graph stores no time step "
                              "(--nir graph.nir --dt 1e-3)")
        if self.T * self.batch_size < 2:
            raise ConfigError(f"T x batch_size must be >= 2 (batch norm needs two values per "
                              f"feature), got T={self.T}, batch_size={self.batch_size}")
        return self

    @classmethod
    def from_dict(cls, d):
        """A TrainConfig from a dict (unknown keys are ignored); call validate() on it."""
        if not isinstance(d, dict):
            raise ConfigError(f"a run's settings must be a mapping, got {type(d).__name__}")
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def to_dict(self):
        """The settings as a plain dict (what a sweep sends to a worker and writes down)."""
        return asdict(self)
