"""What attention selects: the oracle gate, the measures, and a run that reports them."""

import json
import os

import numpy as np
import pytest

import tinysnn as ts
from tinysnn import Tensor, no_grad
from tinysnn.app.cli import main
from tinysnn.app.selectivity import (
    SelectivityMeter,
    correlation_ratio,
    spatial_ratio,
    temporal_correlations,
)
from tinysnn.data import DataLoader, SyntheticGestures, ToFrames
from tinysnn.data.ground_truth import WithSubjectChannel
from tinysnn.nn import MASNN
from tinysnn.nn.controls import ORACLE_FLOOR, OracleGate

SMALL = {"n_per_class": 1, "sensor": 16, "duration_us": 200_000, "steps": 64}


@pytest.fixture(scope="module")
def test_set(tmp_path_factory):
    return SyntheticGestures(root=tmp_path_factory.mktemp("cache"), train=False,
                             level="distractor", ground_truth=True,
                             transform=ToFrames(T=4, sensor_size=16), **SMALL)


def small(attention, seed=0):
    ts.manual_seed(seed)
    return MASNN(attention=attention, T=4, input_size=16, channels=(4, 8), pools=(2, 2),
                 hidden=(16,), reduction_t=2, reduction_c=2)


def measure(model, dataset, batch_size=4):
    with SelectivityMeter(model, dataset) as meter, no_grad():
        model.eval()
        for x, _ in DataLoader(dataset, batch_size):
            model(Tensor(x))
    return meter.results()


def test_const_gate_is_exactly_non_selective(test_set):
    plain = SyntheticGestures(root=os.path.dirname(test_set.path), train=False,
                              level="distractor", transform=ToFrames(T=4, sensor_size=16),
                              **SMALL).load_ground_truth()
    result = measure(small("const-gate"), plain)
    assert set(result["spatial"]) == {"features.0", "features.1"}
    assert set(result["temporal"]) == {"features.0", "features.1", "classifier.0",
                                       "classifier.1"}
    assert all(v == 1.0 for v in result["spatial"].values())
    assert all(v == 0.0 for v in result["temporal"].values())
    assert all(v == 0.0 for v in result["channel"].values())
    assert result["samples"] == len(plain)


def test_each_variant_reports_only_the_branches_it_has(test_set):
    plain = SyntheticGestures(root=os.path.dirname(test_set.path), train=False,
                              level="distractor", transform=ToFrames(T=4, sensor_size=16),
                              **SMALL).load_ground_truth()
    assert set(measure(small("SA"), plain)) == {"spatial", "samples"}
    assert set(measure(small("TA"), plain)) == {"temporal", "samples"}
    assert set(measure(small("CA"), plain)) == {"channel", "channel_chance", "samples"}
    assert measure(small("no"), plain) == {}
    tcsa = measure(small("TCSA"), plain)
    assert all(0.2 < v < 5 and v != 1.0 for v in tcsa["spatial"].values())


def reference_oracle(subject, height, floor):
    """The oracle's gates by a plain loop: subject [T, B, H0, W0] event counts."""
    T, B, h0, _ = subject.shape
    k = h0 // height
    g_t = np.full((T, B), floor)
    g_s = np.full((B, height, height), floor)
    for t in range(T):
        for b in range(B):
            if subject[t, b].sum() > 0:
                g_t[t, b] = 1.0
    for b in range(B):
        for i in range(height):
            for j in range(height):
                if subject[:, b, i * k:(i + 1) * k, j * k:(j + 1) * k].sum() > 0:
                    g_s[b, i, j] = 1.0
    return g_t, g_s


def test_oracle_gates_equal_the_ground_truth(test_set):
    model = small("oracle-gate")
    x, _ = next(iter(DataLoader(WithSubjectChannel(test_set), 5)))
    subject = x[:, :, 2]
    seen = {}

    def keep(name):
        def hook(module, inputs, output):
            seen[name] = (module.gates(inputs[0]), inputs[0].numpy(), output.numpy())
        return hook

    gates = {name: m for name, m in model.named_modules() if isinstance(m, OracleGate)}
    assert set(gates) == {"features.0.attention", "features.1.attention",
                          "classifier.0.attention", "classifier.1.attention"}
    for name, module in gates.items():
        module.register_forward_hook(keep(name))
    with no_grad():
        model(Tensor(x))
    for name, ((g_t, g_c, g_s), inp, out) in seen.items():
        expected_t, expected_s = reference_oracle(subject, inp.shape[-1], ORACLE_FLOOR)
        np.testing.assert_array_equal(g_t, expected_t.astype(np.float32), err_msg=name)
        if inp.ndim == 5:
            np.testing.assert_array_equal(g_s, expected_s.astype(np.float32), err_msg=name)
            c = dict(model.named_modules())[name].constant.gates[1]       # the channel gate's mean
            assert g_c == pytest.approx(float(c)) and 0.2 < g_c < 0.8
            gate = expected_t[:, :, None, None, None] * g_c * expected_s[None, :, None]
        else:
            assert g_s is None and g_c == 1.0
            gate = expected_t[:, :, None]
        np.testing.assert_allclose(out, np.maximum(inp * gate, 0), rtol=1e-6, atol=1e-7)
    result = measure(model, WithSubjectChannel(test_set))
    for ratio in result["spatial"].values():
        assert ratio == pytest.approx(1.0 / ORACLE_FLOOR)
    assert all(v > 0.3 for v in result["temporal"].values())


