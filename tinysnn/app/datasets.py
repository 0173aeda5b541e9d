"""The data sets the command line knows (a registry), made into loaders of time-major frames.

    data = make_datasets(config)        # config: tinysnn.train.TrainConfig
    data.frame_shape, data.num_classes  # (2, 32, 32), 11
    for x, y in data.train_loader: ...  # x: [T, B, 2, 32, 32] float32, y: [B] int64

A data set of your own is one function and one call away from ``--dataset`` (the command
line's choices are the names registered here):

    def build(config, options):         # the run's TrainConfig and its dataset_options
        return Shapes(train=True, T=config.T), Shapes(train=False, T=config.T)

    register_dataset("shapes", build)   # --dataset shapes (examples/my_dataset.py)

A built set is a ``tinysnn.data.Dataset`` (or anything with ``classes``, ``len`` and
``[i] -> (frames [T, C, H, W], label)``); a test item may be ``[clips, T, C, H, W]`` when its
transform is a PaperFrames.
"""

from dataclasses import dataclass, field

from .. import settings
from ..data import (
    CIFAR10DVS,
    DataError,
    DataLoader,
    Digits,
    DVS128Gait,
    DVS128Gesture,
    PaperFrames,
    SyntheticGestures,
    ToFrames,
)
from ..data.ground_truth import WithSubjectChannel
from ..data.synthetic import LEVELS as SYNTHETIC_LEVELS

#: how the event data sets become frames: "paper", the authors' protocol (for DVS128 Gesture:
#: random 900 ms windows for training, ten voted clips per test gesture; PaperFrames), or
#: "whole", each recording cut into T equal bins (random crops for training if asked)
FRAMINGS = ("paper", "whole")

#: the levels of the synthetic gestures (tinysnn.data.synthetic)
LEVELS = tuple(SYNTHETIC_LEVELS)


@dataclass
class RunData:
    """A run's data: both splits, their loaders, the shape of one frame and the class count."""
    train_set: object
    test_set: object
    train_loader: DataLoader
    test_loader: DataLoader
    frame_shape: tuple  # (C, H, W) of one time step
    num_classes: int
    clips: int = None   # test items are [clips, T, ...] (PaperFrames), else [T, ...]


@dataclass(frozen=True)
class RegisteredDataset:
    """What ``register_dataset`` keeps of a data set.

    build(config, options) -> (training set, test set); data_dir: the set is read from files
    the user downloaded (it needs --data-dir; the others refuse it); recipe: the settings it
    brings (T, dataset_options, ...), under those of the model and the preset.
    """

    build: object
    data_dir: bool = False
    recipe: dict = field(default_factory=dict)


#: the data sets by name, in the order they were registered: the choices of --dataset
DATASETS = {}


def register_dataset(name, build, *, data_dir=False, recipe=None, replace=False):
    """Make ``build`` the data set ``name`` of ``TrainConfig(dataset=name)`` and ``--dataset``.

    build(config, options) -> (training set, test set): config is the run's TrainConfig (T,
    seed, data_dir, ...), options its dataset_options. data_dir: True when the set is read from
    a folder the user gives (--data-dir). recipe: settings the set brings, e.g. ``{"T": 8}``.
    replace: allow a name that is registered already.
    """
    if not isinstance(name, str) or not name or name != name.strip() or " " in name:
        raise ValueError(f"register_dataset: name must be a non-empty word, got {name!r}")
    if not callable(build):
        raise TypeError(f"register_dataset: build must be a function (config, options) -> "
                        f"(training set, test set), got {build!r}")
    if name in DATASETS and not replace:
        raise ValueError(f"register_dataset: {name!r} is registered already (replace=True "
                         f"replaces it)")
    unknown = sorted(set(recipe or {}) - {*settings.RUN, "dataset_options"})
    if unknown:
        raise ValueError(f"register_dataset: the recipe of {name!r} has unknown settings "
                         f"{unknown}; known: {sorted({*settings.RUN, 'dataset_options'})}")
    DATASETS[name] = RegisteredDataset(build, bool(data_dir), dict(recipe or {}))


