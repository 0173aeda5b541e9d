"""Controls for the attention ablation: layers that do what attention does besides attending,
and one that attends perfectly.

An MA layer ends in a ReLU, and an untrained gate is a sigmoid of small numbers, about 0.5 per
branch, so TCSA starts out scaling every input current by about 1/8. Either could make a network
sparser without attending to anything. The ablation's two controls take the place of the
attention module in each layer (``MASNN(attention="no+relu" | "const-gate")``):

* ``ReLUOnly`` ("no+relu"): the vanilla layer plus the ReLU that attention layers end with.
* ``ConstantGate`` ("const-gate"): x times a constant, then the ReLU. The constant is the
  product of TCSA's gates at initialisation, each averaged over the first batch the layer sees.
* ``OracleGate`` ("oracle-gate"): TCSA with its temporal and spatial gates replaced by the
  ground truth of the synthetic gestures (1 where the subject is, ORACLE_FLOOR elsewhere) and
  its channel gate held at its initial mean: what perfect selection gives. The network reads
  the ground truth as an extra input channel (``set_ground_truth``; MASNN does it).
"""

import numpy as np

from ..autograd import no_grad
from ..backend import device_of, to_device, xp_of
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


#: the oracle's gate where the subject is not (1 where it is)
ORACLE_FLOOR = 0.1


def pooled_presence(subject, steps, height=None, width=None):
    """Where the subject is, from its event counts ``subject [T, B, H0, W0]``.

    Returns the temporal mask ``[T, B]`` (1 in the steps with subject events) and, given a
    layer's height and width, the spatial mask ``[B, height, width]`` (1 in the cells of the
    layer's grid, H0 / height input pixels a side, that hold subject events at any time).
    """
    temporal = (subject.sum(axis=(2, 3)) > 0).astype(subject.dtype)
    if steps != subject.shape[0]:
        raise ValueError(f"OracleGate: the ground truth has T = {subject.shape[0]}, the layer "
                         f"{steps}")
    if height is None:
        return temporal, None
    h0, w0 = subject.shape[2:]
    if h0 % height or w0 % width:
        raise ValueError(f"OracleGate: a {height}x{width} layer does not tile the "
                         f"{h0}x{w0} ground truth")
    cells = subject.sum(axis=0).reshape(subject.shape[1], height, h0 // height, width,
                                        w0 // width)
    return temporal, (cells.sum(axis=(2, 4)) > 0).astype(subject.dtype)


class OracleGate(Module):
    """relu(x * g_T * g_C * g_S) with g_T and g_S from the ground truth, g_C constant.

    x: [T, B, C, H, W] (or [T, B, L] with dims="T") -> same shape. g_T [T, B] and g_S
    [B, H, W] are 1 where the subject is (pooled_presence) and ``floor`` elsewhere; g_C is the
    channel gate's initial mean, measured as ConstantGate measures it (from the same random
    draws as TCSA, so an oracle network starts from a TCSA network's weights). Before each
    forward the ground truth of the batch goes into ``subject`` (``set_ground_truth``).
    """

    branch = "oracle"

    def __init__(self, T, C, dims="TCS", reduction_t=5, reduction_c=8, kernel_size=3,
                 dtype=np.float32, floor=ORACLE_FLOOR):
        super().__init__()
        self.constant = ConstantGate(T, C, dims, reduction_t, reduction_c, kernel_size, dtype)
        self.dims, self.T, self.floor = self.constant.dims, T, float(floor)
        object.__setattr__(self, "subject", None)   # the batch's ground truth, not a parameter

    def gates(self, x):
        """(g_T [T, B] or None, g_C (a number), g_S [B, H, W] or None) for the input x, in
        x's dtype."""
        if self.subject is None:
            raise RuntimeError("OracleGate: no ground truth for this batch; feed the network "
                               "frames with the subject channel (set_ground_truth)")
        if np.isnan(self.constant._gate_values()).any():
            self.constant.measure(x)
        values = dict(zip(self.constant.dims, self.constant._gate_values()))
        spatial = "S" in self.dims and x.ndim == 5
        temporal, where = pooled_presence(self.subject, x.shape[0],
                                          *(x.shape[-2:] if spatial else (None, None)))
        xp = xp_of(temporal)
        one, floor = np.asarray(1.0, x.dtype), np.asarray(self.floor, x.dtype)
        g_t = xp.where(temporal > 0, one, floor) if "T" in self.dims else None
        g_s = xp.where(where > 0, one, floor) if spatial else None
        return g_t, values.get("C", 1.0), g_s

    def forward(self, x):
        g_t, g_c, g_s = self.gates(x)
        xp = xp_of(x.data)
        # g[t, b, (c), (h, w)] = g_T[t, b] * g_C * g_S[b, h, w]
        g = xp.full(x.shape[:2], g_c, dtype=x.dtype)
        if g_t is not None:
            g = g * g_t
        g = g.reshape(x.shape[:2] + (1,) * (x.ndim - 2))
        if g_s is not None:
            g = g * g_s[None, :, None]
        return relu(x * g)

    def ops(self, x_shape):
        """(MACs, ACs) per sample on x_shape [T, B, ...]: the gate multiply, E MACs (the gates
        come from the ground truth, computed by nothing in the network)."""
        return elements_per_sample(x_shape), 0

    def extra_repr(self):
        return f"dims={self.dims!r}, floor={self.floor}"


def set_ground_truth(model, subject):
    """Give every OracleGate of ``model`` the subject's event counts ``[T, B, H, W]``."""
    for module in model.modules():
        if isinstance(module, OracleGate):
            object.__setattr__(module, "subject", subject)
