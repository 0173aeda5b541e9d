"""Models: the MA-SNN of the paper's event-camera experiments (``masnn.py``).

    from tinysnn.nn.models import MASNN, PRESETS, VARIANTS
    model = MASNN(attention="TCSA", preset="paper-gait")
"""

from .masnn import (
    ALL_VARIANTS,
    CONTROLS,
    DEFAULTS,
    MASNN,
    NEURONS,
    PRESETS,
    VARIANTS,
    make_attention,
    make_neuron,
)

__all__ = ["ALL_VARIANTS", "CONTROLS", "DEFAULTS", "MASNN", "NEURONS", "PRESETS", "VARIANTS",
           "make_attention", "make_neuron"]
