"""Event-driven (sparse) against GEMM (dense) conv and linear layers, by density.

    python benchmarks/bench_sparse.py [--repeats 7] [--densities 0.02,0.05,0.1,0.2,0.3,0.5]

For each layer shape of the benchmark networks (the paper's Gesture network at T=16, batch 8,
the default MA-SNN at T=16, batch 16, the plain conv SNN at T=8, batch 16) and each density,
times what a training step asks of the layer on spike input, two ways:

* inputs: forward + weight gradient on 0/1 input of that density (``SPARSE_MAX_DENSITY``);
* input gradients (conv layers): dL/dx wanted at that share of the positions, as the LIF layer
  before a conv reads it (``GRAD_SUPPORT_MAX_DENSITY``).

The two paths are forced (the limit in ``kernels.sparsity`` set to 1 or 0) and alternated repeat
by repeat, so their ratio sees the same machine load. A ratio below 1 means the sparse kernels
win; ``kernels/sparsity.py`` sets each limit from where they stop winning.
"""

import argparse
import functools
import os
import time

import numpy as np
from _measure import table

from tinysnn.autograd import Context
from tinysnn.functional.conv import Conv2d
from tinysnn.functional.dense import Linear
from tinysnn.kernels import sparsity

# (name, input shape, weight shape): conv layers [N, C, H, W] x [O, C, 3, 3], linear [M, in]
LAYERS = [
    ("gesture conv2", (128, 64, 32, 32), (128, 64, 3, 3)),
    ("gesture conv3", (128, 128, 16, 16), (128, 128, 3, 3)),
    ("gesture fc1", (128, 8192), (256, 8192)),
    ("default conv2", (256, 16, 16, 16), (32, 16, 3, 3)),
    ("default conv3", (256, 32, 8, 8), (32, 32, 3, 3)),
    ("default fc1", (256, 512), (128, 512)),
    ("plain conv2", (128, 32, 16, 16), (64, 32, 3, 3)),
]


def forward_and_weight_grad(fn, x, weight, grad):
    """One forward + weight gradient of Conv2d or Linear on raw arrays (no input gradient)."""
    ctx = Context((False, True))
    extra = {"stride": (1, 1), "padding": (1, 1)} if fn is Conv2d else {}
    fn.forward(ctx, x, weight, **extra)
    fn.backward(ctx, grad)


def input_grad_step(x, weight, grad, support):
    """A function that runs the input gradient of Conv2d (no weight gradient), wanted at
    ``support`` (its forward runs once, here)."""
    ctx = Context((True, False))
    with_limit(0.0, lambda: Conv2d.forward(ctx, x, weight, stride=(1, 1), padding=(1, 1),
                                           grad_support=lambda: support))()
    return lambda: Conv2d.backward(ctx, grad)


def alternated_ms(runs, repeats):
    """Median ms of each run in ``runs``, the runs alternated repeat by repeat."""
    for run in runs:
        run()
    times = [[] for _ in runs]
    for _ in range(repeats):
        for i, run in enumerate(runs):
            start = time.perf_counter()
            run()
            times[i].append(time.perf_counter() - start)
    return [1e3 * float(np.median(t)) for t in times]


def with_limit(limit, run, names=("SPARSE_MAX_DENSITY", "LINEAR_SPARSE_MAX_DENSITY")):
    """``run`` with the density limits ``names`` of kernels.sparsity set to ``limit``."""
    def forced():
        saved = [getattr(sparsity, name) for name in names]
        for name in names:
            setattr(sparsity, name, limit)
        try:
            run()
        finally:
            for name, value in zip(names, saved):
                setattr(sparsity, name, value)
    return forced


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--densities", default="0.02,0.05,0.1,0.2,0.3,0.5")
    parser.add_argument("--layers", default=None, help="names containing this text only")
    args = parser.parse_args()
    densities = [float(d) for d in args.densities.split(",")]
    rng = np.random.default_rng(0)
    print(f"load average {os.getloadavg()[0]:.1f}; density limits now: conv "
          f"{sparsity.SPARSE_MAX_DENSITY}, linear {sparsity.LINEAR_SPARSE_MAX_DENSITY}, input "
          f"gradients {sparsity.GRAD_SUPPORT_MAX_DENSITY}; float32\n")
    rows, grad_rows = [], []
    for name, x_shape, w_shape in LAYERS:
        if args.layers and args.layers not in name:
            continue
        fn = Conv2d if len(x_shape) == 4 else Linear
        weight = rng.standard_normal(w_shape).astype(np.float32)
        out_shape = (x_shape[0], w_shape[0], *x_shape[2:])
        grad = rng.standard_normal(out_shape).astype(np.float32)
        for d in densities:
            x = (rng.random(x_shape) < d).astype(np.float32)
            run = functools.partial(forward_and_weight_grad, fn, x, weight, grad)
            sparse, dense = alternated_ms([with_limit(1.0, run), with_limit(0.0, run)],
                                          args.repeats)
            rows.append((name, d, sparse, dense, sparse / dense))
            if fn is Conv2d:
                support = rng.random(x_shape) < d
                run = input_grad_step(x, weight, grad, support)
                names = ("GRAD_SUPPORT_MAX_DENSITY",)
                masked, dense = alternated_ms([with_limit(1.0, run, names),
                                               with_limit(0.0, run, names)], args.repeats)
                grad_rows.append((name, d, masked, dense, masked / dense))
    print("inputs: forward + weight gradient")
    table(rows, ["layer", "density", "sparse ms", "GEMM ms", "sparse / GEMM"])
    print("\ninput gradients wanted at a share of the positions")
    table(grad_rows, ["layer", "share", "masked ms", "GEMM ms", "masked / GEMM"])


if __name__ == "__main__":
    main()
