"""The command line's promise: a tinysnn error or a refusal of the system is one line on stderr
and exit status 2; anything else is reported as a bug (exit 1), its traceback behind --debug."""

import contextlib
import errno
import json

import pytest

import tinysnn.app.cli as cli
from tinysnn.app.cli import main
from tinysnn.app.config import RULES, ConfigError, Number, TrainConfig

TINY = ["--epochs", "1", "--T", "4", "--samples-per-class", "2", "--batch-size", "11",
        "--no-progress"]


def run(argv):
    """(exit status, stderr lines) of the command line."""
    try:
        return main(argv), None
    except SystemExit as stop:
        return stop.code, None


def one_line_error(capsys, argv, status=2):
    code, _ = run(argv)
    err = capsys.readouterr().err.strip()
    assert code == status, err
    assert "\n" not in err and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("option, value, message", [
    ("--lr", "nan", "--lr: must be a finite number in (0, 10], got 'nan'"),
    ("--lr", "inf", "--lr: must be a finite number in (0, 10], got 'inf'"),
    ("--lr", "-0.1", "--lr: must be a finite number in (0, 10]"),
    ("--clip-grad", "nan", "--clip-grad: must be a finite number > 0, got 'nan'"),
    ("--seed", "-1", "--seed: must be an integer in [0,"),
    ("--T", "2.5", "--T: must be an integer >= 1, got '2.5'"),
    ("--batch-size", "0", "--batch-size: must be an integer >= 1"),
    ("--epochs", "1e3", "--epochs: must be an integer in [1, 1000000]"),
])
def test_bad_numbers_are_refused_before_any_work(option, value, message, capsys):
    err = one_line_error(capsys, ["train", option, value])
    assert message in err


def test_every_setting_has_a_rule():
    assert set(RULES) == set(TrainConfig.__dataclass_fields__)


def test_rules_refuse_what_the_options_refuse():
    for bad in (float("nan"), float("inf"), True, "0.1", 10**400):
        with pytest.raises(ConfigError, match=r"lr must be a finite number in \(0, 10\]"):
            TrainConfig(lr=bad).validate()
    assert Number(int, low=1).check("T", 3) == 3
    with pytest.raises(ConfigError, match=r"T must be an integer >= 1, got '4'"):
        TrainConfig(T="4").validate()


def test_a_batch_norm_of_one_value_is_refused_up_front(capsys):
    err = one_line_error(capsys, ["train", "--T", "1", "--batch-size", "1"])
    assert "T x batch_size must be >= 2" in err


def test_a_last_batch_of_one_is_dropped_where_batch_norm_could_not_take_it(tmp_path):
    from tinysnn.app.train import train

    config = TrainConfig(T=1, epochs=1, batch_size=2, attention="no", out=str(tmp_path / "run"),
                         progress=False, dataset_options={"samples_per_class": 1, "sensor": 16,
                                                          "cache": str(tmp_path / "cache")})
    metrics = train(config)                  # 11 samples in batches of 2: the last one alone
    assert metrics["epochs"][0]["train_loss"] > 0


def test_an_internal_error_is_reported_as_a_bug(monkeypatch, capsys):
    def broken(args):
        return 1 / 0

    monkeypatch.setitem(cli.COMMANDS, "plot", broken)
    code, _ = run(["plot", "somewhere"])
    err = capsys.readouterr().err
    assert code == 1
    assert "internal error: ZeroDivisionError: division by zero" in err
    assert "This is a bug in tinysnn" in err and "--debug" in err and "Traceback" not in err
    with pytest.raises(ZeroDivisionError):
        main(["--debug", "plot", "somewhere"])
    with pytest.raises(ZeroDivisionError):
        main(["plot", "somewhere", "--debug"])


