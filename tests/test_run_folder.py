"""A run never silently replaces another: fresh runs refuse a folder that holds one, two runs
never write into one folder at once, and written files respect the umask."""

import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from tinysnn.app.cli import main
from tinysnn.app.run_folder import LOCK_FILE, RunFolderError, claim_run_folder
from tinysnn.atomic import atomic_open

TINY = ["--epochs", "1", "--T", "4", "--samples-per-class", "2", "--batch-size", "11",
        "--no-progress", "--attention", "no"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYSNN_CACHE", str(tmp_path / "cache"))


def test_a_fresh_run_refuses_a_folder_that_holds_one(tmp_path, cache, capsys):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), *TINY]) == 0
    before = (out / "checkpoint.npz").read_bytes()
    capsys.readouterr()
    assert main(["train", "--out", str(out), *TINY]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"tinysnn train: error: {out} already holds a run (checkpoint.npz, "
                   f"metrics.json); continue it with --resume {out / 'checkpoint.npz'}, or "
                   f"replace it with --overwrite")
    assert (out / "checkpoint.npz").read_bytes() == before
    assert main(["train", "--out", str(out), *TINY, "--seed", "1", "--overwrite"]) == 0
    assert (out / "checkpoint.npz").read_bytes() != before


def test_ablation_refuses_earlier_results_before_training_any_variant(tmp_path, cache, capsys):
    out = tmp_path / "ablation"
    (out / "SA" / "seed0").mkdir(parents=True)
    (out / "SA" / "seed0" / "metrics.json").write_text("{}")
    assert main(["ablation", "--variants", "no,SA", "--out", str(out), *TINY[:-2]]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert not (out / "no").exists()


HOLD = """
import sys, time
from tinysnn.app.run_folder import claim_run_folder
with claim_run_folder(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(60)
"""


def _holder(folder):
    """A real second process that holds the run folder's lock until it is killed."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_run_into_a_folder_in_use_stops_at_once(tmp_path, cache, capsys):
    out = tmp_path / "run"
    holder = _holder(out)
    try:
        started = time.perf_counter()
        assert main(["train", "--out", str(out), *TINY]) == 2
        err = capsys.readouterr().err.strip()
        assert f"{out} is in use by another run (process {holder.pid})" in err
        assert time.perf_counter() - started < 10 and not (tmp_path / "cache").exists()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    with claim_run_folder(str(out)):  # a killed holder leaves no stale lock
        assert (out / LOCK_FILE).exists()


def test_the_lock_is_exclusive_within_one_process_too(tmp_path):
    with claim_run_folder(str(tmp_path / "run")):
        with pytest.raises(RunFolderError, match="is in use by another run"):
            with claim_run_folder(str(tmp_path / "run")):
                pass


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_respect_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        with atomic_open(tmp_path / "file.json", "w") as f:
            f.write("{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "file.json").st_mode) == mode
