"""conv2d, batch_norm, avg_pool2d and max_pool2d, forward + backward, against this machine's bounds.

    python benchmarks/bench_ops.py [--repeats 20] [--dtype float32] [--threads N] [--cpu-time]

conv2d is compute-bound: its rate counts the three GEMMs (forward, dX, dW), each
2 * N*Ho*Wo * O * C*kh*kw floating-point operations, and is shown as a fraction of the
machine's own GEMM rate (an n x n matrix product through NumPy's BLAS). The other ops are
memory-bound: their rate is the least number of bytes a forward + backward must move,
over the time, as a fraction of a large array copy's bandwidth. When torch is installed, the
same op in PyTorch (CPU, same thread count) is timed too. A second table splits conv2d into
its steps. Timings are medians of wall time; on a shared machine other processes steal time
from threads that wait on each other, so ``--cpu-time`` times everything, the reference GEMM
and copy included, on one thread by this process's CPU time instead.
"""

import argparse
import os
import time

import numpy as np
from _measure import (
    copy_bandwidth_gbs,
    gemm_gflops,
    limit_threads,
    median_ms,
    table,
    torch_or_none,
)

import tinysnn.functional as F
from tinysnn import Tensor
from tinysnn.kernels.conv import col2im, im2col

CONV = {"x": (128, 32, 16, 16), "out_channels": 64, "kernel": 3, "padding": 1}
MEMORY_BOUND_SHAPE = (128, 64, 16, 16)
POOL = 2  # kernel and stride of both pools


CLOCK = time.perf_counter  # or time.process_time under --cpu-time


def _step(loss_backward, *leaves):
    """One forward + backward from fresh leaf gradients (no accumulation into old ones)."""
    def run():
        for t in leaves:
            t.grad = None
        loss_backward()
    return run


def _ours_and_torch(name, make_ours, make_torch, repeats):
    """Median ms of forward + backward for tinysnn (and torch when installed, else None)."""
    ours = median_ms(make_ours(), repeats=repeats, clock=CLOCK)
    torch = torch_or_none()
    theirs = median_ms(make_torch(torch), repeats=repeats, clock=CLOCK) if torch else None
    return name, ours, theirs


def bench_conv(dtype, repeats):
    rng = np.random.default_rng(0)
    n, c, h, w = CONV["x"]
    o, k, p = CONV["out_channels"], CONV["kernel"], CONV["padding"]
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    weight = (rng.standard_normal((o, c, k, k)) / np.sqrt(c * k * k)).astype(dtype)
    bias = np.zeros(o, dtype)
    grad = rng.standard_normal((n, o, h, w)).astype(dtype)  # padding 1 keeps H, W

    def ours():
        tx, tw, tb = (Tensor(a, requires_grad=True) for a in (x, weight, bias))
        return _step(lambda: F.conv2d(tx, tw, tb, padding=p).backward(grad), tx, tw, tb)

    def theirs(torch):
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, weight, bias))
        tg = torch.tensor(grad)
        conv = torch.nn.functional.conv2d
        return _step(lambda: conv(tx, tw, tb, padding=p).backward(tg), tx, tw, tb)

    flops = 3 * 2 * n * h * w * o * c * k * k
    return _ours_and_torch("conv2d 3x3", ours, theirs, repeats), flops


