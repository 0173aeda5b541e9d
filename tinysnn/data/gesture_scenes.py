"""Scenes for the synthetic gestures: bright hands moving in front of a dark background.

A person faces the camera, so their right hand is on the image's left. Each gesture moves one
or two hands (Gaussian blobs) along a closed path, repeated a whole number of times, so the
last frame equals the first. Positions are fractions of the image side (x right, y down).

Per recording the body's position and size, the hands' size and brightness, the number of
repetitions, the speed profile (uneven along the path), the starting phase and a small tremor
are all drawn at random. The counter-clockwise gestures are their clockwise twins played
backwards: the same scene, frames in reverse order.

People differ more than recordings of one person do. A ``Subject`` (the harder level of the
synthetic set) moves the body, scales it and sets a speed: the gesture takes only a fraction
(``duration``) of the recording, so a quick subject moves faster, the hands resting at the
path's start before and after (a closed path, so the
recording still ends where it starts). Train and test recordings come from different subjects.
"""

from dataclasses import dataclass

import numpy as np

from .dvs128 import GESTURE_CLASSES

TWO_PI = 2.0 * np.pi
BACKGROUND = 0.25            # brightness of the scene without hands


def _rhythm(u, rng, cycles):
    """Phase angle along a path repeated ``cycles`` times, ``u: [K]`` in [0, 1] -> ``[K]``.

    s(u) = u + a (sin(2 pi u + b) - sin b) / (2 pi) runs from 0 to 1 and is increasing for
    a < 1: the hand speeds up and slows down along the way.
    """
    a, b = rng.uniform(0.0, 0.6), rng.uniform(0.0, TWO_PI)
    s = u + a * (np.sin(TWO_PI * u + b) - np.sin(b)) / TWO_PI
    return rng.uniform(0.0, TWO_PI) + TWO_PI * cycles * s


def _hand_clap(u, rng, cx, cy, s):
    theta = _rhythm(u, rng, rng.integers(3, 5))
    gap = s * (0.03 + 0.09 * (1.0 + np.cos(theta)))      # half the distance between the hands
    y = np.full_like(u, cy + 0.05 * s)
    return [(cx - gap, y), (cx + gap, y)]


def _hand_wave(side):
    def wave(u, rng, cx, cy, s):
        theta = _rhythm(u, rng, rng.integers(2, 4))
        x = cx + side * 0.25 * s + 0.10 * s * np.sin(theta)
        y = cy - 0.18 * s - 0.04 * s * np.cos(2.0 * theta)  # lower at both ends of the swing
        return [(x, y)]
    return wave


def _arm_circle(side):
    def circle(u, rng, cx, cy, s):
        theta = _rhythm(u, rng, rng.integers(1, 3))      # growing angle: clockwise on screen
        r = 0.13 * s * rng.uniform(0.85, 1.15)
        return [(cx + side * 0.24 * s + r * np.cos(theta), cy - 0.05 * s + r * np.sin(theta))]
    return circle


def _arm_roll(u, rng, cx, cy, s):
    theta = _rhythm(u, rng, rng.integers(3, 5)) * rng.choice([-1.0, 1.0])
    r = 0.07 * s
    y = cy + 0.08 * s
    return [(cx + r * np.cos(theta), y + r * np.sin(theta)),
            (cx - r * np.cos(theta), y - r * np.sin(theta))]


def _air_drums(u, rng, cx, cy, s):
    theta = _rhythm(u, rng, rng.integers(3, 5))
    hands = []
    for side, lag in ((-1.0, 0.0), (1.0, np.pi)):        # the hands strike in turn
        bounce = np.abs(np.sin((theta + lag) / 2.0))     # 0 at the strike: a sharp turn
        hands.append((cx + side * 0.15 * s + 0.01 * s * np.cos(theta + lag),
                      cy + 0.17 * s - 0.12 * s * bounce))
    return hands


def _air_guitar(u, rng, cx, cy, s):
    strum = _rhythm(u, rng, rng.integers(5, 8))
    slide = _rhythm(u, rng, rng.integers(1, 3))
    return [(cx - 0.08 * s + 0.02 * s * np.cos(strum), cy + 0.12 * s + 0.07 * s * np.sin(strum)),
            (cx + 0.26 * s + 0.05 * s * np.sin(slide), cy - 0.04 * s - 0.03 * s * np.sin(slide))]


def _other(u, rng, cx, cy, s):
    a, b = rng.choice([(1, 2), (2, 1), (1, 3), (3, 1), (2, 3), (3, 2)])   # a Lissajous figure
    theta = _rhythm(u, rng, 1)
    x0, y0 = cx + rng.uniform(-0.2, 0.2) * s, cy + rng.uniform(-0.2, 0.1) * s
    ax, ay = rng.uniform(0.06, 0.14, 2) * s
    return [(x0 + ax * np.sin(a * theta), y0 + ay * np.sin(b * theta + rng.uniform(0, TWO_PI)))]


