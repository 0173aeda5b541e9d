"""The Monitor on networks from_nir builds: the same spikes, operations and energy as the network
built by hand, a grouped convolution's real operations, and a ``train --nir`` run's metrics."""

import json

import numpy as np
import pytest

nir = pytest.importorskip("nir")

import tinysnn as ts  # noqa: E402
from tinysnn import Tensor, from_nir, nn, no_grad, to_nir  # noqa: E402
from tinysnn.app.cli import main  # noqa: E402
from tinysnn.app.report import load_run  # noqa: E402
from tinysnn.nn.monitor import Monitor  # noqa: E402


def hand_built():
    ts.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, dtype=np.float64), nn.LIF(tau=2.0, threshold=0.3),
        nn.Conv2d(4, 6, 3, stride=2, dtype=np.float64), nn.IF(threshold=0.2),
        nn.Flatten(), nn.Linear(6 * 3 * 3, 5, dtype=np.float64), nn.LIF(tau=2.0, threshold=0.1))
    for layer in (model[0], model[2], model[5]):
        layer.weight.data = np.abs(layer.weight.data) * 2       # enough current to spike
    return model.eval()


def monitored(model, x):
    with Monitor(model) as monitor, no_grad():
        model(Tensor(x))
    return monitor


def test_an_imported_network_counts_what_the_same_network_built_by_hand_counts():
    model = hand_built()
    x = (np.random.default_rng(0).random((6, 3, 2, 8, 8)) < 0.4).astype(np.float64)
    ours = monitored(model, x)
    imported = from_nir(to_nir(model, (2, 8, 8), dt=1.0), dt=1.0)
    theirs = monitored(imported, x)
    mine, other = ours.layers(), theirs.layers()
    assert len(mine) == len(other) == 3
    for a, b in zip(mine, other):
        assert b["operation"] == a["operation"]
        assert b["name"].startswith("nodes.")                   # one row per synapse, not "nodes"
        for key in ("input_rate", "firing_rate", "spikes_per_sample", "synaptic_ops",
                    "dense_ops_per_step", "energy_uj"):
            assert b[key] == pytest.approx(a[key], rel=1e-12), key
    assert [r["operation"] for r in other] == ["MAC", "AC", "AC"]
    assert other[0]["dense_ops_per_step"] == 3 * 3 * 2 * 4 * 8 * 8
    assert other[1]["dense_ops_per_step"] == 3 * 3 * 4 * 6 * 3 * 3
    assert other[2]["dense_ops_per_step"] == 54 * 5
    totals, expected = theirs.summary(), ours.summary()
    assert totals["spikes_per_sample"] > 0 and totals["synaptic_ops"] > 0
    for key in ("spikes_per_sample", "firing_rate", "synaptic_ops", "energy_uj_per_sample",
                "ann_energy_uj_per_sample"):
        assert totals[key] == pytest.approx(expected[key], rel=1e-12), key


