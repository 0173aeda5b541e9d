"""``python -m tinysnn bench``: what it times, what it refuses before timing, how it reports.

    python -m tinysnn bench --preset paper-gesture --variants no,TCSA --plot speed.png

The network is a preset's (``bench.NETWORKS``) or a finished run's (``--checkpoint``). Before
anything is measured the request is checked: known variants, no more threads than Numba runs,
T x batch size of at least 2 (batch norm), and a plot file it can write as named.
"""

import os
import sys

from ..nn.models import ALL_VARIANTS, VARIANTS
from .cli import UsageError


def _torch_installed():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _bench_network(args, compare):
    """(preset, variants, T, batch size, words naming the network) that ``bench`` times."""
    from . import bench

    if args.checkpoint is None:
        preset = args.preset or "default"
        spec = bench.NETWORKS[preset]
        text = args.variants or args.attention or ",".join(spec["variants"])
        variants = [v.strip() for v in text.split(",") if v.strip()]
        allowed = VARIANTS if compare or args.worker == "torch" else ALL_VARIANTS
        unknown = [v for v in variants if v not in allowed]
        if unknown or not variants:
            raise UsageError(f"--variants: unknown {unknown}; choose from {', '.join(allowed)}")
        return (preset, variants, args.T or spec["T"], args.batch_size or spec["batch_size"],
                preset)
    given = [name for name, value in (("--preset", args.preset), ("--variants", args.variants),
                                      ("--attention", args.attention), ("--T", args.T))
             if value is not None]
    if given:
        raise UsageError(f"--checkpoint times the run's own network: leave out {', '.join(given)}")
    from .resume import read_run_checkpoint

    config = read_run_checkpoint(args.checkpoint).config
    if compare and config.model != "masnn":
        raise UsageError(f"--compare: {args.checkpoint} holds a {config.model}; the PyTorch twin "
                         f"exists for MASNN networks only")
    label = config.attention if config.model == "masnn" else config.model
    return ("default", [label], config.T, args.batch_size or config.batch_size,
            f"{args.checkpoint}: trained {config.model}")


def _check_bench_request(args, T, batch_size):
    """Refuse what bench could not do as asked, before it measures: more threads than Numba
    runs, a batch norm of one value, a plot it cannot write where it was named."""
    import numba

    from .plot import image_format

    most = numba.config.NUMBA_NUM_THREADS
    if args.threads is not None and args.threads > most:
        raise UsageError(f"--threads {args.threads}: Numba runs at most {most} threads here "
                         f"(the machine's cores, or NUMBA_NUM_THREADS)")
    if T * batch_size < 2:
        raise UsageError(f"--T {T} x --batch-size {batch_size}: batch norm needs two values per "
                         f"feature; give --T or --batch-size of 2 or more")
    if args.plot is not None:
        if os.path.isdir(args.plot):
            raise UsageError(f"--plot {args.plot} is a folder; name the image file to write, "
                             f"e.g. {os.path.join(args.plot, 'speed.png')}")
        try:
            image_format(args.plot)
        except ValueError as err:
            raise UsageError(f"--plot {err}") from None


def run_bench(args):
    """``python -m tinysnn bench``: check the request, measure, print (and draw)."""
    import numba

    from . import bench

    compare = args.compare
    if compare and not _torch_installed():
        print("tinysnn bench: --compare skipped: PyTorch is not installed "
              "(pip install -e \".[compare]\")", file=sys.stderr)
        compare = False
    preset, variants, T, batch_size, name = _bench_network(args, compare)
    _check_bench_request(args, T, batch_size)    # before anything is measured
    threads = args.threads or numba.config.NUMBA_NUM_THREADS
    numba.set_num_threads(threads)
    if args.threads:
        from ..kernels.threads import set_blas_threads

        set_blas_threads(threads)
    if args.worker:
        if args.worker == "torch":
            import torch

            torch.set_num_threads(threads)
        bench.run_worker(args.worker, preset, variants, T, batch_size, args.steps or 5,
                         args.checkpoint)
        return
    load = [os.getloadavg()[0]]
    if compare:
        both = bench.compare(preset, variants, T, batch_size, args.steps or 5, args.rounds,
                             threads, args.checkpoint)
        results, theirs = both["tinysnn"], both["torch"]
    else:
        results = bench.measure(preset, variants, T, batch_size, args.steps or 10,
                                checkpoint=args.checkpoint)
        theirs = None
    load.append(os.getloadavg()[0])
    optimizer = "adam" if args.checkpoint else None
    print(bench.format_results(name, T, batch_size, threads, results, load, theirs, args.clock,
                               optimizer))
    if args.plot:
        drawn = bench.plot(results, theirs, args.clock, args.plot)
        print(f"step time against firing rate: {drawn}")
    if not compare:
        step, _ = bench.build(preset, variants[0], T, batch_size, checkpoint=args.checkpoint)
        step()
        print(f"{variants[0]}: " + bench.format_shares(bench.time_by_group(step)))
