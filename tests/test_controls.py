"""The ablation's controls: ReLU only, and TCSA's gates held at their initial means."""

import numpy as np
import pytest

import tinysnn as ts
from tinysnn import Tensor, no_grad
from tinysnn.nn import MASNN, MultiDimensionalAttention
from tinysnn.nn.controls import ConstantGate, ReLUOnly


def small(attention, seed=0):
    ts.manual_seed(seed)
    return MASNN(attention=attention, T=4, input_size=16, channels=(4, 8), pools=(2, 2),
                 hidden=(16,), reduction_t=2, reduction_c=2)


def frames(seed=0, batch=3):
    rng = np.random.default_rng(seed)
    return Tensor(rng.poisson(0.4, (4, batch, 2, 16, 16)).astype(np.float32))


def test_no_relu_is_the_vanilla_network_plus_a_relu():
    vanilla, control = small("no"), small("no+relu")
    assert control.num_parameters() == vanilla.num_parameters()
    assert isinstance(control.features[0].attention, ReLUOnly)
    assert isinstance(control.classifier[0].attention, ReLUOnly)
    for (name, a), (_, b) in zip(vanilla.state_dict().items(), control.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)      # the same weights


def test_const_gate_starts_from_tcsa_weights_and_trains_none_of_its_own():
    tcsa, control = small("TCSA"), small("const-gate")
    tcsa_state = tcsa.state_dict()
    for name, value in control.state_dict().items():
        if not name.endswith("attention.gates"):
            np.testing.assert_array_equal(value, tcsa_state[name], err_msg=name)
    assert control.num_parameters() == small("no").num_parameters()


def test_gates_are_the_initial_gate_means_on_the_first_batch():
    ts.manual_seed(3)
    reference = MultiDimensionalAttention(4, 6, dims="TCS", reduction_t=2, reduction_c=2)
    ts.manual_seed(3)
    gate = ConstantGate(4, 6, dims="TCS", reduction_t=2, reduction_c=2)
    x = Tensor(np.random.default_rng(0).standard_normal((4, 5, 6, 3, 3)).astype(np.float32))
    with no_grad():
        y = gate(x)
    expected, z = [], x
    for branch in (reference.ta, reference.ca, reference.sa):    # T, then C, then S
        expected.append(float(branch.gate(z).mean()))
        z = branch(z)
    np.testing.assert_allclose(gate.gates, expected, rtol=1e-6)
    scale = float(np.prod(expected))
    assert 0.05 < scale < 0.25                                    # about 1/8 before training
    np.testing.assert_allclose(y.numpy(), np.maximum(x.numpy() * scale, 0), rtol=1e-6)
    # measured once: another batch keeps the constants
    with no_grad():
        gate(Tensor(np.ones((4, 2, 6, 3, 3), np.float32)))
    np.testing.assert_allclose(gate.gates, expected, rtol=1e-6)


def test_measured_gates_travel_with_the_state_dict():
    trained = small("const-gate")
    with no_grad():
        out = trained(frames()).numpy()
    fresh = small("const-gate", seed=9)                          # other weights, unmeasured
    fresh.load_state_dict(trained.state_dict())
    fresh.eval(), trained.eval()
    with no_grad():
        np.testing.assert_array_equal(fresh(frames(1)).numpy(), trained(frames(1)).numpy())
    assert out.shape == (3, 11)


def test_const_gate_network_trains():
    model = small("const-gate")
    rates = model(frames())
    loss = ((rates - Tensor(np.eye(11, dtype=np.float32)[[0, 1, 2]])) ** 2).mean()
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and np.isfinite(g).all() for g in grads)


def test_unknown_variant_names_the_choices():
    with pytest.raises(ValueError, match="const-gate"):
        MASNN(attention="const")


def test_gates_loaded_unmeasured_into_a_measured_gate_are_refused_not_measured_again():
    gate = ConstantGate(4, 6, dims="TCS", reduction_t=2, reduction_c=2)
    x = Tensor(np.random.default_rng(0).standard_normal((4, 2, 6, 3, 3)).astype(np.float32))
    with no_grad():
        gate(x)                                                 # measured: branches dropped
    gate.load_state_dict({"gates": np.full(3, np.nan, np.float32)})
    with pytest.raises(RuntimeError, match="gates were loaded unmeasured"), no_grad():
        gate(x)
