"""The testing kit tests itself: planted backward bugs are caught, correct ones pass,
and the strategies never draw an invalid input or configuration."""

import importlib.util
import re

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from tinysnn import Function, surrogate
from tinysnn.testing import (
    ATTENTION_DIMS,
    PROFILE_ENV_VAR,
    arrays,
    assert_grad_close,
    attention_configs,
    check_function,
    lif_configs,
    load_profile,
    shapes,
    time_major,
)
from tinysnn.testing.gradcheck import GradReport, check_gradients, directional_check


# ---------------------------------------------------------------- ops with planted bugs
# Each Function takes ``bug`` (None for the correct backward) and plants it in backward.
class Cube(Function):
    """Elementwise: y = x^3, dy/dx = 3 x^2."""

    @staticmethod
    def forward(ctx, x, bug=None):
        ctx.save_for_backward(x)
        ctx.bug = bug
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        slope = {None: 3 * x**2, "sign": -3 * x**2, "factor": x**2}[ctx.bug]
        return (grad * slope,)


class Scale(Function):
    """Broadcasting: a [n, n] * b [n]; b's gradient sums over axis 0."""

    @staticmethod
    def forward(ctx, a, b, bug=None):
        ctx.save_for_backward(a, b)
        ctx.bug = bug
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        ga = grad if ctx.bug == "factor" else grad * b
        gb = (grad * a).sum(axis=1 if ctx.bug == "axis" else 0)
        return ga, -gb if ctx.bug == "sign" else gb


class LogSumExp(Function):
    """Reduction: y = log sum_j exp(x[:, j]) for x [n, n]; dy/dx = softmax over axis 1."""

    @staticmethod
    def forward(ctx, x, bug=None):
        ctx.save_for_backward(x)
        ctx.bug = bug
        top = x.max(axis=1, keepdims=True)
        return (top + np.log(np.exp(x - top).sum(axis=1, keepdims=True)))[:, 0]

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        axis = 0 if ctx.bug == "axis" else 1
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        softmax = e if ctx.bug == "factor" else e / e.sum(axis=axis, keepdims=True)
        sign = -1 if ctx.bug == "sign" else 1
        return (sign * grad[:, None] * softmax,)


class Affine(Function):
    """Matmul-like: y = scale * x @ w^T + b for x [n, n], w [n, n], b [n]."""

    @staticmethod
    def forward(ctx, x, w, b, scale=0.5, bug=None):
        ctx.save_for_backward(x, w)
        ctx.scale, ctx.bug = scale, bug
        return scale * x @ w.T + b

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved
        scale = 1.0 if ctx.bug == "factor" else ctx.scale
        gx = scale * grad @ w
        gw = scale * grad.T @ x
        gb = grad.sum(axis=1 if ctx.bug == "axis" else 0)
        return gx, -gw if ctx.bug == "sign" else gw, gb


def square_inputs(n_inputs, sides):
    """Tuples of (x [n, n], ...) with the number of [n, n] and [n] inputs given by n_inputs."""
    matrices, vectors = n_inputs
    return sides.flatmap(lambda n: st.tuples(
        *[arrays((n, n), min_value=-1.5, max_value=1.5)] * matrices,
        *[arrays((n,), min_value=-1.5, max_value=1.5)] * vectors))


OPS = {  # name: (Function, (matrices, vectors), bugs)
    "elementwise": (Cube, (1, 0), ["sign", "factor"]),
    "broadcast": (Scale, (1, 1), ["sign", "factor", "axis"]),
    "reduction": (LogSumExp, (1, 0), ["sign", "factor", "axis"]),
    "matmul": (Affine, (2, 1), ["sign", "factor", "axis"]),
}
PLANTED = [(kind, bug) for kind, (_, _, bugs) in OPS.items() for bug in bugs]


def fixed_inputs(kind, n, seed=0):
    _, (matrices, vectors), _ = OPS[kind]
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.5, 1.5, (n, n)) for _ in range(matrices)] + [
        rng.uniform(-1.5, 1.5, n) for _ in range(vectors)]


@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("n", [4, 48])  # 48: more than 2000 elements, so the directional check
def test_correct_backward_passes_assert_grad_close(kind, n):
    Fn = OPS[kind][0]
    assert_grad_close(Fn.apply, *fixed_inputs(kind, n))


