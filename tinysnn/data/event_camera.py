"""A simulated event camera: a log-brightness video in, an event stream out.

Each pixel remembers the log brightness of its last event (its reference). When the current
log brightness differs from the reference by a whole contrast threshold C or more, the pixel
emits one event per threshold crossed, ON when brighter and OFF when darker, and moves its
reference by that many thresholds. Between events nothing is sent, so a still scene is silent.
Two kinds of noise come on top, as on a real sensor: background activity, events at random
pixels and times at a rate per pixel; and hot pixels, a few pixels (the same ones in every
recording of a sensor) that fire all the time at a high rate, each with one polarity.

Measured in thresholds from the first frame, ``u = (L - L[0]) / C``, the reference is an integer
level q (start 0) and one step reads

    q_new = floor(u)  if u >= q + 1      (ON events:  floor(u) - q)
            ceil(u)   if u <= q - 1      (OFF events: q - ceil(u))
            q         otherwise

Played backwards, a video that ends where it starts (u[0] = u[-1]) gives every pixel exactly
as many ON and as many OFF events as played forwards: for each pair of levels (m, m + 1), q
crosses between them once each time u moves from ``u <= m`` to ``u >= m + 1`` or back, and the
number of such alternations in a sequence is the same read in either direction. The synthetic
clockwise / counter-clockwise gestures rely on this.
"""

from dataclasses import asdict, dataclass

import numpy as np
from numba import njit

from .events import make_events


def dvs_counts_reference(u):
    """Signed events per step and pixel, ``u: [K, P]`` thresholds from frame 0 -> ``[K, P]``.

    The plain NumPy specification: a loop over the K steps, all pixels at once.
    """
    level = np.zeros(u.shape[1])
    counts = np.zeros(u.shape, dtype=np.int32)
    for k in range(1, u.shape[0]):
        new = np.where(u[k] >= level + 1, np.floor(u[k]),
                       np.where(u[k] <= level - 1, np.ceil(u[k]), level))
        counts[k] = new - level                     # > 0: ON events, < 0: OFF events
        level = new
    return counts


@njit(cache=True)
def dvs_counts(u):
    """Numba twin of dvs_counts_reference: one pass per pixel over the K steps."""
    n_steps, n_pixels = u.shape
    counts = np.zeros((n_steps, n_pixels), dtype=np.int32)
    for p in range(n_pixels):
        level = 0.0
        for k in range(1, n_steps):
            v = u[k, p]
            if v >= level + 1.0:
                new = np.floor(v)                   # ON: crossed floor(v) - level thresholds
            elif v <= level - 1.0:
                new = np.ceil(v)                    # OFF: crossed level - ceil(v) thresholds
            else:
                continue
            counts[k, p] = int(new - level)
            level = new
    return counts


