"""MA attention (T, C, S, ReLU) forward + backward: hand-written vs composed vs the memory bound.

    python benchmarks/bench_attention.py            # [T=16, B=16, C=64, H=16, W=16] float32
    python benchmarks/bench_attention.py --small    # a quick run on a smaller input

Three ways to run the same TCS block: the hand-written Functions of tinysnn.functional.attention
as they run by default (Numba kernels for large arrays), the same with NumPy passes only, and
the branches composed from primitive ops (tinysnn.testing.composed_attention), differentiated
by the tape.

The memory bound is the time to move the bytes the hand-written block must read and write, at
the copy bandwidth measured now. Per branch, with n bytes per [T, B, C, H, W] array: forward
reads x for the pools and again to scale it, and writes y (3n); backward reads g and x for
dL/dgate, then reads g and writes dL/dx (4n). The final ReLU reads and writes (2n) and its
backward reads g and a 1-byte mask and writes dL/dx (2n + n/itemsize). The tape copies dL/dx
into the leaf x.grad (2n). Small arrays (pools, MLPs, the spatial map) are left out.

The machine's load average is printed too: Numba's OpenMP threads wait by spinning, so on a
machine whose cores are all busy a parallel kernel can take many times longer than alone.
"""

import argparse
import os
import sys
from functools import partial

import numba
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _measure import copy_bandwidth_gbs, median_ms, table

from tinysnn import Tensor, kernels
from tinysnn.functional import relu
from tinysnn.functional.attention import (
    channel_attention,
    spatial_attention,
    temporal_attention,
)
from tinysnn.testing.composed_attention import (
    channel_attention_composed,
    spatial_attention_composed,
    temporal_attention_composed,
)

HAND = {"T": temporal_attention, "C": channel_attention, "S": spatial_attention}
COMPOSED = {
    "T": temporal_attention_composed,
    "C": channel_attention_composed,
    "S": spatial_attention_composed,
}


def make_inputs(shape, dtype, seed=0):
    """x and the weights of a TCS block (reductions 4 and 8, kernel 3), PyTorch-style init."""
    rng = np.random.default_rng(seed)
    T, C = shape[0], shape[2]
    x = rng.standard_normal(shape).astype(dtype)
    ht, hc = max(1, T // 4), max(1, C // 8)
    uniform = lambda s, fan_in: (rng.uniform(-1, 1, s) / np.sqrt(fan_in)).astype(dtype)
    weights = {
        "T": (uniform((ht, T), T), uniform((T, ht), ht)),
        "C": (uniform((hc, C), C), uniform((C, hc), hc)),
        "S": (uniform((1, 2, 3, 3), 18),),
    }
    return x, weights


def step(branches, x, weights, dims, grad):
    """One forward and backward of dims (e.g. "TCS") then ReLU; returns nothing."""
    xt = Tensor(x, requires_grad=True)
    params = {d: [Tensor(w, requires_grad=True) for w in weights[d]] for d in dims}
    y = xt
    for d in dims:
        y = branches[d](y, *params[d])
    relu(y).backward(grad) if dims == "TCS" else y.backward(grad)


def bound_ms(x, dims, bandwidth_gbs):
    """Milliseconds to move the bytes counted in the module docstring at the copy bandwidth."""
    n = x.nbytes
    moved = 7 * n * len(dims) + 2 * n  # the branches, and the copy into x.grad
    if dims == "TCS":
        moved += 4 * n + x.size  # the ReLU: forward 2n, backward 2n plus a bool mask
    return moved / (bandwidth_gbs * 1e6)


def time_interleaved(variants, repeats):
    """Median ms of each variant, timed in turn within every repeat (so load hits all alike)."""
    times = {name: [] for name in variants}
    for fn in variants.values():
        fn()  # warm up (and compile the Numba kernels)
    for _ in range(repeats):
        for name, fn in variants.items():
            times[name].append(median_ms(fn, repeats=1, warmup=0))
    return {name: float(np.median(t)) for name, t in times.items()}


def with_numba(flag, fn):
    """fn with the attention passes on the Numba kernels (flag) or on the plain reference."""
    attention = kernels.attention
    cpu = attention.cpu

    def run():
        attention.cpu = cpu if flag else attention.reference
        try:
            fn()
        finally:
            attention.cpu = cpu

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="[T=4, B=4, C=16, H=8, W=8]")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    shape = (4, 4, 16, 8, 8) if args.small else (16, 16, 64, 16, 16)
    x, weights = make_inputs(shape, np.float32)
    grad = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    bandwidth = copy_bandwidth_gbs()
    print(f"input [T, B, C, H, W] = {list(shape)} float32 ({x.nbytes / 2**20:.1f} MiB), "
          f"copy bandwidth {bandwidth:.1f} GB/s, Numba threads {numba.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.1f}, median of {args.repeats}, forward + backward\n")

    rows = []
    for dims in ("T", "C", "S", "TCS"):
        hand, composed = partial(step, HAND, x, weights, dims, grad), partial(
            step, COMPOSED, x, weights, dims, grad)
        variants = {"hand": with_numba("auto", hand), "plain": with_numba(False, hand),
                    "composed": composed}
        ms = time_interleaved(variants, args.repeats)
        bound = bound_ms(x, dims, bandwidth)
        rows.append([dims if dims != "TCS" else "TCS + ReLU", ms["hand"], ms["plain"],
                     ms["composed"], ms["composed"] / ms["hand"], bound, ms["hand"] / bound])
    table(rows, ["attention", "hand ms", "hand, NumPy only ms", "composed ms",
                 "composed / hand", "memory bound ms", "hand / bound"])


if __name__ == "__main__":
    main()
