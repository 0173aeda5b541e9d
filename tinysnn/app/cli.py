"""Command line: ``python -m tinysnn train | eval | export | plot | ablation | sweep | bench``.

    python -m tinysnn train                       # MA-SNN (TCSA) on the built-in synthetic gestures
    python -m tinysnn train --attention no --epochs 5 --out runs/vanilla
    python -m tinysnn eval runs/masnn/checkpoint.npz
    python -m tinysnn export runs/vanilla/checkpoint.npz --nir vanilla.nir   # to other frameworks
    python -m tinysnn train --nir vanilla.nir --dt 1 --out runs/imported     # and back in
    python -m tinysnn plot runs/masnn
    python -m tinysnn ablation --variants no,TA,CA,SA,TCSA --out runs/ablation
    python -m tinysnn sweep --set lr=1e-3,2e-3 --seeds 3 --workers 2   # a grid (sweep_cli.py)
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
from ..nn.models import ALL_VARIANTS, MODELS, NEURONS
from ..settings import CIFAR10DVS, GAIT, GESTURE, PRESETS, RUN
from .ablation import DEFAULT_VARIANTS
from .applicability import APPLIES_TO, check_applicable
from .bench import NETWORKS
from .config import DATASET_OPTIONS, RULES, Number, TrainConfig
from .datasets import DATASETS, FRAMINGS, LEVELS, file_datasets
from .process import tune_process
from .sweep_cli import add_sweep_options, add_where_options


class UsageError(TinysnnError):
    """An error in what the user asked for: printed as one line, exit status 2."""


def _option(name):
    """argparse ``type`` for the TrainConfig setting ``name``: its rule checks the value."""
    return RULES[name].option


def _dataset_option(name):
    """argparse ``type`` for the data-set option ``name`` (TrainConfig.dataset_options)."""
    return DATASET_OPTIONS[name].option


#: the preset whose values the help quotes beside tinysnn's defaults
_PAPER = PRESETS["paper-gesture"]


def _defaults(name):
    """'default 16; 60 with --preset paper-gesture': a setting's default, from tinysnn.settings."""
    ours, paper = (f"{v:g}" if isinstance(v, float) else str(v)
                   for v in (RUN[name], _PAPER.recipe[name]))
    return f"default {ours}; {paper} with --preset paper-gesture"


def _preset_help():
    r = _PAPER.recipe
    return (f"one of the paper's MA-SNNs with its recipe, e.g. paper-gesture: T {r['T']}, "
            f"{r['epochs']} epochs, batch {r['batch_size']}, Adam {r['lr']:g}, {r['scheduler']} "
            f"scheduler, windows of {GESTURE.bin_us // 1000} ms bins, {GESTURE.clips} test clips "
            f"(docs/paper/other-experiments.md has paper-gait and paper-cifar10dvs); the "
            f"options below override it")


