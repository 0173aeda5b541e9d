"""Where a training step's time goes, layer by layer and op by op, in tinysnn and in PyTorch.

    python benchmarks/profile_step.py                          # default MA-SNN (TCSA), T=16, b 16
    python benchmarks/profile_step.py --preset plain-conv      # conv 2-32-64, FC 4096-128-11
    python benchmarks/profile_step.py --preset paper-gesture --variant no --threads 1 --clock cpu

The networks, weights and batches are those of ``python -m tinysnn bench`` (``app/bench.py``);
PyTorch's twin is ``app/torch_masnn.py``. Each framework runs in its own process (two OpenMP
runtimes in one process slow each other), the processes alternated round by round; every row is
the median over all timed steps of one op of one layer, forward and backward apart:

* tinysnn: each Function's forward is timed where it is applied, and each node's backward where
  the backward walk runs it (``autograd._run_backward``); a node is labelled with the op and the
  layer (layers counted at every conv / linear);
* PyTorch: each layer module is timed by forward hooks; its backward is the time from the
  gradient of its output arriving (a hook on that tensor) to the gradient of the previous
  module's output arriving (in a chain of layers the engine runs one module's backward at a
  time), the first module's ending when ``backward()`` returns.

"rest" is the step's time outside the labelled ops (loss, readout, reshapes, Python), "optimizer"
the update and zero_grad. Needs torch for the PyTorch columns; without it only tinysnn's.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict

import numpy as np
from _measure import table, torch_or_none

OPS = ("conv", "bn+pool", "attention", "LIF", "linear", "bn1d")

# tinysnn Function -> op (anything else counts for "rest")
_TINYSNN_OPS = {"Conv2d": "conv", "BatchNormAvgPool": "bn+pool", "AvgPool2d": "bn+pool",
                "TemporalGate": "attention", "ChannelGate": "attention",
                "SpatialGate": "attention", "ReLU": "attention", "LIFSequence": "LIF",
                "Linear": "linear"}
# PyTorch module class -> op
_TORCH_OPS = {"Conv2d": "conv", "BatchNorm2d": "bn+pool", "AvgPool2d": "bn+pool",
              "MultiDimensionalAttention": "attention", "PaperLIF": "LIF", "Linear": "linear",
              "BatchNorm1d": "bn1d"}


class Clock:
    def __init__(self, kind):
        self.now = time.perf_counter if kind == "wall" else time.process_time


def _tinysnn_profile(network, variant, T, batch_size, steps, clock):
    """{label: [ms per step]} for every op of a tinysnn step, labels 'op Lk fwd|bwd'."""
    from tinysnn import autograd, optim
    from tinysnn.app.bench import build

    step, _ = build(network, variant, T, batch_size)
    record = defaultdict(float)
    layer = [0]
    original_apply, original_backward = autograd.Function.apply.__func__, autograd._run_backward

    def apply(cls, *inputs, **params):
        op = _TINYSNN_OPS.get(cls.__name__)
        if cls.__name__ == "BatchNorm":
            op = "bn+pool" if np.ndim(inputs[0].data) == 4 else "bn1d"
        if op in ("conv", "linear"):
            layer[0] += 1
        start = clock.now()
        out = original_apply(cls, *inputs, **params)
        if op is not None:
            record[f"{op} L{layer[0]} fwd"] += clock.now() - start
            for t in out if isinstance(out, tuple) else (out,):
                if t._node is not None:
                    t._node.ctx.profile_label = f"{op} L{layer[0]} bwd"
        return out

    def run_backward(node):
        label = getattr(node.ctx, "profile_label", None)
        start = clock.now()
        original_backward(node)
        if label is not None:
            record[label] += clock.now() - start

    autograd.Function.apply = classmethod(apply)
    autograd._run_backward = run_backward
    _time_optimizer(optim, record, clock)
    return _run_steps(step, steps, record, layer, clock)


def _time_optimizer(module, record, clock):
    """Wrap the step and zero_grad of SGD and Adam in ``module`` (tinysnn.optim or torch.optim)
    so that their time is recorded as 'optimizer'."""
    for cls, name in ((module.SGD, "step"), (module.Adam, "step"), (module.Optimizer, "zero_grad")):
        method = getattr(cls, name)

        def timed(self, *args, _method=method, **kwargs):
            start = clock.now()
            out = _method(self, *args, **kwargs)
            record["optimizer"] += clock.now() - start
            return out

        setattr(cls, name, timed)


def _run_steps(step, steps, record, layer, clock):
    step()  # compile / warm up
    rows = defaultdict(list)
    for _ in range(steps):
        record.clear()
        layer[0] = 0
        start = clock.now()
        step()
        whole = clock.now() - start
        record["rest"] = whole - sum(record.values())
        record["step"] = whole
        for label, seconds in record.items():
            rows[label].append(1e3 * seconds)
    return rows


def _torch_profile(network, variant, T, batch_size, steps, clock):
    """The same table for PyTorch's twin (module hooks; see the module docstring)."""
    import torch

    from tinysnn.app.bench import build

    step, twin = build(network, variant, T, batch_size, framework="torch")
    record = defaultdict(float)
    layer = [0]
    arrivals = []  # (label, time the gradient of this module's output arrived), forward order

    def pre(module, inputs):
        if _TORCH_OPS[type(module).__name__] in ("conv", "linear"):
            layer[0] += 1
        module.profile_label = f"{_TORCH_OPS[type(module).__name__]} L{layer[0]}"
        module.profile_start = clock.now()

    def post(module, inputs, output):
        label = module.profile_label
        record[f"{label} fwd"] += clock.now() - module.profile_start
        if output.requires_grad:
            entry = [f"{label} bwd", None]
            arrivals.append(entry)
            output.register_hook(lambda grad: entry.__setitem__(1, clock.now()))

    for module in twin.modules():
        if type(module).__name__ in _TORCH_OPS and not _inside_attention(twin, module):
            module.register_forward_pre_hook(pre)
            module.register_forward_hook(post)
    original_backward = torch.Tensor.backward

    def backward(self, *args, **kwargs):
        original_backward(self, *args, **kwargs)
        end = clock.now()
        for label, arrived in arrivals:  # module k's backward ends where module k-1's output
            record[label] += end - arrived  # gradient arrives, the first one's at the end
            end = arrived
        arrivals.clear()

    torch.Tensor.backward = backward
    _time_optimizer(torch.optim, record, clock)
    return _run_steps(step, steps, record, layer, clock)


