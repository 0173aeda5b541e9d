"""Exercises of notebook 09, your own neuron and surrogate: a Gaussian surrogate, a neuron with a
synaptic current, and a property test for any neuron.

Write each part marked "Task", then grade it with the notebook's check cell or with
``TINYSNN_EXERCISES=stubs python -m pytest tests/exercises -k task_9_1`` (task_9_2, task_9_3).
"""

import math  # noqa: F401 (yours to use)
from dataclasses import dataclass

import numpy as np  # noqa: F401 (yours to use)
from hypothesis import given, settings  # noqa: F401 (yours to use)
from hypothesis import strategies as st  # noqa: F401 (yours to use)
from scipy.special import erf  # noqa: F401 (yours to use)

from tinysnn import nn
from tinysnn.testing import assert_grad_close, smooth_spike, time_major  # noqa: F401 (yours to use)


@dataclass(frozen=True)
class Gaussian:
    """A surrogate whose slope is the normal density of width ``sigma``.

        derivative:  psi(u) = exp(-u^2 / (2 sigma^2)) / (sigma sqrt(2 pi))
        primitive:   F(u)   = (1 + erf(u / (sigma sqrt(2)))) / 2     (the normal CDF)

    psi integrates to 1 and peaks at 1 / (sigma sqrt(2 pi)) at u = 0. Both methods take an array
    u of any shape and return an array of u's shape and dtype (float32 stays float32: use
    Python floats, e.g. math.sqrt, not NumPy's float64 scalars), finite for any finite u.
    """

    sigma: float = 0.5

    def derivative(self, u):
        """Task 9.1 (derivative): psi(u)."""
        raise NotImplementedError("Task 9.1: Gaussian.derivative")

    def primitive(self, u):
        """Task 9.1 (primitive): F(u), the smooth step whose slope is psi."""
        raise NotImplementedError("Task 9.1: Gaussian.primitive")


class SynapticLIF(nn.Neuron):
    """A LIF neuron fed through a decaying synaptic current (current-based LIF; snnTorch's
    ``Synaptic``). The input charges the current I, the current charges the membrane:

        I[t] = alpha I[t-1] + X[t]          the synaptic current, decaying with alpha
        H[t] = beta V[t-1] + I[t]           the membrane before it fires, decaying with beta
        S[t] = fire(H[t])                   Heaviside(H - threshold), the surrogate backward
        V[t] = reset_membrane(H[t], S[t])   hard or soft, as nn.Neuron sets it up

    with V[-1] = I[-1] = 0. The state is the pair (V, I). With alpha = 0 this is nn.LIF with
    decay = beta. threshold, v_reset (None: soft), surrogate, detach_reset: as in nn.Neuron.
    """

    def __init__(self, alpha=0.5, beta=0.5, **options):
        super().__init__(**options)
        self.alpha, self.beta = alpha, beta

    def initial_state(self, x):
        """Task 9.2 (state): the state before the first step, (V, I): two zero Tensors shaped
        like one step of input, x: [B, ...]. ``super().initial_state(x)`` makes one."""
        raise NotImplementedError("Task 9.2: SynapticLIF.initial_state")

    def step(self, state, x):
        """Task 9.2 (step): one time step. state: (V[t-1], I[t-1]); x: X[t], [B, ...] Tensors.

        Returns (S[t], H[t], (V[t], I[t])), with tinysnn ops only (so autograd does BPTT):
        the equations above, with ``self.fire`` and ``self.reset_membrane``.
        """
        raise NotImplementedError("Task 9.2: SynapticLIF.step")

    def extra_repr(self):
        return f"alpha={self.alpha}, beta={self.beta}, {super().extra_repr()}"


def neuron_property(make_neuron):
    """Task 9.3: a property test of a neuron's BPTT.

    make_neuron(): returns a fresh ``nn.Neuron`` (the grader passes correct neurons and neurons
    with a planted bug). Its surrogate has a ``primitive``. Check, on inputs x: [T, B, N] that
    hypothesis draws (float64, values in about [-1, 2]), that the gradient autograd computes
    through the neuron equals central differences of the same neuron made smooth: its
    ``fire(h)`` replaced by ``smooth_spike(h - threshold, surrogate)`` (tinysnn.testing), which
    keeps F.spike's backward and uses the surrogate's primitive forward. Return quietly when they
    agree, raise AssertionError when they do not. Draw enough time steps for a bug that needs
    several to show.
    """
    raise NotImplementedError("Task 9.3: neuron_property")
