"""nn.LIF: tau and decay_input, the MA-SNN paper's cell, and streaming with a carried membrane."""

import numpy as np
import pytest

from tinysnn import Tensor, nn, no_grad
from tinysnn import functional as F
from tinysnn.autograd import Function
from tinysnn.surrogate import ATan, Rectangle

RNG = np.random.default_rng(1)


def sequence(T=6, shape=(2, 3), mean=0.4):
    return RNG.normal(mean, 1.0, (T, *shape))


def gradient_of(fn, x, probe):
    x = Tensor(x, requires_grad=True)
    (fn(x) * probe).sum().backward()
    return x.grad


def test_decay_is_one_minus_one_over_tau():
    x = sequence()
    lif = nn.LIF(tau=4.0, threshold=0.8, surrogate=ATan())
    assert lif.decay == 0.75
    np.testing.assert_array_equal(lif(x).data,
                                  F.lif(x, decay=0.75, threshold=0.8, surrogate=ATan()).data)


def test_decay_input_feeds_x_over_tau_and_scales_its_gradient():
    x, probe = sequence(), sequence(mean=0.0)
    lif = nn.LIF(tau=2.0, decay_input=True)
    np.testing.assert_array_equal(lif(x).data, F.lif(x / 2.0, decay=0.5).data)
    grad = gradient_of(lif, x, probe)
    np.testing.assert_array_equal(grad, gradient_of(F.lif, x * 0.5, probe) * 0.5)  # dL/dX / tau


class PaperSpike(Function):
    """s = [u >= 0.3] with the MA-SNN code's backward: grad * (|u - 0.3| < 0.25) / 0.5."""

    @staticmethod
    def forward(ctx, u):
        ctx.save_for_backward(u)
        return (u >= 0.3).astype(u.dtype)

    @staticmethod
    def backward(ctx, grad):
        (u,) = ctx.saved
        return (grad * (np.abs(u - 0.3) < 0.25) / 0.5,)


def paper_cell_as_written(x):
    """The authors' step, composed from tinysnn ops: u = h + I; s = [u >= 0.3];
    h = 0.3 (s 0.3 + (1 - s) u). Returns (spikes, u) stacked over time."""
    h, spikes, us = 0.0, [], []
    for t in range(x.shape[0]):
        u = h + x[t]
        s = PaperSpike.apply(u)
        h = 0.3 * (s * 0.3 + (1 - s) * u)
        spikes.append(s)
        us.append(u)
    return F.stack(spikes), F.stack(us)


def test_paper_preset_is_the_authors_cell():
    x, probe = sequence(T=8, mean=0.2), sequence(T=8, mean=0.0)
    lif = nn.LIF.paper()
    spikes, membrane = F.lif(x, return_membrane=True, decay=lif.decay, threshold=lif.threshold,
                             reset=lif.reset_mode, v_reset=lif.v_reset, surrogate=lif.surrogate)
    paper_spikes, paper_u = paper_cell_as_written(Tensor(x))
    assert 0 < spikes.data.mean() < 1
    np.testing.assert_array_equal(lif(x).data, paper_spikes.data)
    np.testing.assert_array_equal(spikes.data, paper_spikes.data)
    h = 0.3 * np.concatenate([np.zeros((1, *x.shape[1:])), membrane.data[:-1]]) + x
    np.testing.assert_allclose(h, paper_u.data, rtol=0, atol=1e-15)  # u is our H
    ours = gradient_of(lif, x, probe)
    theirs = gradient_of(lambda t: paper_cell_as_written(t)[0], x, probe)
    assert np.abs(ours).max() > 0
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_paper_preset_settings():
    lif = nn.LIF.paper()
    assert (lif.decay, lif.threshold, lif.reset_mode, lif.v_reset, lif.detach_reset) == (
        0.3, 0.3, "hard", 0.3, False)
    assert lif.surrogate == Rectangle(width=0.5)
    assert nn.LIF.paper(threshold=0.5).threshold == 0.5


# ------------------------------------------------------------------ streaming
def test_chunks_of_a_stateful_lif_equal_the_whole_sequence_forward_and_backward():
    x, probe = sequence(T=7), sequence(T=7, mean=0.0)
    whole = nn.LIF(tau=3.0, reset="soft")
    streaming = nn.LIF(tau=3.0, reset="soft", stateful=True)

    def in_chunks(t):
        return F.concatenate([streaming(t[:3]), streaming(t[3:5]), streaming(t[5:])])

    np.testing.assert_array_equal(gradient_of(in_chunks, x, probe),
                                  gradient_of(whole, x, probe))
    streaming.reset()
    np.testing.assert_array_equal(in_chunks(Tensor(x)).data, whole(x).data)


def test_single_steps_equal_the_multi_step_run():
    x = sequence(T=5)
    stepper = nn.LIF(step_mode="single")
    assert stepper.stateful
    steps = [stepper(x[t]).data for t in range(len(x))]
    np.testing.assert_array_equal(np.stack(steps), nn.LIF()(x).data)


def test_reusing_a_membrane_whose_graph_was_freed_raises_until_reset_or_detach():
    lif = nn.LIF(stateful=True)
    x = Tensor(sequence(), requires_grad=True)
    lif(x).sum().backward()
    with pytest.raises(RuntimeError, match=r"already freed.*reset\(\).*detach\(\)"):
        lif(x)
    carried, x_next = lif.v.data.copy(), sequence()
    lif.detach()  # truncated BPTT: the value stays, the history goes
    np.testing.assert_array_equal(lif(x_next).data, F.lif(x_next, v_init=carried).data)
    lif.reset()
    assert lif.v is None


def test_a_batch_of_another_shape_asks_for_reset():
    lif = nn.LIF(stateful=True)
    with no_grad():
        lif(sequence(shape=(2, 3)))
        with pytest.raises(ValueError, match=r"carried membrane .*\(2, 3\).*\(4, 3\).*reset\(\)"):
            lif(sequence(shape=(4, 3)))
        lif.reset()
        assert lif(sequence(shape=(4, 3))).shape == (6, 4, 3)


def test_without_gradients_streaming_needs_no_reset():
    lif = nn.LIF(stateful=True)
    with no_grad():
        for _ in range(3):
            lif(sequence())
    assert lif.v is not None and not lif.v.requires_grad


def test_repr_shows_the_settings():
    text = repr(nn.LIF.paper())
    assert text == ("LIF(decay=0.3, threshold=0.3, reset='hard', v_reset=0.3, detach_reset=False, "
                    "surrogate=Rectangle(width=0.5))")
    assert "decay_input=True" in repr(nn.LIF(decay_input=True))
    assert "stateful=True" in repr(nn.LIF(stateful=True))


@pytest.mark.parametrize("kwargs, message", [
    ({"tau": 0.5}, "tau must be a finite number >= 1"),
    ({"decay": 1.0}, r"decay must be a finite number in \[0, 1\)"),
    ({"step_mode": "all"}, "step_mode must be 'multi' or 'single', got 'all'"),
])
def test_bad_settings_raise_naming_them(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nn.LIF(**kwargs)
