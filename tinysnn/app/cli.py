"""Command line: ``python -m tinysnn train | eval | plot | ablation | bench``.

    python -m tinysnn train                       # MA-SNN (TCSA) on the built-in synthetic gestures
    python -m tinysnn train --attention no --epochs 5 --out runs/vanilla
    python -m tinysnn eval runs/masnn/checkpoint.npz
    python -m tinysnn plot runs/masnn
    python -m tinysnn ablation --variants no,TA,CA,SA,TCSA --out runs/ablation
    python -m tinysnn bench                       # how fast a training step runs here
    python -m tinysnn bench --preset paper-gesture --variants no,TCSA --compare   # vs PyTorch

Errors: every error tinysnn raises on purpose (tinysnn.errors: a bad option, data file,
checkpoint or run folder) and every error of the operating system (a full disk, a missing
permission) is one line on stderr and exit status 2, never a traceback. Anything else is a bug
in tinysnn: a short report says so (exit status 1), and ``--debug`` shows its traceback.
"""

import argparse
import os
import shlex
import sys
import traceback

from ..errors import TinysnnError
from ..nn.models import ALL_VARIANTS, MODELS, NEURONS, PRESETS, VARIANTS
from .ablation import DEFAULT_VARIANTS
from .config import DATASET_OPTIONS, RULES, Number, TrainConfig
from .datasets import BUILDERS, FRAMINGS, LEVELS


class UsageError(TinysnnError):
    """An error in what the user asked for: printed as one line, exit status 2."""


def _option(name):
    """argparse ``type`` for the TrainConfig setting ``name``: its rule checks the value."""
    return RULES[name].option


def _dataset_option(name):
    """argparse ``type`` for the data-set option ``name`` (TrainConfig.dataset_options)."""
    return DATASET_OPTIONS[name].option


