"""LIF forward + backward over [T, N] neurons: tinysnn vs the memory bound, NumPy and PyTorch.

    python benchmarks/bench_lif.py                  # T=8, 1M neurons, float32
    python benchmarks/bench_lif.py --small          # a quick run on 64K neurons

Rows (each forward then backward, median of repeats):
* F.lif + backward: the autograd path a model uses; x is a leaf, so the tape also copies
  dL/dX into x.grad (not counted in the bytes);
* F.lif, user's surrogate: the same surrogate re-implemented as a plain class of the user's
  (only ``derivative``), so the kernels take the general path: ``derivative`` fills an array
  of slopes in one vectorised call, then the BPTT kernel reads it;
* F.lif, user's numba_derivative: that class with a ``numba_derivative`` too (the slope of one
  number, compiled by Numba), which one parallel Numba pass applies to fill the slopes;
* Numba, fresh outputs: kernels/lif/cpu.py's lif_forward and lif_backward, which allocate
  their outputs (S, H, dL/dX) as F.lif does;
* Numba, preallocated: the same kernels writing into arrays allocated once;
* NumPy reference loop: kernels/lif/reference.py, the specification;
* PyTorch per-step loop: the same LIF written step by step with a custom spike Function and
  autograd (only when torch is installed), at Numba's thread count.

Bytes counted per neuron-step, in float32 (4 bytes a value): forward reads X and writes S and H,
backward reads H and dL/dS and writes dL/dX: 24 bytes. The membrane at the edges (v_init, the
last V) is one value per neuron, not per step, and is left out. "Effective GB/s" is those bytes
over the time; "% copy" compares it with np.copyto's rate measured now (bytes read + written).
Writes to fresh arrays also pay the operating system's page zeroing (the "sys" time of the
run): the first two rows include it, the preallocated row does not.

The machine's load average is printed: Numba's worker threads spin while they wait, so on a busy
machine a parallel kernel can take much longer than alone (compare --threads 1). "cpu ms" is the
process time of forward + backward (all threads, page faults included): on a shared machine it
moves less than the wall time, and with one thread it is what the wall time would be alone.
"""

import argparse
import math
import os
import sys
import time

import numba
import numpy as np
from numba import njit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _measure import copy_bandwidth_gbs, median_ms, table, torch_or_none

from tinysnn import Tensor
from tinysnn import functional as F
from tinysnn.kernels.lif import cpu as lif_cpu
from tinysnn.kernels.lif import reference as lif_reference
from tinysnn.surrogate import Rectangle, Sigmoid

DECAY, THRESHOLD = 0.5, 1.0
BYTES_PER_NEURON_STEP = 6  # values moved: X, S, H (forward) and H, dL/dS, dL/dX (backward)


def autograd_path(x, g_spikes, surrogate):
    def forward():
        xt = Tensor(x, requires_grad=True)
        return xt, F.lif(xt, DECAY, THRESHOLD, surrogate=surrogate)

    def forward_backward():
        _, spikes = forward()
        spikes.backward(g_spikes)

    return forward, forward_backward


class UsersSurrogate:
    """A built-in surrogate as a user would write it: any object with derivative(u)."""

    def __init__(self, built_in):
        self.built_in = built_in

    def derivative(self, u):
        return self.built_in.derivative(u)


def numba_slope(built_in):
    """The built-in's slope as a function of one number that Numba compiles."""
    if isinstance(built_in, Sigmoid):
        alpha = built_in.alpha

        @njit
        def slope(u):
            e = math.exp(-abs(alpha * u))
            return alpha * e / ((1 + e) * (1 + e))
    else:  # Rectangle
        half, height = built_in.width / 2, 1 / built_in.width

        @njit
        def slope(u):
            return height if abs(u) < half else 0.0
    return slope


class UsersNumbaSurrogate(UsersSurrogate):
    """The same, offering numba_derivative as well."""

    def __init__(self, built_in):
        super().__init__(built_in)
        self.numba_derivative = numba_slope(built_in)


def kernels_fresh_outputs(x, g_spikes, surrogate):
    v_init, g_v = np.zeros(x.shape[1], x.dtype), np.zeros(x.shape[1], x.dtype)

    def forward():
        return lif_cpu.lif_forward(x, v_init, DECAY, THRESHOLD)

    def forward_backward():
        _, h, _ = forward()
        lif_cpu.lif_backward(h, g_spikes, g_v, DECAY, THRESHOLD, "hard", 0.0, False, surrogate)

    return forward, forward_backward


def kernels_preallocated(x, g_spikes, surrogate):
    dt = x.dtype.type
    spikes, h, g_x = np.empty_like(x), np.empty_like(x), np.empty_like(x)
    v_init, v_last = np.zeros(x.shape[1], x.dtype), np.empty((1, x.shape[1]), x.dtype)
    g_v, g_v_init = np.zeros((1, x.shape[1]), x.dtype), np.empty(x.shape[1], x.dtype)
    fused = surrogate.fused_slope()
    backward_kernel = lif_cpu._backward_kernel(fused.numba)  # BPTT with this slope compiled in

    def forward():
        lif_cpu._forward_kernel(x, v_init, dt(DECAY), dt(THRESHOLD), True, dt(0), spikes, h,
                                v_last)

    def forward_backward():
        forward()
        backward_kernel(h, g_spikes, g_v, dt(DECAY), dt(THRESHOLD), True, dt(0), False,
                        dt(fused.c0), dt(fused.c1), h, g_x, g_v_init)  # h: psi_given, unread

    return forward, forward_backward


