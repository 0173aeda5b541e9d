"""from_nir on whole graphs built with nir's own classes: branches, cycles, nested graphs, the
graphs other frameworks export, files, gradients, and every refusal."""

import numpy as np
import pytest

nir = pytest.importorskip("nir")

from nir_reference import conv2d, neuron, pool2d  # noqa: E402

from tinysnn import Tensor, from_nir, no_grad  # noqa: E402
from tinysnn.interop.nir_neurons import NIRNeuron  # noqa: E402
from tinysnn.interop.nir_values import NIRError  # noqa: E402
from tinysnn.surrogate import Sigmoid  # noqa: E402
from tinysnn.testing.gradcheck import check_gradients  # noqa: E402
from tinysnn.testing.smooth import smooth_spike  # noqa: E402

rng = np.random.default_rng(0)


def lif_params(n, tau, v_leak=0.0, threshold=1.0):
    return dict(tau=np.full(n, tau), r=np.ones(n), v_leak=np.full(n, v_leak),
                v_threshold=np.full(n, threshold), v_reset=np.zeros(n))


def forward(graph, x, dt):
    with no_grad():
        return from_nir(graph, dt=dt)(x).data


def test_two_edges_into_one_node_add():
    w1, w2 = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    p = lif_params(4, 2e-3, v_leak=0.1)
    graph = nir.NIRGraph(nodes={"in": nir.Input(np.array([3])), "a": nir.Linear(weight=w1),
                                "b": nir.Linear(weight=w2), "lif": nir.LIF(**p),
                                "out": nir.Output(np.array([4]))},
                         edges=[("in", "a"), ("in", "b"), ("a", "lif"), ("b", "lif"),
                                ("lif", "out")])
    x = rng.uniform(0, 2, (10, 2, 3))
    np.testing.assert_array_equal(forward(graph, x, 1e-3), neuron("LIF", p, x @ (w1 + w2).T, 1e-3))


def recurrent_reference(kind, p, w_in, b_in, w_rec, b_rec, x, dt):
    """input -> affine -> neuron, neuron -> rec (Affine) -> neuron; rec delivers its bias at t=0."""
    states = {"v": np.zeros((x.shape[1], w_in.shape[0])), "i": np.zeros((x.shape[1],
                                                                         w_in.shape[0]))}
    fed_back, out = np.broadcast_to(b_rec, states["v"].shape), []   # rec on zero input
    for xt in x:
        current = xt @ w_in.T + b_in + fed_back
        s = neuron_step(kind, p, current, dt, states)
        fed_back = s @ w_rec.T + b_rec
        out.append(s)
    return np.stack(out)


def neuron_step(kind, p, x, dt, st):
    if kind == "LIF":
        st["v"] = st["v"] + dt / p["tau"] * (p["v_leak"] - st["v"] + p["r"] * x)
    else:
        st["i"] = st["i"] + dt / p["tau_syn"] * (-st["i"] + p["w_in"] * x)
        st["v"] = st["v"] + dt / p["tau_mem"] * (p["v_leak"] - st["v"] + p["r"] * st["i"])
    s = (st["v"] >= p["v_threshold"]).astype(float)
    st["v"] = np.where(s > 0, p["v_reset"], st["v"])
    return s


def recurrent_graph(node, w_in, b_in, w_rec, b_rec):
    n_in = w_in.shape[1]
    return nir.NIRGraph(nodes={"input": nir.Input(np.array([n_in])),
                               "lif1.w_in": nir.Affine(weight=w_in, bias=b_in),
                               "lif1.lif": node, "lif1.w_rec": nir.Affine(weight=w_rec,
                                                                          bias=b_rec),
                               "output": nir.Output(np.array([w_in.shape[0]]))},
                        edges=[("input", "lif1.w_in"), ("lif1.w_in", "lif1.lif"),
                               ("lif1.lif", "lif1.w_rec"), ("lif1.w_rec", "lif1.lif"),
                               ("lif1.lif", "output")], type_check=False)


def test_recurrent_lif_feeds_back_the_previous_step_and_the_bias_at_the_start():
    n = 5
    w_in, b_in = rng.normal(size=(n, 3)), rng.normal(size=n) * 0.1
    w_rec, b_rec = rng.normal(size=(n, n)) * 0.5, rng.normal(size=n) * 0.3
    p = lif_params(n, 3e-3, v_leak=0.05, threshold=0.3)
    x = rng.uniform(0, 2, (12, 2, 3))
    net = from_nir(recurrent_graph(nir.LIF(**p), w_in, b_in, w_rec, b_rec), dt=1e-3)
    assert net.cyclic and net.structure.back_edges == {("lif1.w_rec", "lif1.lif")}
    with no_grad():
        y = net(x).data
    np.testing.assert_array_equal(y, recurrent_reference("LIF", p, w_in, b_in, w_rec, b_rec, x,
                                                         1e-3))
    assert 0 < y.mean() < 1