def _inside_attention(twin, module):
    """True for the modules inside an attention block (timed as part of it)."""
    return any(type(m).__name__ == "MultiDimensionalAttention" and module is not m
               and any(module is sub for sub in m.modules()) for m in twin.modules())


def worker(args):
    profile = _tinysnn_profile if args.worker == "tinysnn" else _torch_profile
    print(json.dumps(profile(args.preset, args.variant, args.T, args.batch_size, args.steps,
                             Clock(args.clock))))


def _order(label):
    if label in ("rest", "optimizer", "step"):
        return (1, ("rest", "optimizer", "step").index(label), 0, "")
    op, layer, direction = label.split()
    return (0, int(layer[1:]), OPS.index(op), direction)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="default",
                        choices=["default", "paper-gesture", "plain-conv"])
    parser.add_argument("--variant", default=None, help="attention variant (TCSA; no for "
                        "plain-conv)")
    parser.add_argument("--T", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per process")
    parser.add_argument("--rounds", type=int, default=3, help="processes per framework")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    parser.add_argument("--worker", choices=["tinysnn", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    from tinysnn.app.bench import NETWORKS

    spec = NETWORKS[args.preset]
    args.variant = args.variant or spec["variants"][0]
    args.T = args.T or spec["T"]
    args.batch_size = args.batch_size or spec["batch_size"]
    if args.worker:
        from _measure import limit_threads

        limit_threads(args.threads)
        return worker(args)
    frameworks = ["tinysnn"] + (["torch"] if torch_or_none() is not None else [])
    env = dict(os.environ, **{k: str(args.threads) for k in (
        "NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})
    rows = {f: defaultdict(list) for f in frameworks}
    load = os.getloadavg()[0]
    for r in range(args.rounds):
        for f in frameworks if r % 2 == 0 else frameworks[::-1]:
            command = [sys.executable, __file__, "--worker", f, "--preset", args.preset,
                       "--variant", args.variant, "--T", str(args.T), "--batch-size",
                       str(args.batch_size), "--steps", str(args.steps), "--threads",
                       str(args.threads), "--clock", args.clock]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            for label, values in json.loads(done.stdout.strip().splitlines()[-1]).items():
                rows[f][label] += values
    labels = sorted(set().union(*[set(r) for r in rows.values()]), key=_order)
    print(f"{args.preset} ({args.variant}), T={args.T}, batch {args.batch_size}, "
          f"{args.threads} thread(s), {args.clock} time, medians of {args.rounds} x {args.steps} "
          f"steps; load average {load:.2f} -> {os.getloadavg()[0]:.2f}")
    median = {f: {k: float(np.median(v)) for k, v in rows[f].items()} for f in frameworks}
    out = []
    for label in labels:
        row = [label] + [median[f].get(label, 0.0) for f in frameworks]
        if len(frameworks) == 2:
            theirs = median["torch"].get(label, 0.0)
            row.append(row[1] / theirs if theirs else float("nan"))
        out.append(row)
    table(out, ["op, layer, direction", *[f"{f} ms" for f in frameworks]]
          + (["tinysnn / torch"] if len(frameworks) == 2 else []))


if __name__ == "__main__":
    main()