def _add_run_options(p, epochs_default=None):
    p.add_argument("--dataset", default=None, choices=list(DATASETS),
                   help=f"default {TrainConfig.dataset}")
    p.add_argument("--data-dir", help=f"folder of a downloaded data set (--dataset "
                                      f"{', '.join(file_datasets())})")
    p.add_argument("--model", choices=list(MODELS), default=None,
                   help="masnn (default) or Att-Res-SNN of depth 18, 34, 104 (for images: T 1, "
                        "CSA, cross-entropy; --dataset digits gives it 32x32 images)")
    p.add_argument("--preset", choices=list(PRESETS), default=None, help=_preset_help())
    p.add_argument("--T", type=_option("T"), default=None,
                   help=f"time steps ({_defaults('T')})")
    p.add_argument("--epochs", type=_option("epochs"), default=epochs_default,
                   help=_defaults("epochs"))
    p.add_argument("--batch-size", type=_option("batch_size"), default=None,
                   help=_defaults("batch_size"))
    p.add_argument("--lr", type=_option("lr"), default=None,
                   help=f"Adam's learning rate ({_defaults('lr')})")
    p.add_argument("--scheduler", choices=("cosine", "plateau", "none"), default=None,
                   help=f"learning-rate schedule ({_defaults('scheduler')}; plateau: x factor "
                        f"when the training loss stalls)")
    p.add_argument("--plateau-factor", type=_option("plateau_factor"), default=None,
                   help=f"plateau scheduler: multiply lr by this (default "
                        f"{RUN['plateau_factor']:g})")
    p.add_argument("--plateau-patience", type=_option("plateau_patience"), default=None,
                   help=f"plateau scheduler: epochs without improvement before it acts "
                        f"(default {RUN['plateau_patience']})")
    p.add_argument("--loss", choices=("mse", "ce"), default=None)
    p.add_argument("--neuron", choices=list(NEURONS), default=None)
    p.add_argument("--framing", choices=FRAMINGS, default=None,
                   help="event data sets: 'paper' (default) = the authors' windows and voted "
                        "test clips; 'whole' = each recording in T equal bins")
    p.add_argument("--bin-us", type=_dataset_option("bin_us"), default=None,
                   help=f"paper framing: bin length in microseconds (default {GESTURE.bin_us} "
                        f"for dvs128, {GAIT.bin_us} for dvs128-gait, {CIFAR10DVS.bin_us} for "
                        f"cifar10dvs)")
    p.add_argument("--clips", type=_dataset_option("clips"), default=None,
                   help=f"paper framing: test clips per recording (default {GESTURE.clips}; "
                        f"{GAIT.clips} for dvs128-gait)")
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
    p.add_argument("--loader-workers", type=_option("loader_workers"), default=None,
                   help="processes that frame the data ahead of the training step (default 0; "
                        "the same batches, the same numbers)")


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
                   help=f"one of {', '.join(ALL_VARIANTS)} (default {RUN['attention']}; "
                        f"oracle-gate needs the synthetic gestures' ground truth)")
    t.add_argument("--out", default=None,
                   help="run folder (default runs/masnn; with --resume, the checkpoint's folder)")
    t.add_argument("--resume", help="checkpoint to continue from; its run's settings are kept "
                                    "unless given again here (e.g. --epochs 20 to extend it)")
    t.add_argument("--nir", default=None, metavar="GRAPH",
                   help="fine-tune a NIR graph (a .nir file from any framework) instead of a "
                        "built-in model; needs --dt (docs/nir.md)")
    t.add_argument("--dt", type=_option("dt"), default=None,
                   help="with --nir: the time step the graph is discretised at")

    e = sub.add_parser("eval", help="evaluate a checkpoint on its test set")
    e.add_argument("checkpoint")
    e.add_argument("--dataset", choices=list(DATASETS), default=None)
    e.add_argument("--data-dir", default=None)

    x = sub.add_parser("export", help="write a run's trained network as a NIR graph")
    x.add_argument("checkpoint")
    x.add_argument("--nir", required=True, metavar="OUT", help="the .nir file to write")
    x.add_argument("--dt", type=_option("dt"), default=None,
                   help="the time step the LIF parameters are written for (default 1; a --nir "
                        "run keeps its own)")

    pl = sub.add_parser("plot", help="draw curves, rasters, membranes and attention maps of a "
                                     "run, or compare the variants of an ablation folder")
    pl.add_argument("run_dir", help="a training run folder or an ablation folder")

    a = sub.add_parser("ablation", help="train each attention variant with the same seeds and "
                                        "budget; mean +- std over seeds")
    _add_run_options(a)
    a.add_argument("--variants", default=",".join(DEFAULT_VARIANTS),
                   help=f"comma-separated, from {', '.join(ALL_VARIANTS)} "
                        f"(default: %(default)s)")
    a.add_argument("--out", default="runs/ablation")
    add_where_options(a)
    s = sub.add_parser("sweep", help="train a grid of runs (--set NAME=V1,V2 x --seeds) here or "
                                     "on a Dask cluster; mean +- std per grid point")
    _add_run_options(s)
    add_sweep_options(s)
    b = sub.add_parser("bench", help="time training steps of MASNN variants on this machine")
    default, gesture, plain = (NETWORKS[n] for n in ("default", "paper-gesture", "plain-conv"))
    b.add_argument("--preset", default=None, choices=list(NETWORKS),
                   help="the network (default: the small default MASNN)")
    b.add_argument("--checkpoint", default=None, metavar="CHECKPOINT",
                   help="time a finished run instead: its network and trained weights on a "
                        "batch of its own training data (a run's checkpoint.npz)")
    b.add_argument("--variants", default=None,
                   help=f"comma-separated attention variants, timed alternately (default "
                        f"{default['variants'][0]}; {plain['variants'][0]} for plain-conv)")
    b.add_argument("--attention", default=None, help="one variant (the same as --variants X)")
    b.add_argument("--T", type=_option("T"), default=None,
                   help=f"time steps (default {default['T']}; {plain['T']} for plain-conv)")
    b.add_argument("--batch-size", type=_option("batch_size"), default=None, help=f"default "
                   f"{default['batch_size']}; {gesture['batch_size']} for paper-gesture")
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
    for command in (t, e, x, pl, a, s, b):        # --debug after the command works too
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
                 device=args.device, overwrite=args.overwrite,
                 loader_workers=args.loader_workers, **extra)
    values = {**base, **{k: v for k, v in given.items() if v is not None}}
    values.update(progress=not args.no_progress, dataset_options=options)
    config = TrainConfig.from_dict(values)  # what was not given: the preset's recipe, defaults
    return check_applicable(config, given_options(args)).validate()


def given_options(args):
    """The options of applicability.APPLIES_TO given on the command line (by their field)."""
    return [name for name in APPLIES_TO if getattr(args, name, None) is not None]


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
    config = _config_from(args, base, attention=args.attention, out=out, resume=args.resume,
                          nir=args.nir, dt=args.dt)
    metrics = train(config)
    print_layers(metrics)
    print(f"wrote {os.path.join(config.out, 'metrics.json')}")


