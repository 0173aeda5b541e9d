"""A neuron of your own, trained in the paper's network, without touching tinysnn.

    python examples/my_neuron.py           # 3 epochs on the synthetic gestures, about a minute

Subclass ``nn.Neuron`` and say how the membrane charges; fire (Heaviside forward, surrogate
backward) and reset come from the base class, and autograd does BPTT through your ops.
"""

import numpy as np
from my_surrogate import train  # the same training loop

import tinysnn as ts


class GatedLeak(ts.nn.Neuron):
    """H = sigmoid(a) V + g X: a leak and an input gain that are learnt (one of each per layer)."""

    def __init__(self):
        super().__init__(threshold=0.3, v_reset=0.0, surrogate=ts.surrogate.Rectangle(width=0.5))
        self.a = ts.nn.Parameter(np.zeros(1, np.float32))  # leak sigmoid(0) = 0.5 to start
        self.gain = ts.nn.Parameter(np.ones(1, np.float32))

    def charge(self, v, x):  # v: the membrane after the last step, x: this step's input [B, ...]
        return self.a.sigmoid() * v + self.gain * x


if __name__ == "__main__":
    ts.manual_seed(0)
    model = ts.models.MASNN(attention="TCSA", T=16, neuron=GatedLeak)  # one per layer
    train(model)
    for name, p in model.named_parameters():
        if name.endswith((".a", ".gain")):
            print(f"{name} = {p.data[0]:.3f}")