# class name -> (hand paths, played backwards?)
SCENES = {
    "hand_clap": (_hand_clap, False),
    "right_hand_wave": (_hand_wave(-1.0), False),
    "left_hand_wave": (_hand_wave(1.0), False),
    "right_arm_clockwise": (_arm_circle(-1.0), False),
    "right_arm_counter_clockwise": (_arm_circle(-1.0), True),
    "left_arm_clockwise": (_arm_circle(1.0), False),
    "left_arm_counter_clockwise": (_arm_circle(1.0), True),
    "arm_roll": (_arm_roll, False),
    "air_drums": (_air_drums, False),
    "air_guitar": (_air_guitar, False),
    "other_gestures": (_other, False),
}


def _tremor(u, rng):
    """A small closed wobble ``[K, 2]``: a few random whole-number frequencies."""
    freq = rng.integers(3, 9, size=(3, 1, 2))
    amp = rng.uniform(0.0, 0.006, size=(3, 1, 2))
    phase = rng.uniform(0.0, TWO_PI, size=(3, 1, 2))
    return (amp * np.sin(TWO_PI * freq * u[None, :, None] + phase)).sum(axis=0)


@dataclass(frozen=True)
class SubjectVariation:
    """How much subjects differ; each subject draws one value of each, uniformly.

    duration: range of the fraction of a recording the gesture takes, which sets the subject's
    speed (the rest is a still hand; each recording varies it by a further +-10%).
    size: range of the body's scale factor.
    position: largest shift of the body's centre in x and y, a fraction of the image side.
    """

    duration: tuple = (0.6, 1.0)
    size: tuple = (0.85, 1.15)
    position: float = 0.08


@dataclass(frozen=True)
class Subject:
    """One person: the fraction of a recording their gestures take, body scale and shift."""

    duration: float = 1.0
    size: float = 1.0
    dx: float = 0.0
    dy: float = 0.0

    @classmethod
    def draw(cls, variation, rng):
        dx, dy = rng.uniform(-variation.position, variation.position, 2)
        return cls(duration=rng.uniform(*variation.duration),
                   size=rng.uniform(*variation.size), dx=dx, dy=dy)


def _active_phase(u, subject, rng):
    """Where along the path the hands are, ``u: [K]`` -> ``[K]`` in [0, 1]: the whole recording
    without a subject; with one, the gesture over a fraction of it, still before and after."""
    if subject is None:
        return u
    fraction = min(1.0, subject.duration * rng.uniform(0.9, 1.1))
    start = rng.uniform(0.0, 1.0 - fraction)
    return np.clip((u - start) / fraction, 0.0, 1.0)


def hand_paths(label, steps, rng, subject=None):
    """Hand centres ``[K, n_hands, 2]`` (x, y fractions), sizes and brightnesses ``[n_hands]``.

    subject: a Subject whose body position, size and speed the recording takes (None: none).
    """
    u = np.linspace(0.0, 1.0, steps)
    cx, cy = 0.5 + rng.uniform(-0.07, 0.07, 2)
    scale = rng.uniform(0.85, 1.15)
    if subject is not None:
        cx, cy, scale = cx + subject.dx, cy + subject.dy, scale * subject.size
    phase = _active_phase(u, subject, rng)
    paths, _ = SCENES[GESTURE_CLASSES[label]]
    hands = np.stack([np.stack(xy, axis=-1) for xy in paths(phase, rng, cx, cy, scale)], axis=1)
    hands = hands + np.stack([_tremor(u, rng) for _ in range(hands.shape[1])], axis=1)
    sigma = rng.uniform(0.04, 0.06, hands.shape[1]) * (subject.size if subject else 1.0)
    brightness = rng.uniform(0.6, 1.0, hands.shape[1])
    return hands, sigma, brightness


def render_log_video(hands, sigma, brightness, size):
    """Log brightness ``[K, size * size]`` of Gaussian hands ``hands: [K, n, 2]`` on BACKGROUND."""
    centres = (np.arange(size) + 0.5) / size
    dx = centres[None, None, :] - hands[:, :, 0, None]            # [K, n, W]
    dy = centres[None, None, :] - hands[:, :, 1, None]            # [K, n, H]
    gx = np.exp(-dx**2 / (2 * sigma[None, :, None] ** 2))
    gy = np.exp(-dy**2 / (2 * sigma[None, :, None] ** 2))
    # I[k, y, x] = background + sum_n brightness_n * gy[k, n, y] * gx[k, n, x]
    image = BACKGROUND + np.einsum("n,kny,knx->kyx", brightness, gy, gx)
    return np.log(image).reshape(len(hands), size * size)


def gesture_log_video(label, steps, size, rng, subject=None):
    """The scene of one recording of class ``label`` as a log-brightness video ``[K, P]``."""
    hands, sigma, brightness = hand_paths(label, steps, rng, subject)
    video = render_log_video(hands, sigma, brightness, size)
    video[-1] = video[0]              # the path is closed: make the last frame equal bit for bit
    played_backwards = SCENES[GESTURE_CLASSES[label]][1]
    return video[::-1].copy() if played_backwards else video