def cmd_eval(args):
    """``python -m tinysnn eval``: accuracy, spikes and energy of a checkpoint on its test set."""
    from .report import evaluate_checkpoint, print_layers

    metrics = evaluate_checkpoint(args.checkpoint, dataset=args.dataset,
                                  data_dir=_checked_folder("--data-dir", args.data_dir))
    print_layers(metrics)


def cmd_export(args):
    """``export CHECKPOINT --nir OUT [--dt]``: the run's trained network as a NIR graph."""
    from .nir_model import export_run

    graph, dt = export_run(args.checkpoint, args.nir, args.dt)
    print(f"wrote {args.nir}: {len(graph.nodes)} nodes, {len(graph.edges)} edges, dt={dt:g} "
          f"(read it back with tinysnn.from_nir({args.nir!r}, dt={dt:g}))")


def cmd_plot(args):
    """``python -m tinysnn plot``: the figures of a training run or of an ablation folder."""
    from .analysis import analyse_ablation, analyse_run
    from .report import missing_metrics, plot_run

    folder = args.run_dir
    if any(os.path.isfile(os.path.join(folder, name)) for name in ("ablation.json",
                                                                    "sweep.json")):
        paths = analyse_ablation(folder)
    elif os.path.isfile(os.path.join(folder, "metrics.json")):
        paths = plot_run(folder) + analyse_run(folder)
    elif os.path.isfile(os.path.join(folder, "checkpoint.npz")):
        raise UsageError(missing_metrics(folder))
    else:
        raise UsageError(f"{folder}: no metrics.json, ablation.json or sweep.json (is it a "
                         f"training run, an ablation or a sweep folder?)")
    for path in paths:
        print(f"wrote {path}")


def cmd_ablation(args):
    """``python -m tinysnn ablation``: every variant x seed, then the table of means."""
    from . import sweep_cli

    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in ALL_VARIANTS]
    if unknown or not variants:
        raise UsageError(f"--variants: unknown {unknown}; choose from {', '.join(ALL_VARIANTS)}")
    if args.level is None and (args.dataset or "synthetic-gestures") == "synthetic-gestures":
        args.level = "hard"  # the easy set saturates: every variant reaches about 100%
    sweep_cli.cmd_ablation(args, variants, _config_from(args, out=args.out), _command(args))


def cmd_sweep(args):
    """``python -m tinysnn sweep``: the grid of --set x --seeds, then the table of means."""
    from . import sweep_cli

    sweep_cli.cmd_sweep(args, parser(), _config_from, _command(args))


def _command(args):
    return "python -m tinysnn " + shlex.join(args.argv)


def cmd_bench(args):
    """``python -m tinysnn bench``: time training steps (optionally against PyTorch)."""
    from .bench_command import run_bench

    run_bench(args)


COMMANDS = {"train": cmd_train, "eval": cmd_eval, "export": cmd_export, "plot": cmd_plot,
            "ablation": cmd_ablation, "sweep": cmd_sweep, "bench": cmd_bench}


def one_line(err):
    """The message of an error on one line; an OSError as 'file: reason'."""
    if isinstance(err, OSError) and err.strerror:
        where = err.filename if err.filename is not None else ""
        text = f"{where}: {err.strerror}" if where else err.strerror
    elif isinstance(err, MemoryError):
        text = f"out of memory ({err})" if str(err) else "out of memory"
    else:
        text = str(err) or type(err).__name__
    return " ".join(text.split())


#: what sizes the arrays of a command: options whose values decide how much memory it takes
MEMORY_SIZES = (("--T", "T"), ("--batch-size", "batch_size"))
#: where sizes come from when they are not options: files and recipes
MEMORY_SOURCES = (("--resume", "resume"), ("checkpoint", "checkpoint"), ("--data-dir", "data_dir"),
                  ("--preset", "preset"))


def memory_hint(args):
    """'; sized by --T 100000, checkpoint x.npz: ...': what made a command run out of memory."""
    given = [f"{option} {getattr(args, name)}" for option, name in MEMORY_SIZES + MEMORY_SOURCES
             if getattr(args, name, None) is not None]
    if not given:
        return "; the default sizes do not fit this machine: try a smaller --batch-size or --T"
    return f"; sized by {', '.join(given)}: try a smaller --batch-size or --T"


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
    tune_process()  # this process is the command line's own (process.py)
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
        text = one_line(err) + (memory_hint(args) if isinstance(err, MemoryError) else "")
        print(f"tinysnn {args.command}: error: {text}", file=sys.stderr)
        return 2
    except Exception as err:  # noqa: BLE001 (anything else is a bug: report it as one)
        if debug:
            raise
        print(bug_report(args.command, err), file=sys.stderr)
        return 1
    return 0
