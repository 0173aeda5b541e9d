"""The monitor's counts, checked by hand on a tiny network whose spikes we can predict."""

import numpy as np
import pytest

from tinysnn import Tensor, no_grad
from tinysnn.nn import LIF, Conv2d, Flatten, Linear, Module
from tinysnn.nn.monitor import E_AC_PJ, E_MAC_PJ, Monitor


class Tiny(Module):
    """conv 1->2 (3x3, pad 1) -> LIF -> flatten -> linear 32->3 -> LIF, on 4x4 frames."""

    def __init__(self):
        super().__init__()
        self.conv = Conv2d(1, 2, 3, padding=1, bias=False, dtype=np.float64)
        self.lif1 = LIF(tau=2.0, threshold=1.0)
        self.flat = Flatten()
        self.fc = Linear(32, 3, bias=False, dtype=np.float64)
        self.lif2 = LIF(tau=2.0, threshold=1.0)

    def forward(self, x):
        return self.lif2(self.fc(self.flat(self.lif1(self.conv(x)))))


def tiny_network():
    net = Tiny()
    # channel 0 copies its input pixel times 2 (fires where the pixel is 1); channel 1 is silent
    w = np.zeros((2, 1, 3, 3))
    w[0, 0, 1, 1] = 2.0
    net.conv.weight.data = w
    # output neuron 0 sums channel 0 (16 inputs), the others get nothing
    fc = np.zeros((3, 32))
    fc[0, :16] = 1.0
    net.fc.weight.data = fc
    return net


def test_counts_match_hand_computation():
    T, B = 2, 3
    x = np.zeros((T, B, 1, 4, 4))
    x[:, :, 0, 0, :] = 1.0  # the top row of pixels is on at both steps: 4 pixels
    net = tiny_network()
    with Monitor(net) as monitor, no_grad():
        net(Tensor(x))
    rows = {r["name"]: r for r in monitor.layers()}
    conv, fc = rows["conv"], rows["fc"]
    # conv: dense ops per step = k*k*Cin*Cout*Hout*Wout = 9*1*2*4*4 = 288; input rate 4/16
    assert conv["dense_ops_per_step"] == 288
    assert conv["input_rate"] == pytest.approx(4 / 16)
    assert conv["synaptic_ops"] == pytest.approx(288 * T * 4 / 16)
    # the first layer reads frames: multiply-accumulates at 4.6 pJ (written out, not imported,
    # so that swapped or changed constants in monitor.py fail here)
    assert conv["energy_uj"] == pytest.approx(288 * T * 4 / 16 * 4.6e-6)
    # lif1: the 4 lit pixels of channel 0 fire at both steps (H = 2 >= 1): 8 spikes per sample
    # out of 32 neurons x 2 steps
    assert conv["spikes_per_sample"] == pytest.approx(8)
    assert conv["firing_rate"] == pytest.approx(8 / (32 * T))
    # fc: dense 32*3 = 96 per step, input rate = lif1's firing rate; accumulates at 0.9 pJ
    assert fc["synaptic_ops"] == pytest.approx(96 * T * 8 / 64)
    assert fc["energy_uj"] == pytest.approx(96 * T * 8 / 64 * 0.9e-6)
    # lif2: neuron 0 gets 4 at both steps and fires both times
    assert fc["spikes_per_sample"] == pytest.approx(2)
    total = monitor.summary()
    assert total["spikes_per_sample"] == pytest.approx(10)
    assert total["firing_rate"] == pytest.approx(10 / (35 * T))
    assert total["ann_energy_uj_per_sample"] == pytest.approx((288 + 96) * 4.6e-6)
    assert total["energy_uj_per_sample"] == pytest.approx((288 * T * 4 / 16 * 4.6
                                                           + 96 * T * 8 / 64 * 0.9) * 1e-6)


class Shortcut(Module):
    """conv -> LIF, and a linear layer that reads the conv's real-valued output (a shortcut)."""

    def __init__(self):
        super().__init__()
        self.conv = Conv2d(1, 1, 1, bias=False, dtype=np.float64)
        self.lif = LIF(tau=2.0, threshold=1.0)
        self.flat = Flatten()
        self.fc = Linear(16, 2, bias=False, dtype=np.float64)

    def forward(self, x):
        current = self.conv(x)
        self.lif(current)
        return self.fc(self.flat(current))


def test_a_later_layer_reading_real_values_counts_multiply_accumulates():
    net = Shortcut()
    net.conv.weight.data = np.full((1, 1, 1, 1), 0.3)  # 0.3 * x: never 0/1 where x is 1
    x = np.ones((2, 1, 1, 4, 4))
    with Monitor(net) as monitor, no_grad():
        net(Tensor(x))
    rows = {r["name"]: r for r in monitor.layers()}
    assert rows["conv"]["operation"] == "MAC" and rows["fc"]["operation"] == "MAC"
    assert rows["fc"]["energy_uj"] == pytest.approx(16 * 2 * 2 * 1.0 * 4.6e-6)


