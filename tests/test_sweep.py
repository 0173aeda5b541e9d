"""`sweep` and `ablation` through the command line, in this process: the grid's files, refusals
before any work, a failed run, an interrupted sweep continued, and `plot` on its files."""

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from tinysnn.app import sweep_grid
from tinysnn.app import train as train_module
from tinysnn.app.cli import main

TINY = ["--epochs", "3", "--T", "2", "--samples-per-class", "2", "--test-samples-per-class", "1",
        "--batch-size", "11", "--no-progress", "--threads-per-run", "1"]
GRID = ["--set", "lr=1e-3,2e-3"]
#: what a run's numbers are, without how long it took
TIMES = ("seconds", "samples_per_second")


def exit_code(argv):
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


def numbers(run_folder):
    """A run's metrics.json without its timings: what must not depend on where it ran."""
    metrics = json.loads((run_folder / "metrics.json").read_text())
    metrics["epochs"] = [{k: v for k, v in e.items() if k not in TIMES} for e in metrics["epochs"]]
    return {k: v for k, v in metrics.items() if k not in ("seconds", "config")}


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    root = tmp_path_factory.mktemp("sweep-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TINYSNN_CACHE", str(root))
        yield root


@pytest.fixture(scope="module")
def serial(tmp_path_factory, cache):
    """The reference: the grid lr=1e-3,2e-3 with seeds 0 and 1, one run after another."""
    out = tmp_path_factory.mktemp("serial") / "sweep"
    assert main(["sweep", *GRID, "--seeds", "2", "--out", str(out), *TINY]) == 0
    return out


def test_sweep_writes_every_run_with_its_folder_relative_and_the_table(serial, tmp_path,
                                                                      monkeypatch):
    document = json.loads((serial / "sweep.json").read_text())
    assert document["grid"] == {"lr": ["1e-3", "2e-3"]}
    runs = document["runs"]
    assert [(r["label"], r["seed"], r["out"]) for r in runs] == [
        ("lr=1e-3", 0, "lr=1e-3/seed0"), ("lr=2e-3", 0, "lr=2e-3/seed0"),
        ("lr=1e-3", 1, "lr=1e-3/seed1"), ("lr=2e-3", 1, "lr=2e-3/seed1")]
    for r in runs:
        metrics = json.loads((serial / r["out"] / "metrics.json").read_text())
        assert r["status"] == "done" and r["threads"] == 1
        assert metrics["config"]["lr"] == r["settings"]["lr"] == float(r["point"]["lr"])
        assert metrics["config"]["seed"] == r["seed"]
        assert metrics["spikes_per_sample"] == r["spikes_per_sample"]
    table = (serial / "sweep.md").read_text()
    assert "Runs finished: 4 of 4." in table
    for label in ("lr=1e-3", "lr=2e-3"):
        line = next(x for x in table.splitlines() if x.startswith(f"| {label} |"))
        assert line.split(" | ")[1] == "2" and "±" in line
    # moved elsewhere and drawn from another folder: the runs are found from the sweep's folder
    moved = tmp_path / "elsewhere" / "moved"
    shutil.copytree(serial, moved)
    monkeypatch.chdir(tmp_path)
    assert main(["plot", str(moved)]) == 0
    assert (moved / "firing_rates.png").stat().st_size > 0


