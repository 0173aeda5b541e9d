"""Exercises of notebook 07, training an MA-SNN: the energy of a layer by the paper's rule, and the
energy of an attention branch that the paper leaves out.

Write each part marked "Task", then grade it with the notebook's check cell or with
``TINYSNN_EXERCISES=stubs python -m pytest tests/exercises -k task_7_1`` (task_7_2).
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


def attention_energy_uj(branch, x_shape):
    """Task 7.2: the energy of one attention branch's own operations per sample, in uJ.

    The paper's estimate leaves attention out; tinysnn counts it by one rule: every multiply is a
    MAC (E_MAC_PJ), every add or compare an AC (E_AC_PJ); sigmoid and ReLU are not counted.
    branch: an ``nn.TemporalAttention``, ``nn.ChannelAttention`` or ``nn.SpatialAttention``;
    x_shape: its input's shape, [T, B, C, H, W] (or [T, B, L] for a temporal branch after a
    linear layer). With E = the number of values of one sample (T*C*H*W, or T*L):

        its two pools (average and max):     2 E  ACs
        the gate multiply y = x * a:           E  MACs
        temporal, channel: the shared MLP,   2 (n h + h n)  MACs (the avg and the max path;
                           n inputs and h hidden units: w1 is [h, n])
        spatial: the 2 -> 1 convolution,     2 k^2 H W  MACs (k = branch.kernel_size)

    Returns the energy in uJ as a float.
    """
    raise NotImplementedError("Task 7.2: attention_energy_uj")
