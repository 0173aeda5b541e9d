"""``nn.Neuron``: the base class of spiking neurons, and the readable path every neuron can take.

A neuron of your own is a subclass that says how the membrane charges:

    class LeakyNeuron(nn.Neuron):
        def __init__(self, decay=0.5, **options):
            super().__init__(**options)            # threshold, reset, v_reset, surrogate, ...
            self.decay = decay

        def charge(self, v, x):                    # v, x: [B, ...] -> H: [B, ...]
            return self.decay * v + x

    spikes = LeakyNeuron()(x)                      # x: [T, B, ...] -> spikes [T, B, ...]

``forward`` steps through time with ordinary autograd ops, so whatever ``charge`` computes
with tinysnn ops (a Parameter of yours included) gets its gradient by BPTT. Per step t, with
V[-1] = 0 (or the carried membrane, see below):

    charge: H[t] = charge(V[t-1], X[t])
    fire:   S[t] = fire(H[t])                 = Heaviside(H[t] - threshold)  (F.spike)
    reset:  V[t] = reset_membrane(H[t], S[t]) = H[t] (1 - S[t]) + v_reset S[t]  reset="hard"
                                              = H[t] - threshold S[t]            reset="soft"

``fire`` and ``reset_membrane`` can be overridden too, and ``step`` for a neuron with more state
than a membrane (``nn.AdaptiveLIF``). A cell that fires on ``>`` instead of ``>=``:

    def fire(self, h):   # S = [H > threshold] = 1 - [threshold - H >= 0]; slope psi(threshold - H)
        return 1 - F.spike(self.threshold - h, self.surrogate)

A hard reset to 0 with the spike detached in it: ``v_reset=0.0, detach_reset=True``.

The loop over time runs in Python, one small op after another: it is the general path, clear and
flexible. ``nn.LIF`` is its fused special case (the same recurrence in one Numba kernel) and
gives the same spikes and gradients.

Streaming, for every neuron: ``stateful=True`` carries the state (``self.v``) from one call to
the next, so a long sequence can be fed in chunks, or one step at a time with
``step_mode="single"`` (x: [B, ...]). The carried state keeps its graph: a loss over several
chunks back-propagates through all of them. Once ``backward()`` has freed that graph the next
call raises; ``reset()`` forgets the state (the next call starts at 0), ``detach()`` keeps its
value and cuts its history (truncated BPTT). (This is why the reset step is called
``reset_membrane``: ``reset()`` is the streaming call that nn.LIF has always had.)
"""

import warnings

from .. import functional as F
from ..autograd import no_grad
from ..backend import xp_of
from ..surrogate import Sigmoid
from ..tensor import Tensor
from ..validate import check_real, check_surrogate
from .module import Module


def reset_mode(owner, reset, v_reset):
    """"hard" or "soft" from a neuron's ``reset``; ``v_reset=None``, the old way to ask for a
    soft reset, is still read as one, with a DeprecationWarning."""
    if reset not in ("hard", "soft"):
        raise ValueError(f"{owner}: reset must be 'hard' or 'soft', got {reset!r}")
    if v_reset is None:
        warnings.warn(f"{owner}: v_reset=None for a soft reset is deprecated; use reset='soft'",
                      DeprecationWarning, stacklevel=4)
        return "soft"
    return reset


def _tensors(state):
    """The tensors of a state: one membrane, or a tuple of them."""
    return state if isinstance(state, tuple) else (state,)


