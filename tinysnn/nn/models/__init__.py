"""Models: the MA-SNN of the paper's event-camera experiments (``masnn.py``) and its spiking
ResNet for images, Att-Res-SNN (``attres.py``).

    from tinysnn.nn.models import MASNN, PRESETS, VARIANTS, AttResSNN
    model = MASNN(attention="TCSA", preset="paper-gait")
    resnet = AttResSNN(depth=18, num_classes=1000, attention="CSA", T=1)
"""

from .attres import DEPTHS, AttResNeuron, AttResSNN
from .masnn import (
    ALL_VARIANTS,
    CONTROLS,
    MASNN,
    NEURONS,
    PRESETS,
    VARIANTS,
    make_attention,
    make_neuron,
)

#: the models ``python -m tinysnn train --model`` builds: the MA-SNN, Att-Res-SNN at each depth
MODELS = ("masnn", *(f"attres{depth}" for depth in DEPTHS))

__all__ = ["ALL_VARIANTS", "CONTROLS", "DEPTHS", "MASNN", "MODELS", "NEURONS",
           "PRESETS", "VARIANTS", "AttResNeuron", "AttResSNN", "make_attention", "make_neuron"]
