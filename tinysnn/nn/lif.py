"""LIF neurons as a layer: ``nn.LIF(tau=2.0)`` and the MA-SNN paper's cell, ``nn.LIF.paper()``.

    lif = nn.LIF(tau=2.0)                 # decay = 1 - 1/tau = 0.5
    spikes = lif(x)                       # x: [T, B, ...] -> spikes [T, B, ...]

Streaming: ``LIF(stateful=True)`` carries the membrane from one call to the next (the last
membrane of a call is the first of the next), so a long sequence can be fed in chunks, or one
step at a time with ``step_mode="single"`` (x: [B, ...]). The carried membrane keeps its graph:
a loss over several chunks back-propagates through all of them. Once ``backward()`` has freed
that graph, the next call raises, because BPTT into a freed graph is impossible; call
``reset()`` before an unrelated sequence (the membrane restarts at 0) or ``detach()`` to keep
the membrane's value and cut its history (truncated BPTT).
"""

from .. import functional as F
from ..surrogate import Rectangle, Sigmoid
from .module import Module


class LIF(Module):
    """Leaky integrate-and-fire neurons over a time-major sequence; F.lif as a layer.

    tau: membrane time constant, decay = 1 - 1/tau (or give ``decay`` directly, then
    tau = 1 / (1 - decay)). decay_input: feed X / tau instead of X (SpikingJelly's option).
    threshold, reset ("hard" | "soft"), v_reset, detach_reset, surrogate: as in ``F.lif``.
    step_mode: "multi" (x: [T, B, ...]) or "single" (x: [B, ...], one step; implies stateful).
    stateful: carry the membrane between calls (see the module docstring); default False.
    """

    def __init__(self, tau=2.0, decay_input=False, threshold=1.0, reset="hard", v_reset=0.0,
                 detach_reset=False, surrogate=Sigmoid(alpha=4.0), *, decay=None,  # noqa: B008
                 step_mode="multi", stateful=False):
        super().__init__()
        if decay is None:
            if not tau >= 1:
                raise ValueError(f"LIF: tau must be >= 1 (decay = 1 - 1/tau in [0, 1)), got {tau}")
            decay = 1 - 1 / tau
        elif not 0 <= decay < 1:
            raise ValueError(f"LIF: decay must be in [0, 1), got {decay}")
        if step_mode not in ("multi", "single"):
            raise ValueError(f"LIF: step_mode must be 'multi' or 'single', got {step_mode!r}")
        self.tau = 1 / (1 - decay)
        self.decay = decay
        self.decay_input = decay_input
        self.threshold, self.reset_mode, self.v_reset = threshold, reset, v_reset
        self.detach_reset, self.surrogate = detach_reset, surrogate
        self.step_mode = step_mode
        self.stateful = stateful or step_mode == "single"
        self.v = None  # the carried membrane (stateful only): a Tensor of shape [B, ...]

    @classmethod
    def paper(cls, **overrides):
        """The cell of the MA-SNN authors' code: u = decay h + I, fire at u >= 0.3,
        h = 0.3 (s 0.3 + (1 - s) u): decay 0.3, threshold 0.3, hard reset to 0.3 (not detached),
        rectangular surrogate of slope 2 on |u - 0.3| < 0.25."""
        config = {"decay": 0.3, "threshold": 0.3, "reset": "hard", "v_reset": 0.3,
                  "detach_reset": False, "surrogate": Rectangle(width=0.5)}
        return cls(**{**config, **overrides})

    def reset(self):
        """Forget the carried membrane: the next call starts from 0."""
        self.v = None
        return self

    def detach(self):
        """Keep the carried membrane's value but cut its graph (truncated BPTT)."""
        if self.v is not None:
            self.v = self.v.detach()
        return self

    def forward(self, x):
        if self.step_mode == "single":
            x = x.reshape(1, *x.shape)
        if self.decay_input:
            x = x * (1 / self.tau)
        options = {"decay": self.decay, "threshold": self.threshold, "reset": self.reset_mode,
                   "v_reset": self.v_reset, "detach_reset": self.detach_reset,
                   "surrogate": self.surrogate}
        if not self.stateful:
            spikes = F.lif(x, **options)
        else:
            spikes, self.v = F.lif(x, v_init=self._carried_membrane(x), return_membrane="last",
                                   **options)
        return spikes.reshape(*spikes.shape[1:]) if self.step_mode == "single" else spikes

    def _carried_membrane(self, x):
        v = self.v
        if v is None:
            return None
        if v.shape != x.shape[1:] or v.dtype != x.dtype:
            raise ValueError(
                f"LIF: the carried membrane is {v.dtype} {v.shape}, this input needs "
                f"{x.dtype} {x.shape[1:]}; call reset() before a batch of another shape or dtype")
        if v.graph_freed:
            raise RuntimeError(
                "LIF(stateful=True): the carried membrane belongs to a graph that backward() has "
                "already freed, so gradients could not flow into it. Call reset() before a new, "
                "unrelated sequence, or detach() to continue this one with truncated BPTT")
        return v

    def extra_repr(self):
        parts = [f"decay={self.decay:.6g}", f"threshold={self.threshold}",
                 f"reset={self.reset_mode!r}", f"v_reset={self.v_reset}",
                 f"detach_reset={self.detach_reset}",
                 f"surrogate={self.surrogate!r}"]
        if self.decay_input:
            parts.insert(1, "decay_input=True")
        if self.step_mode != "multi" or self.stateful:
            parts += [f"step_mode={self.step_mode!r}", f"stateful={self.stateful}"]
        return ", ".join(parts)
