"""Event data: arrays, frames, a synthetic gesture set, readers of the paper's data sets
(DVS128 Gesture, DVS128 Gait, CIFAR10-DVS), loaders.

    from tinysnn.data import SyntheticGestures, ToFrames, DataLoader
    train = SyntheticGestures(train=True, transform=ToFrames(T=16, sensor_size=32))
    for x, y in DataLoader(train, batch_size=16, shuffle=True):   # x: [16, B, 2, 32, 32]
        ...
"""

from .aedat import read_aedat31, write_aedat31
from .aedat2 import read_aedat2, write_aedat2
from .cifar10dvs import CIFAR10_CLASSES, CIFAR10DVS
from .dataset import Dataset
from .digits import Digits
from .dvs128 import GESTURE_CLASSES, DVS128Gesture
from .dvs128_gait import DVS128Gait
from .errors import DataError
from .event_camera import EventCamera
from .event_text import read_event_text, write_event_text
from .events import EVENT_DTYPE, ToFrames, events_to_frames, make_events, random_time_window
from .loader import DataLoader
from .paper_frames import PaperFrames
from .synthetic import SyntheticGestures, simulate_gesture

__all__ = [
    "CIFAR10DVS", "CIFAR10_CLASSES", "Dataset", "EVENT_DTYPE", "GESTURE_CLASSES", "DVS128Gait",
    "DVS128Gesture", "DataError", "DataLoader", "Digits", "EventCamera", "PaperFrames",
    "SyntheticGestures", "ToFrames", "events_to_frames", "make_events", "random_time_window",
    "read_aedat2", "read_aedat31", "read_event_text", "simulate_gesture", "write_aedat2",
    "write_aedat31", "write_event_text",
]
