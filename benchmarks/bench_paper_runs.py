"""How long the paper's full training runs would take here: measured step times, projected.

    python benchmarks/bench_paper_runs.py                    # every network, a few steps each
    python benchmarks/bench_paper_runs.py --only gait,cifar --steps 5

For each network it times training steps (forward, backward, Adam update) on random input of
the real shape (event frames 5% dense; images uniform), and forward passes without a graph
(what a test pass costs), alternating the networks round by round so that they see the same
machine load. It prints the medians per sample and projects a whole run of the authors' recipe:

    epochs x (training samples x step time per sample + test sequences x forward time per sample)

where a test sequence is one clip (CIFAR10-DVS: 10 per recording). The per-sample time is
measured at a small batch and assumed to stay the same at the recipe's batch size (it falls a
little as batches grow, so the projection leans long). DVS128 Gait is projected per 1000
training recordings (and as many test recordings / 4): scale by the size of your copy.

Two clocks: wall time (what this machine gave now, other work included) and the process's CPU
time (the work itself, summed over its threads). On a shared machine the wall time says little;
on a quiet machine with n cores a step takes between CPU time / n (every thread busy) and the
CPU time, so the CPU column projects the run from CPU time / n .. CPU time.

The GPU column is arithmetic, not a measurement: the forward multiply-accumulates per sample
(counted by tinysnn.nn.monitor), 2 FLOP each, times 3 for a training step (forward and a backward of
about twice its work), at an assumed 5-15 TFLOP/s of useful float32 work on one data-centre GPU.
It leaves out making the frames or decoding the images on the CPU; the last lines time the
frames of one recording of 200,000 random events (the authors' framing of each data set).
"""

import argparse
import os
import statistics
import time

import numpy as np

from tinysnn import Tensor, manual_seed, no_grad, optim
from tinysnn import functional as F
from tinysnn.data import PaperFrames, make_events
from tinysnn.nn.models import MASNN, AttResSNN
from tinysnn.nn.monitor import Monitor

GPU_FLOPS = (5e12, 15e12)  # assumed useful float32 FLOP/s of one GPU: low, high

# name: (build, input shape [T, B, C, H, W], loss, epochs, train samples, test sequences)
NETWORKS = {
    "gait": (lambda: MASNN(attention="TCSA", preset="paper-gait"), (8, 4, 2, 128, 128),
             "mse", 100, 1000, 250),
    "cifar": (lambda: MASNN(attention="TCSA", preset="paper-cifar10dvs"), (20, 2, 2, 128, 128),
              "mse", 300, 9000, 10 * 1000),
    "attres18": (lambda: AttResSNN(depth=18), (1, 2, 3, 224, 224), "ce", 250, 1_281_167, 50_000),
    "attres18-T4": (lambda: AttResSNN(depth=18, T=4), (4, 2, 3, 224, 224), "ce", 250,
                    1_281_167, 50_000),
    "attres34": (lambda: AttResSNN(depth=34), (1, 2, 3, 224, 224), "ce", 250, 1_281_167, 50_000),
    "attres104": (lambda: AttResSNN(depth=104), (1, 1, 3, 224, 224), "ce", 250, 1_281_167,
                  50_000),
    # the small run this repository trains: 1437 digit images of 32x32, 5 epochs
    "attres18-digits": (lambda: AttResSNN(depth=18, num_classes=10, in_channels=1),
                        (1, 32, 1, 32, 32), "ce", 5, 1437, 360),
}


def _input(shape, events, rng):
    if events:    # event counts: 5% of the pixels hold one or two events
        return ((rng.random(shape) < 0.05) * rng.integers(1, 3, shape)).astype(np.float32)
    return rng.random(shape).astype(np.float32)


def _loss(kind, out, labels):
    if kind == "mse":
        return F.mse_loss(out, Tensor(np.eye(out.shape[1], dtype=np.float32)[labels]))
    return F.cross_entropy(out, labels)


def _macs_per_sample(model, x):
    """Forward multiply-accumulates of one sample: every layer's dense ops per step x T."""
    monitor = Monitor(model)
    with monitor, no_grad():
        model.eval()(Tensor(x[:, :1]))
    return sum(row["dense_ops_per_step"] for row in monitor.layers()) * x.shape[0]


