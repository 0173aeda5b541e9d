"""The paper's DVS128 Gait and CIFAR10-DVS networks: layers, cells and parameter counts."""

import numpy as np
import pytest

from tinysnn import Tensor, manual_seed, nn
from tinysnn import functional as F
from tinysnn.nn import AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, Linear
from tinysnn.nn.models import MASNN, PRESETS, VARIANTS
from tinysnn.surrogate import Rectangle, Sigmoid
from tinysnn.testing import assert_grad_close, smooth_spike

# the authors' counts (their get_parameter_number: weights, biases, BN gamma and beta)
PAPER_COUNTS = {("paper-gait", "no"): 2_100_767, ("paper-gait", "TCSA"): 2_188_601,
                ("paper-cifar10dvs", "no"): 2_097_918, ("paper-cifar10dvs", "TCSA"): 2_188_104}


def expected_count(classes, T, r_t, attention):
    """The authors' network counted layer by layer: 3x3 convs with bias and BN on 2-32-...-512,
    FC 2048 -> 256 -> classes with bias and BN; TA (2 T (T // r_t)) on every layer, CA
    (2 C (C // 8)) and SA (2 * 3 * 3) on the conv layers, when the variant has them."""
    channels = (2, 32, 64, 128, 256, 512)
    total = 0
    for c_in, c_out in zip(channels[:-1], channels[1:]):
        total += 9 * c_in * c_out + c_out + 2 * c_out              # conv + bias + BN
        total += 2 * T * (T // r_t) if "T" in attention else 0
        total += 2 * c_out * (c_out // 8) if "C" in attention else 0
        total += 18 if "S" in attention else 0
    for n_in, n_out in ((512 * 2 * 2, 256), (256, classes)):
        total += n_in * n_out + n_out + 2 * n_out                  # linear + bias + BN
        total += 2 * T * (T // r_t) if "T" in attention else 0     # FC layers: TA only
    return total


@pytest.mark.parametrize("preset, attention", list(PAPER_COUNTS))
def test_presets_have_the_authors_parameter_counts(preset, attention):
    assert MASNN(attention=attention, preset=preset).num_parameters() == \
        PAPER_COUNTS[preset, attention]


@pytest.mark.parametrize("attention", ["no", "TA", "CA", "SA", "TCA", "TSA", "CSA", "TCSA"])
@pytest.mark.parametrize("preset, classes, T", [("paper-gait", 21, 8),
                                                ("paper-cifar10dvs", 10, 20)])
def test_every_variant_counts_as_the_layer_by_layer_sum(preset, classes, T, attention):
    letters = VARIANTS[attention]
    model = MASNN(attention=attention, preset=preset)
    assert model.num_parameters() == expected_count(classes, T, 2, letters)


def test_the_layer_by_layer_sum_reproduces_the_authors_counts():
    # the formula above is itself checked against the four published numbers
    for (preset, attention), count in PAPER_COUNTS.items():
        classes, T = (21, 8) if preset == "paper-gait" else (10, 20)
        assert expected_count(classes, T, 2, VARIANTS[attention]) == count


@pytest.mark.parametrize("preset", ["paper-gait", "paper-cifar10dvs"])
def test_layers_are_the_authors(preset):
    model = MASNN(attention="TCSA", preset=preset)
    pools = []
    for block, c_out in zip(model.features, (32, 64, 128, 256, 512)):
        assert list(block._modules) == ["conv", "bn", "pool", "attention", "lif"]
        conv = block.conv
        assert isinstance(conv, Conv2d) and conv.out_channels == c_out
        assert conv.kernel_size == (3, 3) and (conv.stride, conv.padding) == (1, 1)
        assert conv.bias is not None and isinstance(block.bn, BatchNorm2d)
        assert isinstance(block.pool, AvgPool2d)
        pools.append(block.pool.kernel_size)
        assert block.attention.dims == "TCS"
        T = PRESETS[preset].masnn["T"]
        assert block.attention.ta.w1.shape == (T // 2, T)
        assert block.attention.ca.w1.shape == (c_out // 8, c_out)
    assert pools == [2, 2, 2, 2, 4]
    for fc in model.classifier:
        assert isinstance(fc.fc, Linear) and fc.fc.bias is not None
        assert isinstance(fc.bn, BatchNorm1d) and fc.attention.dims == "T"
    assert [fc.fc.in_features for fc in model.classifier] == [2048, 256]


@pytest.mark.parametrize("preset, width", [("paper-gait", 0.5), ("paper-cifar10dvs", 1.0)])
def test_cells_are_the_authors(preset, width):
    """decay 0.3, threshold 0.3, reset to 0.3 through the graph; surrogate 1/width on
    |u - 0.3| < width/2 (Gait: a = 0.5, slope 2; CIFAR10-DVS: a = 1, slope 1)."""
    model = MASNN(attention="no", preset=preset)
    for lif in [b.lif for b in model.features] + [b.lif for b in model.classifier]:
        assert (lif.decay, lif.threshold, lif.v_reset, lif.reset_mode) == (0.3, 0.3, 0.3, "hard")
        assert not lif.detach_reset and lif.surrogate == Rectangle(width=width)
    # one neuron, one step: the gradient of the spike is the rectangle's height inside its window
    lif = model.features[0].lif
    u = np.array([0.3 - 0.49 * width, 0.3 + 0.49 * width, 0.3 + 0.51 * width])[None]
    x = Tensor(u.astype(np.float64), requires_grad=True)
    lif(x).sum().backward()
    np.testing.assert_allclose(x.grad[0], [1 / width, 1 / width, 0.0])


@pytest.mark.parametrize("preset", ["paper-gait", "paper-cifar10dvs"])
def test_preset_networks_run_forward_and_backward_on_one_recording(preset):
    manual_seed(0)
    model = MASNN(attention="TCSA", preset=preset)
    T, classes = PRESETS[preset].masnn["T"], PRESETS[preset].masnn["num_classes"]
    rng = np.random.default_rng(0)
    x = (rng.random((T, 1, 2, 128, 128)) < 0.05).astype(np.float32) * 3   # sparse event counts
    rates = model(Tensor(x))
    assert rates.shape == (1, classes)
    assert np.all((rates.data >= 0) & (rates.data <= 1))
    F.mse_loss(rates, Tensor(np.eye(classes, dtype=np.float32)[[1]])).backward()
    assert all(p.grad is not None and np.all(np.isfinite(p.grad)) for p in model.parameters())
    assert np.abs(model.classifier[-1].fc.weight.grad).sum() > 0


def test_a_preset_refuses_frames_of_another_size():
    with pytest.raises(ValueError, match=r"expected x of shape \[T, B, 2, 128, 128\]"):
        MASNN(attention="no", preset="paper-gait")(Tensor(np.zeros((8, 1, 2, 32, 32), np.float32)))


class SmoothPaperCell(nn.Neuron):
    """The authors' cell (decay 0.3, threshold 0.3, reset to 0.3 through the graph) with a smooth
    step in place of the Heaviside, so that central differences see what backward computes."""

    def __init__(self):
        super().__init__(threshold=0.3, v_reset=0.3, surrogate=Sigmoid(alpha=4.0))

    def charge(self, v, x):
        return 0.3 * v + x

    def fire(self, h):
        return smooth_spike(h - self.threshold, self.surrogate)


def test_the_preset_layout_at_small_size_has_exact_gradients():
    """The Gait/CIFAR10-DVS layout (five conv layers pooled 2-2-2-2-4, FC, TCSA with r_t 2 and
    r_c 8, batch norms, temporal attention on the FC layers) shrunk to 64x64 and few channels,
    in float64 with smooth cells: backward against central differences, for the input and the
    weights of the first and last conv, the channel and temporal attention and the classifier."""
    manual_seed(2)
    model = MASNN(attention="TCSA", preset="paper-gait", T=4, input_size=64,
                  channels=(8, 8, 8, 8, 16), hidden=(8,), num_classes=3,
                  neuron=SmoothPaperCell).to(dtype=np.float64)
    owners = [(model.features[0].conv, "weight"), (model.features[4].conv, "weight"),
              (model.features[4].attention.ca, "w1"), (model.features[1].attention.ta, "w2"),
              (model.classifier[0].attention.ta, "w1"), (model.classifier[1].fc, "weight")]

    def fn(x, *weights):
        saved = [getattr(m, n) for m, n in owners]
        for (m, n), w in zip(owners, weights):
            object.__setattr__(m, n, w)
        try:
            return model(x)
        finally:
            for (m, n), w in zip(owners, saved):
                object.__setattr__(m, n, w)

    x = np.random.default_rng(3).normal(0.5, 1.0, (4, 2, 2, 64, 64))
    assert_grad_close(fn, x, *[getattr(m, n).data for m, n in owners], method="directional",
                      seed=4)
