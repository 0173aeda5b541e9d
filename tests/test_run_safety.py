"""What a run writes stays in its folder and never costs another run: links planted in a run
folder are not written through, a resume never replaces the folder's own run, --overwrite keeps
the old run until the new one has a checkpoint, a metrics.json that could not be written is
named and rebuilt, and a refused run leaves no folder behind."""

import errno
import json
import os
import shutil

import numpy as np
import pytest

import tinysnn.app.train as train_module
from tinysnn.app.cli import main
from tinysnn.app.run_folder import LOCK_FILE

TINY = ["--epochs", "1", "--T", "4", "--samples-per-class", "2", "--batch-size", "11",
        "--no-progress", "--attention", "no"]


def cli(capsys, argv):
    """(exit status, stderr) of the command line."""
    try:
        code = main(argv)
    except SystemExit as stop:
        code = stop.code
    return code, capsys.readouterr().err.strip()


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished one-epoch run (checkpoint.npz and metrics.json)."""
    root = tmp_path_factory.mktemp("finished")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TINYSNN_CACHE", str(root / "cache"))
        assert main(["train", "--out", str(root / "run"), *TINY]) == 0
    return root / "run"


@pytest.fixture
def run(finished, tmp_path, monkeypatch):
    """A copy of the finished run, and the cache in the test's own folder."""
    monkeypatch.setenv("TINYSNN_CACHE", str(finished.parent / "cache"))
    copy = tmp_path / "run"
    shutil.copytree(finished, copy)
    return copy


def contents(folder):
    return {name: (folder / name).read_bytes() for name in ("checkpoint.npz", "metrics.json")}


# ------------------------------------------------------------------------ links (item 1)
@pytest.mark.parametrize("plant", ["link", "dangling link", "hard link"])
def test_a_planted_lock_file_is_refused_not_written_through(tmp_path, capsys, plant):
    outside = tmp_path / "outside.txt"
    folder = tmp_path / "run"
    folder.mkdir()
    if plant == "dangling link":
        os.symlink(outside, folder / LOCK_FILE)
    else:
        outside.write_text("precious")
        (os.symlink if plant == "link" else os.link)(outside, folder / LOCK_FILE)
    code, err = cli(capsys, ["train", "--out", str(folder), *TINY])
    assert code == 2 and "\n" not in err
    assert f"{folder / LOCK_FILE} is not a plain lock file of the folder" in err
    if plant == "dangling link":
        assert not outside.exists()
    else:
        assert outside.read_text() == "precious"


def test_resuming_through_a_planted_lock_link_leaves_its_target_alone(run, tmp_path, capsys):
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    (run / LOCK_FILE).unlink()
    os.symlink(outside, run / LOCK_FILE)
    code, err = cli(capsys, ["train", "--resume", str(run / "checkpoint.npz"), "--epochs", "2"])
    assert code == 2 and "is not a plain lock file" in err
    assert outside.read_text() == "precious"


def test_links_in_place_of_a_runs_files_are_replaced_not_written_through(run, tmp_path, capsys):
    outside = {name: tmp_path / f"outside-{name}" for name in
               ("checkpoint.npz", "metrics.json", "curves.png")}
    for name, target in outside.items():
        target.write_text("precious")
        (run / name).unlink(missing_ok=True)
        os.symlink(target, run / name)
    assert cli(capsys, ["train", "--out", str(run), *TINY, "--overwrite"])[0] == 0
    assert cli(capsys, ["plot", str(run)])[0] == 0
    for name, target in outside.items():
        assert target.read_text() == "precious"
        assert not (run / name).is_symlink() and (run / name).stat().st_size > 0


# ---------------------------------------------------------------------- resume (item 2)
def test_resuming_another_checkpoint_into_a_folder_with_a_run_is_refused(run, capsys):
    other = run / "other.npz"
    shutil.copy(run / "checkpoint.npz", other)
    before = contents(run)
    code, err = cli(capsys, ["train", "--resume", str(other), "--epochs", "2"])
    assert code == 2 and "\n" not in err
    assert err == (f"tinysnn train: error: {run} holds a run of its own (checkpoint.npz, "
                   f"metrics.json); resuming {other} there would replace it: write the continued "
                   f"run into another folder with --out, or replace the folder's run with "
                   f"--overwrite")
    assert contents(run) == before


# ------------------------------------------------------------------- overwrite (item 3)
def test_overwrite_keeps_the_old_run_until_the_new_one_has_a_checkpoint(run, capsys,
                                                                      monkeypatch):
    before = contents(run)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt          # stopped in its first epoch, as by Ctrl-C or a kill

    real = train_module.train_epoch
    monkeypatch.setattr(train_module, "train_epoch", killed)
    code, _ = cli(capsys, ["train", "--out", str(run), *TINY, "--seed", "3", "--overwrite"])
    assert code == 130
    assert contents(run) == before
    monkeypatch.setattr(train_module, "train_epoch", real)
    assert cli(capsys, ["train", "--out", str(run), *TINY, "--seed", "3", "--overwrite"])[0] == 0
    after = contents(run)
    assert after["checkpoint.npz"] != before["checkpoint.npz"]
    assert json.loads(after["metrics.json"])["config"]["seed"] == 3