class Neuron(Module):
    """Base class of spiking neurons; subclasses define ``charge(v, x) -> h``.

    threshold: fire where H >= threshold. reset: "hard" (the membrane after a spike is
    ``v_reset``) or "soft" (a spike subtracts the threshold); the one way to ask for a soft
    reset in every neuron, nn.LIF and F.lif (``v_reset=None`` still works: deprecated).
    surrogate: any object with ``derivative(u)``, the slope backward uses for dS/dH
    (``tinysnn.surrogate`` or your own).
    detach_reset: the reset passes no surrogate gradient (S is a constant in the reset).
    step_mode: "multi" (x: [T, B, ...]) or "single" (x: [B, ...], one step; implies stateful).
    stateful: carry the state between calls (see the module docstring); default False.
    """

    def __init__(self, threshold=1.0, v_reset=0.0, surrogate=Sigmoid(alpha=4.0),  # noqa: B008
                 detach_reset=False, *, reset="hard", step_mode="multi", stateful=False):
        super().__init__()
        owner = type(self).__name__
        self.reset_mode = reset_mode(owner, reset, v_reset)
        v_reset = 0.0 if v_reset is None else v_reset
        check_real(owner, "threshold", threshold)
        check_real(owner, "v_reset", v_reset)
        check_surrogate(owner, surrogate)
        if step_mode not in ("multi", "single"):
            raise ValueError(f"{owner}: step_mode must be 'multi' or 'single', got {step_mode!r}")
        self.threshold, self.v_reset = threshold, v_reset
        self.surrogate, self.detach_reset = surrogate, bool(detach_reset)
        self.step_mode = step_mode
        self.stateful = stateful or step_mode == "single"
        self.v = None  # the carried state (stateful only): a Tensor [B, ...] or a tuple of them

    # ------------------------------------------------------------------ one time step
    def charge(self, v, x):
        """H = the membrane before it fires. v: V[t-1], x: X[t], both [B, ...] Tensors."""
        raise NotImplementedError(f"{type(self).__name__} must define charge(self, v, x) -> h")

    def fire(self, h):
        """S = Heaviside(H - threshold), with the surrogate's slope in backward.  h: [B, ...]."""
        return F.spike(h - self.threshold, self.surrogate)

    def reset_membrane(self, h, s):
        """V after the spikes S: hard H (1 - S) + v_reset S, or soft H - threshold S.

        Written with autograd ops so that the surrogate path through S stays; an infinite H
        gives NaN here (inf x 0), where nn.LIF's fused kernel lands on v_reset."""
        if self.detach_reset:
            s = s.detach()  # the reset sees S as a constant: no surrogate path through it
        if self.reset_mode == "soft":
            return h - self.threshold * s
        return h * (1 - s) + self.v_reset * s

    def initial_state(self, x):
        """The state before the first step: a zero membrane shaped like one step x [B, ...]."""
        return Tensor(xp_of(x.data).zeros(x.shape, x.dtype))

    def step(self, state, x):
        """One time step: (state after t-1, X[t]) -> (S[t], H[t], state after t).

        H[t] is the membrane before the reset, the value ``fire`` compared with the threshold
        (what ``potential`` returns and the plots draw).
        """
        h = self.charge(state, x)
        s = self.fire(h)
        return s, h, self.reset_membrane(h, s)

    # ------------------------------------------------------------------ over time
    def run(self, x, state=None):
        """x: [T, B, ...] -> (spikes [T, B, ...], the state after the last step).

        state: the state before the first step (default ``initial_state``). The general path:
        ``step`` once per time step, each op recorded by autograd.
        """
        state = self.initial_state(x[0]) if state is None else state
        spikes = []
        for t in range(x.shape[0]):
            s, _, state = self.step(state, x[t])
            spikes.append(s)
        return F.stack(spikes), state

    def forward(self, x):
        """x: [T, B, ...] (or [B, ...] with step_mode="single") -> spikes of x's shape."""
        x = x if isinstance(x, Tensor) else Tensor(x)
        if self.step_mode == "single":
            x = x.reshape(1, *x.shape)
        if x.ndim < 2:
            raise ValueError(f"{type(self).__name__}: x must be [T, B, ...], got shape {x.shape}")
        if not self.stateful:
            spikes, _ = self.run(x)
        else:
            spikes, self.v = self.run(x, self._carried_state(x))
        return spikes.reshape(*spikes.shape[1:]) if self.step_mode == "single" else spikes

    def potential(self, x):
        """H[t], the membrane before each reset, from a zero state: [T, B, ...] array, no graph.

        What ``fire`` compares with ``threshold``; the plots draw it with the spikes.
        """
        x = x if isinstance(x, Tensor) else Tensor(x)
        with no_grad():
            state, out = self.initial_state(x[0]), []
            for t in range(x.shape[0]):
                _, h, state = self.step(state, x[t])
                out.append(h.data)
        return xp_of(x.data).stack(out)

    # ------------------------------------------------------------------ streaming
    def reset(self):
        """Forget the carried state: the next call starts from 0."""
        self.v = None
        return self

    def detach(self):
        """Keep the carried state's value but cut its graph (truncated BPTT)."""
        if self.v is not None:
            detached = tuple(t.detach() for t in _tensors(self.v))
            self.v = detached if isinstance(self.v, tuple) else detached[0]
        return self

    def _carried_state(self, x):
        if self.v is None:
            return None
        name = type(self).__name__
        for v in _tensors(self.v):
            if v.shape != x.shape[1:] or v.dtype != x.dtype:
                raise ValueError(
                    f"{name}: the carried membrane is {v.dtype} {v.shape}, this input needs "
                    f"{x.dtype} {x.shape[1:]}; call reset() before a batch of another shape or "
                    "dtype")
            if v.graph_freed:
                raise RuntimeError(
                    f"{name}(stateful=True): the carried membrane belongs to a graph that "
                    "backward() has already freed, so gradients could not flow into it. Call "
                    "reset() before a new, unrelated sequence, or detach() to continue this one "
                    "with truncated BPTT")
        return self.v

    def extra_repr(self):
        reset = "reset='soft'" if self.reset_mode == "soft" else f"v_reset={self.v_reset}"
        parts = [f"threshold={self.threshold}", reset, f"surrogate={self.surrogate!r}",
                 f"detach_reset={self.detach_reset}"]
        if self.step_mode != "multi" or self.stateful:
            parts += [f"step_mode={self.step_mode!r}", f"stateful={self.stateful}"]
        return ", ".join(parts)
