"""from_nir, node by node: every nir 1.0 primitive against a plain loop of its equation
(tests/nir_reference.py), on shapes and parameters drawn by hypothesis."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

nir = pytest.importorskip("nir")

from nir_reference import conv2d, neuron, pool2d  # noqa: E402

from tinysnn import from_nir, no_grad  # noqa: E402
from tinysnn.interop.nir_layers import ConvNode  # noqa: E402
from tinysnn.interop.nir_neurons import FusedLIF, LIFNeuron  # noqa: E402


def run(node, x, dt, shape=None):
    """The graph Input -> node -> Output, imported and run on x [T, B, *shape]."""
    graph = nir.NIRGraph(nodes={"input": nir.Input(np.array(shape or x.shape[2:])), "n": node,
                                "output": nir.Output(np.array([1]))},
                         edges=[("input", "n"), ("n", "output")], type_check=False)
    with no_grad():
        return from_nir(graph, dt=dt)(x).data


FIELDS = {"LI": ("tau", "r", "v_leak"), "LIF": ("tau", "r", "v_leak", "v_threshold", "v_reset"),
          "I": ("r",), "IF": ("r", "v_threshold", "v_reset"),
          "CubaLI": ("tau_syn", "tau_mem", "r", "v_leak", "w_in"),
          "CubaLIF": ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in")}


def draw_params(kind, n, dt, rng, uniform):
    p = {}
    for field in FIELDS[kind]:
        if field.startswith("tau"):
            low, high = dt, 8 * dt
        elif field == "v_threshold":
            low, high = 0.2, 1.0
        elif field == "v_reset":
            low, high = -0.2, 0.2
        elif field == "v_leak":
            low, high = -0.3, 0.3
        else:
            low, high = 0.5, 2.0
        value = rng.uniform(low, high, 1 if uniform else n)
        p[field] = np.repeat(value, n) if uniform else value
    if uniform and "v_leak" in p:
        p["v_leak"][:] = 0.0
    return p


@given(kind=st.sampled_from(sorted(FIELDS)), n=st.integers(1, 5), T=st.integers(1, 12),
       batch=st.integers(1, 3), dt=st.sampled_from([1.0, 1e-3, 1e-4]), uniform=st.booleans(),
       seed=st.integers(0, 2**16))
def test_neuron_nodes_follow_their_euler_step(kind, n, T, batch, dt, uniform, seed):
    rng = np.random.default_rng(seed)
    p = draw_params(kind, n, dt, rng, uniform)
    x = rng.uniform(-1, 3, (T, batch, n)) / (1.0 if "tau" in str(FIELDS[kind]) else dt * 4)
    y = run(getattr(nir, kind)(**p), x, dt)
    expected = neuron(kind, p, x, dt)
    np.testing.assert_allclose(y, expected, rtol=1e-9, atol=1e-9)


def test_lif_with_one_decay_runs_on_nn_lif_and_the_general_case_on_a_neuron_of_its_own():
    one = dict(tau=np.full(3, 2e-3), r=np.ones(3), v_leak=np.zeros(3), v_threshold=np.ones(3),
               v_reset=np.zeros(3))
    leaky = dict(one, v_leak=np.full(3, 0.1))
    graph = lambda node: nir.NIRGraph.from_list(node, type_check=False)  # noqa: E731
    assert isinstance(from_nir(graph(nir.LIF(**one)), dt=1e-3).module("lif"), FusedLIF)
    assert isinstance(from_nir(graph(nir.LIF(**leaky)), dt=1e-3).module("lif"), LIFNeuron)


def test_membranes_start_at_zero_even_with_a_leak_voltage():
    p = dict(tau=np.ones(1), r=np.ones(1), v_leak=np.ones(1))
    y = run(nir.LI(**p), np.zeros((3, 1, 1)), dt=0.5)
    np.testing.assert_allclose(y[:, 0, 0], [0.5, 0.75, 0.875])   # v0 = 0, then toward v_leak


def test_fire_on_greater_or_equal_and_reset_in_the_same_step():
    p = dict(r=np.ones(1), v_threshold=np.ones(1), v_reset=np.full(1, -0.5))
    y = run(nir.IF(**p), np.full((3, 1, 1), 0.5), dt=1.0)   # v: 0.5, 1.0 (fires, -> -0.5), 0
    np.testing.assert_array_equal(y[:, 0, 0], [0, 1, 0])


def test_cubalif_spike_resets_the_membrane_not_the_current():
    p = dict(tau_syn=np.full(1, 2.0), tau_mem=np.ones(1), r=np.ones(1), v_leak=np.zeros(1),
             v_threshold=np.full(1, 0.4), v_reset=np.zeros(1), w_in=np.ones(1))
    x = np.array([2.0, 0, 0, 0]).reshape(4, 1, 1)
    y = run(nir.CubaLIF(**p), x, dt=1.0)
    # i: 1, 0.5, 0.25, 0.125; v = r i (tau_mem = dt): 1 fires, 0.5 fires, 0.25, 0.125
    np.testing.assert_array_equal(y[:, 0, 0], [1, 1, 0, 0])


def test_threshold_scale_affine_linear_flatten():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 2, 4))
    theta = rng.normal(size=4)
    np.testing.assert_array_equal(run(nir.Threshold(threshold=theta), x, 1.0), x >= theta)
    s = rng.normal(size=4)
    np.testing.assert_allclose(run(nir.Scale(scale=s), x, 1.0), x * s)
    w, b = rng.normal(size=(5, 4)), rng.normal(size=5)
    np.testing.assert_allclose(run(nir.Affine(weight=w, bias=b), x, 1.0), x @ w.T + b)
    np.testing.assert_allclose(run(nir.Linear(weight=w), x, 1.0), x @ w.T)
    x4 = rng.normal(size=(2, 3, 2, 3, 4))    # NIR's dims count without the batch: 1..2 of [2,3,4]
    flat = run(nir.Flatten(input_type={"input": np.array([2, 3, 4])}, start_dim=1, end_dim=2),
               x4, 1.0)
    np.testing.assert_array_equal(flat, x4.reshape(2, 3, 2, 12))


conv_cases = st.tuples(st.integers(1, 3), st.integers(1, 2), st.integers(1, 4), st.integers(1, 4),
                       st.integers(1, 2), st.sampled_from([0, 1, 2, "same", "valid"]),
                       st.integers(1, 2), st.booleans(), st.integers(0, 2**16))


@given(conv_cases)
def test_conv2d_matches_a_direct_loop(case):
    groups, per_group, kh, kw, stride, padding, dilation, one_d_is_unused, seed = case
    rng = np.random.default_rng(seed)
    if padding == "same":
        stride = 1
    c, o = groups * per_group, groups * 2
    h = w_ = 9
    weight, bias = rng.normal(size=(o, per_group, kh, kw)), rng.normal(size=o)
    node = nir.Conv2d(input_shape=None, weight=weight, stride=stride, padding=padding,
                      dilation=dilation, groups=groups, bias=bias)
    x = rng.normal(size=(2, 2, c, h, w_))
    if padding == "same":   # PyTorch: the odd one out of d (k - 1) at the end
        pads = tuple(p for k in (kh, kw) for p in (dilation * (k - 1) // 2,
                                                   dilation * (k - 1) - dilation * (k - 1) // 2))
    else:
        p = 0 if padding == "valid" else padding
        pads = (p, p, p, p)
    expected = conv2d(x.reshape(4, c, h, w_), weight, bias, (stride,) * 2, pads, (dilation,) * 2,
                      groups)
    np.testing.assert_allclose(run(node, x, 1.0).reshape(expected.shape), expected, atol=1e-9)


def test_conv1d_matches_a_direct_loop_with_same_padding_and_an_even_kernel():
    rng = np.random.default_rng(1)
    weight, bias = rng.normal(size=(3, 2, 4)), rng.normal(size=3)
    node = nir.Conv1d(input_shape=7, weight=weight, stride=1, padding="same", dilation=1,
                      groups=1, bias=bias)
    x = rng.normal(size=(2, 1, 2, 7))
    expected = conv2d(x.reshape(2, 2, 1, 7), weight[:, :, None, :], bias, (1, 1), (0, 0, 1, 2),
                      (1, 1), 1)
    y = run(node, x, 1.0)
    assert y.shape == (2, 1, 3, 7)
    np.testing.assert_allclose(y.reshape(expected.shape), expected, atol=1e-9)


def test_grouped_convolution_nir_type_check_rejects_still_runs():
    weight = np.ones((4, 1, 3, 3))    # 2 groups of 2 input channels... here 4 groups of 1
    node = nir.Conv2d(input_shape=(5, 5), weight=weight, stride=1, padding=1, dilation=1,
                      groups=4, bias=np.zeros(4))
    x = np.random.default_rng(2).normal(size=(1, 1, 4, 5, 5))
    expected = conv2d(x[0], weight, np.zeros(4), (1, 1), (1,) * 4, (1, 1), 4)
    net_out = run(node, x, 1.0)
    assert isinstance(net_out, np.ndarray)
    np.testing.assert_allclose(net_out[0], expected, atol=1e-9)


@given(kind=st.sampled_from(["SumPool2d", "AvgPool2d"]), k=st.integers(1, 3),
       s=st.integers(1, 3), p=st.integers(0, 2), seed=st.integers(0, 2**16))
def test_pools_match_a_direct_loop(kind, k, s, p, seed):
    x = np.random.default_rng(seed).normal(size=(2, 2, 3, 6, 6))
    node = getattr(nir, kind)(kernel_size=np.array([k, k]), stride=np.array([s, s]),
                              padding=np.array([p, p]))
    expected = pool2d(x.reshape(4, 3, 6, 6), (k, k), (s, s), (p, p), kind)
    np.testing.assert_allclose(run(node, x, 1.0).reshape(expected.shape), expected, atol=1e-9)


def test_delay_rounds_per_element():
    x = np.random.default_rng(3).normal(size=(6, 2, 3))
    y = run(nir.Delay(delay=np.array([3e-4, 0.0, 1e-4])), x, dt=1e-4)   # 3, 0 and 1 steps
    expected = np.zeros_like(x)
    expected[3:, :, 0], expected[:, :, 1], expected[1:, :, 2] = x[:3, :, 0], x[:, :, 1], x[:5, :, 2]
    np.testing.assert_array_equal(y, expected)


def test_parameters_of_every_kind_exporters_write():
    """0-d arrays, Python numbers, float16 arrays, bytes for a padding string."""
    x = np.ones((2, 1, 3), np.float32)
    y = run(nir.Scale(scale=np.float16(2.0) * np.ones(3, np.float16)), x, 1.0)
    assert y.dtype == np.float32 and (y == 2).all()
    li = nir.LI(tau=np.array(2.0), r=np.array(1.0), v_leak=np.array(0.0))
    np.testing.assert_allclose(run(li, x, 1.0, shape=(3,))[:, 0, 0], [0.5, 0.75])
    conv = nir.Conv2d(input_shape=(3, 3), weight=np.ones((1, 1, 3, 3)), stride=1,
                      padding="same", dilation=1, groups=1, bias=np.zeros(1))
    conv.padding = b"same"
    y = run(conv, np.ones((1, 1, 1, 3, 3)), 1.0)
    assert y.shape == (1, 1, 1, 3, 3) and y.dtype == np.float64 and y[0, 0, 0, 1, 1] == 9


def test_output_is_float32_unless_every_array_is_float64():
    w64, w32 = np.eye(2), np.eye(2, dtype=np.float32)
    x = np.ones((1, 1, 2))
    assert run(nir.Affine(weight=w64, bias=np.zeros(2)), x, 1.0).dtype == np.float64
    assert run(nir.Affine(weight=w64, bias=np.zeros(2, np.float32)), x, 1.0).dtype == np.float32
    assert run(nir.Linear(weight=w32), x, 1.0).dtype == np.float32


def test_a_conv_node_keeps_the_event_driven_conv2d():
    node = nir.Conv2d(input_shape=(4, 4), weight=np.ones((1, 1, 3, 3)), stride=1, padding=1,
                      dilation=1, groups=1, bias=np.zeros(1))
    net = from_nir(nir.NIRGraph.from_list(node, type_check=False), dt=1.0)
    assert isinstance(net.module("conv2d"), ConvNode)


class TorchLike:
    """What a torch tensor offers an importer: detach().cpu().numpy() (no torch in CI)."""

    def __init__(self, array):
        self.array = array

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.array


def test_torch_tensors_as_parameters():
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    node = nir.Linear(weight=w)
    node.weight = TorchLike(w)                    # as an exporter that forgot .numpy() leaves it
    y = run(node, np.ones((1, 1, 3), np.float32), 1.0, shape=(3,))
    np.testing.assert_array_equal(y[0, 0], w.sum(axis=1))