@pytest.mark.parametrize("kind, bug", PLANTED)
@pytest.mark.parametrize("n, method", [(4, "elementwise"), (48, "directional")])
def test_planted_bug_is_caught_by_assert_grad_close(kind, bug, n, method):
    Fn = OPS[kind][0]
    with pytest.raises(AssertionError, match=f"{method} check") as caught:
        assert_grad_close(lambda *t: Fn.apply(*t, bug=bug), *fixed_inputs(kind, n))
    message = str(caught.value)
    assert "backward gives" in message and "central differences give" in message
    assert "input " in message and "element (" in message


@pytest.mark.parametrize("kind", OPS)
def test_correct_backward_passes_check_function(kind):
    Fn, n_inputs, _ = OPS[kind]
    check_function(Fn, square_inputs(n_inputs, st.integers(1, 4)))


@pytest.mark.parametrize("kind, bug", PLANTED)
def test_planted_bug_is_caught_by_check_function(kind, bug):
    Fn, n_inputs, _ = OPS[kind]
    with pytest.raises(AssertionError, match="elementwise check"):
        check_function(Fn, square_inputs(n_inputs, st.integers(1, 4)), bug=bug)


@pytest.mark.parametrize("kind, bug", PLANTED)
def test_planted_bug_is_caught_by_check_function_on_large_inputs(kind, bug):
    Fn, n_inputs, _ = OPS[kind]
    with pytest.raises(AssertionError, match="directional check"):
        check_function(Fn, square_inputs(n_inputs, st.integers(46, 50)), bug=bug)


def test_check_function_takes_drawn_params():
    scales = st.fixed_dictionaries({"scale": st.floats(-2, 2)})
    inputs_and_params = st.tuples(square_inputs((2, 1), st.integers(1, 3)), scales)
    check_function(Affine, inputs_and_params)
    with pytest.raises(AssertionError, match="Affine"):
        check_function(Affine, inputs_and_params, bug="sign")


class CountedCube(Cube):
    examples = 0

    @staticmethod
    def forward(ctx, x, bug=None):
        CountedCube.examples += 1
        return Cube.forward(ctx, x, bug)


def test_check_function_takes_settings_and_gradient_options():
    CountedCube.examples = 0
    check_function(CountedCube, arrays((2,)), settings=settings(max_examples=7),
                   grad_options={"method": "directional"})
    assert CountedCube.examples == 7 * 4  # the directional check's forwards: probe, grad, +d, -d
    with pytest.raises(TypeError, match="unknown grad_options"):
        check_function(Cube, arrays((2,)), grad_options={"tol": 1e-3})


# ---------------------------------------------------------------- what a failure reports
class OneWrongElement(Function):
    """y = 2 x, except that backward is wrong at one flat position ``where`` only."""

    @staticmethod
    def forward(ctx, x, where=0):
        ctx.where = where
        return 2 * x

    @staticmethod
    def backward(ctx, grad):
        g = 2 * grad
        g.flat[ctx.where] *= 1.5
        return (g,)


@pytest.mark.parametrize("method, shape", [("elementwise", (3, 5)), ("directional", (60, 70))])
def test_failure_names_input_element_and_both_values(method, shape):
    where = int(np.prod(shape)) * 2 // 3
    element = np.unravel_index(where, shape)
    x = np.random.default_rng(1).uniform(-1, 1, shape)
    probe = np.random.default_rng(0).standard_normal(shape)  # the probe seed=0 uses
    with pytest.raises(AssertionError) as caught:
        assert_grad_close(lambda y, t: y + OneWrongElement.apply(t, where=where), x, x,
                          method=method)
    message = str(caught.value)
    assert f"input 1, element {tuple(int(k) for k in element)}" in message
    found = re.search(r"element .*backward gives (\S+), central differences give (\S+) ", message)
    analytic, numeric = float(found[1]), float(found[2])
    assert analytic == pytest.approx(3 * probe[element], rel=1e-9)  # the planted 1.5 x 2
    assert numeric == pytest.approx(2 * probe[element], rel=1e-6)
    assert "|difference|" in message and "tolerance" in message


def test_nan_gradient_is_a_failure():
    report = check_gradients(lambda t: Cube.apply(t) * np.nan, np.ones(3))
    assert not report.ok
    assert not directional_check(lambda t: Cube.apply(t) * np.nan, np.ones(3)).ok