def test_cubalif_rnn_at_dt_1e4():
    n, dt = 6, 1e-4
    p = dict(tau_syn=np.full(n, 5e-4), tau_mem=np.full(n, 1e-3), r=np.full(n, 1.5),
             v_leak=np.zeros(n), v_threshold=np.full(n, 0.1), v_reset=np.zeros(n),
             w_in=np.ones(n))
    w_in, b_in = rng.normal(size=(n, 4)), np.zeros(n)
    w_rec, b_rec = rng.normal(size=(n, n)), rng.normal(size=n) * 0.5
    x = rng.uniform(0, 3, (20, 3, 4))
    graph = recurrent_graph(nir.CubaLIF(**p), w_in, b_in, w_rec, b_rec)
    y = forward(graph, x, dt)
    np.testing.assert_array_equal(y, recurrent_reference("CubaLIF", p, w_in, b_in, w_rec, b_rec,
                                                         x, dt))
    assert 0 < y.mean() < 1


def test_a_nested_graph_computes_what_its_flat_twin_computes():
    w = rng.normal(size=(4, 3))
    p = lif_params(4, 2e-3, v_leak=0.2)
    inner = nir.NIRGraph(nodes={"input": nir.Input(np.array([3])), "lin": nir.Linear(weight=w),
                                "lif": nir.LIF(**p), "output": nir.Output(np.array([4]))},
                         edges=[("input", "lin"), ("lin", "lif"), ("lif", "output")])
    outer = nir.NIRGraph(nodes={"input": nir.Input(np.array([3])), "block": inner,
                                "output": nir.Output(np.array([4]))},
                         edges=[("input", "block"), ("block", "output")], type_check=False)
    x = rng.uniform(0, 2, (8, 2, 3))
    np.testing.assert_array_equal(forward(outer, x, 1e-3), neuron("LIF", p, x @ w.T, 1e-3))


def test_a_sinabs_style_cnn_at_dt_1():
    """Conv2d -> IF -> SumPool2d -> Flatten -> Affine -> IF, as Sinabs exports it (dt = 1)."""
    wc, bc = rng.normal(size=(4, 2, 3, 3)) * 0.5, np.zeros(4)
    wa, ba = rng.normal(size=(3, 4 * 3 * 3)) * 0.3, np.zeros(3)
    if1 = dict(r=np.ones((4, 6, 6)), v_threshold=np.ones((4, 6, 6)), v_reset=np.zeros((4, 6, 6)))
    if2 = dict(r=np.ones(3), v_threshold=np.ones(3), v_reset=np.zeros(3))
    graph = nir.NIRGraph.from_list(
        nir.Input(np.array([2, 6, 6])),
        nir.Conv2d(input_shape=(6, 6), weight=wc, stride=1, padding=1, dilation=1, groups=1,
                   bias=bc),
        nir.IF(**if1), nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                                     padding=np.array([0, 0])),
        nir.Flatten(input_type={"input": np.array([4, 3, 3])}, start_dim=0, end_dim=-1),
        nir.Affine(weight=wa, bias=ba), nir.IF(**if2), type_check=False)
    T, B = 8, 2
    x = (rng.random((T, B, 2, 6, 6)) < 0.4).astype(float)
    current = conv2d(x.reshape(T * B, 2, 6, 6), wc, bc, (1, 1), (1,) * 4, (1, 1), 1)
    s1 = neuron("IF", if1, current.reshape(T, B, 4, 6, 6), 1.0)
    pooled = pool2d(s1.reshape(T * B, 4, 6, 6), (2, 2), (2, 2), (0, 0), "SumPool2d")
    expected = neuron("IF", if2, pooled.reshape(T, B, -1) @ wa.T + ba, 1.0)
    np.testing.assert_array_equal(forward(graph, x, 1.0), expected)
    assert 0 < expected.mean() < 1


def test_written_and_read_back_the_graph_computes_the_same(tmp_path):
    n = 4
    graph = recurrent_graph(nir.LIF(**lif_params(n, 2e-3, 0.1, 0.5)), rng.normal(size=(n, 2)),
                            np.zeros(n), rng.normal(size=(n, n)), np.ones(n) * 0.1)
    path = tmp_path / "rnn.nir"
    nir.write(path, graph)
    x = rng.uniform(0, 2, (10, 2, 2))
    np.testing.assert_array_equal(forward(str(path), x, 1e-3), forward(graph, x, 1e-3))


