"""How hard is SyntheticGestures? Linear classifiers with and without time, and generation time.

    python benchmarks/synthetic_separability.py [--T 16] [--sensor 32] [--fresh]

Rows (scikit-learn logistic regression on standardised features, trained on the train split,
scored on the test split):
  - time-summed frames [2, H, W]: what a model that ignores time can read. The clockwise and
    counter-clockwise arm circles have identical summed frames, so it must guess within them.
  - frames [T, 2, H, W] flattened: time is there, but a linear read-out of it is not
    enough (the direction of a circle started at a random phase is not a linear function
    of the frames).
  - motion energy [2, H, W]: a correlation-type motion detector (Reichardt): for each
    direction, sum_t F[t](x) * F[t+1](x + d) with F the frames summed over polarity, right
    minus left and down minus up. A fixed non-linear use of time, then a linear classifier:
    this shows the set is learnable from time.
"CW vs CCW" is the accuracy on the four arm-circle classes only, counting a clockwise /
counter-clockwise mix-up of the same arm as wrong (chance within a pair: 50%).
--fresh generates the sets in a new temporary cache folder and reports how long it took.
"""

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))

from _measure import table

from tinysnn.data import GESTURE_CLASSES, SyntheticGestures, ToFrames

CIRCLES = [GESTURE_CLASSES.index(n) for n in GESTURE_CLASSES if "clockwise" in n]


def motion_energy(frames, shift=2):
    """[N, T, 2, H, W] -> [N, 2, H, W]: rightward minus leftward, downward minus upward."""
    f = frames.sum(axis=2)                                   # polarities together: [N, T, H, W]
    now, later = f[:, :-1], f[:, 1:]

    def toward(dy, dx):   # sum_t F[t](y, x) * F[t+1](y + dy, x + dx)
        return (now * np.roll(later, (-dy, -dx), axis=(2, 3))).sum(axis=1)

    return np.stack([toward(0, shift) - toward(0, -shift), toward(shift, 0) - toward(-shift, 0)], 1)


def score(features_train, y_train, features_test, y_test):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=3000))
    model.fit(features_train.reshape(len(y_train), -1), y_train)
    predicted = model.predict(features_test.reshape(len(y_test), -1))
    circles = np.isin(y_test, CIRCLES)
    return (predicted == y_test).mean(), (predicted[circles] == y_test[circles]).mean()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--T", type=int, default=16)
    parser.add_argument("--sensor", type=int, default=32)
    parser.add_argument("--fresh", action="store_true", help="time generation in a new cache")
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="tinysnn-bench-") if args.fresh else None

    start = time.perf_counter()
    transform = ToFrames(T=args.T, sensor_size=args.sensor)
    train = SyntheticGestures(root=root, train=True, sensor=args.sensor, transform=transform)
    test = SyntheticGestures(root=root, train=False, sensor=args.sensor, transform=transform)
    made = time.perf_counter() - start
    print(f"{len(train)} train + {len(test)} test recordings, {args.sensor}x{args.sensor}, "
          f"{len(train.events) / len(train):.0f} events each on average; "
          f"{'generated' if args.fresh else 'generated or loaded'} in {made:.1f} s")

    x_train = np.stack([train[i][0] for i in range(len(train))])   # [N, T, 2, H, W]
    x_test = np.stack([test[i][0] for i in range(len(test))])
    y_train, y_test = train.labels, test.labels
    n = len(GESTURE_CLASSES)
    rows = [["(chance)", 1 / n, 1 / n],
            ["(best blind to time: perfect but CW/CCW)", (n - len(CIRCLES) / 2) / n, 0.5]]
    for name, feature in [("time-summed frames", lambda x: x.sum(axis=1)),
                          ("frames, flattened", lambda x: x),
                          ("motion energy", motion_energy)]:
        rows.append([name, *score(feature(x_train), y_train, feature(x_test), y_test)])
    table(rows, ["logistic regression on", "test accuracy", "CW vs CCW classes"])


if __name__ == "__main__":
    main()