def test_float32_inputs_are_refused_with_a_clear_error():
    with pytest.raises(TypeError, match="input 0 is float32.*float64"):
        assert_grad_close(Cube.apply, np.ones(3, np.float32))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="method"):
        assert_grad_close(Cube.apply, np.ones(3), method="finite")
    with pytest.raises(ValueError, match="wrt"):
        assert_grad_close(lambda x, i: x[i], np.ones(3), np.array([0, 2]), wrt=[1])
    with pytest.raises(TypeError, match="one Tensor"):
        assert_grad_close(lambda x: (x, x), np.ones(3))


def test_integer_inputs_pass_through_and_wrt_limits_the_check():
    gather = lambda x, i: x[i] * 2.0  # the labels i are not differentiated
    assert_grad_close(gather, np.linspace(-1, 1, 5), np.array([0, 3, 3]))
    wrong_for_b_only = lambda a, b: a * 1.0 + Scale.apply(a, b, bug="sign")
    x = fixed_inputs("broadcast", 3)
    assert_grad_close(wrong_for_b_only, *x, wrt=[0])
    with pytest.raises(AssertionError, match="input 1"):
        assert_grad_close(wrong_for_b_only, *x, wrt=[1])


def test_report_says_so_when_gradients_agree():
    report = check_gradients(Cube.apply, np.linspace(-1, 1, 4))
    assert report.ok and "agree" in str(report)
    assert isinstance(report, GradReport)


# ---------------------------------------------------------------- strategies draw valid inputs
def _distance_to(x, kinks):
    return np.min(np.abs(x.ravel()[:, None] - np.asarray(kinks)[None, :]), axis=1)


@settings(max_examples=300)
@given(st.data())
def test_arrays_keep_range_shape_and_margin_from_kinks(data):
    lo = data.draw(st.floats(-5, 5), label="min_value")
    hi = lo + data.draw(st.floats(0.5, 5), label="width")
    kinks = data.draw(st.lists(st.floats(lo - 1, hi + 1), max_size=4), label="avoid")
    margin = data.draw(st.floats(0, 0.05), label="margin")
    shape = data.draw(shapes(max_dims=3, max_side=4), label="shape")
    dtype = data.draw(st.sampled_from([np.float64, np.float32]), label="dtype")
    x = data.draw(arrays(shape, dtype, lo, hi, avoid=kinks, margin=margin))
    assert x.shape == shape and x.dtype == dtype
    slack = 1e-12 if dtype == np.float64 else 1e-6 * (abs(lo) + abs(hi))
    assert np.all(x >= lo - slack) and np.all(x <= hi + slack)
    if kinks:
        assert np.all(_distance_to(x, kinks) >= margin - slack)


@settings(max_examples=300)
@given(st.data())
def test_distinct_arrays_have_no_near_ties(data):
    lo = data.draw(st.floats(-3, 0), label="min_value")
    hi = data.draw(st.floats(0.5, 3), label="max_value")
    kinks = data.draw(st.lists(st.floats(lo, hi), max_size=3), label="avoid")
    shape = data.draw(shapes(max_dims=3, max_side=5), label="shape")
    margin = data.draw(st.floats(0, 0.2 / np.prod(shape)), label="margin")
    x = data.draw(arrays(shape, min_value=lo, max_value=hi, avoid=kinks, margin=margin,
                         distinct=True))
    assert x.shape == shape
    assert np.all(x >= lo - 1e-12) and np.all(x <= hi + 1e-12)
    if x.size > 1:
        assert np.min(np.diff(np.sort(x.ravel()))) >= margin * (1 - 1e-9)
    if kinks:
        assert np.all(_distance_to(x, kinks) >= margin * (1 - 1e-9) - 1e-12)


def test_distinct_arrays_of_thousands_of_values_are_drawn():
    @given(arrays((3, 2, 8, 6, 6), distinct=True, margin=1e-3, avoid=(0.0,)))
    def check(x):
        assert np.min(np.diff(np.sort(x.ravel()))) >= 1e-3 * (1 - 1e-9)
        assert np.min(np.abs(x)) >= 1e-3 * (1 - 1e-9)

    check()


def test_arrays_refuse_impossible_requests():
    with pytest.raises(InvalidArgument, match="no value"):
        find(arrays((2,), min_value=-0.1, max_value=0.1, avoid=(0.0,), margin=0.2), lambda _: True)
    with pytest.raises(InvalidArgument, match="distinct"):
        find(arrays((1000,), distinct=True, margin=0.1), lambda _: True)
    with pytest.raises(InvalidArgument, match="floating"):
        find(arrays((2,), dtype=np.int64), lambda _: True)
    with pytest.raises(InvalidArgument, match="min_value < max_value"):
        find(arrays((2,), min_value=1.0, max_value=1.0), lambda _: True)


