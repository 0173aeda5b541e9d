"""Cross-check tinysnn's NIR import and export against snnTorch (a script, not a CI test).

Needs torch, snntorch, nirtorch and nir next to tinysnn's own dependencies, in a scratch venv:

    /root/.pyenv/versions/3.11.7/bin/python -m venv /tmp/snnt
    /tmp/snnt/bin/pip install torch==2.13.0 snntorch nir nirtorch numba scipy matplotlib tqdm
    PYTHONPATH=$PWD /tmp/snnt/bin/python benchmarks/nir_snntorch_check.py

1. snnTorch -> tinysnn: a network of Linear and Leaky layers (reset to zero, no reset delay),
   written by snnTorch's export_to_nir (which writes LIF nodes for dt = 1e-4: tau = dt/(1 - beta),
   r = tau/dt), imported with tinysnn.from_nir(graph, dt=1e-4), run on the same input.
2. tinysnn -> NIR -> tinysnn: a tinysnn network written by to_nir (dt = 1e-4), through a file,
   read back by from_nir; and the same file read by snnTorch's import_from_nir.
Prints how many output spikes each pair has, and how many differ.
"""

import os
import sys
import tempfile

import nir
import numpy as np
import snntorch as snn
import torch
from snntorch import utils
from snntorch.export_nir import export_to_nir
from snntorch.import_nir import import_from_nir

import tinysnn as ts
from tinysnn import nn, no_grad

T, B, N_IN, N_HID, N_OUT, DT = 50, 16, 8, 32, 4, 1e-4


def run_snntorch(net, x):
    """x: [T, B, in] -> output spikes [T, B, out], one step at a time (hidden states inside)."""
    utils.reset(net)
    out = []
    with torch.no_grad():
        for xt in torch.as_tensor(x):
            y = net(xt)
            out.append((y[0] if isinstance(y, tuple) else y).numpy())
    return np.stack(out)


def run_tinysnn(net, x):
    with no_grad():
        return net(ts.Tensor(x)).data


def compare(label, a, b):
    differ = int((a != b).sum())
    print(f"{label}: {int(a.sum())} vs {int(b.sum())} spikes of {a.size}, {differ} differ")
    return differ


def snntorch_to_tinysnn(x):
    torch.manual_seed(0)
    # one beta and threshold per neuron: snnTorch writes a scalar beta as 0-d arrays, which
    # nir 1.0.8's own type inference (called by export_to_nir) rejects
    def leaky(beta, n, **more):
        return snn.Leaky(beta=torch.full((n,), beta), threshold=torch.full((n,), 0.5),
                         init_hidden=True, reset_mechanism="zero", reset_delay=False, **more)

    net = torch.nn.Sequential(torch.nn.Linear(N_IN, N_HID), leaky(0.8, N_HID),
                              torch.nn.Linear(N_HID, N_OUT), leaky(0.6, N_OUT, output=True))
    theirs = run_snntorch(net, x.astype(np.float32))
    graph = export_to_nir(net, torch.randn(1, N_IN), ignore_dims=[0])   # [1, 8]: batch of one
    print("snnTorch's graph:", {k: type(v).__name__ for k, v in graph.nodes.items()})
    ours = run_tinysnn(ts.from_nir(graph, dt=DT), x.astype(np.float32))
    return compare("1. snnTorch Leaky net vs from_nir(export_to_nir(net), dt=1e-4)", theirs, ours)


def tinysnn_to_nir_and_back(x, folder):
    ts.manual_seed(0)
    model = nn.Sequential(nn.Linear(N_IN, N_HID), nn.LIF(decay=0.8, threshold=0.5),
                          nn.Linear(N_HID, N_OUT), nn.LIF(decay=0.6, threshold=0.5)).eval()
    ours = run_tinysnn(model, x.astype(np.float32))
    path = os.path.join(folder, "tinysnn.nir")
    nir.write(path, ts.to_nir(model, (N_IN,), dt=DT))
    back = run_tinysnn(ts.from_nir(path, dt=DT), x.astype(np.float32))
    differ = compare("2a. tinysnn net vs from_nir(to_nir(net)) through a file", ours, back)
    in_snntorch = run_snntorch(import_from_nir(nir.read(path)), x.astype(np.float32))
    compare("2b. tinysnn net vs snnTorch's import_from_nir of the same file", ours, in_snntorch)
    return differ


def main():
    x = np.random.default_rng(0).uniform(0, 1, (T, B, N_IN))
    print(f"torch {torch.__version__}, snntorch {snn.__version__}, nir {nir.version}, "
          f"T={T}, B={B}")
    with tempfile.TemporaryDirectory() as folder:
        bad = snntorch_to_tinysnn(x) + tinysnn_to_nir_and_back(x, folder)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