def reference_loop(x, g_spikes, surrogate):
    v_init = np.zeros(x.shape[1], x.dtype)

    def forward():
        return lif_reference.lif_forward(x, v_init, DECAY, THRESHOLD)

    def forward_backward():
        _, h, v = forward()
        lif_reference.lif_backward(h, g_spikes, np.zeros_like(v), DECAY, THRESHOLD, "hard", 0.0,
                                   False, surrogate)

    return forward, forward_backward


def torch_loop(torch, x, g_spikes, surrogate):
    """The LIF as most PyTorch code writes it: a Python loop over t, autograd records each op."""
    alpha = surrogate.alpha

    class SigmoidSpike(torch.autograd.Function):
        @staticmethod
        def forward(ctx, u):
            ctx.save_for_backward(u)
            return (u >= 0).to(u.dtype)

        @staticmethod
        def backward(ctx, grad):
            (u,) = ctx.saved_tensors
            s = torch.sigmoid(alpha * u)
            return grad * alpha * s * (1 - s)

    xt, gt = torch.from_numpy(x), torch.from_numpy(g_spikes)

    def forward():
        x_leaf = xt.clone().requires_grad_(True)
        v, out = torch.zeros_like(x_leaf[0]), []
        for t in range(x_leaf.shape[0]):
            h = DECAY * v + x_leaf[t]
            s = SigmoidSpike.apply(h - THRESHOLD)
            v = h * (1 - s)  # hard reset to 0
            out.append(s)
        return torch.stack(out)

    def forward_backward():
        forward().backward(gt)

    return forward, forward_backward


def median_cpu_ms(fn, repeats):
    """Median process time (CPU seconds of every thread) of ``fn()``, in milliseconds."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return 1e3 * float(np.median(times))


def saved_bytes_per_neuron_step(x, surrogate):
    """What F.lif's Function keeps for backward, per neuron and time step."""
    spikes = F.lif(Tensor(x, requires_grad=True), DECAY, THRESHOLD, surrogate=surrogate)
    return sum(a.nbytes for a in spikes._node.ctx.saved) / x.size


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, default=8)
    parser.add_argument("--neurons", type=int, default=1 << 20)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--threads", type=int, default=numba.get_num_threads())
    parser.add_argument("--small", action="store_true", help="64K neurons, 5 repeats")
    parser.add_argument("--no-reference", action="store_true", help="skip the slow NumPy loop")
    args = parser.parse_args()
    if args.small:
        args.neurons, args.repeats = 1 << 16, 5
    numba.set_num_threads(args.threads)
    torch = torch_or_none()
    if torch is not None:
        torch.set_num_threads(args.threads)

    rng = np.random.default_rng(0)
    x = rng.normal(0.6, 1.0, (args.T, args.neurons)).astype(np.float32)
    g_spikes = rng.standard_normal(x.shape).astype(np.float32)
    copy_gbs = copy_bandwidth_gbs()
    counted = BYTES_PER_NEURON_STEP * x.size * x.itemsize
    print(f"LIF over T={args.T} x {args.neurons} neurons, float32, decay {DECAY}, threshold "
          f"{THRESHOLD}, hard reset; {args.threads} thread(s); load average "
          f"{os.getloadavg()[0]:.1f}; copy bandwidth {copy_gbs:.1f} GB/s; "
          f"{counted / 1e6:.0f} MB counted per forward + backward\n")

    for surrogate in (Sigmoid(alpha=4.0), Rectangle(width=0.5)):
        runners = {"F.lif + backward": autograd_path(x, g_spikes, surrogate),
                   "F.lif, user's surrogate": autograd_path(x, g_spikes,
                                                            UsersSurrogate(surrogate)),
                   "F.lif, user's numba_derivative": autograd_path(
                       x, g_spikes, UsersNumbaSurrogate(surrogate)),
                   "Numba, fresh outputs": kernels_fresh_outputs(x, g_spikes, surrogate),
                   "Numba, preallocated": kernels_preallocated(x, g_spikes, surrogate)}
        if not args.no_reference:
            runners["NumPy reference loop"] = reference_loop(x, g_spikes, surrogate)
        if torch is not None and isinstance(surrogate, Sigmoid):
            runners["PyTorch per-step loop"] = torch_loop(torch, x, g_spikes, surrogate)
        times = {}
        for name, (forward, forward_backward) in runners.items():
            slow = name.startswith("NumPy")
            repeats = max(3, args.repeats // 3) if slow else args.repeats
            both = median_ms(forward_backward, repeats=repeats, warmup=1 if slow else 3)
            times[name] = (median_ms(forward, repeats=repeats, warmup=1), both,
                           median_cpu_ms(forward_backward, repeats))
        base = times["F.lif + backward"][1]
        rows = [(name, fwd, both - fwd, both, counted / (both * 1e6),
                 100 * counted / (both * 1e6) / copy_gbs, both / base, cpu)
                for name, (fwd, both, cpu) in times.items()]
        print(f"surrogate {surrogate!r}")
        table(rows, ["", "fwd ms", "bwd ms", "total ms", "GB/s", "% copy", "x F.lif time",
                     "cpu ms"])
        print()
    print(f"saved for backward: {saved_bytes_per_neuron_step(x, Sigmoid()):.2f} bytes per "
          f"neuron-step (H in float32; spikes and slopes are recomputed)")


if __name__ == "__main__":
    main()
