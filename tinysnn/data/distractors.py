"""Clutter for the synthetic gestures' "distractor" level: a scene where selecting matters.

On top of the hard level's camera and subjects, each recording gets

* a distractor: a bright blob that moves back and forth along the top or the bottom edge of
  the field the whole time, at its own speed (it belongs to no class);
* absent stretches: a few stretches of time in which the subject's events are gone (the person
  is hidden) and the sensor sees strong clutter instead: a burst of background activity over
  the whole sensor and an object that crosses the field on a straight line.

Every event is known to come from the subject or from something else (camera noise, hot
pixels, the distractor, the bursts, the crossing objects): ``record_cluttered`` returns that
mask beside the events, which the ground truth (ground_truth.py) bins into frames.
"""

from dataclasses import dataclass

import numpy as np

from .gesture_scenes import render_log_video

TWO_PI = 2.0 * np.pi
PARKED = -1.0           # a blob centred here (a fraction of the side) leaves no trace on the sensor


@dataclass(frozen=True)
class Clutter:
    """How cluttered a recording is (each recording draws its own values in these ranges).

    stretches: absent stretches per recording, one placed at random in each of as many equal
    parts of the recording. stretch: range of each stretch's length, a fraction of the
    recording. burst_hz: background events per pixel and second during a stretch.
    distractor_size, distractor_brightness: ranges of the distractor's Gaussian width (a
    fraction of the side) and brightness, the subject's hands' ranges. distractor_band: distance
    of the distractor's track from the top or bottom edge, a fraction of the side.
    """

    stretches: int = 2
    stretch: tuple = (0.12, 0.2)
    burst_hz: float = 10.0
    distractor_size: tuple = (0.04, 0.06)
    distractor_brightness: tuple = (0.6, 1.0)
    distractor_band: float = 0.1


def absent_stretches(clutter, rng):
    """(start, end) fractions of the recording ``[stretches, 2]``, sorted, not overlapping."""
    n = clutter.stretches
    length = rng.uniform(*clutter.stretch, n)
    part = 1.0 / n
    start = (np.arange(n) + rng.uniform(0.0, 1.0, n) * np.maximum(part - length, 0.0) / part) \
        * part
    return np.stack([start, np.minimum(start + length, 1.0)], axis=1)


def distractor_path(u, clutter, rng):
    """Centre ``[K, 2]`` of the distractor at times ``u: [K]`` in [0, 1]: x swings over most of
    the width at a speed of its own, y on a band near the top or the bottom edge."""
    cycles = rng.uniform(0.6, 1.6)                   # not a whole number: no closed gesture
    phase = rng.uniform(0.0, TWO_PI)
    x = 0.5 + rng.uniform(0.25, 0.35) * np.sin(TWO_PI * cycles * u + phase)
    band = clutter.distractor_band if rng.random() < 0.5 else 1.0 - clutter.distractor_band
    y = band + 0.02 * np.sin(TWO_PI * rng.uniform(2.0, 4.0) * u)
    return np.stack([x, y], axis=1)


def crossing_paths(u, stretches, rng):
    """Centres ``[K, n, 2]`` of one object per stretch, crossing the field on a straight line
    from one side to the other during its stretch and parked off the sensor otherwise."""
    paths = np.full((len(u), len(stretches), 2), PARKED)
    for i, (start, end) in enumerate(stretches):     # a few stretches per recording
        inside = (u >= start) & (u <= end)
        s = (u[inside] - start) / max(end - start, 1e-9)    # 0 -> 1 along the line
        y0, y1 = rng.uniform(0.2, 0.8, 2)
        left_to_right = rng.random() < 0.5
        x = -0.15 + 1.3 * (s if left_to_right else 1.0 - s)
        paths[inside, i] = np.stack([x, y0 + (y1 - y0) * s], axis=1)
    return paths


def clutter_log_video(steps, size, clutter, stretches, rng):
    """The scene without the subject as a log-brightness video ``[K, size * size]``: the
    distractor and the crossing objects on the gestures' background."""
    u = np.linspace(0.0, 1.0, steps)
    blobs = np.concatenate([distractor_path(u, clutter, rng)[:, None],
                            crossing_paths(u, stretches, rng)], axis=1)
    n = blobs.shape[1]
    sigma = np.concatenate([rng.uniform(*clutter.distractor_size, 1),
                            rng.uniform(0.05, 0.07, n - 1)])
    brightness = rng.uniform(*clutter.distractor_brightness, n)
    return render_log_video(blobs, sigma, brightness, size)


def record_cluttered(camera, subject_video, clutter, duration_us, rng):
    """Events of one recording of the distractor level and its mask ``from_subject [N]``.

    camera: an EventCamera; subject_video: the subject's log-brightness video ``[K, P]``.
    The subject's events in the absent stretches are dropped; the bursts, the distractor and
    the crossing objects are added; then the camera's own noise and hot pixels.
    """
    steps = subject_video.shape[0]
    stretches = absent_stretches(clutter, rng)
    noise = camera.noise_events(camera.noise_hz, 0.0, duration_us, rng)
    jitter = rng.uniform(0.0, camera.jitter_us)
    subject = camera.scene_events(subject_video, duration_us, jitter, rng)
    t = subject[1]
    present = ~((t[:, None] >= stretches[:, 0] * duration_us)
                & (t[:, None] < stretches[:, 1] * duration_us)).any(axis=1)
    subject = tuple(part[present] for part in subject)
    scene = camera.scene_events(clutter_log_video(steps, camera.size, clutter, stretches, rng),
                                duration_us, jitter, rng)
    bursts = [camera.noise_events(clutter.burst_hz, a * duration_us, b * duration_us, rng)
              for a, b in stretches]
    hot = camera.hot_pixel_events(duration_us, rng)
    parts = [subject, noise, scene, *bursts, hot]
    return camera.merge(parts, [True] + [False] * (len(parts) - 1), duration_us, sources=True)
