"""Attention branches: hand-written backward == composed from primitives == central differences."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinysnn import Tensor
from tinysnn.functional import channel_attention, relu, spatial_attention, temporal_attention
from tinysnn.testing import arrays, assert_grad_close, attention_configs
from tinysnn.testing.composed_attention import (
    channel_attention_composed,
    spatial_attention_composed,
    temporal_attention_composed,
)

# Small sizes: central differences cost two forward passes per element.
SMALL = dict(max_T=4, max_B=2, max_C=4, max_side=4)
DISTINCT = dict(distinct=True, margin=1e-4)  # max pools see no ties, even under eps = 1e-6


def _mlp_weights(draw, n, reduction):
    """w1 [h, n], w2 [n, h] with h = max(1, n // reduction); distinct so no hidden unit is 0."""
    h = max(1, n // reduction)
    w1 = draw(arrays((h, n), min_value=-1.0, max_value=1.0, **DISTINCT))
    w2 = draw(arrays((n, h), min_value=-1.0, max_value=1.0, **DISTINCT))
    return w1, w2


def _mlp_inputs_clear_of_relu_kink(pooled, w1):
    """True when every w1 @ pooled is at least 1e-4 from ReLU's kink at 0."""
    return bool(np.all(np.abs(pooled @ w1.T) > 1e-4))


@st.composite
def temporal_cases(draw):
    c = draw(attention_configs(**SMALL))
    fully_connected = draw(st.booleans())
    features = (c["C"] * c["H"],) if fully_connected else (c["C"], c["H"], c["W"])
    x = draw(arrays((c["T"], c["B"], *features), **DISTINCT))
    w1, w2 = _mlp_weights(draw, c["T"], c["reduction_t"])
    flat = x.reshape(c["T"], c["B"], -1)
    assume(_mlp_inputs_clear_of_relu_kink(flat.mean(axis=2).T, w1))
    assume(_mlp_inputs_clear_of_relu_kink(flat.max(axis=2).T, w1))
    return x, w1, w2


@st.composite
def channel_cases(draw):
    c = draw(attention_configs(**SMALL))
    x = draw(arrays((c["T"], c["B"], c["C"], c["H"], c["W"]), **DISTINCT))
    w1, w2 = _mlp_weights(draw, c["C"], c["reduction_c"])
    assume(_mlp_inputs_clear_of_relu_kink(x.mean(axis=(0, 3, 4)), w1))
    assume(_mlp_inputs_clear_of_relu_kink(x.max(axis=(0, 3, 4)), w1))
    return x, w1, w2


@st.composite
def spatial_cases(draw):
    c = draw(attention_configs(**SMALL))
    x = draw(arrays((c["T"], c["B"], c["C"], c["H"], c["W"]), **DISTINCT))
    k = c["kernel_size"]
    weight = draw(arrays((1, 2, k, k), min_value=-1.0, max_value=1.0))
    return x, weight


BRANCHES = {
    "temporal": (temporal_attention, temporal_attention_composed, temporal_cases()),
    "channel": (channel_attention, channel_attention_composed, channel_cases()),
    "spatial": (spatial_attention, spatial_attention_composed, spatial_cases()),
}


def _output_and_grads(fn, inputs, probe):
    tensors = [Tensor(a.copy(order="K"), requires_grad=True) for a in inputs]  # keeps layout
    out = fn(*tensors)
    out.backward(probe)
    return out.data, [t.grad for t in tensors]


@pytest.mark.parametrize("branch", sorted(BRANCHES))
def test_hand_written_backward_equals_composed_and_central_differences(branch):
    fn, composed, cases = BRANCHES[branch]

    @given(inputs=cases, seed=st.integers(0, 2**16))
    def check(inputs, seed):
        probe = np.random.default_rng(seed).standard_normal(inputs[0].shape)
        out, grads = _output_and_grads(fn, inputs, probe)
        out_ref, grads_ref = _output_and_grads(composed, inputs, probe)
        np.testing.assert_allclose(out, out_ref, rtol=1e-10, atol=1e-10)
        for i, (g, g_ref) in enumerate(zip(grads, grads_ref)):
            np.testing.assert_allclose(g, g_ref, rtol=1e-10, atol=1e-10, err_msg=f"input {i}")
        assert_grad_close(fn, *inputs, method="elementwise", seed=seed)

    check()


@pytest.mark.parametrize("branch", sorted(BRANCHES))
def test_a_relu_in_the_same_pass_equals_a_relu_after_the_branch(branch):
    """relu=True: max(branch, 0) and its gradients, hand-written == composed == central
    differences (inputs away from 0, the ReLU's kink: the gate is positive)."""
    fn, composed, cases = BRANCHES[branch]

    @given(inputs=cases, seed=st.integers(0, 2**16))
    def check(inputs, seed):
        assume(np.abs(inputs[0]).min() > 1e-3)
        probe = np.random.default_rng(seed).standard_normal(inputs[0].shape)
        out, grads = _output_and_grads(lambda *t: fn(*t, relu=True), inputs, probe)
        out_ref, grads_ref = _output_and_grads(lambda *t: relu(composed(*t)), inputs, probe)
        assert (out >= 0).all()
        np.testing.assert_allclose(out, out_ref, rtol=1e-10, atol=1e-10)
        for i, (g, g_ref) in enumerate(zip(grads, grads_ref)):
            np.testing.assert_allclose(g, g_ref, rtol=1e-10, atol=1e-10, err_msg=f"input {i}")
        assert_grad_close(lambda *t: fn(*t, relu=True), *inputs, method="elementwise", seed=seed)

    check()


@pytest.mark.parametrize("branch", sorted(BRANCHES))
def test_weight_gradients_without_input_gradient(branch):
    """Only the weights require a gradient: backward skips dL/dx, still gets the weights right."""
    fn, composed, cases = BRANCHES[branch]

    @given(inputs=cases)
    def check(inputs):
        x, weights = Tensor(inputs[0]), [Tensor(w, requires_grad=True) for w in inputs[1:]]
        fn(x, *weights).sum().backward()
        weights_ref = [Tensor(w, requires_grad=True) for w in inputs[1:]]
        composed(Tensor(inputs[0]), *weights_ref).sum().backward()
        assert x.grad is None
        for w, w_ref in zip(weights, weights_ref):
            np.testing.assert_allclose(w.grad, w_ref.grad, rtol=1e-10, atol=1e-10)

    check()


@pytest.mark.parametrize("branch", sorted(BRANCHES))
def test_float32_matches_float64(branch):
    fn, _, cases = BRANCHES[branch]

    @given(inputs=cases)
    def check(inputs):
        probe = np.random.default_rng(0).standard_normal(inputs[0].shape)
        out64, grads64 = _output_and_grads(fn, inputs, probe)
        inputs32 = [a.astype(np.float32) for a in inputs]
        out32, grads32 = _output_and_grads(fn, inputs32, probe.astype(np.float32))
        assert out32.dtype == np.float32 and all(g.dtype == np.float32 for g in grads32)
        np.testing.assert_allclose(out32, out64, rtol=1e-4, atol=1e-5)
        for g32, g64 in zip(grads32, grads64):
            np.testing.assert_allclose(g32, g64, rtol=1e-3, atol=1e-4)

    check()


@given(cases=spatial_cases(), gate=st.sampled_from(["temporal", "channel", "spatial"]))
def test_zero_weights_give_half_gates(cases, gate):
    """sigmoid(0) = 1/2: with all-zero weights every branch halves its input."""
    x = cases[0]
    T, C = x.shape[0], x.shape[2]
    if gate == "temporal":
        y = temporal_attention(x, np.zeros((1, T)), np.zeros((T, 1)))
    elif gate == "channel":
        y = channel_attention(x, np.zeros((1, C)), np.zeros((C, 1)))
    else:
        y = spatial_attention(x, np.zeros((1, 2, 3, 3)))
    np.testing.assert_array_equal(y.data, x * 0.5)


@pytest.mark.parametrize("branch", sorted(BRANCHES))
def test_non_contiguous_input_gives_the_same_result(branch):
    fn, _, cases = BRANCHES[branch]

    @given(inputs=cases)
    def check(inputs):
        x, weights = inputs[0], inputs[1:]
        strided = np.asfortranarray(x)  # same values, another memory layout
        probe = np.ones(x.shape)
        out, grads = _output_and_grads(fn, (x, *weights), probe)
        out_strided, grads_strided = _output_and_grads(fn, (strided, *weights), probe)
        np.testing.assert_array_equal(out, out_strided)
        for g, g_strided in zip(grads, grads_strided):
            np.testing.assert_array_equal(g, g_strided)

    check()


# ------------------------------------------------------------------ argument checks
X = np.zeros((4, 2, 3, 5, 5))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: temporal_attention(np.zeros((4, 2, 3, 5)), np.zeros((1, 4)), np.zeros((4, 1))),
         r"x must be \[T, B, C, H, W\] or \[T, B, L\], got shape \(4, 2, 3, 5\)"),
        (lambda: temporal_attention(X, np.zeros((1, 3)), np.zeros((3, 1))),
         r"w1 has 3 inputs, x has T = 4"),
        (lambda: temporal_attention(X, np.zeros((2, 4)), np.zeros((4, 1))),
         r"w2 must have shape \(4, 2\), got \(4, 1\)"),
        (lambda: temporal_attention(X, np.zeros((1, 4), np.float32), np.zeros((4, 1))),
         r"w1 is float32, x is float64"),
        (lambda: channel_attention(np.zeros((4, 2, 3)), np.zeros((1, 3)), np.zeros((3, 1))),
         r"x must be \[T, B, C, H, W\], got shape \(4, 2, 3\)"),
        (lambda: channel_attention(X, np.zeros((1, 4)), np.zeros((4, 1))),
         r"w1 has 4 inputs, x has C = 3"),
        (lambda: spatial_attention(X, np.zeros((1, 2, 2, 2))), r"kernel size must be odd.*k = 2"),
        (lambda: spatial_attention(X, np.zeros((1, 3, 3, 3))), r"weight must be \[1, 2, k, k\]"),
        (lambda: spatial_attention(X[0], np.zeros((1, 2, 3, 3))), r"x must be \[T, B, C, H, W\]"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_integer_input_is_refused():
    with pytest.raises(TypeError, match="x must be floating-point, got int64"):
        spatial_attention(np.zeros((1, 1, 1, 2, 2), np.int64), np.zeros((1, 2, 1, 1)))
