"""Event arrays and their conversion to frames.

An event camera reports, for each pixel whose log brightness changed by more than a threshold,
one event ``(x, y, t, p)``: column, row, time in microseconds, polarity (ON = brighter).
tinysnn keeps a stream as a NumPy structured array with exactly these field names, as tonic
does, so a stream from tonic can be passed in unchanged (any integer or bool field types work).

Networks read frames: the events of each time bin counted per polarity and pixel,
``frames: [T, 2, H, W]`` float32, channel 0 = OFF (p <= 0), channel 1 = ON (p > 0).
"""

import numpy as np

from ..random_state import check_state

EVENT_DTYPE = np.dtype([("x", "<i2"), ("y", "<i2"), ("t", "<i8"), ("p", "<i1")])


def make_events(x, y, t, p):
    """A structured event array ``[N]`` of EVENT_DTYPE from four equal-length sequences."""
    columns = [np.asarray(v).ravel() for v in (x, y, t, p)]
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


def _width_height(sensor_size):
    """(W, H) from an int (square), (W, H) or tonic's (W, H, polarities)."""
    if np.isscalar(sensor_size):
        return int(sensor_size), int(sensor_size)
    if len(sensor_size) not in (2, 3):
        raise ValueError(f"sensor_size must be an int, (W, H) or (W, H, 2), got {sensor_size!r}")
    return int(sensor_size[0]), int(sensor_size[1])


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
    """
    check_events(events, "events_to_frames")
    if sensor_size is None:
        raise ValueError("events_to_frames: sensor_size is required, e.g. (128, 128)")
    width, height = _width_height(sensor_size)
    k = int(downsample)
    if k < 1:
        raise ValueError(f"events_to_frames: downsample must be an integer >= 1, got {downsample}")
    if T is None and bin_us is None:
        raise ValueError("events_to_frames: give T (number of bins) or bin_us (bin length)")
    if T is not None and int(T) < 1:
        raise ValueError(f"events_to_frames: T must be >= 1, got {T}")
    if bin_us is not None and int(bin_us) < 1:
        raise ValueError(f"events_to_frames: bin_us must be >= 1, got {bin_us}")
    x = events["x"].astype(np.int64)
    y = events["y"].astype(np.int64)
    t = events["t"].astype(np.int64)
    if len(events) and (x.min() < 0 or y.min() < 0 or x.max() >= width or y.max() >= height):
        raise ValueError(f"events_to_frames: events span x {x.min()}..{x.max()}, "
                         f"y {y.min()}..{y.max()}, outside sensor_size (W={width}, H={height})")
    t0 = int(t_start) if t_start is not None else (int(t.min()) if len(t) else 0)
    t1 = int(t_end) if t_end is not None else (int(t.max()) + 1 if len(t) else t0 + 1)
    if t_end is None and T is not None and bin_us is not None:
        t1 = t0 + int(T) * int(bin_us)
    if t1 <= t0:
        raise ValueError(f"events_to_frames: empty time window [{t0}, {t1})")
    if bin_us is None:
        n_bins = int(T)
        time_bin = (t - t0) * n_bins // (t1 - t0)        # equal bins, exact integer arithmetic
    else:
        n_bins = int(T) if T is not None else -(-(t1 - t0) // int(bin_us))
        time_bin = (t - t0) // int(bin_us)
    h_out, w_out = -(-height // k), -(-width // k)
    keep = (t >= t0) & (t < t1) & (time_bin < n_bins)
    channel = (events["p"][keep] > 0).astype(np.int64)   # 0 = OFF, 1 = ON
    # flat index of [T, 2, H, W]: ((bin * 2 + channel) * H + row) * W + column
    flat = ((time_bin[keep] * 2 + channel) * h_out + y[keep] // k) * w_out + x[keep] // k
    counts = np.bincount(flat, minlength=n_bins * 2 * h_out * w_out)
    return counts.reshape(n_bins, 2, h_out, w_out).astype(np.float32)


def random_time_window(events, fraction, rng):
    """A random window ``(t_start, t_end)`` covering ``fraction`` of the events' time span.

    The start is uniform over the positions that keep the window inside the span; used as a
    random temporal crop for training.
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"random temporal crop: fraction must be in (0, 1], got {fraction}")
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
        self.T, self.sensor_size, self.downsample = T, sensor_size, downsample
        self.bin_us, self.random_crop = bin_us, random_crop
        if random_crop is not None and not 0.0 < random_crop <= 1.0:
            raise ValueError(f"ToFrames: random_crop must be a fraction in (0, 1], "
                             f"got {random_crop}")
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
