"""Does an imported NIR graph train as fast as the same network built by hand?

    PYTHONPATH=$PWD python benchmarks/bench_nir_import.py [--T 16] [--batch 16] [--rounds 5]

The network (the default MASNN's layers without batch norm or attention): three 3x3 convs
2-16-32-32 each followed by a 2x2 average pool and an LIF, FC 512-128 and 128-11 with LIFs,
on 32x32 event frames. "by hand" is that nn.Sequential; "imported" is
``from_nir(to_nir(model, (2, 32, 32), dt=1), dt=1)``, the same weights. One training step:
forward over [T, B, 2, 32, 32], the mean over time, MSE to one-hot, backward, Adam. The two are
timed in alternating rounds (the machine is shared) and the medians printed.
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _measure import median_ms  # noqa: E402

import tinysnn as ts  # noqa: E402
from tinysnn import functional as F  # noqa: E402
from tinysnn import nn, optim  # noqa: E402


def by_hand():
    ts.manual_seed(0)
    layers = []
    for c_in, c_out in ((2, 16), (16, 32), (32, 32)):
        layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.AvgPool2d(2), nn.LIF.paper()]
    layers += [nn.Flatten(), nn.Linear(512, 128), nn.LIF.paper(), nn.Linear(128, 11),
               nn.LIF.paper()]
    return nn.Sequential(*layers)


def training_step(model, x, target):
    optimizer = optim.Adam(model.parameters(), lr=1e-3)

    def step():
        loss = F.mse_loss(model(x).mean(axis=0), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--T", type=int, default=16)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    hand = by_hand()
    imported = ts.from_nir(ts.to_nir(hand.eval(), (2, 32, 32), dt=1.0), dt=1.0)
    hand.train()
    rng = np.random.default_rng(0)
    x = ts.Tensor((rng.random((args.T, args.batch, 2, 32, 32)) < 0.1).astype(np.float32))
    target = ts.Tensor(np.eye(11, dtype=np.float32)[rng.integers(0, 11, args.batch)])
    with ts.no_grad():
        assert (hand(x).data == imported(x).data).all(), "the two networks differ"
    steps = {"by hand": training_step(hand, x, target),
             "imported": training_step(imported, x, target)}
    times = {name: [] for name in steps}
    load = os.getloadavg()[0]
    started = time.perf_counter()
    for _ in range(args.rounds):
        for name, step in steps.items():
            times[name].append(median_ms(step, repeats=args.repeats, warmup=1))
    print(f"training step, T={args.T}, batch {args.batch}, {args.rounds} alternating rounds of "
          f"{args.repeats} steps; load average {load:.1f} -> {os.getloadavg()[0]:.1f} "
          f"({time.perf_counter() - started:.0f} s)")
    for name, values in times.items():
        print(f"  {name:>9}: median {np.median(values):7.1f} ms  (rounds: "
              f"{', '.join(f'{v:.0f}' for v in values)})")
    ratio = np.median(times["imported"]) / np.median(times["by hand"])
    print(f"  imported / by hand: {ratio:.2f}")


if __name__ == "__main__":
    main()