def _synthetic(config, options):
    level = options.get("level", "easy")
    per_class = options.get("samples_per_class")
    # the easy level's test split shrinks with the training split; the hard level keeps its
    # 24 per class (one recording under 0.5% of the test split) unless asked otherwise
    shrunk = None if per_class is None or level != "easy" else max(2, per_class // 4)
    test_per_class = options.get("test_samples_per_class", shrunk)
    sensor = options.get("sensor", 32)
    frames = ToFrames(T=config.T, sensor_size=sensor)
    train_frames = ToFrames(T=config.T, sensor_size=sensor, seed=config.seed,
                            random_crop=options.get("random_crop"))
    oracle = config.attention == "oracle-gate"    # its network reads the ground truth too
    common = dict(sensor=sensor, seed=config.seed, root=options.get("cache"), level=level,
                  ground_truth=oracle)
    train = SyntheticGestures(train=True, n_per_class=per_class, transform=train_frames, **common)
    test = SyntheticGestures(train=False, n_per_class=test_per_class, transform=frames, **common)
    if oracle:
        train, test = WithSubjectChannel(train), WithSubjectChannel(test)
    return train, test


def _dvs128(config, options):
    # the paper: 128x128 sensor down-sampled by 4 to 32x32
    if options.get("framing", "paper") == "paper":
        window = dict(T=config.T, bin_us=options.get("bin_us", settings.GESTURE.bin_us),
                      downsample=4)
        train_frames = PaperFrames(train=True, seed=config.seed, **window)
        test_frames = PaperFrames(train=False, clips=options.get("clips", settings.GESTURE.clips),
                                  **window)
    else:  # whole gestures in T bins, random temporal crops of 80% for training
        train_frames = ToFrames(config.T, (128, 128), downsample=4,
                                random_crop=options.get("random_crop", 0.8), seed=config.seed)
        test_frames = ToFrames(config.T, (128, 128), downsample=4)
    train = DVS128Gesture(config.data_dir, train=True, transform=train_frames)
    test = DVS128Gesture(config.data_dir, train=False, transform=test_frames)
    return train, test


def _full_sensor(reader):
    """DVS128 Gait and CIFAR10-DVS at the sensor's 128x128 (no down-sampling), as the authors
    frame them: PaperFrames with their bin length, start and clips (their recipes, from
    tinysnn.settings), or whole recordings in T bins."""

    def build(config, options):
        if options.get("framing", "paper") == "paper":
            window = dict(T=config.T, bin_us=options["bin_us"], downsample=1)
            train_frames = PaperFrames(train=True, seed=config.seed, **window,
                                       random_start=options.get("random_start", True))
            test_frames = PaperFrames(train=False, clips=options.get("clips", 1), **window)
        else:
            train_frames = test_frames = ToFrames(config.T, (128, 128))
        train = reader(config.data_dir, train=True, transform=train_frames)
        test = reader(config.data_dir, train=False, transform=test_frames)
        return train, test

    return build


def _digits(config, options):
    # rate-coded spikes of 8x8 by default; images enlarged to 32x32 for Att-Res-SNN (recipes)
    encoding, size = options.get("encoding", "rate"), options.get("size", 8)
    train = Digits(train=True, T=config.T, seed=config.seed, encoding=encoding, size=size)
    test = Digits(train=False, T=config.T, seed=config.seed, encoding=encoding, size=size)
    return train, test


register_dataset("synthetic-gestures", _synthetic)
register_dataset("dvs128", _dvs128, data_dir=True)
register_dataset("digits", _digits)
# the authors' T and bin length for DVS128 Gait and CIFAR10-DVS (their loaders)
register_dataset("dvs128-gait", _full_sensor(DVS128Gait), data_dir=True,
                 recipe={"T": settings.GAIT.T, "dataset_options": settings.GAIT.options()})
register_dataset("cifar10dvs", _full_sensor(CIFAR10DVS), data_dir=True,
                 recipe={"T": settings.CIFAR10DVS.T,
                         "dataset_options": settings.CIFAR10DVS.options()})


def file_datasets():
    """The names of the registered data sets read from a folder the user gives (data_dir)."""
    return tuple(name for name, entry in DATASETS.items() if entry.data_dir)


def _frame_shape(dataset):
    """(C, H, W) of one time step: from the frame transform when it says, else the first item."""
    transform = getattr(dataset, "transform", None)
    if callable(getattr(transform, "frame_shape", None)):
        return tuple(transform.frame_shape())
    return tuple(dataset[0][0].shape[-3:])


def make_datasets(config):
    """Train and test sets of ``config.dataset`` with seeded loaders (shuffled training)."""
    if config.dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {list(DATASETS)}, got {config.dataset!r}")
    if config.attention == "oracle-gate" and config.dataset != "synthetic-gestures":
        raise DataError(f"attention oracle-gate needs ground truth, which only "
                        f"synthetic-gestures has; got dataset {config.dataset!r}")
    options = dict(config.dataset_options or {})
    train, test = DATASETS[config.dataset].build(config, options)
    test_frames = getattr(test, "transform", None)
    clips = test_frames.clips if isinstance(test_frames, PaperFrames) else None
    # a test batch of clipped samples runs batch_size sequences at once, as a training batch
    test_batch = max(1, config.batch_size // clips) if clips else config.batch_size
    # batch norm cannot normalise a single value: with T = 1, a last batch of one is dropped
    lone_last = config.T == 1 and len(train) % config.batch_size == 1
    data = RunData(
        train_set=train,
        test_set=test,
        train_loader=DataLoader(train, config.batch_size, shuffle=True, seed=config.seed,
                                drop_last=lone_last, device=config.device,
                                num_workers=config.loader_workers),
        test_loader=DataLoader(test, test_batch, shuffle=False, device=config.device,
                               num_workers=config.loader_workers),
        frame_shape=None,
        num_classes=len(train.classes),
        clips=clips,
    )
    for split, loader in (("training", data.train_loader), ("test", data.test_loader)):
        if len(loader) == 0:
            raise DataError(f"{config.dataset}: the {split} set has {len(loader.dataset)} "
                            f"samples, too few for a batch")
    data.frame_shape = _frame_shape(test)
    return data
