"""Which option applies to which runs: one table, read by every command that takes the options.

    check_applicable(config, given=["bin_us"])   # ConfigError unless config reads bin_us

An option that does not apply to a run would be accepted, ignored, and recorded in metrics.json
as if it had been used. ``APPLIES_TO`` says, for each option that applies to some runs only,
the settings it needs and the values they must have; ``check_applicable`` refuses an option the
user gave to a run that does not read it, naming the option and what it applies to. ``train``,
``ablation`` and ``sweep`` check the options given on their command line against it (options a
preset or a data set's recipe brings are not the user's doing and are not refused).
"""

from .config import ConfigError
from .datasets import file_datasets

SYNTHETIC = ("synthetic-gestures",)

#: option (a TrainConfig field or a dataset option) -> {setting: the values it applies to};
#: a function gives the values when a run is checked (the data sets read from a folder are
#: those registered by then)
APPLIES_TO = {
    "data_dir": {"dataset": file_datasets},
    "framing": {"dataset": file_datasets},
    "bin_us": {"dataset": file_datasets, "framing": ("paper",)},
    "clips": {"dataset": file_datasets, "framing": ("paper",)},
    "samples_per_class": {"dataset": SYNTHETIC},
    "test_samples_per_class": {"dataset": SYNTHETIC},
    "level": {"dataset": SYNTHETIC},
    "plateau_factor": {"scheduler": ("plateau",)},
    "plateau_patience": {"scheduler": ("plateau",)},
}

#: the value a dataset option has when neither the user nor a recipe set it
OPTION_DEFAULTS = {"framing": "paper"}


def option_name(name):
    """The command-line spelling of a setting: bin_us -> --bin-us."""
    return "--" + name.replace("_", "-")


def setting_of(config, name):
    """The value of a TrainConfig field or of a dataset option of ``config``."""
    if hasattr(config, name):
        return getattr(config, name)
    return (config.dataset_options or {}).get(name, OPTION_DEFAULTS.get(name))


def check_applicable(config, given):
    """ConfigError for the first option named in ``given`` that ``config``'s run does not read.

    config: a TrainConfig (its recipes resolved). given: names of the settings the user gave.
    """
    for name in given:
        for setting, values in APPLIES_TO.get(name, {}).items():
            values = values() if callable(values) else values
            value = setting_of(config, setting)
            if value not in values:
                raise ConfigError(f"{option_name(name)} applies only to runs with "
                                  f"{option_name(setting)} {' or '.join(values)}, not "
                                  f"{option_name(setting)} {value}")
    return config