@given(shapes(min_dims=2, max_dims=3, min_side=2, max_side=4))
def test_shapes_respect_their_bounds(shape):
    assert 2 <= len(shape) <= 3 and all(2 <= n <= 4 for n in shape)


@given(time_major(st.integers(1, 4), 2, (st.integers(1, 3), 5), avoid=(1.0,)))
def test_time_major_draws_t_b_then_features(x):
    T, B, C, L = x.shape
    assert 1 <= T <= 4 and B == 2 and 1 <= C <= 3 and L == 5
    assert np.all(np.abs(x - 1.0) >= 1e-2 - 1e-12)


@settings(max_examples=300)
@given(attention_configs())
def test_attention_configs_are_valid(config):
    assert set(config) == {"T", "B", "C", "H", "W", "reduction_t", "reduction_c", "dims",
                           "kernel_size"}
    assert all(config[k] >= 1 for k in "TBCHW")
    assert 1 <= config["reduction_t"] <= config["T"]
    assert 1 <= config["reduction_c"] <= config["C"]
    assert config["kernel_size"] % 2 == 1 and config["dims"] in ATTENTION_DIMS


@given(attention_configs(dims="TCS", T=3))
def test_attention_configs_keep_pinned_values(config):
    assert config["dims"] == "TCS" and config["T"] == 3 and config["reduction_t"] <= 3


def test_attention_configs_refuse_invalid_pins():
    with pytest.raises(InvalidArgument, match="invalid"):
        find(attention_configs(T=2, reduction_t=3), lambda _: True)
    with pytest.raises(InvalidArgument, match="odd"):
        find(attention_configs(kernel_sizes=(2, 3)), lambda _: True)
    with pytest.raises(InvalidArgument, match="unknown keys"):
        find(attention_configs(heads=2), lambda _: True)


@settings(max_examples=300)
@given(lif_configs())
def test_lif_configs_are_valid(config):
    assert 0.0 <= config["decay"] <= 1.0
    assert config["threshold"] > 0 and config["v_reset"] <= config["threshold"]
    assert config["reset"] in ("hard", "soft") and isinstance(config["detach_reset"], bool)
    kinds = (surrogate.Sigmoid, surrogate.ATan, surrogate.Rectangle, surrogate.Triangle,
             surrogate.FastSigmoid)
    assert isinstance(config["surrogate"], kinds)


# ---------------------------------------------------------------- profiles
def test_profiles_are_selected_by_environment_variable(monkeypatch):
    try:
        monkeypatch.setenv(PROFILE_ENV_VAR, "thorough")
        assert load_profile() == "thorough"
        assert settings.default.max_examples == 500 and settings.default.deadline is None
        monkeypatch.setenv(PROFILE_ENV_VAR, "ci")
        assert load_profile() == "ci"
        ci = settings.default
        assert ci.max_examples == 50 and ci.deadline is None and ci.derandomize
        monkeypatch.setenv(PROFILE_ENV_VAR, "nightly")
        with pytest.raises(ValueError, match="nightly"):
            load_profile()
    finally:
        monkeypatch.undo()
        load_profile()  # back to the profile conftest loaded


class SiLUWithoutProductRule(Function):
    """y = x sigmoid(x), whose backward forgets the x s (1 - s) term: an error odd in x."""

    @staticmethod
    def forward(ctx, x):
        s = 1 / (1 + np.exp(-x))
        ctx.save_for_backward(s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved
        return (grad * s,)


def test_directional_check_sees_errors_that_average_out_over_symmetric_inputs():
    # With the direction equal to the probe, the error would be sum(probe^2 * odd(x)), which
    # nearly cancels on inputs symmetric around 0; an independent direction does not cancel.
    x = np.random.default_rng(0).uniform(-2, 2, (8, 16, 32))
    report = directional_check(SiLUWithoutProductRule.apply, x, atol=1e-5)
    exact, numeric = report.direction
    assert not report.ok and abs(exact - numeric) > 0.01 * abs(numeric)


def test_the_example_in_the_kit_docstring_runs_and_passes(tmp_path):
    import textwrap

    import tinysnn.testing

    doc = tinysnn.testing.__doc__
    path = tmp_path / "test_silu.py"
    path.write_text(textwrap.dedent(doc[doc.index("    import numpy"):doc.index("Had backward")]))
    spec = importlib.util.spec_from_file_location("docstring_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    example.test_silu_backward()
    example.test_silu_backward_on_a_large_input()
