"""The command line on tiny configurations: each command works, bad input is one line, exit 2."""

import json
import os
import subprocess
import sys

import pytest

from tinysnn.app.cli import main

TINY = ["--epochs", "1", "--T", "4", "--samples-per-class", "2", "--batch-size", "11",
        "--no-progress"]


def exit_code(argv):
    """main's return value, or the status of the SystemExit that argparse raises."""
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TINYSNN_CACHE", str(root / "cache"))
        out = root / "run"
        assert main(["train", "--attention", "TCSA", "--out", str(out), *TINY]) == 0
        yield out


def test_train_writes_metrics_and_checkpoint(run_dir, capsys):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    for key in ("test_accuracy", "best_test_accuracy", "epochs", "spikes_per_sample",
                "firing_rate", "energy_uj_per_sample", "params", "seconds", "layers"):
        assert key in metrics, key
    assert set(metrics["epochs"][0]) >= {"epoch", "train_loss", "train_accuracy",
                                         "test_accuracy", "seconds"}
    assert [row["name"] for row in metrics["layers"]][:2] == ["features.0", "features.1"]
    assert (run_dir / "checkpoint.npz").is_file()


def test_resume_keeps_the_runs_settings(run_dir, tmp_path, capsys):
    out = tmp_path / "resumed"
    checkpoint = str(run_dir / "checkpoint.npz")
    assert main(["train", "--resume", checkpoint, "--epochs", "2", "--out", str(out),
                 "--no-progress"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert [e["epoch"] for e in metrics["epochs"]] == [1, 2]
    assert metrics["config"]["attention"] == "TCSA" and metrics["config"]["T"] == 4
    capsys.readouterr()
    assert exit_code(["train", "--resume", checkpoint, "--attention", "CA", "--epochs", "2",
                      "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "attention: 'TCSA' -> 'CA'" in err


def test_eval_reproduces_the_final_accuracy(run_dir, capsys):
    assert main(["eval", str(run_dir / "checkpoint.npz")]) == 0
    out = capsys.readouterr().out
    final = json.loads((run_dir / "metrics.json").read_text())["test_accuracy"]
    assert f"test accuracy {final:.4f}" in out


def test_plot_draws_every_picture(run_dir):
    assert main(["plot", str(run_dir)]) == 0
    names = sorted(os.listdir(run_dir))
    assert "curves.png" in names
    assert any(n.startswith("raster_") for n in names)
    assert any(n.startswith("membrane_") for n in names)
    assert any(n.startswith("attention_") for n in names)
    # the paper's analysis: membranes with and without attention, attention maps per class
    assert "membrane_distribution.png" in names
    assert "attention_by_class_features_0_attention.png" in names


def test_ablation_writes_the_table(tmp_path, run_dir):
    out = tmp_path / "ablation"
    argv = ["ablation", "--variants", "no,SA", "--out", str(out), "--level", "easy", *TINY]
    assert main(argv) == 0
    document = json.loads((out / "ablation.json").read_text())
    assert [r["variant"] for r in document["runs"]] == ["no", "SA"]
    table = (out / "ablation.md").read_text()
    assert "| no | 1 |" in table and "| SA | 1 |" in table
    assert f"`python -m tinysnn {' '.join(argv)}`" in table     # the command, quoted


@pytest.mark.parametrize("argv, message", [
    (["train", "--dataset", "mnist"], "invalid choice"),
    (["train", "--attention", "XYZ"], "--attention"),
    (["train", "--T", "0"], "--T: must be an integer >= 1, got '0'"),
    (["train", "--dataset", "dvs128"], "--data-dir"),
    (["train", "--dataset", "dvs128", "--data-dir", "/no/such/folder"], "no such folder"),
    (["train", "--resume", "/no/such/checkpoint.npz"], "no such file"),
    (["ablation", "--variants", "no,XX"], "unknown"),
    (["plot", "/no/such/run"], "no metrics.json, ablation.json or sweep.json"),
])
def test_bad_arguments_give_one_line(argv, message, capsys):
    assert exit_code(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


def test_corrupt_checkpoint_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"\x00" * 100)
    assert main(["eval", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "bad.npz" in err and "\n" not in err


def test_module_entry_point_runs():
    done = subprocess.run([sys.executable, "-m", "tinysnn", "train", "--T", "-3"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_bench_reports_step_time_and_shares(capsys):
    assert main(["bench", "--T", "2", "--batch-size", "2", "--steps", "2"]) == 0
    out = capsys.readouterr().out
    assert "samples/s" in out and "conv" in out and "LIF" in out


def test_bench_alternates_variants_and_reports_their_firing_rates(capsys):
    assert main(["bench", "--variants", "no,TCSA", "--T", "2", "--batch-size", "2",
                 "--steps", "1"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()
            if line.split() and line.split()[0] in ("no", "TCSA")}
    assert set(rows) == {"no", "TCSA"}
    assert all(0 <= float(row[1]) <= 1 for row in rows.values())  # the firing rates
    assert rows["no"][3] == "1.00"  # step time relative to the first variant


def test_bench_plots_step_time_against_firing_rate(tmp_path, capsys):
    path = tmp_path / "speed.png"
    assert main(["bench", "--variants", "no,TA", "--T", "2", "--batch-size", "2", "--steps", "1",
                 "--plot", str(path)]) == 0
    assert str(path) in capsys.readouterr().out
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bench_compare_without_torch_says_so_and_times_tinysnn(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)  # as on a machine without PyTorch
    assert main(["bench", "--compare", "--T", "2", "--batch-size", "2", "--steps", "1"]) == 0
    captured = capsys.readouterr()
    assert "--compare skipped: PyTorch is not installed" in captured.err
    assert "tinysnn ms/step" in captured.out and "PyTorch ms/step" not in captured.out


def test_bench_compare_times_pytorch_in_other_processes(capsys):
    pytest.importorskip("torch")
    assert main(["bench", "--compare", "--variants", "no", "--T", "2", "--batch-size", "2",
                 "--steps", "1", "--rounds", "1", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "tinysnn / PyTorch" in out and "1 thread(s)" in out


def test_bench_times_a_trained_run_with_its_weights_and_data(run_dir, capsys):
    import numpy as np

    from tinysnn.app import bench
    from tinysnn.app.resume import read_run_checkpoint

    checkpoint = run_dir / "checkpoint.npz"
    saved = read_run_checkpoint(checkpoint)
    step, model = bench.build(None, None, None, 3, checkpoint=str(checkpoint))
    weights = model.state_dict()
    assert set(weights) == set(saved.model_state)
    for name, array in saved.model_state.items():
        np.testing.assert_array_equal(weights[name], array, err_msg=name)
    assert step.batch.shape == (saved.config.T, 3, 2, 32, 32)  # the run's own frames
    assert main(["bench", "--checkpoint", str(checkpoint), "--batch-size", "2",
                 "--steps", "1"]) == 0
    out = capsys.readouterr().out
    assert f"{checkpoint}: trained masnn network, T={saved.config.T}, batch 2" in out
    row = next(line.split() for line in out.splitlines() if line.startswith("TCSA "))
    assert 0 <= float(row[1]) <= 1


def test_bench_with_a_checkpoint_refuses_network_options_in_one_line(run_dir, capsys):
    checkpoint = str(run_dir / "checkpoint.npz")
    assert exit_code(["bench", "--checkpoint", checkpoint, "--T", "4", "--variants", "no"]) == 2
    assert "leave out --variants, --T" in capsys.readouterr().err
    assert exit_code(["bench", "--checkpoint", str(run_dir / "missing.npz")]) == 2
    assert "missing.npz" in capsys.readouterr().err


def test_bench_compares_a_trained_run_with_pytorch(run_dir, capsys):
    pytest.importorskip("torch")
    assert main(["bench", "--checkpoint", str(run_dir / "checkpoint.npz"), "--compare",
                 "--batch-size", "2", "--steps", "1", "--rounds", "1", "--threads", "1"]) == 0
    assert "tinysnn / PyTorch" in capsys.readouterr().out


def test_bench_refuses_unknown_variants_in_one_line(capsys):
    assert exit_code(["bench", "--variants", "no,XYZ"]) == 2
    assert "--variants: unknown ['XYZ']" in capsys.readouterr().err


def test_cuda_without_cupy_is_one_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "cupy", None)  # as on a machine without CuPy
    monkeypatch.setenv("TINYSNN_CACHE", str(tmp_path / "cache"))
    assert exit_code(["train", "--device", "cuda", "--out", str(tmp_path / "run"), *TINY]) == 2
    err = capsys.readouterr().err.strip()
    assert "pip install cupy" in err and "\n" not in err
