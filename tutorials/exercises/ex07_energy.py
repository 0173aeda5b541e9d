"""Exercise of notebook 07, training an MA-SNN: the energy of one layer by the paper's rule.

Write the part marked "Task", then grade it with the notebook's check cell or with
``TINYSNN_EXERCISES=stubs python -m pytest tests/exercises -k task_7_1``.
"""

import numpy as np  # noqa: F401 (yours to use)

from tinysnn import nn  # noqa: F401 (yours to use)

E_MAC_PJ = 4.6  # one multiply-accumulate, 45 nm (Horowitz 2014): what the first layer does
E_AC_PJ = 0.9  # one accumulate: a layer reading binary spikes only adds the weights it selects


def layer_energy_uj(layer, x, y, first_layer):
    """Task 7.1: the energy of one synaptic layer per sample, in microjoules.

    layer: an ``nn.Conv2d`` or ``nn.Linear``; x: its input [T, B, ...] (frames for the first
    layer, spikes after); y: its output [T, B, ...] (only y's shape is needed). The rule:

        dense ops per sample and time step:  conv k_h k_w C_in C_out H_out W_out,  linear in * out
        synaptic ops per sample:             T * dense ops * (fraction of non-zero values in x)
        energy:                              synaptic ops * (E_MAC_PJ if first_layer else E_AC_PJ)

    Returns the energy in uJ (1 uJ = 1e6 pJ) as a float.
    """
    raise NotImplementedError("Task 7.1: layer_energy_uj")
