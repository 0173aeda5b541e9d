"""The command line with NIR: export a run, fine-tune a graph, resume and evaluate it without the
original file, and one-line errors for graphs that do not fit."""

import os

import numpy as np
import pytest

nir = pytest.importorskip("nir")

from tinysnn import from_nir  # noqa: E402
from tinysnn.app.checkpoint import load_checkpoint  # noqa: E402
from tinysnn.app.cli import main  # noqa: E402

SMALL = ["--T", "4", "--samples-per-class", "2", "--test-samples-per-class", "1",
         "--batch-size", "8", "--no-progress"]


def test_export_then_fine_tune_then_resume_without_the_file(tmp_path, capsys):
    run1, run2, graph = tmp_path / "run1", tmp_path / "run2", tmp_path / "masnn.nir"
    assert main(["train", "--attention", "no", "--epochs", "1", "--out", str(run1), *SMALL]) == 0
    assert main(["export", str(run1 / "checkpoint.npz"), "--nir", str(graph), "--dt", "1"]) == 0
    net = from_nir(str(graph), dt=1.0)
    assert net.input_shape == (2, 32, 32) and net.output_shape == (11,)
    assert main(["train", "--nir", str(graph), "--dt", "1", "--epochs", "1", "--out", str(run2),
                 *SMALL]) == 0
    _, _, meta = load_checkpoint(str(run2 / "checkpoint.npz"))
    assert meta["config"]["nir"] == str(graph) and isinstance(meta["nir_graph"], str)
    os.remove(graph)                                   # the checkpoint holds the graph
    assert main(["train", "--resume", str(run2 / "checkpoint.npz"), "--epochs", "2",
                 "--no-progress"]) == 0
    assert main(["eval", str(run2 / "checkpoint.npz")]) == 0
    again = tmp_path / "again.nir"
    assert main(["export", str(run2 / "checkpoint.npz"), "--nir", str(again)]) == 0
    assert from_nir(str(again), dt=1.0).output_shape == (11,)
    capsys.readouterr()


def test_a_graph_that_does_not_fit_the_data_is_one_line_exit_2(tmp_path, capsys):
    graph = nir.NIRGraph.from_list(nir.Flatten(input_type={"input": np.array([2, 8, 8])},
                                               start_dim=0),
                                   nir.Affine(weight=np.zeros((11, 128)), bias=np.zeros(11)),
                                   type_check=False)
    path = tmp_path / "small.nir"
    nir.write(path, graph)
    args = ["train", "--nir", str(path), "--epochs", "1", "--out", str(tmp_path / "r"), *SMALL]
    assert main(args) == 2
    assert "--dt" in capsys.readouterr().err
    assert main([*args, "--dt", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "[2, 8, 8]" in err and "[2, 32, 32]" in err and "\n" not in err
