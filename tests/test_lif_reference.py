"""The LIF specification: its backward is the derivative of its forward, and its reset rules.

The surrogate gradient is not the derivative of the Heaviside forward (that is 0 almost
everywhere), so the backward is checked on the smooth network in which the Heaviside is replaced
by the surrogate's primitive, in forward and backward alike (``spike_fn``). The reset and firing
properties are checked on the real, Heaviside forward of both the reference and the Numba kernels.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn import functional as F
from tinysnn.autograd import Function
from tinysnn.kernels.lif import cpu as lif_cpu
from tinysnn.kernels.lif import reference as lif_reference
from tinysnn.testing import arrays, assert_grad_close, lif_configs, shapes, time_major

KERNELS = [lif_reference, lif_cpu]
FORWARD_KEYS = ("decay", "threshold", "reset", "v_reset")


def small_sequences(dtype=np.float64, max_T=5):
    """x: [T, B, ...] with at most 5 * 2 * 6 = 60 elements (each is perturbed twice)."""
    return time_major(st.integers(1, max_T), st.integers(1, 2), shapes(0, 2, max_side=3),
                      dtype=dtype)


def forward_args(config):
    return {k: config[k] for k in FORWARD_KEYS}


@given(x=small_sequences(), config=lif_configs(detach_reset=False),
       membrane=st.sampled_from([False, True, "last"]), data=st.data())
def test_backward_is_the_derivative_of_the_smooth_forward(x, config, membrane, data):
    """Through F.lif with spike_fn = primitive: gradients to x and v_init, with dL/dS and, when
    the membrane is returned too, dL/dV (every step, or the last step only)."""
    v_init = data.draw(arrays(x.shape[1:]))
    smooth = config["surrogate"].primitive

    def network(x, v_init):
        out = F.lif(x, v_init=v_init, spike_fn=smooth, return_membrane=membrane, **config)
        return out if membrane is False else out[0] + out[1]  # [T, ...] + [T, ...] or [...]

    assert_grad_close(network, x, v_init)


class ResetSeesFrozenSpikes(Function):
    """The smooth LIF whose reset uses spikes fixed in advance: a stop-gradient on the reset that
    finite differences can see. Its backward is the reference's with detach_reset=True."""

    @staticmethod
    def forward(ctx, x, v_init, *, frozen, config):
        smooth = config["surrogate"].primitive
        spikes, h, v = np.empty_like(x), np.empty_like(x), v_init
        for t in range(x.shape[0]):
            h[t] = config["decay"] * v + x[t]
            spikes[t] = smooth(h[t] - config["threshold"])
            if config["reset"] == "hard":  # the reset sees frozen[t], a constant
                v = h[t] * (1 - frozen[t]) + config["v_reset"] * frozen[t]
            else:
                v = h[t] - config["threshold"] * frozen[t]
        ctx.save_for_backward(h)
        ctx.config = config
        return spikes

    @staticmethod
    def backward(ctx, g_spikes):
        (h,) = ctx.saved
        smooth = ctx.config["surrogate"].primitive
        return lif_reference.lif_backward(h, g_spikes, np.zeros_like(h[0]), spike_fn=smooth,
                                          **ctx.config)


@given(x=small_sequences(), config=lif_configs(detach_reset=True), data=st.data())
def test_detach_reset_is_the_gradient_with_the_reset_held_constant(x, config, data):
    v_init = data.draw(arrays(x.shape[1:]))
    smooth = config["surrogate"].primitive
    frozen, _, _ = lif_reference.lif_forward(x, v_init, spike_fn=smooth, **forward_args(config))
    assert_grad_close(lambda x, v: ResetSeesFrozenSpikes.apply(x, v, frozen=frozen, config=config),
                      x, v_init)


