"""``python -m tinysnn bench``: how fast a training step runs here, per variant, against PyTorch.

    python -m tinysnn bench                               # default MASNN (TCSA), T=16, batch 16
    python -m tinysnn bench --preset paper-gesture --variants no,TCSA    # T=16, batch 8
    python -m tinysnn bench --preset paper-gesture --variants no,TCSA --compare
    python -m tinysnn bench --preset plain-conv --compare      # conv 2-32-64, FC 4096-128-11, SGD
    python -m tinysnn bench --preset paper-gesture --variants no,TA,CA,TCSA --plot speed.png
    python -m tinysnn bench --checkpoint runs/masnn/checkpoint.npz --compare   # a trained run

A step is forward + backward + optimizer update on random 5%-dense event frames (a fixed seed),
MSE to one-hot targets. Fresh weights on random frames fire less than a trained network does on
its data (the default MA-SNN: 0.005 against 0.04), and the event-driven kernels make sparser
steps faster, so ``--checkpoint run/checkpoint.npz`` times a finished run instead: its network
and trained weights on a batch of its own training data. The variants of one run are built side
by side and their steps alternated, so a ratio between them sees the same machine load; each
prints its median step time and its firing rate (all spiking layers), which shows how sparsity
turns into speed; ``--plot`` draws one against the other.

``--compare`` times the same networks, with the same weights and input, in plain PyTorch
(``torch_masnn.py``: the authors' per-step LIF loop and SpikingJelly-style attention; needs torch).
tinysnn and PyTorch run in separate processes, alternated round by round (two OpenMP runtimes in
one process slow each other down), at the same thread count; the ratio is of the medians.
Without ``--compare`` one variant's time is also split by where it goes (a profile of 3 steps).
On a machine shared with other work, ``--clock cpu --threads 1`` reports each process's own CPU
time per step, which the other processes do not inflate.
"""

import cProfile
import json
import os
import pstats
import subprocess
import sys
import time

import numpy as np

from .. import functional as F
from .. import optim, random_state, settings
from ..data import DataLoader
from ..nn.models import MASNN
from ..nn.monitor import Monitor
from ..tensor import Tensor

#: the networks ``bench --preset`` knows, with the step they are timed at by default
NETWORKS = {
    "default": dict(options={}, T=settings.T, batch_size=16, optimizer="adam", variants=("TCSA",)),
    "paper-gesture": dict(options={"preset": "paper-gesture"}, T=settings.T, batch_size=8,
                          optimizer="adam", variants=("TCSA",)),
    # a plain convolutional SNN: conv 2-32-64 (BN, avg pool 2, LIF each), FC 4096-128-11
    "plain-conv": dict(options={"channels": (32, 64), "pools": (2, 2), "hidden": (128,)}, T=8,
                       batch_size=16, optimizer="sgd", variants=("no",)),
}
INPUT_DENSITY = 0.05  # fraction of non-zero input pixels, as in event frames

# where a profiled function's time is counted: the files it lives in, by what it does
_GROUPS = {"conv": ("functional/conv.py", "kernels/conv/"),
           "pools": ("functional/pool.py", "kernels/pool/"),
           "batch norm": ("functional/norm.py", "kernels/batch_norm/"),
           "LIF": ("functional/lif.py", "kernels/lif/"),
           "attention": ("functional/attention.py", "kernels/attention/"),
           "linear / matmul": ("functional/basic.py", "functional/dense.py", "kernels/linear/"),
           "sparsity test": ("kernels/sparsity.py",),
           "optimizer": ("optim.py",),
           "autograd": ("autograd.py", "tensor.py")}


def _batch(model, T, batch_size, seed):
    rng = np.random.default_rng(seed)
    c, s = model.config["in_channels"], model.config["input_size"]
    x = (rng.random((T, batch_size, c, s, s)) < INPUT_DENSITY).astype(np.float32)
    target = np.eye(model.config["num_classes"], dtype=np.float32)[
        rng.integers(0, model.config["num_classes"], batch_size)]
    return x, target


def _network(network, variant, T, batch_size, seed):
    """(model, x [T, B, C, H, W], one-hot targets [B, classes], optimizer name) of a preset
    network with fresh weights and the benchmark's random frames."""
    spec = NETWORKS[network]
    random_state.manual_seed(seed)
    model = MASNN(attention=variant, T=T, **spec["options"])
    x, target = _batch(model, T, batch_size, seed)
    return model, x, target, spec["optimizer"]