def test_oracle_network_starts_from_tcsa_weights():
    tcsa, oracle = small("TCSA"), small("oracle-gate")
    state = tcsa.state_dict()
    for name, value in oracle.state_dict().items():
        if "attention" not in name:
            np.testing.assert_array_equal(value, state[name], err_msg=name)
    assert oracle.num_parameters() == small("no").num_parameters()
    with pytest.raises(ValueError, match=r"\[T, B, 3, 16, 16\]"):
        oracle(Tensor(np.zeros((4, 2, 2, 16, 16), np.float32)))


def test_the_measures_against_plain_definitions():
    rng = np.random.default_rng(0)
    gate, share = rng.random((6, 9)), rng.random((6, 9))
    expected = [np.corrcoef(g, s)[0, 1] for g, s in zip(gate, share)]
    np.testing.assert_allclose(temporal_correlations(gate, share), expected, rtol=1e-12)
    flat = temporal_correlations(np.full((2, 9), 0.3), share[:2])
    assert (flat == 0.0).all()
    assert np.isnan(temporal_correlations(gate[:1], np.ones((1, 9)))).all()

    labels = rng.integers(0, 3, 40)
    gates = rng.random((40, 5)) + labels[:, None] * np.array([0, 0.5, 1, 2, 4])
    etas = []
    for c in range(5):
        v = gates[:, c]
        between = sum((labels == k).sum() * (v[labels == k].mean() - v.mean()) ** 2
                      for k in range(3))
        etas.append(between / ((v - v.mean()) ** 2).sum())
    assert correlation_ratio(gates, labels) == pytest.approx(np.mean(etas), rel=1e-12)
    assert correlation_ratio(np.full((40, 5), 0.7), labels) == 0.0

    mask = np.zeros((4, 4))
    mask[1:3, 1:3] = 1
    assert spatial_ratio(0.5 + 0.4 * mask, mask) == pytest.approx(0.9 / 0.5)
    assert spatial_ratio(np.full((4, 4), 0.37), mask) == 1.0


@pytest.mark.parametrize("variant", ["oracle-gate"])
def test_a_run_reports_selectivity_in_metrics_eval_and_plot(tmp_path, capsys, variant):
    out = tmp_path / "run"
    args = ["train", "--attention", variant, "--level", "distractor", "--T", "4",
            "--epochs", "2", "--samples-per-class", "1", "--test-samples-per-class", "1",
            "--batch-size", "4", "--out", str(out), "--no-progress"]
    os.environ.setdefault("TINYSNN_CACHE", str(tmp_path / "cache"))
    assert main(args) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    selectivity = metrics["attention_selectivity"]
    assert selectivity["spatial"]["features.0"] == pytest.approx(1.0 / ORACLE_FLOOR)
    assert [len(h["attention_selectivity"]["temporal"]) for h in metrics["epochs"]] == [5, 5]
    assert any(row["branches"] == ["oracle"] for row in metrics["attention_layers"])
    capsys.readouterr()
    assert main(["eval", str(out / "checkpoint.npz")]) == 0
    assert "attention selectivity on 11 test samples" in capsys.readouterr().out
    assert main(["plot", str(out)]) == 0
    assert (out / "gates_over_truth.png").is_file()
    assert (out / "selectivity_by_epoch.png").is_file()


def test_oracle_gate_refuses_data_without_ground_truth(capsys):
    assert main(["train", "--attention", "oracle-gate", "--dataset", "digits", "--epochs",
                 "1", "--out", "/nonexistent/never"]) == 2
    assert "needs ground truth" in capsys.readouterr().err


def test_the_ablation_tables_what_the_gates_select(tmp_path):
    out = tmp_path / "ablation"
    os.environ.setdefault("TINYSNN_CACHE", str(tmp_path / "cache"))
    assert main(["ablation", "--level", "distractor", "--variants", "no,const-gate,oracle-gate",
                 "--T", "4", "--epochs", "1", "--samples-per-class", "1",
                 "--test-samples-per-class", "1", "--batch-size", "4", "--out", str(out),
                 "--no-progress"]) == 0
    table = (out / "ablation.md").read_text()
    assert "What the gates select" in table
    rows = {line.split(" | ")[0].strip("| "): line for line in table.splitlines()
            if line.startswith("| ") and "spatial" not in line and "acc." not in line}
    assert rows["const-gate"].count("1.00") == 3 and "0.00 | 0.00" in rows["const-gate"]
    assert rows["oracle-gate"].count("10.00") == 3
    assert rows["no"].endswith("| - | - | - | - | - |")
    document = json.loads((out / "ablation.json").read_text())
    assert [bool(r.get("attention_selectivity")) for r in document["runs"]] == [False, True, True]