@pytest.mark.parametrize("kernels", KERNELS, ids=lambda k: k.__name__.split(".")[-1])
@given(x=small_sequences(max_T=8), config=lif_configs(), data=st.data())
def test_detach_reset_changes_only_the_reset_path(kernels, x, config, data):
    """Same forward; and with no gradient carried through the membrane (decay 0, membrane not
    an output) the reset path carries nothing, so both backwards agree exactly."""
    v_init = data.draw(arrays(x.shape[1:]))
    g_spikes = data.draw(arrays(x.shape))
    config = {**config, "decay": 0.0}
    outs = []
    for detach_reset in (False, True):
        spikes, h, v = kernels.lif_forward(x, v_init, **forward_args(config))
        grads = kernels.lif_backward(h, g_spikes, np.zeros_like(v), **{
            **config, "detach_reset": detach_reset})
        outs.append((spikes, h, v, *grads))
    for attached, detached in zip(*outs, strict=True):
        np.testing.assert_array_equal(attached, detached, strict=True)


@pytest.mark.parametrize("kernels", KERNELS, ids=lambda k: k.__name__.split(".")[-1])
@given(x=small_sequences(max_T=8), config=lif_configs(), data=st.data())
def test_no_input_means_no_spike_and_no_reset(kernels, x, config, data):
    """x = 0 and v_init below threshold (thresholds are > 0): the membrane only leaks."""
    x = np.zeros_like(x)
    v_init = data.draw(arrays(x.shape[1:], max_value=config["threshold"] - 1e-3))
    spikes, h, v = kernels.lif_forward(x, v_init, keep_membrane=True, **forward_args(config))
    assert not spikes.any()
    np.testing.assert_array_equal(v, h)  # no reset
    previous = np.concatenate([v_init[None], v[:-1]])
    np.testing.assert_array_equal(h, config["decay"] * previous)  # H[t] = decay V[t-1]


@pytest.mark.parametrize("kernels", KERNELS, ids=lambda k: k.__name__.split(".")[-1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(x=small_sequences(max_T=8), config=lif_configs(reset="hard"), data=st.data())
def test_hard_reset_lands_exactly_on_v_reset(kernels, dtype, x, config, data):
    x = x.astype(dtype)
    v_init = data.draw(arrays(x.shape[1:], dtype=dtype))
    spikes, h, v = kernels.lif_forward(x, v_init, keep_membrane=True, **forward_args(config))
    fired = spikes == 1
    assert np.all(v[fired] == dtype(config["v_reset"]))
    assert np.all(v[~fired] == h[~fired]) and np.all(spikes[~fired] == 0)


@pytest.mark.parametrize("kernels", KERNELS, ids=lambda k: k.__name__.split(".")[-1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(x=small_sequences(max_T=8), config=lif_configs(reset="soft"), data=st.data())
def test_soft_reset_subtracts_exactly_the_threshold(kernels, dtype, x, config, data):
    x = x.astype(dtype)
    v_init = data.draw(arrays(x.shape[1:], dtype=dtype))
    spikes, h, v = kernels.lif_forward(x, v_init, keep_membrane=True, **forward_args(config))
    fired = spikes == 1
    assert np.all(v[fired] == h[fired] - dtype(config["threshold"]))
    assert np.all(v[~fired] == h[~fired]) and np.all(spikes[~fired] == 0)


@pytest.mark.parametrize("kernels", KERNELS, ids=lambda k: k.__name__.split(".")[-1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(threshold=st.floats(0.01, 10.0), decay=st.floats(0.0, 1.0))
def test_fires_when_h_equals_the_threshold_exactly(kernels, dtype, threshold, decay):
    """H = decay * 0 + x = x: at x = threshold it fires (>=); one ulp below, it does not."""
    at = dtype(threshold)
    x = np.array([at, np.nextafter(at, dtype(-np.inf)), np.nextafter(at, dtype(np.inf))], dtype)
    spikes, h, _ = kernels.lif_forward(x[None], np.zeros(3, dtype), decay, threshold)
    assert h[0, 0] == at
    np.testing.assert_array_equal(spikes[0], [1, 0, 1])