def _add_run_options(p, epochs_default=None):
    p.add_argument("--dataset", default=None, choices=list(BUILDERS),
                   help="default synthetic-gestures")
    p.add_argument("--data-dir", help="folder of a downloaded data set (--dataset dvs128, "
                                      "dvs128-gait, cifar10dvs)")
    p.add_argument("--model", choices=list(MODELS), default=None,
                   help="masnn (default) or Att-Res-SNN of depth 18, 34, 104 (for images: T 1, "
                        "CSA, cross-entropy; --dataset digits gives it 32x32 images)")
    p.add_argument("--preset", choices=list(PRESETS), default=None,
                   help="one of the paper's MA-SNNs with its recipe, e.g. paper-gesture: T 60, "
                        "300 epochs, batch 128, Adam 1e-4, plateau scheduler, windows of 15 ms "
                        "bins, 10 test clips (docs/paper/other-experiments.md has "
                        "paper-gait and paper-cifar10dvs); the options below override it")
    p.add_argument("--T", type=_option("T"), default=None,
                   help="time steps (default 16; 60 with --preset paper-gesture)")
    p.add_argument("--epochs", type=_option("epochs"), default=epochs_default,
                   help="default 12; 300 with --preset paper-gesture")
    p.add_argument("--batch-size", type=_option("batch_size"), default=None,
                   help="default 16; 128 with --preset paper-gesture")
    p.add_argument("--lr", type=_option("lr"), default=None,
                   help="Adam's learning rate (default 2e-3; 1e-4 with --preset paper-gesture)")
    p.add_argument("--scheduler", choices=("cosine", "plateau", "none"), default=None,
                   help="learning-rate schedule (default cosine; plateau with --preset "
                        "paper-gesture: x factor when the training loss stalls)")
    p.add_argument("--plateau-factor", type=_option("plateau_factor"), default=None,
                   help="plateau scheduler: multiply lr by this (default 0.1)")
    p.add_argument("--plateau-patience", type=_option("plateau_patience"), default=None,
                   help="plateau scheduler: epochs without improvement before it acts "
                        "(default 5)")
    p.add_argument("--loss", choices=("mse", "ce"), default=None)
    p.add_argument("--neuron", choices=list(NEURONS), default=None)
    p.add_argument("--framing", choices=FRAMINGS, default=None,
                   help="event data sets: 'paper' (default) = the authors' windows and voted "
                        "test clips; 'whole' = each recording in T equal bins")
    p.add_argument("--bin-us", type=_dataset_option("bin_us"), default=None,
                   help="paper framing: bin length in microseconds (default 15000 for dvs128, "
                        "500000 for dvs128-gait, 10000 for cifar10dvs)")
    p.add_argument("--clips", type=_dataset_option("clips"), default=None,
                   help="paper framing: test clips per recording (default 10; 1 for "
                        "dvs128-gait)")
    p.add_argument("--seed", type=_option("seed"), default=None, help="default 0")
    p.add_argument("--clip-grad", type=_option("clip_grad"), default=None)
    p.add_argument("--device", choices=("cpu", "cuda"), default=None,
                   help="cuda runs on the GPU through CuPy (pip install cupy-cuda12x)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--samples-per-class", type=_dataset_option("samples_per_class"), default=None,
                   help="synthetic gestures: training samples per class (smaller = faster)")
    p.add_argument("--test-samples-per-class", type=_dataset_option("test_samples_per_class"),
                   default=None, help="synthetic gestures: test samples per class")
    p.add_argument("--level", choices=LEVELS, default=None,
                   help="synthetic gestures: 'easy' (train's default) or 'hard' (ablation's "
                        "default): a noisy sensor with hot pixels, subjects of their own speed, "
                        "size and position; 'distractor': hard plus clutter where the subject "
                        "is not (docs: attention-selectivity)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the run already in the output folder")


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit status 2), not the usage text."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parser():
    """The argument parser of ``python -m tinysnn`` and its subcommands."""
    root = OneLineParser(prog="python -m tinysnn", description=__doc__.split("\n")[0])
    root.add_argument("--debug", action="store_true",
                      help="show the traceback of any error (also: TINYSNN_DEBUG=1)")
    sub = root.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    t = sub.add_parser("train", help="train an MA-SNN and report accuracy, spikes and energy")
    _add_run_options(t)
    t.add_argument("--attention", default=None,
                   help=f"one of {', '.join(ALL_VARIANTS)} (default TCSA; oracle-gate needs "
                        f"the synthetic gestures' ground truth)")
    t.add_argument("--out", default=None,
                   help="run folder (default runs/masnn; with --resume, the checkpoint's folder)")
    t.add_argument("--resume", help="checkpoint to continue from; its run's settings are kept "
                                    "unless given again here (e.g. --epochs 20 to extend it)")

    e = sub.add_parser("eval", help="evaluate a checkpoint on its test set")
    e.add_argument("checkpoint")
    e.add_argument("--dataset", choices=list(BUILDERS), default=None)
    e.add_argument("--data-dir", default=None)

    pl = sub.add_parser("plot", help="draw curves, rasters, membranes and attention maps of a "
                                     "run, or compare the variants of an ablation folder")
    pl.add_argument("run_dir", help="a training run folder or an ablation folder")

    a = sub.add_parser("ablation", help="train each attention variant with the same seeds and "
                                        "budget; mean +- std over seeds")
    _add_run_options(a)
    a.add_argument("--variants", default=",".join(DEFAULT_VARIANTS),
                   help=f"comma-separated, from {', '.join(ALL_VARIANTS)} "
                        f"(default: %(default)s)")
    a.add_argument("--seeds", type=Number(int, low=1).option, default=1,
                   help="seeds per variant: --seed, --seed + 1, ... (default 1)")
    a.add_argument("--out", default="runs/ablation")
    b = sub.add_parser("bench", help="time training steps of MASNN variants on this machine")
    b.add_argument("--preset", default=None, choices=("default", "paper-gesture", "plain-conv"),
                   help="the network (default: the small default MASNN)")
    b.add_argument("--checkpoint", default=None, metavar="CHECKPOINT",
                   help="time a finished run instead: its network and trained weights on a "
                        "batch of its own training data (a run's checkpoint.npz)")
    b.add_argument("--variants", default=None,
                   help="comma-separated attention variants, timed alternately "
                        "(default TCSA; no for plain-conv)")
    b.add_argument("--attention", default=None, help="one variant (the same as --variants X)")
    b.add_argument("--T", type=_option("T"), default=None,
                   help="time steps (default 16; 8 for plain-conv)")
    b.add_argument("--batch-size", type=_option("batch_size"), default=None,
                   help="default 16; 8 for paper-gesture")
    b.add_argument("--steps", type=Number(int, low=1).option, default=None,
                   help="timed steps per variant (per round with --compare); default 10, or 5")
    b.add_argument("--compare", action="store_true",
                   help="also time the same networks in PyTorch (separate processes, alternated)")
    b.add_argument("--rounds", type=Number(int, low=1).option, default=3,
                   help="--compare: processes per framework, alternated")
    b.add_argument("--threads", type=Number(int, low=1).option, default=None,
                   help="threads for tinysnn and PyTorch (default: all cores)")
    b.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="report wall time (default) or each process's CPU time per step "
                        "(steadier on a busy machine, with --threads 1)")
    b.add_argument("--plot", default=None, metavar="PNG",
                   help="also draw each variant's step time against its firing rate")
    b.add_argument("--worker", choices=("tinysnn", "torch"), help=argparse.SUPPRESS)
    for command in (t, e, pl, a, b):        # --debug after the command works too
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help=argparse.SUPPRESS)
    return root


