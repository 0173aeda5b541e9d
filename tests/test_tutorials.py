"""The tutorial notebooks run top to bottom, in their small mode, without an error, and the
small training run of notebook 07 learns.

Each notebook reads TINYSNN_TUTORIAL_SMALL=1 and shrinks its data, time steps and epochs.
The kernel is IPython's "python3" kernel started with the interpreter running pytest, so it
imports the tinysnn under test; it works in a temporary folder (also its TMPDIR, so the plots
and runs a notebook writes are cleaned up), with the data-set cache and matplotlib's file-only
backend set through its environment; tutorials/ is on its path, as it is for a notebook opened
from that folder (the exercises and the check cells import from there). A failing cell fails the
test with that cell's source and traceback.
"""

import json
import os
import re
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402 (after importorskip)
from jupyter_client.manager import AsyncKernelManager  # noqa: E402
from nbclient.exceptions import CellExecutionError  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "tutorials").glob("*.ipynb"))


def test_there_are_tutorials():
    assert len(NOTEBOOKS) >= 9, f"expected at least 9 numbered tutorials, found {NOTEBOOKS}"


def _python3_kernel(folder):
    """A kernel manager for "python3" pinned to this interpreter (not whatever `python` a
    user-level kernelspec or the PATH would find)."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (tinysnn tests)",
        "language": "python",
    }))
    specs = KernelSpecManager(kernel_dirs=[str(folder / "kernels")], ensure_native_kernel=False)
    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=specs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("TINYSNN_TUTORIAL_SMALL", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TINYSNN_CACHE", str(tmp_path / "cache"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))  # the notebooks' mkdtemp() lands here
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(REPO), str(REPO / "tutorials"), *filter(None, [os.environ.get("PYTHONPATH")])]))
    work = tmp_path / "work"
    work.mkdir()
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, km=_python3_kernel(tmp_path), timeout=600,
                                     kernel_name="python3",
                                     resources={"metadata": {"path": str(work)}})
    failure = None
    try:
        client.execute()
    except CellExecutionError as err:
        failure = re.sub(r"\x1b\[[0-9;]*m", "", str(err))  # the traceback's terminal colours
    if failure is not None:
        pytest.fail(f"{path.name}: a cell failed\n{failure}", pytrace=False)
    if path.name.startswith("07_"):
        _assert_the_small_run_learns(tmp_path / "tmp")


def _assert_the_small_run_learns(tmp):
    """Notebook 07 trains an MA-SNN on 11 classes: it must beat chance (1/11) clearly, and its
    output layer must fire (a silent output layer can score 1/11 by predicting one class)."""
    runs = sorted(tmp.glob("tinysnn-tutorial-*/tcsa/metrics.json"))
    assert len(runs) == 1, f"expected the notebook's one TCSA run, found {runs}"
    metrics = json.loads(runs[0].read_text())
    chance = 1 / 11
    assert metrics["test_accuracy"] >= 2.5 * chance, (
        f"the small run of notebook 07 reached {metrics['test_accuracy']:.3f} test accuracy, "
        f"not clearly above chance ({chance:.3f})")
    output = metrics["layers"][-1]
    assert output["firing_rate"] > 0 and output["spikes_per_sample"] > 0, (
        f"the output layer of the small run never fired: {output}")
