"""Event arrays and their conversion to frames.

An event camera reports, for each pixel whose log brightness changed by more than a threshold,
one event ``(x, y, t, p)``: column, row, time in microseconds, polarity (ON = brighter).
tinysnn keeps a stream as a NumPy structured array with exactly these field names, as tonic
does, so a stream from tonic can be passed in unchanged (any integer or bool field types work).

Networks read frames: the events of each time bin counted per polarity and pixel,
``frames: [T, 2, H, W]`` float32, channel 0 = OFF (p <= 0), channel 1 = ON (p > 0).
"""

import numbers

import numpy as np

from ..random_state import check_state
from ..validate import check_integer, check_real
from .errors import DataError

EVENT_DTYPE = np.dtype([("x", "<i2"), ("y", "<i2"), ("t", "<i8"), ("p", "<i1")])


def _column(name, values):
    """One field of an event array as integers, or a DataError that names what does not fit
    EVENT_DTYPE (a value out of range, a fraction, NaN): nothing is wrapped or truncated."""
    column = np.asarray(values).ravel()
    if column.dtype.kind == "b":
        column = column.astype(np.int8)
    kind = EVENT_DTYPE[name]
    if column.dtype.kind == "f":
        if column.size and not (np.isfinite(column).all() and (column == np.round(column)).all()):
            raise DataError(f"make_events: {name} must hold whole numbers, got "
                            f"{column[~(np.isfinite(column) & (column == np.round(column)))][0]}")
    elif column.dtype == object and all(isinstance(v, numbers.Integral) for v in column):
        extreme = max(column, key=abs)                  # Python ints beyond 64 bits
        raise DataError(f"make_events: {name} holds {extreme}, outside the range of "
                        f"{EVENT_DTYPE[name]}")
    elif column.dtype.kind not in "iu":
        raise TypeError(f"make_events: {name} must be integers, got dtype {column.dtype}")
    if column.size:
        low, high = np.iinfo(kind).min, np.iinfo(kind).max
        smallest, largest = column.min(), column.max()
        too_large = largest >= float(high) + 1 if column.dtype.kind == "f" else largest > high
        if smallest < low or too_large:   # (high + 1 as a float: 2**63 for int64, exactly)
            raise DataError(f"make_events: {name} holds {smallest if smallest < low else largest}"
                            f", outside the range of {kind} [{low}, {high}]")
    return column


def make_events(x, y, t, p):
    """A structured event array ``[N]`` of EVENT_DTYPE from four equal-length sequences.

    Values must fit the fields (x, y: int16; t: int64 microseconds; p: int8) as whole numbers:
    anything else is a DataError, never a silently wrapped or truncated value.
    """
    columns = [_column(name, values) for name, values in zip("xytp", (x, y, t, p))]
    lengths = {len(c) for c in columns}
    if len(lengths) != 1:
        raise ValueError(f"make_events: x, y, t, p must have one length, got "
                         f"{[len(c) for c in columns]}")
    events = np.empty(lengths.pop(), dtype=EVENT_DTYPE)
    for name, column in zip("xytp", columns):
        events[name] = column
    return events


def check_events(events, who="events"):
    """Raise a clear TypeError unless ``events`` is a structured array with x, y, t, p."""
    names = getattr(getattr(events, "dtype", None), "names", None)
    if names is None or not {"x", "y", "t", "p"} <= set(names):
        raise TypeError(f"{who}: expected a structured array with fields x, y, t, p "
                        f"(see tinysnn.data.EVENT_DTYPE), got {type(events).__name__} "
                        f"with dtype {getattr(events, 'dtype', None)}")


#: the most values a frame array may hold (8 GiB of float32): beyond it, a refusal, not a crash
MAX_FRAME_VALUES = 2**31
INT64 = np.iinfo(np.int64)


def check_count(who, name, value, low=1):
    """``value`` as an int if it is an integer (Python or NumPy, not a bool) >= low."""
    return check_integer(who, name, value, low)


