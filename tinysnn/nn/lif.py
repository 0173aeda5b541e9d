"""LIF neurons as a layer: ``nn.LIF(tau=2.0)``, the MA-SNN paper's cell ``nn.LIF.paper()``, and
``nn.IF``, the LIF without leak.

    lif = nn.LIF(tau=2.0)                 # decay = 1 - 1/tau = 0.5
    spikes = lif(x)                       # x: [T, B, ...] -> spikes [T, B, ...]

An LIF is the ``nn.Neuron`` whose charge is H = decay V + X, run fast: ``F.lif`` computes the
whole sequence in one fused Numba (or CUDA) kernel, forward and BPTT, instead of one autograd op
per step. Everything else is Neuron's: fire, hard or soft reset, streaming with
``stateful=True`` or ``step_mode="single"``, ``reset()``, ``detach()``.
"""

import math

from .. import functional as F
from ..autograd import no_grad
from ..surrogate import Rectangle, Sigmoid
from ..tensor import Tensor
from ..validate import check_real
from .neuron import Neuron


class LIF(Neuron):
    """Leaky integrate-and-fire neurons over a time-major sequence; F.lif as a layer.

    tau: membrane time constant, decay = 1 - 1/tau (or give ``decay`` directly, then
    tau = 1 / (1 - decay)). decay_input: feed X / tau instead of X (SpikingJelly's option).
    threshold, reset ("hard" | "soft"), v_reset, detach_reset, surrogate: as in ``F.lif`` and
    ``nn.Neuron``.
    step_mode, stateful: streaming, as in ``nn.Neuron``.
    """

    def __init__(self, tau=2.0, decay_input=False, threshold=1.0, reset="hard", v_reset=0.0,
                 detach_reset=False, surrogate=Sigmoid(alpha=4.0), *, decay=None,  # noqa: B008
                 step_mode="multi", stateful=False):
        super().__init__(threshold, v_reset, surrogate, detach_reset, reset=reset,
                         step_mode=step_mode, stateful=stateful)
        if decay is None:
            tau = check_real("LIF", "tau", tau, low=1, why=" (decay = 1 - 1/tau in [0, 1))")
            decay = 1 - 1 / tau
        else:
            check_real("LIF", "decay", decay, low=0, high=1, high_open=True)
        self.tau = 1 / (1 - decay)
        self.decay = decay
        self.decay_input = decay_input

    @classmethod
    def paper(cls, **overrides):
        """The cell of the MA-SNN authors' code: u = decay h + I, fire at u >= 0.3,
        h = 0.3 (s 0.3 + (1 - s) u): decay 0.3, threshold 0.3, hard reset to 0.3 (not detached),
        rectangular surrogate of slope 2 on |u - 0.3| < 0.25."""
        config = {"decay": 0.3, "threshold": 0.3, "reset": "hard", "v_reset": 0.3,
                  "detach_reset": False, "surrogate": Rectangle(width=0.5)}
        return cls(**{**config, **overrides})

    def _input(self, x):
        return x * (1 / self.tau) if self.decay_input else x  # decay_input: X / tau

    def charge(self, v, x):
        """H = decay V + X (X / tau with decay_input), for Neuron's step-by-step path (``step``,
        ``Neuron.run(lif, x)``); ``run`` computes the same inside the fused kernel."""
        return self.decay * v + self._input(x)

    def _options(self):
        return {"decay": self.decay, "threshold": self.threshold, "reset": self.reset_mode,
                "v_reset": self.v_reset,
                "detach_reset": self.detach_reset, "surrogate": self.surrogate}

    def run(self, x, state=None):
        """Neuron.run, fused: the whole sequence in one F.lif call (one kernel each way)."""
        return F.lif(self._input(x), v_init=state, return_membrane="last", **self._options())

    def potential(self, x):
        """H[t] = decay V[t-1] + X[t] over x [T, ...], from V[-1] = 0: [T, ...] array."""
        x = self._input(x if isinstance(x, Tensor) else Tensor(x))
        with no_grad():
            _, v = F.lif(x, return_membrane=True, **self._options())
        h = x.data.copy()
        h[1:] += self.decay * v.data[:-1]  # V[-1] = 0 adds nothing to H[0]
        return h

    def extra_repr(self):
        parts = [f"decay={self.decay:.6g}", f"threshold={self.threshold}",
                 f"reset={self.reset_mode!r}", f"detach_reset={self.detach_reset}",
                 f"surrogate={self.surrogate!r}"]
        if self.reset_mode == "hard":
            parts.insert(3, f"v_reset={self.v_reset}")
        if self.decay_input:
            parts.insert(1, "decay_input=True")
        if self.step_mode != "multi" or self.stateful:
            parts += [f"step_mode={self.step_mode!r}", f"stateful={self.stateful}"]
        return ", ".join(parts)


class IF(LIF):
    """Integrate-and-fire neurons: H = V + X, no leak (an LIF with decay 1, same fused kernels).

    threshold, v_reset, surrogate, detach_reset, reset, step_mode, stateful: as in
    ``nn.Neuron``.
    """

    def __init__(self, threshold=1.0, v_reset=0.0, surrogate=Sigmoid(alpha=4.0),  # noqa: B008
                 detach_reset=False, *, reset="hard", step_mode="multi", stateful=False):
        # Neuron's settings only: LIF's constructor would insist on a leak (tau >= 1, decay < 1)
        Neuron.__init__(self, threshold, v_reset, surrogate, detach_reset, reset=reset,
                        step_mode=step_mode, stateful=stateful)
        self.decay, self.tau, self.decay_input = 1.0, math.inf, False

    def charge(self, v, x):
        """H = V + X, for Neuron's step-by-step path (LIF.charge)."""
        return v + x

    def extra_repr(self):
        return Neuron.extra_repr(self)
