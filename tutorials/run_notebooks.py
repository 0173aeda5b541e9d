"""Run notebooks top to bottom and store their outputs: how the stored outputs are made.

    python tutorials/run_notebooks.py                      # all of them, full size
    python tutorials/run_notebooks.py 04 07                # the notebooks whose names start so
    python tutorials/run_notebooks.py --small 04           # the small run the tests make; not saved

Each notebook runs in a fresh kernel of this Python (so it imports the tinysnn of this checkout)
with tutorials/ as its working folder, as in Jupyter. A full run writes the outputs into the
notebook, without timing metadata or the kernel's version, so that a diff shows only what
changed; the time each notebook took is printed. Plots and runs go to a temporary folder that
is removed afterwards.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbclient
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

TUTORIALS = Path(__file__).resolve().parent


def _kernel(folder):
    """A kernel manager for "python3" pinned to this interpreter."""
    spec = Path(folder) / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python"}))
    specs = KernelSpecManager(kernel_dirs=[str(Path(folder) / "kernels")],
                              ensure_native_kernel=False)
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs)


def run(path, small):
    """Execute one notebook; save its outputs unless small. Returns the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["TMPDIR"] = folder  # the notebook's OUT folder goes here and is removed after
        client = nbclient.NotebookClient(nb, km=_kernel(folder), timeout=3600,
                                         kernel_name="python3", record_timing=False,
                                         resources={"metadata": {"path": str(TUTORIALS)}})
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    if not small:
        nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
        nbformat.write(nb, path)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebooks whose names start with these")
    parser.add_argument("--small", action="store_true", help="TINYSNN_TUTORIAL_SMALL=1, no save")
    args = parser.parse_args()
    os.environ["TINYSNN_TUTORIAL_SMALL"] = "1" if args.small else "0"
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(TUTORIALS.parent), *filter(None, [os.environ.get("PYTHONPATH")])])
    paths = sorted(p for p in TUTORIALS.glob("*.ipynb")
                   if not args.names or any(p.name.startswith(n) for n in args.names))
    for path in paths:
        print(f"{path.name}: {run(path, args.small):.1f} s", flush=True)


if __name__ == "__main__":
    main()
