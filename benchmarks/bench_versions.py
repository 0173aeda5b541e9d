"""Training steps of the paper's Gesture network with any version of tinysnn, for before/after.

    python benchmarks/bench_versions.py                               # T=16, batch 8, no and TCSA
    python benchmarks/bench_versions.py --T 60 --batch-size 16 --variants TCSA --steps 3
    PYTHONPATH=/path/to/old/checkout python benchmarks/bench_versions.py   # an older engine

``python -m tinysnn bench --preset paper-gesture`` times the same steps, but older versions of
tinysnn have no ``--preset``. This script uses only what every version has (``MASNN(preset=...)``,
``optim.Adam``, ``F.mse_loss``), so the same command times two checkouts: run it once with each
on ``PYTHONPATH``, alternating, and compare the medians. The batch is the one ``bench`` uses
(5% of the input pixels are 1, seed 0); the variants' steps are alternated. It prints which
tinysnn it imported, the median seconds per step of each variant, and the process's peak
memory (max RSS).
"""

import argparse
import resource
import time

import numpy as np

import tinysnn
from tinysnn import Tensor, optim
from tinysnn import functional as F
from tinysnn.nn.models import MASNN
from tinysnn.random_state import manual_seed


def make_step(variant, T, batch_size):
    manual_seed(0)
    model = MASNN(attention=variant, T=T, preset="paper-gesture")
    rng = np.random.default_rng(0)
    x = Tensor((rng.random((T, batch_size, 2, 32, 32)) < 0.05).astype(np.float32))
    target = Tensor(np.eye(11, dtype=np.float32)[rng.integers(0, 11, batch_size)])
    optimizer = optim.Adam(model.parameters(), lr=1e-3)

    def step():
        loss = F.mse_loss(model(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--variants", default="no,TCSA")
    parser.add_argument("--steps", type=int, default=8, help="timed steps per variant")
    args = parser.parse_args()
    steps = {v: make_step(v, args.T, args.batch_size) for v in args.variants.split(",")}
    for step in steps.values():
        step()  # compiles or loads the kernels, allocates the optimizer's state
    times = {v: [] for v in steps}
    for _ in range(args.steps):
        for variant, step in steps.items():
            start = time.perf_counter()
            step()
            times[variant].append(time.perf_counter() - start)
    medians = {v: float(np.median(t)) for v, t in times.items()}
    print(f"tinysnn from {tinysnn.__file__}; T={args.T}, batch {args.batch_size}")
    for variant, median in medians.items():
        print(f"  {variant:<6} {median:.3f} s/step (median of {args.steps})")
    if len(medians) > 1:
        first, *rest = medians
        for variant in rest:
            print(f"  {variant} / {first}: {medians[variant] / medians[first]:.2f}")
    print(f"  peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")


if __name__ == "__main__":
    main()