def test_running_it_again_trains_nothing(serial, monkeypatch, capsys):
    monkeypatch.setattr(train_module, "train", lambda run: pytest.fail("trained again"))
    assert main(["sweep", *GRID, "--seeds", "2", "--out", str(serial), *TINY]) == 0
    assert "| lr=2e-3 | 2 |" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["ablation", "--seeds", "100000000"], "700000000 runs (7 x 100000000 seeds), more than "
                                           "--max-runs 1000"),
    (["ablation", "--variants", "no,SA", "--seeds", "3", "--max-runs", "5"], "6 runs"),
    (["ablation", "--seed", str(2**63 - 1), "--seeds", "2"], "last seed is 9223372036854775808"),
    (["sweep", "--seed", str(2**63 - 2), "--seeds", "3", "--set", "T=2,3"], "the last seed"),
    (["sweep", "--set", "lr=1e-3,-1"], "--set lr: '-1': must be a finite number in (0, 10]"),
    (["sweep", "--set", "nope=1,2"], "--set nope: not an option of train"),
    (["sweep", "--set", "seed=1,2"], "cannot vary seed"),
    (["sweep", "--set", "out=a,b"], "cannot vary out"),
    (["sweep", "--set", "lr=1e-3", "--lr", "2e-3"], "--lr given both alone and in --set"),
    (["sweep", "--set", "T=2,3", "--set", "T=4"], "--set T is given twice"),
    (["sweep", "--set", "T=2,2"], "a value is listed twice"),
    (["sweep", "--set", "loss=mse,hinge"], "'hinge' is not one of mse, ce"),
    (["sweep", "--set", "attention=TCSA,XYZ"], "the grid point attention=XYZ: attention must be"),
    (["sweep", "--set", "T=1,2", "--batch-size", "1"], "the grid point T=1: T x batch_size"),
    (["sweep", "--set", "lr"], "write NAME=VALUE1,VALUE2"),
])
def test_a_sweep_that_cannot_run_is_refused_before_any_work(argv, message, tmp_path, capsys,
                                                            monkeypatch):
    built = []                               # refused before a single run's settings exist
    monkeypatch.setattr(sweep_grid, "Run", lambda *a: built.append(a))
    monkeypatch.setattr(train_module, "train", lambda run: pytest.fail("a run trained"))
    out = tmp_path / "sweep"
    assert exit_code([*argv, "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()                  # no folder left behind
    assert built == []                       # (700000000 runs would not even be listed)


def test_a_folder_with_a_run_of_other_settings_is_refused_with_true_advice(serial, tmp_path,
                                                                          capsys):
    out = tmp_path / "copy"
    shutil.copytree(serial, out)
    argv = ["sweep", *GRID, "--seeds", "2", "--out", str(out), *TINY]
    argv[argv.index("--epochs") + 1] = "2"
    assert exit_code(argv) == 2
    err = capsys.readouterr().err
    assert "holds a run of other settings (epochs 3 (wanted 2))" in err
    assert "--overwrite" in err and "--resume" not in err      # sweep has no --resume
    # the ablation: the same (it used to advise a --resume it does not have)
    shutil.copytree(serial / "lr=1e-3" / "seed0", tmp_path / "ablation" / "no" / "seed0")
    assert exit_code(["ablation", "--variants", "no", "--out", str(tmp_path / "ablation"),
                      *TINY]) == 2
    err = capsys.readouterr().err
    assert "holds a run of other settings (attention 'TCSA' (wanted 'no')" in err
    assert "--overwrite" in err and "--resume" not in err
    assert not (tmp_path / "ablation" / "ablation.json").exists()   # refused before any work


def test_a_run_that_fails_is_reported_and_the_others_finish(tmp_path, cache, monkeypatch, capsys):
    real = train_module.train

    def diverges_at_high_lr(config):
        if config.lr > 1.5e-3:
            raise train_module.TrainingDiverged("epoch 1, step 1: the loss is nan")
        return real(config)

    monkeypatch.setattr(train_module, "train", diverges_at_high_lr)
    out = tmp_path / "sweep"
    assert exit_code(["sweep", *GRID, "--out", str(out), *TINY]) == 2
    assert "1 of 2 runs failed (first: lr=2e-3 seed 0: epoch 1, step 1: the loss is nan)" \
        in capsys.readouterr().err
    runs = json.loads((out / "sweep.json").read_text())["runs"]
    assert [r["status"] for r in runs] == ["done", "failed"]
    assert runs[1]["error"] == "epoch 1, step 1: the loss is nan"
    table = (out / "sweep.md").read_text()
    assert "Runs finished: 1 of 2, 1 failed." in table
    assert "| lr=2e-3 | failed (seed 0): epoch 1, step 1: the loss is nan |" in table
    assert (out / "lr=1e-3" / "seed0" / "metrics.json").exists()


#: Runs the sweep in a fresh process that presses Ctrl-C on itself (a real SIGINT) right after
#: the second run's first checkpoint is written: always inside that run, however loaded the
#: machine is (polling for the file from outside raced a tiny run to its end).
CTRL_C_AFTER_FIRST_CHECKPOINT = """
import os, signal, sys
from pathlib import Path
from tinysnn.app import train
from tinysnn.app.cli import main

target, save = Path(sys.argv[1]).resolve(), train.save_checkpoint

def save_then_interrupt(path, *args, **kwargs):
    save(path, *args, **kwargs)
    if Path(path).resolve().parent == target:
        os.kill(os.getpid(), signal.SIGINT)

train.save_checkpoint = save_then_interrupt
sys.exit(main(sys.argv[2:]))
"""


def test_an_interrupted_sweep_continues_where_it_stopped(serial, tmp_path, cache):
    out = tmp_path / "sweep"
    argv = ["sweep", *GRID, "--seeds", "2", "--out", str(out), *TINY]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.getcwd(), *sys.path])}
    second = out / "lr=2e-3" / "seed0"
    process = subprocess.Popen([sys.executable, "-c", CTRL_C_AFTER_FIRST_CHECKPOINT, str(second),
                                *argv], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, err = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, err
    assert not (second / "metrics.json").exists()
    first = out / "lr=1e-3" / "seed0" / "metrics.json"
    finished = first.stat().st_mtime_ns
    assert main(argv) == 0                        # the same command again
    assert first.stat().st_mtime_ns == finished   # the finished run was not trained again
    runs = json.loads((out / "sweep.json").read_text())["runs"]
    assert runs[1]["resumed_from"] >= 1           # the stopped run went on from its checkpoint
    for r in runs:                                # and ends as if it had never stopped
        assert numbers(out / r["out"]) == numbers(serial / r["out"]), r["out"]


@pytest.mark.parametrize("change, message", [
    (lambda d: [1, 2, 3], "must be a JSON object with 'runs', got list"),
    (lambda d: {**d, "runs": []}, "'runs' must be a non-empty list"),
    (lambda d: {**d, "runs": [{k: v for k, v in d["runs"][0].items() if k != "layers"}]},
     "runs[0].layers: missing"),
    (lambda d: {**d, "runs": [{**d["runs"][0], "layers": [{"name": "x"}]}]},
     "runs[0].layers must be a non-empty list of layers"),
    (lambda d: {**d, "runs": [{**d["runs"][0], "seed": -1}]}, "runs[0].seed must be an integer"),
    (lambda d: {**d, "runs": [{**d["runs"][0], "out": "../elsewhere"}]},
     "runs[0].out '../elsewhere' must be a folder inside the sweep folder"),
    (lambda d: {**d, "runs": [{**d["runs"][0], "out": "/etc"}]}, "must be a folder inside"),
    (lambda d: {**d, "runs": [{**d["runs"][0], "out": d["runs"][1]["out"]}, d["runs"][1]]},
     "is not the run"),
    (lambda d: {**d, "runs": [{**d["runs"][0], "status": "maybe"}]}, "runs[0].status must be"),
])
def test_plot_refuses_a_malformed_sweep_file_naming_what_is_wrong(serial, tmp_path, capsys,
                                                                 change, message):
    folder = tmp_path / "sweep"
    shutil.copytree(serial, folder)
    document = json.loads((folder / "sweep.json").read_text())
    (folder / "sweep.json").write_text(json.dumps(change(document)))
    assert exit_code(["plot", str(folder)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err


# ------------------------------------------------------------------------- on a Dask cluster
def test_train_and_import_never_import_dask(tmp_path, cache):
    code = ("import sys; from tinysnn.app.cli import main; "
            f"code = main(['train', '--out', {str(tmp_path / 'run')!r}, *{TINY[:-2]!r}]); "
            "loaded = [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')]; "
            "print(code, loaded)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.getcwd(), *sys.path])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stderr


def test_workers_without_dask_say_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)      # as if it were not installed
    assert exit_code(["sweep", *GRID, "--workers", "2", "--out", str(tmp_path / "s"), *TINY]) == 2
    assert 'not installed: pip install -e ".[distributed]"' in capsys.readouterr().err


def test_a_local_cluster_of_two_workers_gives_the_serial_numbers(serial, tmp_path, cache):
    pytest.importorskip("distributed")
    out = tmp_path / "sweep"
    assert main(["sweep", *GRID, "--workers", "2", "--out", str(out), *TINY]) == 0
    for r in json.loads((out / "sweep.json").read_text())["runs"]:
        assert numbers(out / r["out"]) == numbers(serial / r["out"]), r["out"]


def test_a_worker_killed_during_a_run_changes_nothing(serial, tmp_path, cache):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "sweep"
    argv = ["sweep", *GRID, "--out", str(out), *TINY]
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.CRITICAL)
    with cluster, distributed.Client(cluster) as client:
        result = {}
        sweep = threading.Thread(target=lambda: result.update(
            code=main([*argv, "--dask-scheduler", cluster.scheduler_address])))
        sweep.start()
        try:
            pids = client.run(os.getpid)                          # worker address -> its pid
            deadline = time.monotonic() + 180
            while True:                       # a run that has saved epoch 1 and goes on
                running = [i for i, label in enumerate(("lr=1e-3", "lr=2e-3"))
                           if (out / label / "seed0" / "checkpoint.npz").exists()
                           and not (out / label / "seed0" / "metrics.json").exists()]
                if running or not sweep.is_alive():
                    break
                assert time.monotonic() < deadline, "no run reached its second epoch"
                time.sleep(0.02)
            assert running, "the runs finished before one could be interrupted"
            keys = client.processing()
            victim = next(worker for worker, tasks in keys.items()
                          if any(str(k).startswith(f"tinysnn-run-{running[0]}-") for k in tasks))
            os.kill(pids[victim], signal.SIGKILL)                 # the worker dies mid-run
        finally:
            sweep.join(timeout=300)
        assert result.get("code") == 0
    runs = json.loads((out / "sweep.json").read_text())["runs"]
    assert runs[running[0]]["resumed_from"] >= 1    # its retry went on from its checkpoint
    for r in runs:
        assert numbers(out / r["out"]) == numbers(serial / r["out"]), r["out"]