def _time_frames(rng, events=200_000, repeats=5):
    """Median CPU seconds of the authors' framing of one recording: (name, train, test)."""
    t = np.sort(rng.integers(0, 1_300_000, events))
    recording = make_events(rng.integers(0, 128, events), rng.integers(0, 128, events), t,
                            rng.integers(0, 2, events))
    rows = []
    for name, window, clips in (("gait", dict(T=8, bin_us=500_000, random_start=False), 1),
                                ("cifar", dict(T=20, bin_us=10_000), 10)):
        times = []
        for transform in (PaperFrames(train=True, downsample=1, **window),
                          PaperFrames(train=False, downsample=1, clips=clips, **window)):
            spent = []
            for _ in range(repeats):
                start = time.process_time()
                transform(recording)
                spent.append(time.process_time() - start)
            times.append(statistics.median(spent))
        rows.append((name, *times))
    return rows


def _human(seconds):
    for unit, size in (("years", 365 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=",".join(NETWORKS), help="networks, comma-separated")
    parser.add_argument("--steps", type=int, default=3, help="timed rounds (after one warm-up)")
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    manual_seed(0)
    rng = np.random.default_rng(0)
    runs = {}
    for name in names:
        build, shape, loss, *_ = NETWORKS[name]
        model = build()
        labels = rng.integers(0, model.fc.out_features if isinstance(model, AttResSNN) else
                              model.config["num_classes"], shape[1])
        runs[name] = dict(model=model, optimizer=optim.Adam(model.parameters(), lr=1e-3),
                          x=_input(shape, name in ("gait", "cifar"), rng), labels=labels,
                          loss=loss, step=[], forward=[], cpu_step=[], cpu_forward=[])
    for round_ in range(args.steps + 1):          # round 0 warms up (Numba compiles)
        for run in runs.values():
            run["model"].train()
            start, cpu_start = time.perf_counter(), time.process_time()
            loss = _loss(run["loss"], run["model"](Tensor(run["x"])), run["labels"])
            run["optimizer"].zero_grad()
            loss.backward()
            run["optimizer"].step()
            middle, cpu_middle = time.perf_counter(), time.process_time()
            run["model"].eval()
            with no_grad():
                run["model"](Tensor(run["x"]))
            if round_:
                run["step"].append(middle - start)
                run["forward"].append(time.perf_counter() - middle)
                run["cpu_step"].append(cpu_middle - cpu_start)
                run["cpu_forward"].append(time.process_time() - cpu_middle)
    cores = len(os.sched_getaffinity(0))
    print(f"per sample, medians of {args.steps} steps; {cores} cores; load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'network':<16}{'batch':>6}{'step wall':>11}{'step CPU':>10}{'test CPU':>10}"
          f"{'epochs':>8}  full run on a quiet machine (CPU / {cores} .. CPU)")
    for name, run in runs.items():
        _, shape, _, epochs, train, test = NETWORKS[name]
        wall, step, forward = (statistics.median(run[k]) / shape[1]
                               for k in ("step", "cpu_step", "cpu_forward"))
        total = epochs * (train * step + test * forward)
        macs = _macs_per_sample(run["model"], run["x"])
        flops = epochs * (train * 3 + test) * 2 * macs
        print(f"{name:<16}{shape[1]:>6}{wall:>10.3f}s{step:>9.3f}s{forward:>9.3f}s{epochs:>8}"
              f"  {_human(total / cores)} .. {_human(total)}")
        print(f"{'':<16}{macs / 1e9:.2f} GMAC per sample; one GPU, estimated: "
              f"{_human(flops / GPU_FLOPS[1])} .. {_human(flops / GPU_FLOPS[0])}")
    for name, train, test in _time_frames(rng):
        print(f"frames of a 200,000-event recording, {name}: training window "
              f"{train * 1e3:.1f} ms, test clips {test * 1e3:.1f} ms (CPU)")


if __name__ == "__main__":
    main()
