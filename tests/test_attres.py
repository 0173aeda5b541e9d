"""Att-Res-SNN: the authors' cell, batch norms, shortcuts and parameter counts; gradients of a
smooth copy against central differences; a tiny training run; its data and its run settings."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tinysnn import Tensor, manual_seed, nn, optim
from tinysnn import functional as F
from tinysnn.nn.models import AttResNeuron, AttResSNN
from tinysnn.surrogate import Rectangle, Sigmoid
from tinysnn.testing import assert_grad_close, shapes, smooth_spike, time_major


# ------------------------------------------------------------------ parameter counts
@pytest.mark.parametrize("depth, csa, plain", [(18, 11_867_960, 11_693_736),
                                                (34, 22_116_552, 21_801_896),
                                                (104, 78_369_598, 77_284_264)])
def test_parameter_counts_are_the_authors(depth, csa, plain):
    """CSA: the paper's counts at 1000 classes. Without attention each block has
    2 C (C // 8) + 18 parameters fewer (CA's two bias-free layers and SA's 2 -> 1 3x3 conv)."""
    model = AttResSNN(depth=depth)
    assert model.num_parameters() == csa
    saved = sum(2 * b.conv2.out_channels * (b.conv2.out_channels // 8) + 18
                for stage in model.stages for b in stage)
    assert csa - saved == plain
    if depth == 18:
        assert AttResSNN(depth=18, attention="no").num_parameters() == plain


# ------------------------------------------------------------------ the cell
@given(x=time_major(st.integers(1, 6), st.integers(1, 3), shapes(max_dims=2, max_side=4),
                    min_value=-1.0, max_value=2.0))
def test_cell_is_a_lif_with_detached_reset_to_zero(x):
    """Away from the threshold the cell is nn.LIF(decay 0.25, threshold 0.5, hard reset to 0,
    detach_reset, Rectangle(1)): same spikes, same gradients (float64)."""
    assume(not np.any(AttResNeuron().potential(x) == 0.5))   # there, > and >= differ
    lif = nn.LIF(decay=0.25, threshold=0.5, v_reset=0.0, detach_reset=True,
                 surrogate=Rectangle(width=1.0))
    probe = np.random.default_rng(0).normal(size=x.shape)
    grads = []
    for neuron in (AttResNeuron(), lif):
        xt = Tensor(x, requires_grad=True)
        s = neuron(xt)
        (s * Tensor(probe)).sum().backward()
        grads.append((s.data, xt.grad))
    np.testing.assert_array_equal(grads[0][0], grads[1][0])
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-12, atol=1e-12)


def test_cell_fires_strictly_above_the_threshold():
    x = Tensor(np.array([[0.5, np.nextafter(0.5, 1.0), 0.2]]))
    assert AttResNeuron()(x).data.tolist() == [[0.0, 1.0, 0.0]]
    assert nn.LIF(decay=0.25, threshold=0.5, v_reset=0.0)(x).data.tolist() == [[1.0, 1.0, 0.0]]


def test_cell_charges_resets_and_slopes_as_the_authors():
    """mem[t] = 0.25 mem[t-1] (1 - spike[t-1]) + x[t]; d spike / d mem = 1 on 0 < mem < 1."""
    x = Tensor(np.array([[0.4], [0.45], [0.3], [0.2]]), requires_grad=True)
    s = AttResNeuron()(x)
    # mem: 0.4, 0.1 + 0.45 = 0.55 (fires), 0 + 0.3, 0.075 + 0.2
    assert s.data[:, 0].tolist() == [0.0, 1.0, 0.0, 0.0]
    s[3].sum().backward()                       # mem[3] = 0.25 * 0.3 + x[3]: reset cut before
    np.testing.assert_allclose(x.grad[:, 0], [0.0, 0.0, 0.25, 1.0])


# ------------------------------------------------------------------ structure
def test_blocks_shortcuts_and_batch_norms_are_the_authors():
    model = AttResSNN(depth=34, num_classes=10)
    stem_conv, stem_bn = model.stem
    assert (stem_conv.kernel_size, stem_conv.stride, stem_conv.padding) == ((7, 7), 2, 3)
    assert stem_conv.bias is None and np.all(stem_bn.weight.data == 0.5)
    assert [len(stage) for stage in model.stages] == [3, 4, 6, 3]
    for stage, channels in zip(model.stages, (64, 128, 256, 512)):
        for i, block in enumerate(stage):
            assert list(block._modules) == ["neuron1", "conv1", "bn1", "neuron2", "conv2", "bn2",
                                            "attention"] + (["shortcut"] if i == 0 else [])
            assert block.conv1.stride == (2 if i == 0 else 1) and block.conv2.stride == 1
            assert block.conv1.bias is None and block.conv2.bias is None
            assert np.all(block.bn1.weight.data == 0.5) and np.all(block.bn2.weight.data == 0.1)
            assert np.all(block.bn1.bias.data == 0) and np.all(block.bn2.bias.data == 0)
            assert block.attention.dims == "CS" and block.attention.ca.w1.shape == (
                channels // 8, channels)
            if i == 0:   # every stage's first block, the first stage's too: pool, 1x1 conv, BN
                pool, conv, bn = block.shortcut
                assert isinstance(pool, nn.AvgPool2d) and pool.kernel_size == 2
                assert conv.kernel_size == (1, 1) and conv.bias is None
                assert np.all(bn.weight.data == 0.5)
            else:
                assert block.shortcut is None
    assert isinstance(model.neuron, AttResNeuron) and model.dropout.p == 0.2
    assert (model.fc.in_features, model.fc.out_features) == (512, 10)


def test_batch_norm_statistics_run_over_time_batch_and_pixels():
    bn = AttResSNN(depth=18).stem[1]
    x = np.random.default_rng(1).normal(2.0, 3.0, (3, 4, 64, 5, 5))
    y = bn.to(dtype=np.float64)(Tensor(x)).data
    np.testing.assert_allclose(y.mean(axis=(0, 1, 3, 4)), 0, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=(0, 1, 3, 4)), 0.5, rtol=1e-4)   # gamma = 0.5


def test_an_image_is_fed_at_every_time_step():
    manual_seed(0)
    model = AttResSNN(depth=18, num_classes=4, T=3, in_channels=1).eval()
    image = np.random.default_rng(2).random((2, 1, 32, 32)).astype(np.float32)
    repeated = np.broadcast_to(image, (3, *image.shape)).copy()
    np.testing.assert_array_equal(model(Tensor(image)).data, model(Tensor(repeated)).data)


@pytest.mark.parametrize("shape, message", [((2, 1, 3, 32, 32), r"\[T=1, B, 3, H, W\]"),
                                            ((1, 2, 1, 32, 32), r"\[T=1, B, 3, H, W\]"),
                                            ((2, 3, 48, 40), "multiples of 32"),
                                            ((0, 3, 32, 32), r"\(1, 0, 3, 32, 32\) is an empty "
                                                             r"batch \(B = 0\)")])
def test_bad_inputs_are_named(shape, message):
    with pytest.raises(ValueError, match=message):
        AttResSNN(depth=18)(Tensor(np.zeros(shape, np.float32)))


@pytest.mark.parametrize("kwargs, message", [({"depth": 50}, "depth must be one of"),
                                             ({"attention": "XY"}, "attention must be one of"),
                                             ({"T": 0}, "T must be an integer")])
def test_bad_configurations_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        AttResSNN(**kwargs)


# ------------------------------------------------------------------ gradients
class SmoothAttResNeuron(AttResNeuron):
    """The cell with the surrogate's smooth step in place of the strict Heaviside. Its reset
    keeps the graph: a detached reset changes backward only, so no forward has it as its
    derivative (the detached reset itself is checked against nn.LIF above)."""

    def __init__(self, **options):
        super().__init__(**options)
        self.detach_reset = False

    def fire(self, h):
        return 1 - smooth_spike(self.threshold - h, self.surrogate)


def test_whole_network_gradient_matches_central_differences():
    """A smooth copy of the network (Sigmoid steps, float64, no dropout): backward through the
    stem, strided convs, batch norms, CSA, the pooled shortcuts and the head, for the input and
    the weights of the stem, a first block, its attention and the classifier."""
    manual_seed(3)
    model = AttResSNN(depth=18, num_classes=3, T=2, in_channels=1, dropout=0.0)
    for _, module in list(model.named_modules()):
        for name, child in list(module._modules.items()):
            if isinstance(child, AttResNeuron):
                setattr(module, name, SmoothAttResNeuron(surrogate=Sigmoid(alpha=4.0)))
    model.to(dtype=np.float64)
    block = model.stages[1][0]
    owners = [(model.stem[0], "weight"), (block.conv1, "weight"), (block.attention.ca, "w1"),
              (block.shortcut[1], "weight"), (model.fc, "weight")]

    def fn(x, *weights):
        saved = [getattr(m, n) for m, n in owners]
        for (m, n), w in zip(owners, weights):
            object.__setattr__(m, n, w)
        try:
            return model(x)
        finally:
            for (m, n), w in zip(owners, saved):
                object.__setattr__(m, n, w)

    x = np.random.default_rng(4).normal(1.0, 1.0, (2, 2, 1, 32, 32))
    assert_grad_close(fn, x, *[getattr(m, n).data for m, n in owners], method="directional",
                      seed=5)


def test_forward_backward_reaches_every_parameter():
    manual_seed(1)
    model = AttResSNN(depth=18, num_classes=5, T=2)
    x = np.random.default_rng(6).random((2, 2, 3, 32, 32)).astype(np.float32) * 2
    logits = model(Tensor(x))
    assert logits.shape == (2, 5)
    F.cross_entropy(logits, np.array([1, 4])).backward()
    assert all(p.grad is not None and np.all(np.isfinite(p.grad)) for p in model.parameters())
    assert np.abs(model.stem[0].weight.grad).sum() > 0


# ------------------------------------------------------------------ training
def test_a_tiny_training_run_learns_digits():
    """Att-Res-SNN-18 at T = 1 on 16 digit images (32x32): Adam fits them in a few steps."""
    pytest.importorskip("sklearn")
    from tinysnn.data import Digits

    manual_seed(0)
    data = Digits(train=True, T=1, encoding="image", size=32)
    x = np.stack([data[i][0] for i in range(16)], axis=1)          # [1, 16, 1, 32, 32]
    y = np.array([data[i][1] for i in range(16)])
    model = AttResSNN(depth=18, num_classes=10, T=1, in_channels=1)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    losses, correct = [], []
    for _ in range(6):
        logits = model(Tensor(x))
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        correct.append(int((logits.data.argmax(axis=1) == y).sum()))
    assert losses[-1] < 0.5 * losses[0] and correct[-1] >= 12 > correct[0], (losses, correct)


def test_digits_as_images_repeat_the_grey_levels_in_blocks():
    pytest.importorskip("sklearn")
    from tinysnn.data import Digits

    images, spikes = Digits(T=2, encoding="image", size=16), Digits(T=2, size=16)
    frames, label = images[5]
    assert frames.shape == (2, 1, 16, 16) and label == spikes[5][1]
    np.testing.assert_array_equal(frames[0], frames[1])
    np.testing.assert_allclose(frames[0, 0, ::2, ::2], Digits(T=1, size=8).rates[5, 0] / 0.8,
                               rtol=1e-6)
    np.testing.assert_array_equal(frames[0, 0, ::2, ::2], frames[0, 0, 1::2, 1::2])
    assert set(np.unique(spikes[5][0])) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="Digits: size must be an integer >= 8 and a multiple "
                                         "of 8, got 12"):
        Digits(size=12)


class _Silence(nn.Module):
    """An attention that zeroes what it is given: shows where a block applies it."""

    def forward(self, x):
        return x * 0.0


def test_attention_scales_the_residual_branch_before_the_shortcut_is_added():
    manual_seed(0)
    block = AttResSNN(depth=18, attention="CSA").stages[0][1]       # identity shortcut
    assert block.shortcut is None and block.attention is not None
    block.attention = _Silence()
    x = Tensor(np.random.default_rng(0).standard_normal((1, 2, 64, 8, 8)).astype(np.float32))
    np.testing.assert_array_equal(block(x).numpy(), x.numpy())     # residual silenced only
