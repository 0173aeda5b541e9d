"""``python -m tinysnn bench``: how fast one MA-SNN training step runs on this machine.

Times forward + backward + Adam step of MASNN on random event frames and reports the median
milliseconds per step, samples per second, and where the time goes per layer type (from a
profile of the same steps). The benchmarks/ scripts measure single ops against hardware bounds;
this measures what a user waits for.
"""

import cProfile
import os
import pstats
import time

import numpy as np

from .. import functional as F
from .. import optim, random_state
from ..nn.models import MASNN
from ..tensor import Tensor

# where a profiled function's time is counted: the files it lives in, by what it does
_GROUPS = {"conv": ("functional/conv.py", "kernels/conv/"),
           "pools": ("functional/pool.py", "kernels/pool/"),
           "batch norm": ("functional/norm.py", "kernels/batch_norm/"),
           "LIF": ("functional/lif.py", "kernels/lif/"),
           "attention": ("functional/attention.py", "kernels/attention/"),
           "linear / matmul": ("functional/basic.py", "functional/dense.py"),
           "autograd": ("autograd.py", "tensor.py")}


def time_steps(attention="TCSA", T=16, batch_size=16, input_size=32, steps=10, seed=0):
    """Median and all step times (seconds) of training steps on random 5%-dense frames."""
    random_state.manual_seed(seed)
    model = MASNN(attention=attention, T=T, input_size=input_size)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(seed)
    x = Tensor((rng.random((T, batch_size, 2, input_size, input_size)) < 0.05)
               .astype(np.float32))
    target = Tensor(np.eye(11, dtype=np.float32)[rng.integers(0, 11, batch_size)])

    def step():
        loss = F.mse_loss(model(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    step()  # compiles (or loads) every kernel
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(3):
        step()
    profile.disable()
    return float(np.median(times)), times, _time_by_group(profile)


def _time_by_group(profile):
    """Seconds of own time per group of files, from a cProfile run."""
    stats = pstats.Stats(profile).stats
    totals = dict.fromkeys([*_GROUPS, "other"], 0.0)
    for (filename, _, _), (_, _, own_time, _, _) in stats.items():
        path = filename.replace(os.sep, "/")
        group = next((g for g, parts in _GROUPS.items()
                      if "tinysnn/" in path and any(p in path for p in parts)), "other")
        totals[group] += own_time
    whole = sum(totals.values()) or 1.0
    return {g: t / whole for g, t in totals.items()}


def format_bench(attention, T, batch_size, median, times, shares):
    lines = [f"MASNN({attention!r}), T={T}, batch {batch_size}: training step (forward, backward, "
             f"Adam) median {median * 1e3:.1f} ms over {len(times)} steps "
             f"(min {min(times) * 1e3:.1f}), {batch_size / median:.1f} samples/s",
             "share of the step's time:"]
    for group, share in sorted(shares.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {group:<16}{100 * share:5.1f}%")
    return "\n".join(lines)