def test_a_grouped_dilated_convolution_counts_its_real_multiply_accumulates():
    """Conv2d, 4 -> 6 channels in 2 groups, k = 3, stride 2, dilation 2, then an LIF; and a
    Conv1d in 2 groups: k*k*(C_in/groups)*C_out*H_out*W_out (k*(C_in/groups)*C_out*L_out)."""
    rng = np.random.default_rng(1)
    w = np.abs(rng.normal(size=(6, 2, 3, 3)))
    n = 6 * 3 * 3                                               # out: [6, 3, 3] from [4, 9, 9]
    lif = dict(tau=np.full(n, 2.0), r=np.full(n, 2.0), v_leak=np.zeros(n),
               v_threshold=np.ones(n), v_reset=np.zeros(n))
    graph = nir.NIRGraph.from_list(
        nir.Input(np.array([4, 9, 9])),
        nir.Conv2d(input_shape=(9, 9), weight=w, stride=2, padding=0, dilation=2, groups=2,
                   bias=np.zeros(6)),
        nir.Flatten(input_type={"input": np.array([6, 3, 3])}, start_dim=0, end_dim=-1),
        nir.LIF(**{k: v for k, v in lif.items()}), type_check=False)
    net = from_nir(graph, dt=1.0)
    T, B = 4, 2
    x = (rng.random((T, B, 4, 9, 9)) < 0.3).astype(np.float64)
    row, = monitored(net, x).layers()
    dense = 3 * 3 * (4 // 2) * 6 * 3 * 3
    assert row["dense_ops_per_step"] == dense
    assert row["synaptic_ops"] == pytest.approx(T * dense * x.mean())
    assert row["energy_uj"] == pytest.approx(T * dense * x.mean() * 4.6e-6)
    assert row["spikes_per_sample"] > 0

    graph1d = nir.NIRGraph.from_list(
        nir.Input(np.array([4, 10])),
        nir.Conv1d(input_shape=10, weight=rng.normal(size=(6, 2, 3)), stride=1, padding=0,
                   dilation=1, groups=2, bias=np.zeros(6)), type_check=False)
    row, = monitored(from_nir(graph1d, dt=1.0), np.ones((T, B, 4, 10))).layers()
    assert row["dense_ops_per_step"] == 3 * (4 // 2) * 6 * 8


def test_a_train_nir_run_reports_the_spikes_its_network_fires(tmp_path):
    ts.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 4, 5, stride=4, padding=2), nn.LIF(threshold=0.2),
                          nn.Flatten(), nn.Linear(4 * 8 * 8, 11), nn.LIF(threshold=0.2))
    graph = tmp_path / "small.nir"
    nir.write(graph, to_nir(model, (2, 32, 32), dt=1.0))
    run = tmp_path / "run"
    assert main(["train", "--nir", str(graph), "--dt", "1", "--epochs", "1", "--out", str(run),
                 "--T", "4", "--samples-per-class", "2", "--test-samples-per-class", "1",
                 "--batch-size", "8", "--no-progress"]) == 0
    metrics = json.loads((run / "metrics.json").read_text())
    # count the spikes again, by hooks of our own on the graph's LIF nodes, on the same test set
    net, data, _, _ = load_run(str(run / "checkpoint.npz"))
    lifs = [m for name, m in net.named_modules() if type(m).__name__ == "FusedLIF"]
    assert len(lifs) == 2
    counted, samples = [], []
    handles = [m.register_forward_hook(lambda m, i, s: counted.append(int(np.count_nonzero(
        s.data)))) for m in lifs]
    with no_grad():
        for x, _ in data.test_loader:
            net(Tensor(x))
            samples.append(x.shape[1])                  # x: [T, B, C, H, W]
    for handle in handles:
        handle.remove()
    spikes = sum(counted) / sum(samples)
    assert spikes > 0
    assert metrics["spikes_per_sample"] == pytest.approx(spikes)
    assert sum(r["spikes_per_sample"] for r in metrics["layers"]) == pytest.approx(spikes)
    assert metrics["synaptic_ops_per_sample"] > 0 and metrics["energy_uj_per_sample"] > 0
    first, second = metrics["layers"]
    # the Linear reads the first LIF's spikes: its operations are T x dense x that firing rate
    assert second["synaptic_ops"] == pytest.approx(4 * 256 * 11 * first["firing_rate"])
    assert second["operation"] == "AC"


def test_a_graph_with_a_cycle_is_warned_about_not_reported_as_zero():
    n = 3
    lif = dict(tau=np.full(n, 2.0), r=np.ones(n), v_leak=np.zeros(n), v_threshold=np.ones(n),
               v_reset=np.zeros(n))
    graph = nir.NIRGraph(nodes={"in": nir.Input(np.array([n])), "lif": nir.LIF(**lif),
                                "rec": nir.Linear(weight=np.eye(n)),
                                "out": nir.Output(np.array([n]))},
                         edges=[("in", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "out")],
                         type_check=False)
    net = from_nir(graph, dt=1.0)
    monitor = monitored(net, np.full((3, 2, n), 2.0))
    with pytest.warns(RuntimeWarning, match="step by step"):
        monitor.summary()