def _checked_folder(option, path):
    if path is not None and not os.path.isdir(path):
        raise UsageError(f"{option} {path}: no such folder")
    return path


def _config_from(args, base=None, **extra):
    """A TrainConfig: the options given on the command line over ``base`` (or the defaults)."""
    base = base if base is not None else {}
    options = dict(base.get("dataset_options") or {})
    for key in ("samples_per_class", "test_samples_per_class", "level", "framing", "bin_us",
                "clips"):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)
    given = dict(dataset=args.dataset, data_dir=_checked_folder("--data-dir", args.data_dir),
                 model=args.model, T=args.T, epochs=args.epochs, batch_size=args.batch_size,
                 lr=args.lr,
                 scheduler=args.scheduler, plateau_factor=args.plateau_factor,
                 plateau_patience=args.plateau_patience, loss=args.loss, neuron=args.neuron,
                 preset=args.preset, seed=args.seed, clip_grad=args.clip_grad,
                 device=args.device, overwrite=args.overwrite, **extra)
    values = {**base, **{k: v for k, v in given.items() if v is not None}}
    values.update(progress=not args.no_progress, dataset_options=options)
    config = TrainConfig.from_dict(values)  # what was not given: the preset's recipe, defaults
    return config.validate()


def cmd_train(args):
    """``python -m tinysnn train``: a new run, or a resumed one, then its per-layer table."""
    from .report import print_layers
    from .resume import read_run_checkpoint
    from .train import train

    if args.attention is not None and args.attention not in ALL_VARIANTS:
        raise UsageError(f"--attention {args.attention!r}: choose one of "
                         f"{', '.join(ALL_VARIANTS)}")
    base, out = None, args.out
    if args.resume:
        if not os.path.isfile(args.resume):
            raise UsageError(f"--resume {args.resume}: no such file")
        base = read_run_checkpoint(args.resume).settings()  # the run as it was set up
        out = out or os.path.dirname(args.resume) or "."
    config = _config_from(args, base, attention=args.attention, out=out, resume=args.resume)
    metrics = train(config)
    print_layers(metrics)
    print(f"wrote {os.path.join(config.out, 'metrics.json')}")


