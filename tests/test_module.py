"""Module: registration, traversal, modes, state dicts (strict, with errors that name the keys)."""

import numpy as np
import pytest

from tinysnn import Tensor
from tinysnn.nn import BatchNorm2d, Conv2d, Linear, Module, Parameter, Sequential


class Net(Module):
    def __init__(self):
        super().__init__()
        self.conv = Conv2d(2, 3, 3, padding=1)
        self.bn = BatchNorm2d(3)
        self.head = Sequential(Linear(3, 4), Linear(4, 2, bias=False))
        self.scale = Parameter(np.ones(1, np.float32))


def test_parameters_and_buffers_are_registered_by_name():
    names = [n for n, _ in Net().named_parameters()]
    assert names == ["scale", "conv.weight", "conv.bias", "bn.weight", "bn.bias",
                     "head.0.weight", "head.0.bias", "head.1.weight"]
    assert [n for n, _ in Net().named_buffers()] == ["bn.running_mean", "bn.running_var"]
    assert Net().num_parameters() == 1 + 54 + 3 + 3 + 3 + 12 + 4 + 8


def test_reassigning_an_attribute_replaces_the_registration():
    net = Net()
    net.scale = None
    assert "scale" not in dict(net.named_parameters())


def test_train_and_eval_reach_every_submodule():
    net = Net().eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_clears_every_gradient():
    net = Net()
    for p in net.parameters():
        p.grad = np.ones_like(p.data)
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_state_dict_round_trip_copies_values():
    a, b = Net(), Net()
    a.bn.running_mean[:] = 5.0
    b.load_state_dict(a.state_dict())
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert np.array_equal(pa.data, pb.data), name
    assert np.array_equal(b.bn.running_mean, a.bn.running_mean)
    a.bn.running_mean[:] = 7.0  # b holds a copy, not a view
    assert b.bn.running_mean[0] == 5.0


def test_missing_unexpected_and_misshaped_keys_are_named():
    state = Net().state_dict()
    del state["conv.bias"]
    with pytest.raises(KeyError, match="missing keys \\['conv.bias'\\]"):
        Net().load_state_dict(state)
    state = Net().state_dict()
    state["extra.weight"] = np.zeros(1)
    with pytest.raises(KeyError, match="unexpected keys \\['extra.weight'\\]"):
        Net().load_state_dict(state)
    state = Net().state_dict()
    state["head.0.weight"] = np.zeros((5, 3), np.float32)
    with pytest.raises(ValueError, match="head.0.weight has shape \\(5, 3\\).*expects \\(4, 3\\)"):
        Net().load_state_dict(state)


def test_forward_hooks_see_inputs_and_outputs_and_can_be_removed():
    layer, seen = Linear(3, 2), []
    handle = layer.register_forward_hook(lambda m, inputs, out: seen.append(out.shape))
    layer(Tensor(np.ones((4, 3), np.float32)))
    handle.remove()
    layer(Tensor(np.ones((4, 3), np.float32)))
    assert seen == [(4, 2)]


def test_forgetting_super_init_is_a_clear_error():
    class Broken(Module):
        def __init__(self):
            self.w = Parameter(np.ones(1))

    with pytest.raises(RuntimeError, match="super\\(\\).__init__\\(\\)"):
        Broken()
