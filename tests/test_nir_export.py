"""to_nir: what it writes, round trips that hold exactly, and every refusal."""

import sys

import numpy as np
import pytest

nir = pytest.importorskip("nir")

import tinysnn as ts  # noqa: E402
from tinysnn import from_nir, nn, no_grad, to_nir  # noqa: E402
from tinysnn.interop.nir_values import NIRError  # noqa: E402


def randomise_batch_norms(model, rng):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            c = m.num_features
            m.running_mean = rng.normal(size=c) * 0.1
            m.running_var = rng.uniform(0.5, 2, c)
            m.weight.data[...] = rng.uniform(0.5, 1.5, c)
            m.bias.data[...] = rng.normal(size=c) * 0.1
    return model


def same_outputs(model, graph, x, dt, readout=lambda m, x: m(x)):
    with no_grad():
        ours = readout(model, ts.Tensor(x)).data
        theirs = from_nir(graph, dt=dt)(x).data
    np.testing.assert_array_equal(theirs, ours)
    return ours


def sequential(rng):
    ts.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, dtype=np.float64), nn.BatchNorm2d(4, dtype=np.float64),
        nn.AvgPool2d(2), nn.LIF(tau=2.0, threshold=0.5),
        nn.Conv2d(4, 4, 3, stride=2, dtype=np.float64), nn.IF(threshold=0.7, v_reset=-0.1),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(4, 6, dtype=np.float64),
        nn.BatchNorm1d(6, dtype=np.float64),
        nn.ParametricLIF(init_tau=3.0, decay_input=True, threshold=0.2),
        nn.Linear(6, 3, bias=False, dtype=np.float64), nn.LIF(tau=4.0, decay_input=True,
                                                              threshold=0.1))
    model.to(dtype=np.float64)
    model[11].weight.data = np.abs(model[11].weight.data) * 3
    return randomise_batch_norms(model, rng).eval()


def test_a_sequential_round_trips_exactly_also_through_a_file(tmp_path):
    rng = np.random.default_rng(0)
    model = sequential(rng)
    x = (rng.random((10, 3, 2, 8, 8)) < 0.5) * 2.0
    graph = to_nir(model, (2, 8, 8), dt=1e-3)
    spikes = same_outputs(model, graph, x, 1e-3)
    assert 0 < spikes.mean() < 1
    path = tmp_path / "seq.nir"
    nir.write(path, graph)
    same_outputs(model, nir.read(path, type_check=False), x, 1e-3)
    same_outputs(model, str(path), x, 1e-3)


def test_masnn_without_attention_round_trips_up_to_its_readout():
    rng = np.random.default_rng(1)
    ts.manual_seed(1)
    model = nn.models.MASNN(attention="no", T=4, channels=(4, 4), pools=(2, 2), hidden=(8,),
                            input_size=8, num_classes=3)
    model = randomise_batch_norms(model.to(dtype=np.float64), rng).eval()
    for layer in model.classifier:
        layer.fc.weight.data = np.abs(layer.fc.weight.data) * 2     # so that the output spikes
    x = (rng.random((4, 2, 2, 8, 8)) < 0.5).astype(np.float64)
    graph = to_nir(model, (2, 8, 8), dt=1.0)
    assert list(graph.nodes)[-2:] == ["classifier.1.lif", "output"]   # readout stays outside
    spikes = same_outputs(model, graph, x, 1.0,
                          lambda m, x: m.classifier(m.flatten(m.features(x))))
    assert 0 < spikes.mean() < 1


def test_lif_parameters_reproduce_our_update_at_dt():
    graph = to_nir(nn.Sequential(nn.LIF(decay=0.3, threshold=0.3, v_reset=0.3), nn.IF()), (2,),
                   dt=1e-3)
    lif, if_ = graph.nodes["0"], graph.nodes["1"]
    np.testing.assert_allclose(lif.tau, 1e-3 / 0.7)                 # tau = dt / (1 - decay)
    np.testing.assert_allclose(lif.r, lif.tau / 1e-3)               # r = tau / dt
    np.testing.assert_array_equal(lif.v_leak, 0.0)
    np.testing.assert_array_equal(lif.v_reset, 0.3)
    np.testing.assert_allclose(if_.r, 1000.0)                       # IF: r = 1 / dt
    flat = to_nir(nn.Sequential(nn.Flatten()), (2, 3, 4), 1.0).nodes["0"]
    assert (flat.start_dim, flat.end_dim) == (0, -1)                # without the batch axis
    assert list(graph.nodes["input"].input_type["input"]) == [2]


