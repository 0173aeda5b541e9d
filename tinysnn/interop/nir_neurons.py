"""The dynamical NIR nodes as tinysnn neurons, each the forward Euler step of its equation at dt.

Per step, with input I[t] (the sum of everything that reaches the node) and states from 0:

    LI       v += dt/tau (v_leak - v + r I)                                    output v
    I        v += dt r I                                                       output v
    LIF      v += dt/tau (v_leak - v + r I); s = [v >= v_threshold]; v = v_reset where s
    IF       v += dt r I;                    s = [v >= v_threshold]; v = v_reset where s
    CubaLI   i += dt/tau_syn (-i + w_in I); v += dt/tau_mem (v_leak - v + r i)  output v
    CubaLIF  CubaLI's two updates (the membrane takes this step's i), then fire and reset v
             (a spike resets the membrane, never the current)

Every parameter is a trainable Tensor of its own shape (per neuron, or one value broadcast).
An LIF or IF whose parameters are one fused kernel's special case (v_leak 0, one dt/tau in
(0, 1], one threshold, one v_reset) runs as ``FusedLIF``: ``nn.LIF`` / ``nn.IF`` (F.lif, one
kernel for the whole sequence) on the input times ``gain = dt r / tau`` (``dt r`` for IF), since

    v + dt/tau (0 - v + r I) = (1 - dt/tau) v + (dt r / tau) I = decay v + gain I.

Every other neuron steps through time with ordinary autograd ops (``nn.Neuron``'s general path).
"""

import numpy as np

from .. import functional as F
from ..backend import xp_of
from ..nn.lif import IF, LIF
from ..nn.module import Module, Parameter
from ..nn.neuron import Neuron
from ..tensor import Tensor


class NIRNeuron(Neuron):
    """An nn.Neuron whose parameters are per-neuron Tensors named as in NIR.

    params: name -> float array (broadcastable to ``shape``); each becomes a Parameter.
    Spiking kinds fire on ``v >= v_threshold`` and reset to ``v_reset`` in the same step.
    """

    kind = None          # the NIR class name
    spiking = False

    def __init__(self, dt, shape, params, surrogate):
        super().__init__(threshold=0.0, v_reset=0.0, surrogate=surrogate)
        self.dt, self.shape = float(dt), tuple(shape)
        self.names = tuple(params)
        for name, value in params.items():
            setattr(self, name, Parameter(value))

    def fire(self, h):
        return F.spike(h - self.v_threshold, self.surrogate)          # s = [v >= v_threshold]

    def reset_membrane(self, h, s):
        return h * (1 - s) + self.v_reset * s                          # v = v_reset where s

    def membrane(self, v, x):
        raise NotImplementedError

    def step(self, state, x):
        h = self.membrane(state, x)
        if not self.spiking:
            return h, h, h
        s = self.fire(h)
        return s, h, self.reset_membrane(h, s)

    def to_nir(self, nir, dt):
        return getattr(nir, self.kind)(**{n: getattr(self, n).data.copy() for n in self.names})

    def extra_repr(self):
        return f"{self.kind}, dt={self.dt:g}, shape={self.shape}"


class LeakyNeuron(NIRNeuron):
    """LI (spiking=False) or LIF: v += dt/tau (v_leak - v + r I)."""

    def membrane(self, v, x):
        return v + self.dt * (self.v_leak - v + self.r * x) / self.tau


class LINeuron(LeakyNeuron):
    """NIR's LI: v += dt/tau (v_leak - v + r I); output v."""

    kind = "LI"


class LIFNeuron(LeakyNeuron):
    """NIR's LIF, general case: LI, then fire on v >= v_threshold and reset."""

    kind, spiking = "LIF", True


class IntegratorNeuron(NIRNeuron):
    """I (spiking=False) or IF: v += dt r I."""

    def membrane(self, v, x):
        return v + self.dt * self.r * x


class INeuron(IntegratorNeuron):
    """NIR's I: v += dt r I; output v."""

    kind = "I"


class IFNeuron(IntegratorNeuron):
    """NIR's IF, general case: I, then fire and reset."""

    kind, spiking = "IF", True


class CurrentBasedNeuron(NIRNeuron):
    """CubaLI / CubaLIF: a synaptic current i feeds the membrane.  State: (i, v)."""

    def initial_state(self, x):
        zeros = xp_of(x.data).zeros(x.shape, x.dtype)
        return Tensor(zeros), Tensor(zeros.copy())

    def step(self, state, x):
        i, v = state
        i = i + self.dt * (self.w_in * x - i) / self.tau_syn      # i += dt/tau_syn (-i + w_in I)
        h = v + self.dt * (self.v_leak - v + self.r * i) / self.tau_mem   # with this step's i
        if not self.spiking:
            return h, h, (i, h)
        s = self.fire(h)
        return s, h, (i, self.reset_membrane(h, s))


class CubaLINeuron(CurrentBasedNeuron):
    """NIR's CubaLI: the synaptic current, then the membrane; output v."""

    kind = "CubaLI"


class CubaLIFNeuron(CurrentBasedNeuron):
    """NIR's CubaLIF: CubaLI, then fire and reset the membrane."""

    kind, spiking = "CubaLIF", True


class FusedLIF(Module):
    """An LIF or IF node run by nn.LIF / nn.IF (one fused kernel over the sequence).

    gain: [*shape] or broadcastable, the trainable input scale dt r / tau (LIF) or dt r (IF).
    The NIR parameters are written back with r = gain tau / dt (LIF) or gain / dt (IF).
    """

    def __init__(self, kind, dt, tau, gain, threshold, v_reset, shape, surrogate):
        super().__init__()
        self.kind, self.dt, self.tau, self.shape = kind, float(dt), tau, tuple(shape)
        self.gain = Parameter(gain)
        if kind == "IF":
            self.neuron = IF(threshold=threshold, v_reset=v_reset, surrogate=surrogate)
        else:
            self.neuron = LIF(decay=1 - float(dt) / tau, threshold=threshold, v_reset=v_reset,
                              surrogate=surrogate)

    def forward(self, x):
        return self.neuron(x * self.gain)

    def initial_state(self, x):
        return self.neuron.initial_state(x)

    def step(self, state, x):
        s, _, v = self.neuron.step(state, x * self.gain)
        return s, v

    def to_nir(self, nir, dt):
        gain = self.gain.data.astype(np.float64)
        full = np.broadcast_to(gain, self.shape) if gain.shape != self.shape else gain
        dtype = self.gain.data.dtype
        fill = lambda v: np.full(full.shape, v, dtype)  # noqa: E731
        v_threshold, v_reset = fill(self.neuron.threshold), fill(self.neuron.v_reset)
        if self.kind == "IF":
            return nir.IF(r=(full / self.dt).astype(dtype), v_threshold=v_threshold,
                          v_reset=v_reset)
        return nir.LIF(tau=fill(self.tau), r=(full * self.tau / self.dt).astype(dtype),
                       v_leak=fill(0.0), v_threshold=v_threshold, v_reset=v_reset)

    def extra_repr(self):
        return f"{self.kind}, dt={self.dt:g}, shape={self.shape}"


NEURONS = {"LI": LINeuron, "LIF": LIFNeuron, "I": INeuron, "IF": IFNeuron,
           "CubaLI": CubaLINeuron, "CubaLIF": CubaLIFNeuron}