def cmd_eval(args):
    """``python -m tinysnn eval``: accuracy, spikes and energy of a checkpoint on its test set."""
    from .report import evaluate_checkpoint, print_layers

    metrics = evaluate_checkpoint(args.checkpoint, dataset=args.dataset,
                                  data_dir=_checked_folder("--data-dir", args.data_dir))
    print_layers(metrics)


def cmd_plot(args):
    """``python -m tinysnn plot``: the figures of a training run or of an ablation folder."""
    from .analysis import analyse_ablation, analyse_run
    from .report import plot_run

    folder = args.run_dir
    if os.path.isfile(os.path.join(folder, "ablation.json")):
        paths = analyse_ablation(folder)
    elif os.path.isfile(os.path.join(folder, "metrics.json")):
        paths = plot_run(folder) + analyse_run(folder)
    else:
        raise UsageError(f"{folder}: no metrics.json or ablation.json (is it a training run or "
                         f"an ablation folder?)")
    for path in paths:
        print(f"wrote {path}")


def cmd_ablation(args):
    """``python -m tinysnn ablation``: every variant x seed, then the table of means."""
    from .ablation import run_ablation

    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in ALL_VARIANTS]
    if unknown or not variants:
        raise UsageError(f"--variants: unknown {unknown}; choose from {', '.join(ALL_VARIANTS)}")
    if args.level is None and (args.dataset or "synthetic-gestures") == "synthetic-gestures":
        args.level = "hard"  # the easy set saturates: every variant reaches about 100%
    config = _config_from(args, out=args.out)
    command = "python -m tinysnn " + shlex.join(args.argv)
    print(run_ablation(config, variants, seeds=args.seeds, command=command))


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


def cmd_bench(args):
    """``python -m tinysnn bench``: time training steps (optionally against PyTorch)."""
    import numba

    from . import bench

    compare = args.compare
    if compare and not _torch_installed():
        print("tinysnn bench: --compare skipped: PyTorch is not installed "
              "(pip install -e \".[compare]\")", file=sys.stderr)
        compare = False
    preset, variants, T, batch_size, name = _bench_network(args, compare)
    threads = args.threads or numba.config.NUMBA_NUM_THREADS
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
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


COMMANDS = {"train": cmd_train, "eval": cmd_eval, "plot": cmd_plot, "ablation": cmd_ablation,
            "bench": cmd_bench}


def one_line(err):
    """The message of an error on one line; an OSError as 'file: reason'."""
    if isinstance(err, OSError) and err.strerror:
        where = err.filename if err.filename is not None else ""
        text = f"{where}: {err.strerror}" if where else err.strerror
    elif isinstance(err, MemoryError):
        text = "out of memory; try a smaller --batch-size or --T"
    else:
        text = str(err) or type(err).__name__
    return " ".join(text.split())


def bug_report(command, err):
    """A short report for an error tinysnn did not mean to raise."""
    frame = traceback.extract_tb(err.__traceback__)[-1]
    where = f"{frame.filename}:{frame.lineno} in {frame.name}"
    return (f"tinysnn {command}: internal error: {type(err).__name__}: {one_line(err)}\n"
            f"  at {where}\n"
            f"This is a bug in tinysnn, not a problem with what you gave it. Please report it "
            f"with the command line; run it again with --debug to see the traceback.")


def main(argv=None):
    """Run one command; returns the exit status (0 done, 2 bad input, 1 a bug, 130 Ctrl-C)."""
    args = parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # quoted in what a command writes
    debug = args.debug or bool(os.environ.get("TINYSNN_DEBUG"))
    try:
        COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print(f"tinysnn {args.command}: interrupted", file=sys.stderr)
        return 130
    except (TinysnnError, OSError, MemoryError) as err:  # bad input, or the system said no
        if debug:
            raise
        print(f"tinysnn {args.command}: error: {one_line(err)}", file=sys.stderr)
        return 2
    except Exception as err:  # noqa: BLE001 (anything else is a bug: report it as one)
        if debug:
            raise
        print(bug_report(args.command, err), file=sys.stderr)
        return 1
    return 0
