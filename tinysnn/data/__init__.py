"""Event data: arrays, frames, a synthetic gesture set, the DVS128 Gesture reader, loaders.

    from tinysnn.data import SyntheticGestures, ToFrames, DataLoader
    train = SyntheticGestures(train=True, transform=ToFrames(T=16, sensor_size=32))
    for x, y in DataLoader(train, batch_size=16, shuffle=True):   # x: [16, B, 2, 32, 32]
        ...
"""

from .aedat import read_aedat31, write_aedat31
from .digits import Digits
from .dvs128 import GESTURE_CLASSES, DVS128Gesture
from .errors import DataError
from .event_camera import EventCamera
from .events import EVENT_DTYPE, ToFrames, events_to_frames, make_events, random_time_window
from .loader import DataLoader
from .synthetic import SyntheticGestures, simulate_gesture

__all__ = [
    "EVENT_DTYPE", "GESTURE_CLASSES", "DVS128Gesture", "DataError", "DataLoader", "Digits",
    "EventCamera", "SyntheticGestures", "ToFrames", "events_to_frames", "make_events",
    "random_time_window", "read_aedat31", "simulate_gesture", "write_aedat31",
]
