"""The data sets the command line knows, made into loaders of time-major frames for a run.

    data = make_datasets(config)        # config: tinysnn.train.TrainConfig
    data.frame_shape, data.num_classes  # (2, 32, 32), 11
    for x, y in data.train_loader: ...  # x: [T, B, 2, 32, 32] float32, y: [B] int64
"""

from dataclasses import dataclass

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
    return train, test, frames.frame_shape(), len(train.classes)


def _dvs128(config, options):
    # the paper: 128x128 sensor down-sampled by 4 to 32x32
    if options.get("framing", "paper") == "paper":
        window = dict(T=config.T, bin_us=options.get("bin_us", 15000), downsample=4)
        train_frames = PaperFrames(train=True, seed=config.seed, **window)
        test_frames = PaperFrames(train=False, clips=options.get("clips", 10), **window)
    else:  # whole gestures in T bins, random temporal crops of 80% for training
        train_frames = ToFrames(config.T, (128, 128), downsample=4,
                                random_crop=options.get("random_crop", 0.8), seed=config.seed)
        test_frames = ToFrames(config.T, (128, 128), downsample=4)
    train = DVS128Gesture(config.data_dir, train=True, transform=train_frames)
    test = DVS128Gesture(config.data_dir, train=False, transform=test_frames)
    return train, test, test_frames.frame_shape(), len(train.classes)


def _full_sensor(reader):
    """DVS128 Gait and CIFAR10-DVS at the sensor's 128x128 (no down-sampling), as the authors
    frame them: PaperFrames with their bin length, start and clips (recipes.DATASET_RECIPES),
    or whole recordings in T bins."""

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
        return train, test, test_frames.frame_shape(), len(train.classes)

    return build


def _digits(config, options):
    # rate-coded spikes of 8x8 by default; images enlarged to 32x32 for Att-Res-SNN (recipes)
    encoding, size = options.get("encoding", "rate"), options.get("size", 8)
    train = Digits(train=True, T=config.T, seed=config.seed, encoding=encoding, size=size)
    test = Digits(train=False, T=config.T, seed=config.seed, encoding=encoding, size=size)
    return train, test, (1, size, size), len(train.classes)


BUILDERS = {"synthetic-gestures": _synthetic, "dvs128": _dvs128, "digits": _digits,
            "dvs128-gait": _full_sensor(DVS128Gait), "cifar10dvs": _full_sensor(CIFAR10DVS)}
#: the data sets read from files the user downloaded (they need data_dir; the others refuse it)
FILE_DATASETS = ("dvs128", "dvs128-gait", "cifar10dvs")


def make_datasets(config):
    """Train and test sets of ``config.dataset`` with seeded loaders (shuffled training)."""
    if config.dataset not in BUILDERS:
        raise ValueError(f"dataset must be one of {list(BUILDERS)}, got {config.dataset!r}")
    if config.attention == "oracle-gate" and config.dataset != "synthetic-gestures":
        raise DataError(f"attention oracle-gate needs ground truth, which only "
                        f"synthetic-gestures has; got dataset {config.dataset!r}")
    options = dict(config.dataset_options or {})
    train, test, frame_shape, num_classes = BUILDERS[config.dataset](config, options)
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
                                drop_last=lone_last, device=config.device),
        test_loader=DataLoader(test, test_batch, shuffle=False, device=config.device),
        frame_shape=tuple(frame_shape),
        num_classes=num_classes,
        clips=clips,
    )
    for split, loader in (("training", data.train_loader), ("test", data.test_loader)):
        if len(loader) == 0:
            raise DataError(f"{config.dataset}: the {split} set has {len(loader.dataset)} "
                            f"samples, too few for a batch")
    return data
