"""Grades notebook 07's exercises (tutorials/exercises/ex07_energy.py): tasks 7.1 and 7.2."""

import numpy as np
from grading import load

import tinysnn as ts
from tinysnn import Tensor, nn, no_grad
from tinysnn.nn.monitor import E_AC_PJ, E_MAC_PJ, Monitor, attention_ops

ex = load("ex07_energy")


def test_task_7_1_worked_example():
    layer = nn.Linear(10, 4)
    x = np.zeros((5, 2, 10), np.float32)
    x[:, :, :3] = 1  # 30% of the inputs are spikes
    got = ex.layer_energy_uj(layer, x, np.zeros((5, 2, 4), np.float32), first_layer=False)
    expected = 5 * 10 * 4 * 0.3 * 0.9e-6  # T x dense ops x input rate x E_AC
    assert np.isclose(got, expected, rtol=1e-9), (
        f"Linear(10, 4), T = 5, 30% non-zero input, not the first layer: got {got} uJ, "
        f"expected 5 x 40 x 0.3 x 0.9 pJ = {expected} uJ")
    first = ex.layer_energy_uj(layer, x, np.zeros((5, 2, 4), np.float32), first_layer=True)
    assert np.isclose(first, expected * 4.6 / 0.9, rtol=1e-9), (
        f"the first layer costs multiply-accumulates (4.6 pJ): got {first} uJ, expected "
        f"{expected * 4.6 / 0.9} uJ")


class TinyNet(nn.Module):
    """[T, B, 2, 8, 8] -> conv 3x3 (stride 2) -> LIF -> linear -> LIF."""

    def __init__(self):
        super().__init__()
        self.conv, self.lif1 = nn.Conv2d(2, 4, 3, stride=2, padding=1), nn.LIF(tau=2.0)
        self.fc, self.lif2 = nn.Linear(4 * 4 * 4, 5), nn.LIF(tau=2.0)

    def forward(self, x):
        s = self.lif1(self.conv(x))
        return self.lif2(self.fc(s.reshape(s.shape[0], s.shape[1], -1)))


def test_task_7_1_matches_the_monitor():
    ts.manual_seed(0)
    model = TinyNet()
    frames = np.random.default_rng(0).poisson(1.0, (6, 3, 2, 8, 8)).astype(np.float32)
    seen = {}
    for name in ("conv", "fc"):
        getattr(model, name).register_forward_hook(
            lambda m, inputs, out, name=name: seen.__setitem__(name, (inputs[0].data, out.data)))
    with Monitor(model) as monitor, no_grad():
        model(Tensor(frames))
    rows = monitor.layers()
    for i, name in enumerate(("conv", "fc")):
        x, y = seen[name]
        got = ex.layer_energy_uj(getattr(model, name), x, y, first_layer=(i == 0))
        assert np.isclose(got, rows[i]["energy_uj"], rtol=1e-9), (
            f"{name} (input rate {rows[i]['input_rate']:.4f}, {rows[i]['dense_ops_per_step']} "
            f"dense ops per step): got {got} uJ, the Monitor counts {rows[i]['energy_uj']} uJ")


# ------------------------------------------------------------------ Task 7.2: attention energy
def test_task_7_2_worked_example():
    branch = nn.ChannelAttention(8, reduction=4)  # n = 8 channels, h = 2 hidden
    got = ex.attention_energy_uj(branch, (4, 3, 8, 5, 5))
    elements = 4 * 8 * 5 * 5
    expected = ((elements + 2 * (8 * 2 + 2 * 8)) * 4.6 + 2 * elements * 0.9) * 1e-6
    assert np.isclose(got, expected, rtol=1e-9), (
        f"channel attention, x [4, B, 8, 5, 5], 2 hidden units: got {got} uJ, expected "
        f"(E + 2 (n h + h n)) MACs + 2 E ACs = {expected} uJ with E = {elements}")


def test_task_7_2_matches_the_monitor():
    ts.manual_seed(0)
    cases = [(nn.TemporalAttention(6, reduction=2), (6, 2, 4, 3, 3)),
             (nn.TemporalAttention(6, reduction=3), (6, 2, 10)),
             (nn.ChannelAttention(4, reduction=2), (6, 2, 4, 3, 3)),
             (nn.SpatialAttention(kernel_size=3), (6, 2, 4, 3, 5)),
             (nn.SpatialAttention(kernel_size=5), (2, 1, 3, 6, 4))]
    for branch, shape in cases:
        macs, acs = attention_ops(branch, shape)
        expected = (macs * E_MAC_PJ + acs * E_AC_PJ) * 1e-6
        got = ex.attention_energy_uj(branch, shape)
        assert np.isclose(got, expected, rtol=1e-9), (
            f"{branch} on x {shape}: got {got} uJ, the Monitor counts {expected} uJ "
            f"({macs} MACs, {acs} ACs)")