def _width_height(sensor_size, who="events_to_frames"):
    """(W, H) from an int (square), (W, H) or tonic's (W, H, polarities); each >= 1."""
    if np.isscalar(sensor_size):
        side = check_count(who, "sensor_size", sensor_size)
        return side, side
    if not isinstance(sensor_size, (tuple, list)) or len(sensor_size) not in (2, 3):
        raise ValueError(f"{who}: sensor_size must be an int, (W, H) or (W, H, 2), "
                         f"got {sensor_size!r}")
    return (check_count(who, "sensor_size[0] (W)", sensor_size[0]),
            check_count(who, "sensor_size[1] (H)", sensor_size[1]))


def _time(who, name, value):
    """A time in microseconds: an integer that int64 holds."""
    value = check_count(who, name, value, low=INT64.min)
    if value > INT64.max:
        raise ValueError(f"{who}: {name} must fit in int64, got {value}")
    return value


def events_to_frames(events, T=None, sensor_size=None, *, bin_us=None, downsample=1,
                     t_start=None, t_end=None):
    """Count events per time bin, polarity and pixel: ``[N] events -> [T, 2, H, W]`` float32.

    Time bins, choose one way:
      - ``T`` only: the window ``[t_start, t_end)`` cut into T equal bins;
      - ``bin_us`` only: bins of bin_us microseconds from t_start, as many as cover the window;
      - both: T bins of bin_us from t_start (a fixed duration; later events are dropped).
    The window defaults to the events' own span ``[first t, last t + 1)``.
    sensor_size: int, (W, H) or (W, H, 2) as in tonic (W is the x extent).
    downsample: integer factor k; pixel (x, y) counts toward (x // k, y // k), so a 128x128
    sensor with k = 4 gives 32x32 frames.

    Arguments of the wrong type or value raise TypeError or ValueError naming them. Events
    outside the sensor, and windows or bins that 64-bit integers cannot count exactly (a window
    of T bins needs window x T < 2**63 microseconds) or that would make more than
    MAX_FRAME_VALUES values, raise DataError: nothing wraps around or is dropped silently.
    """
    who = "events_to_frames"
    check_events(events, who)
    if sensor_size is None:
        raise ValueError(f"{who}: sensor_size is required, e.g. (128, 128)")
    width, height = _width_height(sensor_size)
    k = check_count(who, "downsample", downsample)
    if T is None and bin_us is None:
        raise ValueError(f"{who}: give T (number of bins) or bin_us (bin length)")
    T = None if T is None else check_count(who, "T", T)
    bin_us = None if bin_us is None else check_count(who, "bin_us", bin_us)
    x = events["x"].astype(np.int64)
    y = events["y"].astype(np.int64)
    t = events["t"].astype(np.int64)
    if len(events) and (x.min() < 0 or y.min() < 0 or x.max() >= width or y.max() >= height):
        raise DataError(f"{who}: events span x {x.min()}..{x.max()}, y {y.min()}..{y.max()}, "
                        f"outside sensor_size (W={width}, H={height})")
    # the window [t0, t1) in Python integers, which do not overflow
    t0 = _time(who, "t_start", t_start) if t_start is not None \
        else (int(t.min()) if len(t) else 0)
    if t_end is not None:
        t1 = _time(who, "t_end", t_end)
    elif T is not None and bin_us is not None:
        t1 = t0 + T * bin_us
    else:
        t1 = int(t.max()) + 1 if len(t) else t0 + 1
    if t1 <= t0:
        raise ValueError(f"{who}: empty time window [{t0}, {t1})")
    span = t1 - t0
    n_bins = T if T is not None else -(-span // bin_us)
    h_out, w_out = -(-height // k), -(-width // k)
    if span >= 2**63 or (bin_us is None and span * n_bins >= 2**63):
        raise DataError(f"{who}: a window of {span} us in {n_bins} bins is too long to count "
                        f"in 64-bit integers")
    if n_bins * 2 * h_out * w_out > MAX_FRAME_VALUES:
        raise DataError(f"{who}: {n_bins} frames of 2 x {h_out} x {w_out} would be more than "
                        f"{MAX_FRAME_VALUES} values; use fewer or longer bins")
    keep = (t >= t0) & (t <= min(t1 - 1, INT64.max))      # t1 itself may not fit int64
    since = t[keep] - t0                                 # in [0, span): no overflow
    if bin_us is None:
        time_bin = since * n_bins // span                # equal bins, exact integer arithmetic
    else:
        time_bin = since // bin_us
    inside = time_bin < n_bins
    channel = (events["p"][keep][inside] > 0).astype(np.int64)   # 0 = OFF, 1 = ON
    # flat index of [T, 2, H, W]: ((bin * 2 + channel) * H + row) * W + column
    flat = (((time_bin[inside] * 2 + channel) * h_out + y[keep][inside] // k) * w_out
            + x[keep][inside] // k)
    counts = np.bincount(flat, minlength=n_bins * 2 * h_out * w_out)
    return counts.reshape(n_bins, 2, h_out, w_out).astype(np.float32)


def random_time_window(events, fraction, rng):
    """A random window ``(t_start, t_end)`` covering ``fraction`` of the events' time span.

    The start is uniform over the positions that keep the window inside the span; used as a
    random temporal crop for training.
    """
    check_real("random temporal crop", "fraction", fraction, 0, 1, low_open=True)
    if len(events) == 0:
        return 0, 1
    first, last = int(events["t"].min()), int(events["t"].max()) + 1
    length = max(1, round(fraction * (last - first)))
    start = first + int(rng.integers(0, last - first - length + 1))
    return start, start + length


class ToFrames:
    """Transform for event data sets: ``events [N] -> frames [T, 2, H, W]`` float32.

    ToFrames(T=16, sensor_size=(128, 128), downsample=4) bins each stream into 16 frames of
    32x32. ``random_crop=0.8`` first picks a random window of 80% of the stream (seeded by
    ``seed``; each call draws a new window), for training. ``bin_us`` as in events_to_frames.
    """

    def __init__(self, T, sensor_size, downsample=1, bin_us=None, random_crop=None, seed=0):
        who = "ToFrames"
        _width_height(sensor_size, who)
        self.T, self.sensor_size = check_count(who, "T", T), sensor_size
        self.downsample = check_count(who, "downsample", downsample)
        self.bin_us = None if bin_us is None else check_count(who, "bin_us", bin_us)
        self.random_crop = random_crop
        if random_crop is not None:
            check_real("ToFrames", "random_crop", random_crop, 0, 1, low_open=True)
        self.seed = seed
        self.rng = np.random.default_rng(seed)

    def frame_shape(self):
        """(2, H, W) of the frames this transform makes."""
        width, height = _width_height(self.sensor_size)
        k = int(self.downsample)
        return 2, -(-height // k), -(-width // k)

    def __call__(self, events):
        t_start = t_end = None
        if self.random_crop is not None:
            t_start, t_end = random_time_window(events, self.random_crop, self.rng)
        return events_to_frames(events, self.T, self.sensor_size, bin_us=self.bin_us,
                                downsample=self.downsample, t_start=t_start, t_end=t_end)

    def reseed(self, epoch, index):
        """Draw the next call's window from (seed, epoch, index) alone: the DataLoader calls it
        before each item, so a sample's window does not depend on which process framed it or
        which samples it framed before."""
        if self.seed is not None:                    # None: unseeded, nothing to repeat
            self.rng = np.random.default_rng([self.seed, epoch, index])

    def state_dict(self):
        """The crop generator's state: a checkpoint keeps it so a resumed run crops the same."""
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state):
        if not isinstance(state, dict) or "rng" not in state:
            raise ValueError(f"ToFrames.load_state_dict: expected {{'rng': state}}, got {state!r}")
        self.rng.bit_generator.state = check_state(state["rng"])

    def __repr__(self):
        return (f"ToFrames(T={self.T}, sensor_size={self.sensor_size}, "
                f"downsample={self.downsample}, bin_us={self.bin_us}, "
                f"random_crop={self.random_crop})")
