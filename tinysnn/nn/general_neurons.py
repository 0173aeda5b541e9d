"""Neurons built on ``nn.Neuron``'s general path: ``ParametricLIF`` and ``AdaptiveLIF``.

Each is a few lines of tinysnn ops in ``charge`` (and ``step`` for the adaptive threshold);
autograd does BPTT through them, the learnable decay included. They are examples to copy as
much as layers to use: a neuron of your own looks the same.
"""

import math

import numpy as np

from ..surrogate import Sigmoid
from ..validate import check_real
from .module import Parameter
from .neuron import Neuron


class ParametricLIF(Neuron):
    """LIF with a learnable leak (PLIF, Fang et al. 2021; SpikingJelly's ParametricLIFNode).

    One parameter ``w`` per layer gives k = sigmoid(w) = 1 / tau, so tau stays above 1:

        decay_input=False:  H = (1 - k) V + X        (nn.LIF's convention and default)
        decay_input=True:   H = (1 - k) V + k X      (SpikingJelly's default: V + (X - V) / tau)

    init_tau: tau at the start (w = -log(init_tau - 1)); at init_tau = 2, k = 0.5 exactly and the
    neuron equals ``nn.LIF(tau=2.0, decay_input=...)``. The membrane leaks toward 0, as nn.LIF's.
    threshold, v_reset, surrogate, detach_reset, reset ("hard" | "soft"), step_mode, stateful:
    as in ``nn.Neuron``.
    """

    def __init__(self, init_tau=2.0, decay_input=False, threshold=1.0, v_reset=0.0,
                 surrogate=Sigmoid(alpha=4.0), detach_reset=False, *,  # noqa: B008
                 reset="hard", step_mode="multi", stateful=False):
        super().__init__(threshold, v_reset, surrogate, detach_reset, reset=reset,
                         step_mode=step_mode, stateful=stateful)
        check_real("ParametricLIF", "init_tau", init_tau, low=1, low_open=True,
                   why=" (k = 1/tau = sigmoid(w) < 1)")
        self.decay_input = decay_input
        self.w = Parameter(np.array(-math.log(init_tau - 1), np.float32))  # sigmoid(w) = 1/tau

    @property
    def tau(self):
        """The current time constant 1 / sigmoid(w) (a float; w is what trains)."""
        return 1 + math.exp(-float(self.w.data))

    def charge(self, v, x):
        k = self.w.sigmoid()  # 1 / tau, learnt
        return (1 - k) * v + (k * x if self.decay_input else x)

    def extra_repr(self):
        decay_input = ", decay_input=True" if self.decay_input else ""
        return f"tau={self.tau:.6g}{decay_input}, {super().extra_repr()}"


class AdaptiveLIF(Neuron):
    """LIF whose threshold rises by ``beta`` at each spike and decays back (spike-frequency
    adaptation; the ALIF of Bellec et al. 2018). State: the membrane V and the adaptation A.

        H[t]     = decay V[t-1] + X[t]                      decay = 1 - 1/tau
        theta[t] = threshold + beta A[t-1]                   the threshold at step t
        S[t]     = Heaviside(H[t] - theta[t])
        A[t]     = adapt_decay A[t-1] + S[t]                 adapt_decay = 1 - 1/tau_adapt
        V[t]     = H[t] (1 - S[t]) + v_reset S[t]            hard reset
                   H[t] - theta[t] S[t]                      soft reset (reset="soft")

    with V[-1] = A[-1] = 0. Gradients flow through A as well: a spike raises the thresholds
    after it. ``detach_reset`` cuts only the reset's path. ``potential`` returns
    H - beta A[t-1], the membrane measured against the resting threshold.
    """

    def __init__(self, tau=2.0, tau_adapt=20.0, beta=0.2, threshold=1.0, v_reset=0.0,
                 surrogate=Sigmoid(alpha=4.0), detach_reset=False, *,  # noqa: B008
                 reset="hard", step_mode="multi", stateful=False):
        super().__init__(threshold, v_reset, surrogate, detach_reset, reset=reset,
                         step_mode=step_mode, stateful=stateful)
        check_real("AdaptiveLIF", "tau", tau, low=1)
        check_real("AdaptiveLIF", "tau_adapt", tau_adapt, low=1)
        check_real("AdaptiveLIF", "beta", beta, low=0)
        self.tau, self.tau_adapt, self.beta = tau, tau_adapt, beta
        self.decay, self.adapt_decay = 1 - 1 / tau, 1 - 1 / tau_adapt

    def charge(self, v, x):
        return self.decay * v + x

    def initial_state(self, x):
        return super().initial_state(x), super().initial_state(x)  # (V, A)

    def step(self, state, x):
        v, a = state
        h = self.charge(v, x)
        potential = h - self.beta * a  # H measured against the resting threshold
        s = self.fire(potential)  # S = Heaviside(H - theta), theta = threshold + beta A[t-1]
        if self.reset_mode == "soft":  # subtract the threshold that was crossed
            theta = self.threshold + self.beta * a
            v = h - theta * (s.detach() if self.detach_reset else s)
        else:
            v = self.reset_membrane(h, s)
        return s, potential, (v, self.adapt_decay * a + s)  # A[t] = adapt_decay A[t-1] + S[t]

    def extra_repr(self):
        return (f"tau={self.tau}, tau_adapt={self.tau_adapt}, beta={self.beta}, "
                f"{super().extra_repr()}")