def test_gradients_of_an_imported_graph_match_central_differences():
    """A recurrent graph with general neurons; the Heaviside replaced by the surrogate's smooth
    primitive, so that the surrogate gradient is the true gradient of the forward pass."""
    n = 3
    p = lif_params(n, 3e-3, v_leak=0.1, threshold=0.5)
    graph = recurrent_graph(nir.LIF(**p), rng.normal(size=(n, 2)), np.zeros(n),
                            rng.normal(size=(n, n)) * 0.5, np.zeros(n))
    net = from_nir(graph, dt=1e-3, surrogate=Sigmoid(alpha=2.0))
    for module in net.modules():
        if isinstance(module, NIRNeuron):
            module.fire = lambda h, m=module: smooth_spike(h - m.v_threshold, m.surrogate)
    weight = net.module("lif1.w_rec").weight
    x = rng.uniform(0, 2, (5, 2, 2))
    report = check_gradients(lambda x: net(x), x)
    assert report.ok, report
    loss = lambda: float((net(Tensor(x)).data * np.arange(n)).sum())  # noqa: E731
    out = net(Tensor(x))
    net.zero_grad()
    (out * Tensor(np.arange(n, dtype=np.float64))).sum().backward()
    for param in (weight, net.module("lif1.lif").tau, net.module("lif1.lif").v_leak):
        analytic = param.grad.copy()
        for index in [(0,), (n - 1,)] if param.ndim == 1 else [(0, 1), (2, 0)]:
            base = param.data[index]
            param.data[index] = base + 1e-6
            up = loss()
            param.data[index] = base - 1e-6
            down = loss()
            param.data[index] = base
            np.testing.assert_allclose(analytic[index], (up - down) / 2e-6, rtol=1e-4,
                                       atol=1e-7)


def test_a_feed_forward_graph_trains():
    from tinysnn import optim
    from tinysnn.functional import mse_loss

    graph = nir.NIRGraph.from_list(nir.Affine(weight=rng.normal(size=(4, 3)), bias=np.zeros(4)),
                                   nir.LIF(**lif_params(4, 2e-3, threshold=0.5)),
                                   nir.Affine(weight=rng.normal(size=(2, 4)), bias=np.zeros(2)))
    net = from_nir(graph, dt=1e-3)
    x, target = Tensor(rng.uniform(0, 2, (6, 8, 3))), Tensor(np.ones((6, 8, 2)))
    opt = optim.Adam(net.parameters(), lr=0.05)
    losses = []
    for _ in range(20):
        loss = mse_loss(net(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def refusal(graph, dt=1e-3):
    with pytest.raises(NIRError) as err:
        from_nir(graph, dt=dt)
    return str(err.value)


def test_refusals_name_the_node():
    lin = lambda: nir.Linear(weight=np.ones((2, 3)))  # noqa: E731
    inp, out = nir.Input(np.array([3])), nir.Output(np.array([2]))

    class Mystery(nir.NIRNode):
        def __init__(self):
            self.input_type, self.output_type, self.metadata = {}, {}, {}

    g = nir.NIRGraph(nodes={"in": inp, "m": Mystery(), "out": out},
                     edges=[("in", "m"), ("m", "out")], type_check=False)
    assert "'m'" in refusal(g) and "Mystery" in refusal(g)
    g = nir.NIRGraph(nodes={"in": inp, "lin": lin(), "out": out},
                     edges=[("in", "lin"), ("lin", "gone")], type_check=False)
    assert "'gone'" in refusal(g)
    g = nir.NIRGraph(nodes={"in": nir.Input(np.array([4])), "lin": lin(), "out": out},
                     edges=[("in", "lin"), ("lin", "out")], type_check=False)
    assert "'lin'" in refusal(g) and "4" in refusal(g)
    bad = nir.LIF(**dict(lif_params(2, 1e-3), tau=np.array([1e-3, np.nan])))
    g = nir.NIRGraph(nodes={"in": nir.Input(np.array([2])), "lif": bad, "out": out},
                     edges=[("in", "lif"), ("lif", "out")], type_check=False)
    assert "'lif'" in refusal(g) and "tau" in refusal(g)
    g = nir.NIRGraph(nodes={"in": nir.Input(np.array([2, 2])), "lin": nir.Linear(
        weight=np.ones((2, 2))), "out": out}, edges=[("in", "lin"), ("lin", "out")],
        type_check=False)
    assert "Flatten" in refusal(g)
    g = nir.NIRGraph(nodes={"in": inp, "lin": lin(), "out": out, "lonely": lin()},
                     edges=[("in", "lin"), ("lin", "out")], type_check=False)
    assert "'lonely'" in refusal(g)
    g = nir.NIRGraph.from_list(lin(), type_check=False)
    for dt in (None, 0, -1.0, float("nan")):
        assert "dt" in refusal(g, dt=dt)
    with pytest.raises(NIRError, match="input"):
        from_nir(g, dt=1.0)(np.ones((2, 1, 4)))


def test_node_and_edge_order_change_nothing():
    n = 4
    graph = recurrent_graph(nir.LIF(**lif_params(n, 2e-3, 0.1, 0.4)), rng.normal(size=(n, 2)),
                            np.zeros(n), rng.normal(size=(n, n)), np.full(n, 0.2))
    shuffled = nir.NIRGraph(nodes=dict(reversed(list(graph.nodes.items()))),
                            edges=list(reversed(graph.edges)), type_check=False)
    x = rng.uniform(0, 2, (10, 2, 2))
    a, b = from_nir(graph, dt=1e-3), from_nir(shuffled, dt=1e-3)
    assert a.structure.back_edges == b.structure.back_edges == {("lif1.w_rec", "lif1.lif")}
    with no_grad():
        np.testing.assert_array_equal(a(x).data, b(x).data)