def test_an_imported_graph_exports_its_trained_parameters():
    rng = np.random.default_rng(2)
    graph = nir.NIRGraph.from_list(
        nir.Affine(weight=rng.normal(size=(3, 2)), bias=np.zeros(3)),
        nir.CubaLIF(tau_syn=np.full(3, 2.0), tau_mem=np.full(3, 3.0), r=np.ones(3),
                    v_leak=np.full(3, 0.1), v_threshold=np.full(3, 0.5), v_reset=np.zeros(3)),
        nir.Delay(delay=np.array([0.0, 1.0, 2.0])),
        nir.LIF(tau=np.full(3, 2.0), r=np.ones(3), v_leak=np.zeros(3),
                v_threshold=np.ones(3) * 0.3, v_reset=np.zeros(3)), type_check=False)
    net = from_nir(graph, dt=1.0)
    net.module("affine").weight.data *= 1.5              # "trained"
    net.module("lif").gain.data *= 0.8
    x = rng.uniform(0, 2, (9, 2, 2))
    with no_grad():
        expected = net(x).data
    again = from_nir(to_nir(net, (2,), 1.0), dt=1.0)
    with no_grad():
        np.testing.assert_array_equal(again(x).data, expected)


def refused(module, match, shape=(2, 8, 8)):
    with pytest.raises(NIRError, match=match):
        to_nir(module, shape, dt=1.0)


def test_what_nir_cannot_express_is_refused_with_the_module_named():
    refused(nn.models.MASNN(attention="TCSA", T=2, input_size=8, channels=(2,), pools=(2,),
                            hidden=(4,), num_classes=2, reduction_c=1).eval(), "gate")
    refused(nn.Sequential(nn.Conv2d(2, 2, 3), nn.LIF(reset="soft")).eval(), "1.*soft reset")
    refused(nn.Sequential(nn.MaxPool2d(2)).eval(), "0.*max pooling")
    refused(nn.Sequential(nn.Flatten(), nn.Dropout(0.5)), "1.*dropout in train mode")
    refused(nn.Sequential(nn.Flatten(), nn.AdaptiveLIF()).eval(), "AdaptiveLIF.*no NIR")
    refused(nn.Sequential(nn.BatchNorm2d(2)).eval(), "batch norm folds only")
    refused(nn.Sequential(nn.Conv2d(2, 2, 3), nn.BatchNorm2d(2)), "batch norm in train mode")
    attention = nn.MultiDimensionalAttention(2, 2, "C", reduction_c=1)
    refused(nn.Sequential(nn.Conv2d(2, 2, 3), attention).eval(), "1.*gate computed from the input")
    refused(nn.LIF(), "writes nn.Sequential")
    with pytest.raises(NIRError, match="dt"):
        to_nir(nn.Sequential(nn.LIF()), (2,), dt=0)


def test_without_nir_both_calls_say_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "nir", None)
    for call in (lambda: ts.from_nir("g.nir", 1.0), lambda: ts.to_nir(nn.Sequential(), (1,), 1)):
        with pytest.raises(ImportError, match=r'pip install -e "\.\[nir\]"'):
            call()


def test_import_tinysnn_does_not_import_nir():
    import subprocess

    code = "import sys, tinysnn; print('nir' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_attres_snn_without_attention_round_trips_with_its_shortcuts_as_edges_that_add():
    rng = np.random.default_rng(3)
    ts.manual_seed(3)
    model = nn.models.AttResSNN(depth=18, num_classes=5, attention="no", T=3).to(
        dtype=np.float64)
    model = randomise_batch_norms(model, rng).eval()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data[...] = 1.0                      # so that the last layer fires
    rates = []
    model.neuron.register_forward_hook(lambda m, i, out: rates.append(out.data.mean()))
    graph = to_nir(model, (3, 32, 32), dt=1.0)
    assert ("stages.0.0.conv2", "stages.0.0.sum") in graph.edges    # the residual branch
    assert ("stem", "stages.0.0.sum") not in graph.edges            # stage 1 has a shortcut conv
    assert ("stages.0.0.sum", "stages.0.1.sum") in graph.edges       # an identity shortcut
    x = rng.normal(size=(3, 2, 3, 32, 32)) * 2
    with no_grad():
        logits = model(ts.Tensor(x)).data
        theirs = from_nir(graph, dt=1.0)(x).data.mean(axis=0)    # the readout: mean over time
    assert 0 < rates[0] < 1
    np.testing.assert_allclose(theirs, logits, rtol=1e-10, atol=1e-12)
    refused(nn.models.AttResSNN(depth=18, num_classes=2, attention="CSA", T=1).eval(), "gate",
            shape=(3, 32, 32))