def _trained(checkpoint, batch_size):
    """(model, x, targets, "adam") of a finished run: the checkpoint's network with its trained
    weights, and the first shuffled batch of the run's own training data, so the layers fire
    as they do in that run's training (fresh weights on random frames fire far less)."""
    from .report import load_run

    model, data, config, _ = load_run(checkpoint)
    model.train()
    loader = DataLoader(data.train_set, batch_size, shuffle=True, seed=config.seed,
                        device=config.device)
    x, labels = next(iter(loader))
    return model, x, np.eye(data.num_classes, dtype=np.float32)[labels], "adam"


def build(network, variant, T, batch_size, seed=0, framework="tinysnn", checkpoint=None):
    """(step function, model) for one variant of a network; the same weights and batch in both
    frameworks (PyTorch's model is built from tinysnn's). With ``checkpoint`` (a run's
    checkpoint.npz) the network, weights and batch are that run's; network, variant and T are
    then not used."""
    if checkpoint is None:
        model, x, target, optimizer_name = _network(network, variant, T, batch_size, seed)
    else:
        model, x, target, optimizer_name = _trained(checkpoint, batch_size)
    if framework == "torch":
        return _torch_step(model, x, target, optimizer_name)
    if optimizer_name == "sgd":
        optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    else:
        optimizer = optim.Adam(model.parameters(), lr=1e-3)
    x, target = Tensor(x), Tensor(target)

    def step():
        loss = F.mse_loss(model(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    step.batch = x
    return step, model


def _torch_step(model, x, target, optimizer_name):
    import torch

    from .torch_masnn import from_tinysnn

    twin = from_tinysnn(model)
    if optimizer_name == "sgd":
        optimizer = torch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    else:
        optimizer = torch.optim.Adam(twin.parameters(), lr=1e-3)
    x, target = torch.from_numpy(x), torch.from_numpy(target)

    def step():
        loss = torch.nn.functional.mse_loss(twin(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step, twin


def firing_rate(model, x):
    """Spikes per neuron and time step over all spiking layers, on the batch x (a Tensor)."""
    with Monitor(model) as monitor:
        model(x)
    return monitor.summary()["firing_rate"]


def measure(network, variants, T, batch_size, steps, framework="tinysnn", seed=0,
            checkpoint=None):
    """{variant: {"times": wall seconds per step, "cpu_times": this process's CPU seconds per
    step (all its threads), "firing_rate": ...}}, the variants' steps alternated. With
    ``checkpoint``, the one variant is the run's trained network (``build``)."""
    steppers = {v: build(network, v, T, batch_size, seed, framework, checkpoint)
                for v in variants}
    for step, _ in steppers.values():
        step()  # compiles (or loads) every kernel, allocates the optimizer's state
    times = {v: [] for v in variants}
    cpu_times = {v: [] for v in variants}
    for _ in range(steps):
        for v, (step, _) in steppers.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            step()
            times[v].append(time.perf_counter() - start)
            cpu_times[v].append(time.process_time() - start_cpu)
    results = {v: {"times": times[v], "cpu_times": cpu_times[v], "firing_rate": None}
               for v in variants}
    if framework == "tinysnn":
        for v, (step, model) in steppers.items():
            results[v]["firing_rate"] = firing_rate(model, step.batch)
    return results


def _group_of(path):
    """The _GROUPS name of a tinysnn file ("other" if in none), None outside tinysnn."""
    path = path.replace(os.sep, "/")
    if "tinysnn/" not in path:
        return None
    return next((g for g, parts in _GROUPS.items() if any(p in path for p in parts)), "other")


def _callers_groups(stats, key, seen=()):
    """{group: fraction} of the time of ``key`` by the tinysnn functions it was called from,
    through any chain of NumPy or interpreter functions (np.mean -> _mean -> ufunc.reduce)."""
    group = _group_of(key[0])
    if group is not None:
        return {group: 1.0}
    callers = stats.get(key, (0, 0, 0, 0, {}))[4]
    weights = {k: ct for k, (_, _, _, ct) in callers.items() if k not in seen}
    whole = sum(weights.values())
    if not whole:
        return {"other": 1.0}
    shares = {}
    for k, w in weights.items():
        for g, f in _callers_groups(stats, k, (*seen, key)).items():
            shares[g] = shares.get(g, 0.0) + f * w / whole
    return shares


def time_by_group(step, repeats=3):
    """Share of a step's time per group of files (_GROUPS), from a cProfile of ``repeats`` steps.

    Time spent inside NumPy or the interpreter (a reduction, an einsum, a matrix product) counts
    for the tinysnn functions that called it, however deep, so "other" holds only tinysnn code
    outside the groups (layers, losses, shape ops) and what no tinysnn function called.
    """
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(repeats):
        step()
    profile.disable()
    stats = pstats.Stats(profile).stats
    totals = dict.fromkeys([*_GROUPS, "other"], 0.0)
    for key, (_, _, own_time, _, _) in stats.items():
        for group, share in _callers_groups(stats, key).items():
            totals[group] += own_time * share
    whole = sum(totals.values()) or 1.0
    return {g: t / whole for g, t in totals.items()}


# ------------------------------------------------------------------ PyTorch in other processes
def _worker_command(framework, network, variants, T, batch_size, steps, threads, checkpoint):
    if checkpoint is not None:
        network_options = ["--checkpoint", os.path.abspath(checkpoint)]
    else:
        network_options = ["--preset", network, "--variants", ",".join(variants), "--T", str(T)]
    return [sys.executable, "-m", "tinysnn", "bench", "--worker", framework, *network_options,
            "--batch-size", str(batch_size), "--steps", str(steps), "--threads", str(threads)]


def run_worker(framework, network, variants, T, batch_size, steps, checkpoint=None):
    """The child's side of ``compare``: measure, print one JSON line."""
    print(json.dumps(measure(network, variants, T, batch_size, steps, framework,
                             checkpoint=checkpoint)))


def compare(network, variants, T, batch_size, steps, rounds, threads, checkpoint=None):
    """{framework: {variant: {"times": [...], "firing_rate": ...}}}, each round one process per
    framework (the order alternating), every process on ``threads`` threads."""
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    merged = {"tinysnn": {}, "torch": {}}
    for r in range(rounds):
        order = ("tinysnn", "torch") if r % 2 == 0 else ("torch", "tinysnn")
        for framework in order:
            command = _worker_command(framework, network, variants, T, batch_size, steps,
                                      threads, checkpoint)
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"bench worker ({framework}) failed: "
                                   f"{done.stderr.strip().splitlines()[-1:]}")
            for v, result in json.loads(done.stdout.strip().splitlines()[-1]).items():
                entry = merged[framework].setdefault(
                    v, {"times": [], "cpu_times": [], "firing_rate": None})
                entry["times"] += result["times"]
                entry["cpu_times"] += result["cpu_times"]
                entry["firing_rate"] = result["firing_rate"]
    return merged


# ------------------------------------------------------------------ the report
def format_results(network, T, batch_size, threads, results, load, torch_results=None,
                   clock="wall", optimizer=None):
    """The table: per variant its firing rate, median step time (``clock``: "wall", or "cpu"
    for this process's CPU time), time relative to the first variant, and PyTorch's.
    network: a preset's name, or any words that name the network (with ``optimizer``)."""
    optimizer = optimizer or NETWORKS[network]["optimizer"]
    key = "times" if clock == "wall" else "cpu_times"
    lines = [f"{network} network, T={T}, batch {batch_size}, {optimizer}, "
             f"{threads} thread(s), {clock} time; load average {load[0]:.2f} -> {load[1]:.2f}"]
    header = ["variant", "firing rate", "tinysnn ms/step", "vs first"]
    if torch_results is not None:
        header += ["PyTorch ms/step", "tinysnn / PyTorch"]
    rows = []
    first = None
    for v, result in results.items():
        median = float(np.median(result[key]))
        first = first or median
        row = [v, f"{result['firing_rate']:.3f}", f"{median * 1e3:.1f}", f"{median / first:.2f}"]
        if torch_results is not None:
            theirs = float(np.median(torch_results[v][key]))
            row += [f"{theirs * 1e3:.1f}", f"{median / theirs:.2f}"]
        rows.append(row)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines += ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in
                        enumerate(zip(r, widths))) for r in [header, *rows]]
    steps = len(next(iter(results.values()))["times"])
    lines.append(f"(medians of {steps} steps per variant; {batch_size / first:.1f} samples/s "
                 f"for {next(iter(results))})")
    return "\n".join(lines)


def format_shares(shares):
    """The shares of a step's time by kind of op (group -> fraction) as lines, largest first."""
    lines = ["share of the step's time:"]
    for group, share in sorted(shares.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {group:<16}{100 * share:5.1f}%")
    return "\n".join(lines)


def plot(results, torch_results, clock, path):
    """Draw each variant's median step time against its firing rate (``app.plot``)."""
    from .plot import plot_step_time

    key = "times" if clock == "wall" else "cpu_times"
    labels = list(results)
    ms = [1e3 * float(np.median(results[v][key])) for v in labels]
    theirs = None if torch_results is None else [
        1e3 * float(np.median(torch_results[v][key])) for v in labels]
    return plot_step_time([results[v]["firing_rate"] for v in labels], ms, labels, path, theirs,
                          title=f"training step ({clock} time) against firing rate")
