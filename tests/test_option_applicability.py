"""An option that does not apply to a run is refused (exit 2, one line naming the option and
what it applies to), never accepted, ignored and recorded as if used: one table
(tinysnn.app.applicability.APPLIES_TO) decides, for train and ablation alike."""

import pytest

from tinysnn.app.applicability import APPLIES_TO, check_applicable, option_name
from tinysnn.app.cli import main
from tinysnn.app.config import ConfigError, TrainConfig

FILE_SETS = "--dataset dvs128 or dvs128-gait or cifar10dvs"

#: (option and value, the rest of the command line, what the refusal says it applies to)
NOT_APPLYING = [
    (["--framing", "whole"], ["--dataset", "digits"], f"{FILE_SETS}, not --dataset digits"),
    (["--framing", "whole"], [], f"{FILE_SETS}, not --dataset synthetic-gestures"),
    (["--bin-us", "1000"], ["--dataset", "digits"], f"{FILE_SETS}, not --dataset digits"),
    (["--bin-us", "1000"], ["--dataset", "dvs128", "--framing", "whole"],
     "--framing paper, not --framing whole"),
    (["--clips", "3"], [], f"{FILE_SETS}, not --dataset synthetic-gestures"),
    (["--clips", "3"], ["--dataset", "cifar10dvs", "--framing", "whole"],
     "--framing paper, not --framing whole"),
    (["--samples-per-class", "2"], ["--dataset", "digits"],
     "--dataset synthetic-gestures, not --dataset digits"),
    (["--test-samples-per-class", "2"], ["--dataset", "dvs128"],
     "--dataset synthetic-gestures, not --dataset dvs128"),
    (["--level", "hard"], ["--dataset", "cifar10dvs"],
     "--dataset synthetic-gestures, not --dataset cifar10dvs"),
    (["--plateau-factor", "0.5"], [], "--scheduler plateau, not --scheduler cosine"),
    (["--plateau-patience", "2"], ["--scheduler", "none"],
     "--scheduler plateau, not --scheduler none"),
    (["--plateau-patience", "2"], ["--preset", "paper-gesture", "--scheduler", "cosine"],
     "--scheduler plateau, not --scheduler cosine"),
    (["--data-dir", "."], ["--dataset", "digits"], f"{FILE_SETS}, not --dataset digits"),
]


@pytest.mark.parametrize("command", ["train", "ablation"])
@pytest.mark.parametrize("option, rest, applies", NOT_APPLYING)
def test_an_option_that_does_not_apply_is_refused(tmp_path, capsys, command, option, rest,
                                                  applies):
    out = tmp_path / "out"
    argv = [command, *option, *rest, "--out", str(out)]
    if "--data-dir" not in option and any(d in rest for d in ("dvs128", "cifar10dvs")):
        argv += ["--data-dir", str(tmp_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"tinysnn {command}: error: {option[0]} applies only to runs with {applies}"
    assert not out.exists()


def test_every_option_of_the_table_is_refused_somewhere():
    covered = {option[0] for option, _, _ in NOT_APPLYING}
    assert covered == {option_name(name) for name in APPLIES_TO}


def test_options_that_apply_are_accepted_and_recipes_are_not_the_users_doing():
    plateau = TrainConfig(scheduler="plateau", plateau_factor=0.5)
    assert check_applicable(plateau, ["plateau_factor", "plateau_patience"]) is plateau
    events = TrainConfig(dataset="dvs128", data_dir=".", dataset_options={"bin_us": 5})
    check_applicable(events, ["framing", "bin_us", "clips", "data_dir"])
    synthetic = TrainConfig(dataset_options={"level": "hard"})
    check_applicable(synthetic, ["samples_per_class", "test_samples_per_class", "level"])
    # the paper-gesture preset brings bin_us and clips to any data set: not refused
    check_applicable(TrainConfig(preset="paper-gesture", dataset="digits"), [])
    with pytest.raises(ConfigError, match="--data-dir applies only to runs with --dataset"):
        TrainConfig(dataset="digits", data_dir=".").validate()