def test_later_layers_reading_spikes_count_accumulates():
    T, B = 2, 1
    x = np.zeros((T, B, 1, 4, 4))
    x[:, :, 0, 0, :] = 1.0
    with Monitor(tiny_network()) as monitor, no_grad():
        monitor.model(Tensor(x))
    assert [r["operation"] for r in monitor.layers()] == ["MAC", "AC"]


def test_hooks_are_removed_on_exit():
    net = tiny_network()
    with Monitor(net) as monitor, no_grad():
        net(Tensor(np.ones((1, 1, 1, 4, 4))))
    seen = monitor.neurons[0].samples
    with no_grad():
        net(Tensor(np.ones((1, 1, 1, 4, 4))))
    assert monitor.neurons[0].samples == seen


def test_parameter_count():
    assert tiny_network().num_parameters() == 2 * 9 + 3 * 32


def tiny_masnn(attention):
    """conv 2->2 on 4x4, avg pool 2, attention, LIF; FC 8->3 with temporal attention; T = 2."""
    from tinysnn.nn import MASNN

    return MASNN(attention=attention, T=2, in_channels=2, input_size=4, num_classes=3,
                 channels=(2,), pools=(2,), hidden=(), reduction_t=1, reduction_c=1)


def test_attention_operations_match_a_hand_count():
    # conv layer: attention on [T=2, B, C=2, H=2, W=2], E = 16 per sample.
    #   T: pools 2E = 32 AC; gate E = 16 MAC; MLP 2 (n h + h n), n = T = 2, h = 2: 16 MAC
    #   C: pools 32 AC; gate 16 MAC; MLP n = C = 2, h = 2: 16 MAC
    #   S: pools 32 AC; gate 16 MAC; conv 2 k^2 H W = 2 * 9 * 2 * 2 = 72 MAC
    #   -> 152 MAC, 96 AC
    # FC layer: temporal attention on [T=2, B, L=3], E = 6: 12 AC; 6 + 16 = 22 MAC
    net = tiny_masnn("TCSA")
    with Monitor(net) as monitor, no_grad():
        net(Tensor(np.random.default_rng(0).random((2, 5, 2, 4, 4)).astype(np.float32)))
    rows = {r["name"]: r for r in monitor.attention_layers()}
    conv, fc = rows["features.0.attention"], rows["classifier.0.attention"]
    assert (conv["macs"], conv["acs"], conv["branches"]) == (152, 96, ["T", "C", "S"])
    assert (fc["macs"], fc["acs"], fc["branches"]) == (22, 12, ["T"])
    # 4.6 pJ per MAC, 0.9 pJ per AC, written out (not the module's constants)
    assert conv["energy_uj"] == pytest.approx((152 * 4.6 + 96 * 0.9) * 1e-6)
    total = monitor.summary()
    attention = (174 * 4.6 + 108 * 0.9) * 1e-6
    assert total["attention_energy_uj_per_sample"] == pytest.approx(attention)
    assert total["energy_with_attention_uj_per_sample"] == pytest.approx(
        total["energy_uj_per_sample"] + attention)


def test_controls_cost_what_they_compute():
    x = Tensor(np.random.default_rng(1).random((2, 3, 2, 4, 4)).astype(np.float32))
    counts = {}
    for variant in ("no", "no+relu", "const-gate"):
        net = tiny_masnn(variant)
        with Monitor(net) as monitor, no_grad():
            net(x)
        counts[variant] = {r["name"]: (r["macs"], r["acs"]) for r in monitor.attention_layers()}
    assert counts["no"] == {} and counts["no+relu"] == {}         # a ReLU is not counted
    # one multiply by the constant per element: E = 16 (conv layer), 6 (FC layer)
    assert counts["const-gate"] == {"features.0.attention": (16, 0),
                                    "classifier.0.attention": (6, 0)}


def test_energy_constants_are_the_papers():
    assert (E_MAC_PJ, E_AC_PJ) == (4.6, 0.9)


def test_attention_operations_are_per_sample_over_several_batches():
    net = tiny_masnn("TCSA")
    rng = np.random.default_rng(2)
    with Monitor(net) as monitor, no_grad():
        for batch in (5, 3):                                    # two batches, 8 samples
            net(Tensor(rng.random((2, batch, 2, 4, 4)).astype(np.float32)))
    rows = {r["name"]: r for r in monitor.attention_layers()}
    assert (rows["features.0.attention"]["macs"], rows["features.0.attention"]["acs"]) == \
        (152, 96)                                               # the hand count above
    assert (rows["classifier.0.attention"]["macs"], rows["classifier.0.attention"]["acs"]) == \
        (22, 12)
    assert all(stats.samples == 8 for stats in monitor.attention)