# ------------------------------------------------------------ metrics.json lost (item 4)
def test_a_metrics_json_that_cannot_be_written_is_named_and_rebuilt_by_resume(run, capsys,
                                                                           monkeypatch):
    expected = json.loads((run / "metrics.json").read_text())
    (run / "checkpoint.npz").unlink()
    (run / "metrics.json").unlink()
    real_write = train_module.write_json

    def full_disk(path, document):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(train_module, "write_json", full_disk)
    code, err = cli(capsys, ["train", "--out", str(run), *TINY])
    checkpoint = run / "checkpoint.npz"
    assert code == 2 and "\n" not in err
    assert err == (f"tinysnn train: error: cannot write {run / 'metrics.json'}: No space left on "
                   f"device; the finished run is in {checkpoint}: python -m tinysnn train "
                   f"--resume {checkpoint} writes metrics.json again")
    code, err = cli(capsys, ["plot", str(run)])
    assert code == 2 and f"--resume {checkpoint} finishes the run or writes it again" in err
    monkeypatch.setattr(train_module, "write_json", real_write)
    assert cli(capsys, ["train", "--resume", str(checkpoint)])[0] == 0
    rebuilt = json.loads((run / "metrics.json").read_text())
    for key in ("test_accuracy", "spikes_per_sample", "layers", "params"):
        assert rebuilt[key] == expected[key], key
    assert [e["train_loss"] for e in rebuilt["epochs"]] == \
        [e["train_loss"] for e in expected["epochs"]]
    code, err = cli(capsys, ["train", "--resume", str(checkpoint)])
    assert code == 2 and "has already trained 1 epochs" in err


def test_extending_a_run_drops_its_old_metrics_with_its_first_new_checkpoint(run, capsys,
                                                                          monkeypatch):
    epochs = []

    def second_epoch_killed(*args, **kwargs):
        if epochs:
            raise KeyboardInterrupt
        epochs.append(1)
        return real(*args, **kwargs)

    real = train_module.train_epoch
    monkeypatch.setattr(train_module, "train_epoch", second_epoch_killed)
    code, _ = cli(capsys, ["train", "--resume", str(run / "checkpoint.npz"), "--epochs", "3"])
    assert code == 130
    assert not (run / "metrics.json").exists()      # the checkpoint is not a finished run
    with np.load(run / "checkpoint.npz") as archive:
        assert json.loads(str(archive["meta.json"]))["epoch"] == 2


# ----------------------------------------------------------- refused runs (item 10)
def test_a_refused_run_leaves_no_folder_behind(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "new" / "deep" / "run"
    code, err = cli(capsys, ["train", "--dataset", "dvs128", "--data-dir", str(empty),
                             "--out", str(out), "--epochs", "1", "--no-progress"])
    assert code == 2 and "trials_to_train.txt is missing" in err
    assert not (tmp_path / "new").exists()
    code, err = cli(capsys, ["train", "--epochs", "9" * 400, "--out", str(out)])
    assert code == 2 and "--epochs: must be an integer in [1, 1000000]" in err
    assert not (tmp_path / "new").exists()


def test_a_huge_learning_rate_is_refused_in_one_line_before_any_arithmetic(tmp_path, capsys):
    code, err = cli(capsys, ["train", "--lr", "1e30", "--out", str(tmp_path / "run")])
    assert code == 2
    assert err == ("python -m tinysnn train: error: argument --lr: must be a finite number in "
                   "(0, 10], got '1e30' (see --help)")
    assert not (tmp_path / "run").exists()


def test_out_of_memory_names_the_options_and_files_that_sized_it(run, tmp_path, capsys,
                                                                 monkeypatch):
    import tinysnn.app.report as report

    def too_big(*args, **kwargs):
        raise MemoryError("Unable to allocate 7.63 TiB for an array with shape (100000, 16, 2, "
                          "32, 32) and data type float32")

    monkeypatch.setattr(train_module, "make_datasets", too_big)
    code, err = cli(capsys, ["train", "--T", "100000", "--out", str(tmp_path / "big")])
    assert code == 2
    assert err == ("tinysnn train: error: out of memory (Unable to allocate 7.63 TiB for an array "
                   "with shape (100000, 16, 2, 32, 32) and data type float32); sized by --T "
                   "100000: try a smaller --batch-size or --T")
    assert not (tmp_path / "big").exists()
    monkeypatch.setattr(report, "load_run", too_big)
    ckpt = str(run / "checkpoint.npz")
    code, err = cli(capsys, ["eval", ckpt])
    assert code == 2 and err.endswith(f"; sized by checkpoint {ckpt}: try a smaller "
                                      f"--batch-size or --T")
