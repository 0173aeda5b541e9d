"""Layers and models: PyTorch's names and shapes, time-major [T, B, ...] sequences."""

from .module import Module, Parameter, Sequential
