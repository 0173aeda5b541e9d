"""An attention module of your own, trained in the paper's network, without touching tinysnn.

    python examples/my_attention.py    # 3 epochs on the synthetic gestures: 95% test accuracy

``MASNN(attention=...)`` takes a callable ``(T, C, fc) -> nn.Module`` that builds the module
for each layer; the module maps a layer's current to a current of the same shape. Two methods
let the rest of tinysnn see it: ``ops(x_shape)``, what it costs (the Monitor counts its energy;
without it the Monitor warns and reports NaN), and ``gate_maps(x)``, its gates (the run's
attention plots draw them).
"""

import numpy as np
from my_surrogate import train  # the same training loop

import tinysnn as ts


class LearntChannelGate(ts.nn.Module):
    """x * sigmoid(w): one learnt gate per channel (or feature), shared by every sample, time
    step and pixel, then a ReLU as MA-SNN's attention ends with.

    x: [T, B, C, H, W] or [T, B, C] -> the same shape. Parameter: w [C], 0 at the start (gates
    of 0.5, the scale of an untrained MA branch).
    """

    branch = "gate"  # its label in the Monitor's report

    def __init__(self, channels):
        super().__init__()
        self.w = ts.nn.Parameter(np.zeros(channels, np.float32))

    def _gate(self, x):  # sigmoid(w) shaped to broadcast over x's channel axis (axis 2)
        return self.w.sigmoid().reshape(-1, *[1] * (x.ndim - 3))

    def forward(self, x):
        return (x * self._gate(x)).relu()

    def ops(self, x_shape):
        """(MACs, ACs) per sample: one multiply per element of [T, ...]; the sigmoid of C
        numbers and the ReLU are not counted (the Monitor's rule)."""
        return int(np.prod((x_shape[0], *x_shape[2:]))), 0

    def gate_maps(self, x):
        """The gates applied to x, for plots: {"channel": [B, C]}."""
        gates = 1 / (1 + np.exp(-self.w.numpy()))
        return {"channel": np.broadcast_to(gates, (x.shape[1], gates.size))}


def channel_gates(T, C, fc):
    """The attention of every layer: T time steps, C channels (features when fc)."""
    return LearntChannelGate(C)


if __name__ == "__main__":
    ts.manual_seed(0)
    model = ts.models.MASNN(attention=channel_gates, T=16)
    train(model)
    with ts.Monitor(model) as monitor, ts.no_grad():
        model(ts.Tensor(np.zeros((16, 1, 2, 32, 32), np.float32)))
    for row in monitor.attention_layers():
        print(f"{row['name']}: {row['macs']:,} MACs per sample, {row['energy_uj']:.4f} uJ")
