"""conv2d: im2col + one GEMM forward, col2im backward, against loops and central differences."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinysnn import Tensor
from tinysnn.autograd import Context
from tinysnn.functional import conv2d
from tinysnn.functional.conv import Conv2d
from tinysnn.kernels.conv import col2im, im2col, reference
from tinysnn.testing import arrays, assert_grad_close


@st.composite
def conv_configs(draw, max_side=6):
    """(x shape, weight shape, stride, padding) whose kernel fits the padded input."""
    n, c, o = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    h = draw(st.integers(max(1, kh - 2 * padding[0]), max_side))
    w = draw(st.integers(max(1, kw - 2 * padding[1]), max_side))
    return (n, c, h, w), (o, c, kh, kw), stride, padding


def conv2d_loop(x, weight, bias, stride, padding):
    """y[n, o, a, b] = sum_{c, i, j} w[o, c, i, j] * xpad[n, c, a*sh + i, b*sw + j] + bias[o]."""
    (sh, sw), (ph, pw) = stride, padding
    xpad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out_ch, _, kh, kw = weight.shape
    ho = (xpad.shape[2] - kh) // sh + 1
    wo = (xpad.shape[3] - kw) // sw + 1
    y = np.zeros((x.shape[0], out_ch, ho, wo))
    for n in range(x.shape[0]):
        for o in range(out_ch):
            for a in range(ho):
                for b in range(wo):
                    window = xpad[n, :, a * sh : a * sh + kh, b * sw : b * sw + kw]
                    y[n, o, a, b] = np.sum(window * weight[o]) + (0 if bias is None else bias[o])
    return y


@given(conv_configs(), st.booleans(), st.sampled_from([np.float32, np.float64]), st.data())
def test_conv2d_matches_explicit_loop(config, with_bias, dtype, data):
    x_shape, w_shape, stride, padding = config
    x = data.draw(arrays(x_shape, dtype))
    weight = data.draw(arrays(w_shape, dtype))
    bias = data.draw(arrays((w_shape[0],), dtype)) if with_bias else None
    y = conv2d(Tensor(x), Tensor(weight), None if bias is None else Tensor(bias), stride, padding)
    assert y.dtype == dtype and y.data.flags.c_contiguous
    tol = 1e-5 if dtype == np.float32 else 1e-12
    expected = conv2d_loop(x.astype(np.float64), weight, bias, stride, padding)
    np.testing.assert_allclose(y.data, expected, rtol=tol, atol=tol)


@given(conv_configs(max_side=4), st.booleans(), st.data())
def test_conv2d_backward_matches_central_differences(config, with_bias, data):
    x_shape, w_shape, stride, padding = config
    inputs = [data.draw(arrays(x_shape)), data.draw(arrays(w_shape))]
    if with_bias:
        inputs.append(data.draw(arrays((w_shape[0],))))
    assert_grad_close(lambda *t: conv2d(*t, stride=stride, padding=padding), *inputs)


@given(conv_configs(), st.sampled_from([np.float32, np.float64]), st.data())
def test_im2col_and_col2im_kernels_match_their_references(config, dtype, data):
    x_shape, (_, _, kh, kw), stride, padding = config
    x = data.draw(arrays(x_shape, dtype))
    cols = im2col(x, kh, kw, stride, padding)
    np.testing.assert_array_equal(cols, reference.im2col(x, kh, kw, stride, padding))
    dcols = data.draw(arrays(cols.shape, dtype))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(col2im(dcols, x.shape, kh, kw, stride, padding),
                               reference.col2im(dcols, x.shape, kh, kw, stride, padding),
                               rtol=tol, atol=tol)


@given(conv_configs(), st.data())
def test_col2im_is_the_adjoint_of_im2col(config, data):
    """<im2col(x), c> == <x, col2im(c)> for every x and c: col2im is im2col transposed."""
    x_shape, (_, _, kh, kw), stride, padding = config
    x = data.draw(arrays(x_shape))
    cols = im2col(x, kh, kw, stride, padding)
    c = data.draw(arrays(cols.shape))
    lhs = np.sum(cols * c)
    rhs = np.sum(x * col2im(c, x.shape, kh, kw, stride, padding))
    assert abs(lhs - rhs) <= 1e-10 * (1 + abs(lhs))


def test_conv2d_backward_skips_gradients_nobody_needs():
    rng = np.random.default_rng(0)
    x, weight = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3))
    grad = rng.standard_normal((2, 4, 3, 3))
    for needs in [(True, False), (False, True)]:
        ctx = Context(needs)
        Conv2d.forward(ctx, x, weight)
        gx, gw = Conv2d.backward(ctx, grad)
        assert (gx is not None, gw is not None) == needs


def test_conv2d_stride_and_padding_give_the_pytorch_output_size():
    x = Tensor(np.zeros((1, 1, 7, 8), np.float32))
    weight = Tensor(np.zeros((2, 1, 3, 2), np.float32))
    # Ho = (7 + 2 - 3) // 2 + 1, Wo = (8 + 2 - 2) // 2 + 1
    assert conv2d(x, weight, stride=2, padding=1).shape == (1, 2, 4, 5)
    assert conv2d(x, weight, stride=(1, 3), padding=(0, 2)).shape == (1, 2, 5, 4)


def test_conv2d_errors_name_the_argument_and_both_shapes():
    x = Tensor(np.zeros((2, 3, 5, 5), np.float32))
    weight = Tensor(np.zeros((4, 3, 3, 3), np.float32))
    with pytest.raises(ValueError, match=r"conv2d: x must be \[N, C, H, W\], got shape \(3, 5"):
        conv2d(Tensor(np.zeros((3, 5, 5), np.float32)), weight)
    with pytest.raises(ValueError, match="conv2d: weight has 2 input channels, x has 3"):
        conv2d(x, Tensor(np.zeros((4, 2, 3, 3), np.float32)))
    with pytest.raises(ValueError, match=r"conv2d: weight must be \[O, C, kh, kw\]"):
        conv2d(x, Tensor(np.zeros((4, 3, 3), np.float32)))
    with pytest.raises(TypeError, match="conv2d: x is float32, weight is float64"):
        conv2d(x, Tensor(np.zeros((4, 3, 3, 3))))
    with pytest.raises(TypeError, match="conv2d: x must be float32 or float64, got int64"):
        conv2d(Tensor(np.zeros((2, 3, 5, 5), np.int64)), weight)
    with pytest.raises(ValueError, match="conv2d: kernel 7x7 is larger than the padded input 5x5"):
        conv2d(x, Tensor(np.zeros((4, 3, 7, 7), np.float32)))
    with pytest.raises(ValueError, match=r"conv2d: bias must be \[4\], got shape \(3,\)"):
        conv2d(x, weight, Tensor(np.zeros(3, np.float32)))
    with pytest.raises(ValueError, match="conv2d: stride must be an integer >= 1 or a pair of "
                                         "them, got 0"):
        conv2d(x, weight, stride=0)
    with pytest.raises(ValueError, match="conv2d: padding must be an integer >= 0 or a pair"):
        conv2d(x, weight, padding=(1, -1))


def test_stacked_convolutions_share_the_scratch_buffer_safely():
    """Two layers reuse one column buffer: outputs and gradients must not see each other's."""
    rng = np.random.default_rng(1)
    x, w1, w2 = (rng.standard_normal(s) for s in [(2, 2, 6, 6), (3, 2, 3, 3), (2, 3, 2, 2)])
    first = conv2d(Tensor(x), Tensor(w1), padding=1).data.copy()
    conv2d(Tensor(rng.standard_normal((4, 2, 9, 9))), Tensor(w1))  # a larger call in between
    np.testing.assert_array_equal(conv2d(Tensor(x), Tensor(w1), padding=1).data, first)
    assert_grad_close(lambda a, b, c: conv2d(conv2d(a, b, padding=1), c, stride=2), x, w1, w2)


def test_conv2d_in_blocks_of_images_equals_one_block(monkeypatch):
    """Forward and both gradients do not depend on how many images a block holds."""
    from tinysnn.functional import conv as conv_module

    rng = np.random.default_rng(2)
    x, weight, bias = (rng.standard_normal(s) for s in [(5, 3, 6, 6), (4, 3, 3, 3), (4,)])
    grad = rng.standard_normal((5, 4, 6, 6))

    def run():
        ctx = Context((True, True, True))
        y = Conv2d.forward(ctx, x, weight, bias, (1, 1), (1, 1))
        return (y, *Conv2d.backward(ctx, grad))

    whole = run()
    monkeypatch.setattr(conv_module, "BLOCK_ELEMENTS", 2 * 27 * 36)  # two images per block
    for blocked, expected in zip(run(), whole):
        np.testing.assert_allclose(blocked, expected, rtol=1e-12, atol=1e-12)
