"""The input gradient of a convolution after a LIF layer, computed only where BPTT reads it.

BPTT reads dL/dS only as dL/dS psi, so with a compact surrogate (Rectangle, Triangle) the next
convolution may leave its input gradient at 0 wherever psi = 0. These tests check where that is
(``grad_support``: what ``LIFSequence.output_grad_support`` tells the tape), that every
gradient BPTT produces stays the same, and the dispatch."""

import contextlib

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tinysnn import Tensor, no_grad, random_state
from tinysnn.autograd import grad_support
from tinysnn.functional import conv2d, lif, reshape
from tinysnn.kernels import sparsity
from tinysnn.kernels.lif import reference as lif_reference
from tinysnn.nn.models import MASNN
from tinysnn.surrogate import Rectangle, Sigmoid, Triangle
from tinysnn.testing import arrays, lif_configs

COMPACT = ("Rectangle", "Triangle")


@contextlib.contextmanager
def limits(events, masked):
    """Force the conv's paths: event-driven forward and weight gradient (``events``), masked
    input gradient (``masked``), each True (always) or False (never)."""
    saved = sparsity.SPARSE_MAX_DENSITY, sparsity.GRAD_SUPPORT_MAX_DENSITY
    sparsity.SPARSE_MAX_DENSITY = 1.0 if events else 0.0
    sparsity.GRAD_SUPPORT_MAX_DENSITY = 1.0 if masked else 0.0
    try:
        yield
    finally:
        sparsity.SPARSE_MAX_DENSITY, sparsity.GRAD_SUPPORT_MAX_DENSITY = saved


@given(lif_configs(surrogate_names=COMPACT), st.data())
def test_gradient_support_is_where_the_surrogate_slope_is_nonzero(config, data):
    T, B, C, H, W = 3, 2, 2, 3, 4
    x = Tensor(data.draw(arrays((T, B, C, H, W), min_value=-1, max_value=2)),
               requires_grad=True)
    spikes = lif(x, **config)
    support = grad_support(reshape(spikes, (T * B, C, H, W)))
    options = {k: v for k, v in config.items() if k != "surrogate"}
    _, h, _ = lif_reference.lif_forward(x.data, np.zeros(x.shape[1:]), options["decay"],
                                        options["threshold"], options["reset"],
                                        options["v_reset"])
    psi = config["surrogate"].derivative(h - options["threshold"])
    assert support.shape == (T * B, C, H, W) and support.dtype == np.bool_
    np.testing.assert_array_equal(support.reshape(h.shape), psi != 0)


def test_gradient_support_is_unknown_where_the_gradient_may_be_read_anywhere():
    x = Tensor(np.random.default_rng(0).standard_normal((3, 2, 4)), requires_grad=True)
    assert grad_support(x) is None  # a leaf
    assert grad_support(lif(x, surrogate=Sigmoid())) is None  # never exactly 0
    spikes, membrane = lif(x, surrogate=Rectangle(), return_membrane=True)
    assert grad_support(membrane) is None  # the membrane's gradient is read everywhere
    assert grad_support(spikes * 2) is None  # the product reads its own gradient
    assert grad_support(lif(x, surrogate=Triangle(), spike_fn=Triangle().primitive)) is None
    with no_grad():
        assert grad_support(lif(x, surrogate=Rectangle())) is None  # no graph
    assert grad_support(reshape(spikes, (6, 4))) is not None


@st.composite
def lif_conv_cases(draw):
    """A LIF layer with a compact surrogate feeding a stride-1 convolution, float64."""
    T, B, C = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    out_ch, k = draw(st.integers(1, 4)), draw(st.sampled_from([1, 3]))
    padding = draw(st.integers(0, k - 1))
    smallest = max(1, k - 2 * padding)
    H, W = draw(st.integers(smallest, 5)), draw(st.integers(smallest, 5))
    x = draw(arrays((T, B, C, H, W), min_value=-1, max_value=2))
    weight, bias = draw(arrays((out_ch, C, k, k))), draw(arrays((out_ch,)))
    grad = draw(arrays((T * B, out_ch, H + 2 * padding - k + 1, W + 2 * padding - k + 1)))
    return x, weight, bias, padding, grad, draw(lif_configs(surrogate_names=COMPACT))


def _gradients(case, events, masked):
    x, weight, bias, padding, grad, config = case
    tensors = [Tensor(a, requires_grad=True) for a in (x, weight, bias)]
    spikes = lif(tensors[0], **config)
    folded = reshape(spikes, (-1, *x.shape[2:]))
    with limits(events, masked):
        y = conv2d(folded, tensors[1], tensors[2], padding=padding)
        (y * Tensor(grad)).sum().backward()
    return [t.grad for t in tensors]


@given(lif_conv_cases(), st.booleans())
def test_masked_input_gradient_changes_no_gradient_of_bptt(case, events):
    expected = _gradients(case, events=False, masked=False)  # GEMMs, every input gradient
    for got, want in zip(_gradients(case, events=events, masked=True), expected):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_a_masnn_step_has_the_same_gradients_with_and_without_masking():
    rng = np.random.default_rng(0)
    x = Tensor((rng.random((4, 2, 2, 8, 8)) < 0.3).astype(np.float32))
    weights = Tensor(rng.standard_normal((2, 11)).astype(np.float32))
    grads = []
    for events, masked in ((False, False), (True, True)):
        random_state.manual_seed(0)
        model = MASNN(attention="TCA", T=4, input_size=8, channels=(4, 6), pools=(1, 2),
                      hidden=(8,), reduction_c=2)
        with limits(events, masked):
            (model(x) * weights).sum().backward()
        grads.append([p.grad for p in model.parameters()])
    assert np.abs(grads[0][0]).max() > 0  # the first conv learns
    for got, want in zip(*grads):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=1e-5)


def test_dispatch_masks_the_input_gradient_only_below_its_limit(monkeypatch):
    import tinysnn.functional.conv as conv_module

    calls = []
    real = conv_module.event_conv_backward
    monkeypatch.setattr(conv_module, "event_conv_backward",
                        lambda *a: calls.append(a[5]) or real(*a))
    rng = np.random.default_rng(0)
    weight = Tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    for membrane, expect_mask in ((0.0, True), (1.0, False)):  # psi != 0 nowhere / everywhere
        calls.clear()
        x = Tensor(np.full((1, 2, 3, 5, 5), membrane), requires_grad=True)
        spikes = lif(x, threshold=1.0, v_reset=0.0, surrogate=Rectangle(width=0.5))
        conv2d(reshape(spikes, (2, 3, 5, 5)), weight, padding=1).sum().backward()
        assert (len(calls) == 1 and calls[0] is not None) == expect_mask