def test_a_full_disk_at_a_save_is_one_line_and_keeps_the_last_checkpoint(
        tmp_path, monkeypatch, capsys):
    import tinysnn.app.checkpoint as checkpoint

    real_open, saves = checkpoint.atomic_open, []

    @contextlib.contextmanager
    def fills_the_disk_at_the_second_save(path, mode="wb"):
        with real_open(path, mode) as f:
            yield f
            saves.append(path)
            if len(saves) == 2:  # as the flush of a full disk fails
                raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setenv("TINYSNN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(checkpoint, "atomic_open", fills_the_disk_at_the_second_save)
    run_dir = tmp_path / "run"
    err = one_line_error(capsys, ["train", "--out", str(run_dir), *TINY, "--epochs", "2"])
    assert "No space left on device" in err and "checkpoint.npz" in err
    assert sorted(p.name for p in run_dir.iterdir()) == [".tinysnn-lock", "checkpoint.npz"]
    assert checkpoint.load_checkpoint(run_dir / "checkpoint.npz")[2]["epoch"] == 1


@pytest.mark.parametrize("make_out, message", [
    (lambda tmp: (tmp / "file").write_text("x") and tmp / "file", "is a file, not a folder"),
    (lambda tmp: (tmp / "file").write_text("x") and tmp / "file" / "run", "Not a directory"),
])
def test_an_out_that_cannot_be_a_folder_is_refused_before_any_work(
        tmp_path, monkeypatch, capsys, make_out, message):
    monkeypatch.setenv("TINYSNN_CACHE", str(tmp_path / "cache"))
    err = one_line_error(capsys, ["train", "--out", str(make_out(tmp_path)), *TINY])
    assert message in err
    assert not (tmp_path / "cache").exists()      # the data set was not generated first


def test_an_unwritable_out_is_refused_before_any_work(tmp_path, monkeypatch, capsys):
    import tinysnn.app.run_folder as run_folder

    real_open = run_folder.os.open

    def read_only(path, *args, **kwargs):  # as on a read-only folder (tests may run as root)
        if str(path).startswith(str(tmp_path / "ro")):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    (tmp_path / "ro").mkdir()
    monkeypatch.setattr(run_folder.os, "open", read_only)
    monkeypatch.setenv("TINYSNN_CACHE", str(tmp_path / "cache"))
    err = one_line_error(capsys, ["train", "--out", str(tmp_path / "ro"), *TINY])
    assert "cannot write into the run folder" in err and "Permission denied" in err
    assert not (tmp_path / "cache").exists()


def test_a_cache_that_is_a_file_is_refused_before_generating(tmp_path, monkeypatch, capsys):
    (tmp_path / "cache").write_text("not a folder")
    monkeypatch.setenv("TINYSNN_CACHE", str(tmp_path / "cache"))
    err = one_line_error(capsys, ["train", "--out", str(tmp_path / "run"), *TINY])
    assert "TINYSNN_CACHE" in err and "not a folder" in err


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("finished")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TINYSNN_CACHE", str(root / "cache"))
        assert main(["train", "--attention", "no", "--out", str(root / "run"), *TINY]) == 0
        yield root / "run"


@pytest.mark.parametrize("argv, message", [
    (["--dataset", "dvs128"], "dataset dvs128 needs data_dir (--data-dir)"),
    (["--data-dir", "."], "--data-dir applies only to runs with --dataset dvs128 or "
                         "dvs128-gait or cifar10dvs, not --dataset synthetic-gestures"),
    (["--dataset", "digits"], "was trained on synthetic-gestures; its network does not fit "
                              "digits's frames [1, 8, 8] and 10 classes"),
])
def test_eval_on_data_that_cannot_fit_is_one_line(finished_run, argv, message, capsys):
    err = one_line_error(capsys, ["eval", str(finished_run / "checkpoint.npz"), *argv])
    assert message in err


@pytest.mark.parametrize("content, message", [
    ("{\"epochs\": [", "metrics.json: not valid JSON"),
    ("[1, 2]", "metrics.json: incomplete, lacks ['epochs', 'test_accuracy', 'layers']"),
    ('{"epochs": [{"epoch": 1}], "test_accuracy": 1, "layers": []}',
     "epochs[0].train_loss must be a finite number"),
    (b"\xff\xfe garbage", "metrics.json: not valid JSON"),
])
def test_plot_of_a_damaged_metrics_file_is_one_line(finished_run, tmp_path, content, message,
                                                    capsys):
    (tmp_path / "checkpoint.npz").write_bytes((finished_run / "checkpoint.npz").read_bytes())
    path = tmp_path / "metrics.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    err = one_line_error(capsys, ["plot", str(tmp_path)])
    assert message in err


def test_metrics_json_is_strict_json(finished_run, tmp_path):
    from tinysnn.app.train import write_json

    def refuse(constant):
        raise ValueError(f"bare {constant} in metrics.json")

    json.loads((finished_run / "metrics.json").read_text(), parse_constant=refuse)
    write_json(tmp_path / "m.json", {"loss": float("nan"), "rates": [1.0, float("inf")]})
    assert json.loads((tmp_path / "m.json").read_text(), parse_constant=refuse) == {
        "loss": None, "rates": [1.0, None]}
