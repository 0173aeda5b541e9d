"""bench does what it was asked or refuses before measuring: no more threads than Numba runs,
no batch norm of a single value, a plot written to exactly the file named, in a format it can
write."""

import numba
import pytest

import tinysnn.app.bench as bench
from tinysnn.app.cli import main


def refusal(capsys, argv, monkeypatch):
    monkeypatch.setattr(bench, "measure", lambda *a, **k: pytest.fail("measured before refusing"))
    code = main(["bench", *argv])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err, err
    return err


def test_more_threads_than_numba_runs_are_refused(capsys, monkeypatch):
    most = numba.config.NUMBA_NUM_THREADS
    err = refusal(capsys, ["--threads", str(most + 998)], monkeypatch)
    assert err == (f"tinysnn bench: error: --threads {most + 998}: Numba runs at most {most} "
                   f"threads here (the machine's cores, or NUMBA_NUM_THREADS)")


def test_a_batch_norm_of_one_value_is_refused(capsys, monkeypatch):
    err = refusal(capsys, ["--steps", "1", "--T", "1", "--batch-size", "1"], monkeypatch)
    assert err == ("tinysnn bench: error: --T 1 x --batch-size 1: batch norm needs two values "
                   "per feature; give --T or --batch-size of 2 or more")


def test_a_plot_that_cannot_be_written_as_named_is_refused_before_measuring(tmp_path, capsys,
                                                                           monkeypatch):
    err = refusal(capsys, ["--plot", str(tmp_path)], monkeypatch)
    assert err == (f"tinysnn bench: error: --plot {tmp_path} is a folder; name the image file "
                   f"to write, e.g. {tmp_path / 'speed.png'}")
    err = refusal(capsys, ["--plot", str(tmp_path / "x.xyz")], monkeypatch)
    assert f"--plot {tmp_path / 'x.xyz'}: cannot draw a .xyz file; name a file ending in one of" \
           in err and ".png" in err


def test_the_plot_is_written_to_exactly_the_file_named(tmp_path, capsys):
    target = tmp_path / "speed"                       # no extension: a PNG under this name
    assert main(["bench", "--steps", "1", "--T", "2", "--batch-size", "2",
                 "--plot", str(target)]) == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "speed.png").exists()
