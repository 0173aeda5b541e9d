"""Controls for the attention ablation: two layers that do what attention does besides attending.

An MA layer ends in a ReLU, and an untrained gate is a sigmoid of small numbers, about 0.5 per
branch, so TCSA starts out scaling every input current by about 1/8. Either could make a network
sparser without attending to anything. The ablation's two controls take the place of the
attention module in each layer (``MASNN(attention="no+relu" | "const-gate")``):

* ``ReLUOnly`` ("no+relu"): the vanilla layer plus the ReLU that attention layers end with.
* ``ConstantGate`` ("const-gate"): x times a constant, then the ReLU. The constant is the
  product of TCSA's gates at initialisation, each averaged over the first batch the layer sees.
"""

import numpy as np

from ..autograd import no_grad
from ..backend import device_of, to_device
from ..functional.basic import relu
from .attention import MultiDimensionalAttention, elements_per_sample
from .module import Module


class ReLUOnly(Module):
    """max(x, 0), the last step of MultiDimensionalAttention.  x: any shape -> same shape."""

    branch = "relu"

    def forward(self, x):
        return relu(x)

    def ops(self, x_shape):
        """Nothing by tinysnn.nn.monitor's rule (a ReLU is not counted): (0, 0)."""
        return 0, 0


class ConstantGate(Module):
    """relu(x * g_1 * ... * g_n): the branches of ``dims`` with their gates held constant.

    x: [T, B, C, H, W] (or [T, B, L] with dims="T") -> same shape. Arguments as
    MultiDimensionalAttention's, which this module builds from the same random draws (so a
    const-gate network starts from a TCSA network's weights) but keeps outside its parameters.
    On the first call each branch's gate is averaged over the batch, in the order T, C, S, each
    branch seeing the previous one's output; the means go into the buffer ``gates`` [n] (saved
    in checkpoints) and the branches are dropped. Nothing here trains.
    """

    branch = "const"

    def __init__(self, T, C, dims="TCS", reduction_t=5, reduction_c=8, kernel_size=3,
                 dtype=np.float32):
        super().__init__()
        initial = MultiDimensionalAttention(T, C, dims, reduction_t, reduction_c, kernel_size,
                                            dtype)
        self.dims = initial.dims
        object.__setattr__(self, "_initial", initial)  # not a sub-module: not trained, not saved
        self.register_buffer("gates", np.full(len(self.dims), np.nan, dtype))  # NaN: unmeasured

    def _gate_values(self):
        return to_device(self.gates, "cpu").astype(np.float64)

    @property
    def scale(self):
        """The product of the gate means, one number."""
        return float(np.prod(self._gate_values()))

    def measure(self, x):
        """Set ``gates`` to the mean gate of each initial branch on x (a batch of inputs)."""
        initial = self._initial.to(device_of(x.data))
        values = []
        with no_grad():
            for branch in (initial.ta, initial.ca, initial.sa):
                if branch is not None:
                    values.append(float(branch.gate(x).mean()))
                    x = branch(x)
        self.gates = to_device(np.asarray(values, self.gates.dtype), device_of(self.gates))
        object.__setattr__(self, "_initial", None)

    def forward(self, x):
        if np.isnan(self._gate_values()).any():
            if self._initial is None:
                raise RuntimeError("ConstantGate: gates were loaded unmeasured (NaN) and the "
                                   "initial branches are gone; load a measured state")
            self.measure(x)
        return relu(x * self.scale)

    def ops(self, x_shape):
        """(MACs, ACs) per sample on x_shape [T, B, ...]: one multiply per element, E MACs."""
        return elements_per_sample(x_shape), 0

    def extra_repr(self):
        return f"dims={self.dims!r}, gates={np.round(self._gate_values(), 4).tolist()}"
