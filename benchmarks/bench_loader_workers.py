"""How long one pass over CIFAR10-DVS's training batches takes with 0 and N loader workers.

    python benchmarks/bench_loader_workers.py --data-dir DIR [--workers 2] [--repeats 3]
    python benchmarks/bench_loader_workers.py --write DIR    # a synthetic folder of that format

Times the framing alone (the authors' windows: T 20 bins of 10 ms at 128 x 128, as
``train --dataset cifar10dvs`` frames it), the part ``--loader-workers`` moves off the training
step; passes with 0 and N workers alternate, and the medians are printed with the load average.
``--write`` makes ten class folders of ten recordings of 100k events over 1.3 s (the tests'
AEDAT 2.0 writer), about the size of the real recordings.
"""

import argparse
import os
import time

import numpy as np

from tinysnn.data import (
    CIFAR10_CLASSES,
    CIFAR10DVS,
    DataLoader,
    PaperFrames,
    make_events,
    write_aedat2,
)


def write_folder(root, per_class=10, events=100_000, seed=0):
    rng = np.random.default_rng(seed)
    for name in CIFAR10_CLASSES:
        os.makedirs(os.path.join(root, name), exist_ok=True)
        for i in range(per_class):
            t = np.sort(rng.integers(0, 1_300_000, events))
            write_aedat2(os.path.join(root, name, f"cifar10_{name}_{i}.aedat"),
                         make_events(rng.integers(0, 128, events), rng.integers(0, 128, events),
                                     t, rng.integers(0, 2, events)))


def one_pass(loader):
    start = time.perf_counter()
    for _ in loader:
        pass
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-dir")
    p.add_argument("--write", metavar="DIR")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    if args.write:
        write_folder(args.write)
        print(f"wrote {args.write}")
        return
    frames = PaperFrames(train=True, T=20, bin_us=10_000, downsample=1, seed=0)
    data = CIFAR10DVS(args.data_dir, train=True, transform=frames)
    loaders = {n: DataLoader(data, 16, shuffle=True, num_workers=n) for n in (0, args.workers)}
    load = [os.getloadavg()[0]]
    times = {n: [] for n in loaders}
    one_pass(loaders[args.workers])                  # start the workers (spawn, imports)
    for _ in range(args.repeats):
        for n, loader in loaders.items():
            times[n].append(one_pass(loader))
    loaders[args.workers].close()
    load.append(os.getloadavg()[0])
    for n, t in times.items():
        print(f"{n} loader workers: {np.median(t):.2f} s per pass over {len(data)} recordings "
              f"(median of {len(t)}: {', '.join(f'{x:.2f}' for x in t)})")
    print(f"load average {load[0]:.1f} -> {load[1]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
