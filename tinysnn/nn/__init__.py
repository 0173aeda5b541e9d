"""Layers and models: PyTorch's names and shapes, time-major [T, B, ...] sequences."""

from . import models  # noqa: E402  (models are built from the layers above)
from .attention import (
    ChannelAttention,
    MultiDimensionalAttention,
    SpatialAttention,
    TemporalAttention,
)
from .general_neurons import AdaptiveLIF, ParametricLIF
from .layers import (
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Flatten,
    Linear,
    MaxPool2d,
)
from .lif import IF, LIF
from .models import MASNN  # noqa: E402
from .module import Module, Parameter, Sequential
from .monitor import Monitor
from .neuron import Neuron