@dataclass(frozen=True)
class EventCamera:
    """A square sensor of ``size`` x ``size`` pixels.

    threshold: mean contrast threshold C in log units; each pixel's own threshold is
    C * (1 + threshold_spread * N(0, 1)), fixed by ``seed`` (pixel mismatch of a real sensor).
    noise_hz: background-activity events per pixel and second. jitter_us: upper bound of the
    per-recording standard deviation of timestamp jitter. hot_pixels: how many pixels are hot
    (chosen by ``seed``), each firing hot_pixel_hz events per second.
    """

    size: int = 32
    threshold: float = 0.25
    threshold_spread: float = 0.05
    noise_hz: float = 0.5
    jitter_us: float = 2000.0
    seed: int = 0
    hot_pixels: int = 0
    hot_pixel_hz: float = 0.0

    def cache_fields(self):
        """The fields for a cache key. Without hot pixels, the fields of the camera before hot
        pixels existed: sets cached then stay valid, and they are the same events."""
        fields = asdict(self)
        if not self.hot_pixels:
            del fields["hot_pixels"], fields["hot_pixel_hz"]
        return fields

    def hot_pixel_map(self):
        """(pixel indices ``[hot_pixels]``, their polarities ``[hot_pixels]``), fixed by seed."""
        rng = np.random.default_rng([self.seed, 0x407])
        pixels = rng.choice(self.size * self.size, size=self.hot_pixels, replace=False)
        return pixels, rng.integers(0, 2, self.hot_pixels)

    def threshold_map(self):
        """Per-pixel contrast thresholds ``[size * size]``, always positive."""
        rng = np.random.default_rng([self.seed, 0xCA3])
        spread = rng.standard_normal(self.size * self.size) * self.threshold_spread
        return self.threshold * np.clip(1.0 + spread, 0.5, 1.5)

    def record(self, log_video, duration_us, rng, sources=False):
        """Events of one recording, sorted by time.

        log_video: ``[K, size * size]`` log brightness, frame k at time k * duration / (K - 1).
        rng: a NumPy Generator for noise, timestamps and jitter.
        sources: also return ``from_scene [N]`` bool, True for the events the video made (the
        rest are noise and hot pixels): ``(events, from_scene)``.
        """
        self._check_video(log_video)
        # background activity first, so it does not depend on how many signal events there are
        noise = self.noise_events(self.noise_hz, 0.0, duration_us, rng)
        jitter = rng.uniform(0.0, self.jitter_us)
        signal = self.scene_events(log_video, duration_us, jitter, rng)
        hot = self.hot_pixel_events(duration_us, rng)
        return self.merge([signal, noise, hot], [True, False, False], duration_us, sources)

    def _check_video(self, log_video):
        n_steps, n_pixels = log_video.shape
        if n_pixels != self.size * self.size or n_steps < 2:
            raise ValueError(f"EventCamera.record: log_video must be [K >= 2, {self.size**2}], "
                             f"got {log_video.shape}")

    def noise_events(self, rate_hz, t_start, t_end, rng):
        """(pixels, times, polarities) of background activity at ``rate_hz`` per pixel in
        [t_start, t_end) microseconds."""
        n_pixels = self.size * self.size
        n_noise = rng.poisson(rate_hz * n_pixels * (t_end - t_start) * 1e-6)
        return (rng.integers(0, n_pixels, n_noise), rng.uniform(t_start, t_end, n_noise),
                rng.integers(0, 2, n_noise).astype(np.int8))

    def scene_events(self, log_video, duration_us, jitter, rng):
        """(pixels, times, polarities) the camera's pixels make of a log-brightness video
        ``[K, size * size]``; jitter: standard deviation of the timestamps' latency jitter."""
        self._check_video(log_video)
        n_steps = log_video.shape[0]
        counts = dvs_counts((log_video - log_video[0]) / self.threshold_map())
        step, pixel = np.nonzero(counts)
        n = np.abs(counts[step, pixel])
        on = np.repeat(counts[step, pixel] > 0, n)
        step, pixel = np.repeat(step, n), np.repeat(pixel, n)
        dt = duration_us / (n_steps - 1)
        # an event of step k happened somewhere between frames k - 1 and k, plus latency jitter
        t = (step - 1 + rng.random(len(step))) * dt + rng.normal(0.0, jitter, len(step))
        return pixel, t, on.astype(np.int8)

    def merge(self, parts, from_scene, duration_us, sources=False):
        """One time-sorted stream of several (pixels, times, polarities) parts; with sources,
        ``(events, mask [N])`` where mask marks the events of the parts whose from_scene is
        True."""
        pixel = np.concatenate([part[0] for part in parts])
        t = np.clip(np.concatenate([part[1] for part in parts]), 0, duration_us - 1)
        t = t.astype(np.int64)
        p = np.concatenate([part[2].astype(np.int8) for part in parts])
        order = np.argsort(t, kind="stable")
        events = make_events(pixel[order] % self.size, pixel[order] // self.size, t[order],
                             p[order])
        if not sources:
            return events
        mask = np.concatenate([np.full(len(part[0]), bool(flag))
                               for part, flag in zip(parts, from_scene)])
        return events, mask[order]

    def hot_pixel_events(self, duration_us, rng):
        """(pixels, times, polarities) of the hot pixels' events in one recording."""
        if not self.hot_pixels:  # draw nothing: recordings without hot pixels stay as they were
            return np.empty(0, np.int64), np.empty(0), np.empty(0, np.int8)
        pixels, polarity = self.hot_pixel_map()
        counts = rng.poisson(self.hot_pixel_hz * duration_us * 1e-6, self.hot_pixels)
        return (np.repeat(pixels, counts), rng.uniform(0.0, duration_us, counts.sum()),
                np.repeat(polarity, counts).astype(np.int8))