def bench_memory_bound(dtype, repeats):
    """(name, ours ms, torch ms), bytes moved, for batch_norm and both pools."""
    rng = np.random.default_rng(0)
    n, c, h, w = MEMORY_BOUND_SHAPE
    x = rng.standard_normal(MEMORY_BOUND_SHAPE).astype(dtype)
    item = np.dtype(dtype).itemsize
    big, small = x.size * item, x.size // POOL**2 * item  # bytes of [N,C,H,W] and pooled
    ones, zeros = np.ones(c, dtype), np.zeros(c, dtype)
    g_small = rng.standard_normal((n, c, h // POOL, w // POOL)).astype(dtype)
    results = []

    def bn_ours():
        tx, tw, tb = (Tensor(a, requires_grad=True) for a in (x, ones, zeros))
        rm, rv = zeros.copy(), ones.copy()
        return _step(lambda: F.batch_norm(tx, tw, tb, rm, rv, True).backward(x), tx, tw, tb)

    def bn_theirs(torch):
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, ones, zeros))
        rm, rv, tg = torch.tensor(zeros), torch.tensor(ones), torch.tensor(x)
        norm = torch.nn.functional.batch_norm
        return _step(lambda: norm(tx, rm, rv, tw, tb, True).backward(tg), tx, tw, tb)

    # forward reads x, writes y; backward reads g and x, writes dx
    results.append((_ours_and_torch("batch_norm train", bn_ours, bn_theirs, repeats), 5 * big))

    for name, ours_fn, torch_name, index_bytes in [
        ("avg_pool2d 2x2", F.avg_pool2d, "avg_pool2d", 0),
        ("max_pool2d 2x2", F.max_pool2d, "max_pool2d", x.size // POOL**2),  # uint8 argmax
    ]:
        def ours(fn=ours_fn):
            tx = Tensor(x, requires_grad=True)
            return _step(lambda: fn(tx, POOL).backward(g_small), tx)

        def theirs(torch, fn_name=torch_name):
            fn = getattr(torch.nn.functional, fn_name)
            tx, tg = torch.tensor(x, requires_grad=True), torch.tensor(g_small)
            return _step(lambda: fn(tx, POOL).backward(tg), tx)

        # forward reads x, writes y (+ argmax); backward reads g (+ argmax), writes dx
        moved = 2 * big + 2 * small + 2 * index_bytes
        results.append((_ours_and_torch(name, ours, theirs, repeats), moved))
    return results


def conv_steps(dtype, repeats):
    """Milliseconds of each step of conv2d forward + backward, on raw arrays, as Conv2d does it
    on dense input: every step runs over all the blocks of images (functional/conv.py)."""
    from tinysnn.functional.conv import _blocks, _columns

    rng = np.random.default_rng(0)
    n, c, h, w = CONV["x"]
    o, k, p = CONV["out_channels"], CONV["kernel"], CONV["padding"]
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    weight = rng.standard_normal((o, c, k, k)).astype(dtype)
    w2, bias = weight.reshape(o, -1), np.zeros((o, 1), dtype)
    g3 = rng.standard_normal((n, o, h * w)).astype(dtype)
    blocks, buffer = _blocks(x, weight, h * w)
    buffer = buffer.copy()  # the steps below must not share the scratch with Conv2d
    y, dx = np.empty((n, o, h * w), dtype), np.empty_like(x)
    y2 = {b.start: w2 @ _columns(buffer, b, h * w) for b in blocks}
    g2 = {b.start: np.ascontiguousarray(g3[b].transpose(1, 0, 2)).reshape(o, -1) for b in blocks}

    def over_blocks(step):
        def run():
            for b in blocks:
                step(b, _columns(buffer, b, h * w))
        return run

    steps = [
        ("im2col (forward, again in backward)",
         over_blocks(lambda b, cols: im2col(x[b], k, k, (1, 1), (p, p), cols))),
        ("GEMM forward  W2 @ cols", over_blocks(lambda b, cols: w2 @ cols)),
        ("to NCHW + bias", over_blocks(lambda b, cols: np.add(
            y2[b.start].reshape(o, -1, h * w).transpose(1, 0, 2), bias, out=y[b]))),
        ("grad to [O, n*Ho*Wo]", over_blocks(
            lambda b, cols: g3[b].transpose(1, 0, 2).reshape(o, -1))),
        ("GEMM dX     W2^T @ g2", over_blocks(
            lambda b, cols: np.matmul(w2.T, g2[b.start], out=cols))),
        ("col2im", over_blocks(lambda b, cols: col2im(cols, dx[b].shape, k, k, (1, 1), (p, p),
                                                      out=dx[b]))),
        ("GEMM dW     (cols @ g2^T)^T", over_blocks(lambda b, cols: (cols @ g2[b.start].T).T)),
        ("bias grad   sum of g", lambda: g3.sum(axis=(0, 2))),
    ]
    return [(name, median_ms(fn, repeats=repeats, clock=CLOCK)) for name, fn in steps]


def main():
    global CLOCK
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--threads", type=int, default=None, help="default: Numba's (all cores)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="one thread, timed by CPU time (for a busy machine)")
    args = parser.parse_args()
    import numba

    threads = 1 if args.cpu_time else (args.threads or numba.get_num_threads())
    limited = limit_threads(threads)
    CLOCK = time.process_time if args.cpu_time else time.perf_counter
    dtype = np.dtype(args.dtype)
    torch = torch_or_none()
    gemm, bandwidth = gemm_gflops(dtype, clock=CLOCK), copy_bandwidth_gbs(clock=CLOCK)
    print(f"{limited} (OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')!r}), "
          f"{'CPU' if args.cpu_time else 'wall'} time, load average "
          f"{os.getloadavg()[0]:.1f}; {args.dtype} GEMM {gemm:.0f} GFLOP/s, "
          f"copy {bandwidth:.1f} GB/s; torch {torch.__version__ if torch else 'not installed'}\n")

    rows = []
    (name, ours, theirs), flops = bench_conv(dtype, args.repeats)
    rate = flops / (ours * 1e6)
    rows.append([name, ours, theirs or "-", f"{rate:.0f} GFLOP/s", f"{rate / gemm:.0%} of GEMM",
                 f"{ours / theirs:.2f}" if theirs else "-"])
    for (name, ours, theirs), moved in bench_memory_bound(dtype, args.repeats):
        rate = moved / (ours * 1e6)
        rows.append([name, ours, theirs or "-", f"{rate:.1f} GB/s",
                     f"{rate / bandwidth:.0%} of copy", f"{ours / theirs:.2f}" if theirs else "-"])
    print(f"forward + backward, conv x {CONV['x']} -> {CONV['out_channels']} channels, "
          f"others x {MEMORY_BOUND_SHAPE}")
    table(rows, ["op", "ms", "torch ms", "rate", "of bound", "ours/torch"])
    print("\nconv2d steps (raw arrays)")
    table(conv_steps(dtype, args.repeats), ["step", "ms"])


if __name__ == "__main__":
    main()
