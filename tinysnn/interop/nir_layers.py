"""The stateless NIR nodes as tinysnn modules: Affine, Linear, Conv1d/Conv2d, SumPool2d,
AvgPool2d, Flatten, Scale, Threshold, Delay, and the pass-through Input/Output nodes.

Every module here maps a sequence ``[T, B, *in_shape] -> [T, B, *out_shape]`` in ``forward`` by
folding time into the batch (one call of the same kernels a hand-built network uses: F.linear,
F.conv2d with its event-driven paths, F.avg_pool2d), and one step ``[B, *in_shape]`` in
``step(state, x) -> (y, state)``, which the step-by-step runner of cyclic graphs calls.
Each module writes itself back as a NIR node (``to_nir``) from its current parameters.

Shapes are NIR's: without the batch axis (``in_shape`` of a Conv2d is [C, H, W]).
"""

import numpy as np

from .. import functional as F
from ..backend import xp_of
from ..nn.module import Module, Parameter
from ..tensor import Tensor


class NodeModule(Module):
    """A stateless node: ``apply`` on [N, *in_shape]; sequences fold [T, B] into N."""

    def __init__(self, in_shape, out_shape):
        super().__init__()
        self.in_shape, self.out_shape = tuple(in_shape), tuple(out_shape)

    def apply(self, x):
        raise NotImplementedError

    def forward(self, x):
        T, B = x.shape[:2]
        y = self.apply(x.reshape(T * B, *x.shape[2:]))
        return y.reshape(T, B, *y.shape[1:])

    def initial_state(self, x):
        return None

    def step(self, state, x):
        return self.apply(x), state


class PassThrough(NodeModule):
    """Input, Output (also of a nested graph): y = x."""

    def __init__(self, shape, kind):
        super().__init__(shape, shape)
        self.kind = kind

    def apply(self, x):
        return x

    def forward(self, x):
        return x

    def to_nir(self, nir, dt):
        shape = np.array(self.in_shape)
        return nir.Input(input_type=shape) if self.kind == "Input" else nir.Output(
            output_type=shape)


class AffineNode(NodeModule):
    """Affine y = W x + b, or Linear y = W x (bias None).  weight: [out, in]."""

    def __init__(self, weight, bias):
        super().__init__(weight.shape[1:], weight.shape[:1])
        self.weight = Parameter(weight)
        self.bias = None if bias is None else Parameter(bias)

    def apply(self, x):
        return F.linear(x, self.weight, self.bias)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)  # F.linear takes [..., in] as it is

    features_rank = 1  # x: [..., in]

    def dense_ops(self, y_shape):
        """Multiply-accumulates of one sample at one time step: in * out (for the Monitor)."""
        return int(np.prod(self.weight.shape))

    def to_nir(self, nir, dt):
        if self.bias is None:
            return nir.Linear(weight=self.weight.data.copy())
        return nir.Affine(weight=self.weight.data.copy(), bias=self.bias.data.copy())


def zero_pad(x, pads):
    """x [N, C, H, W] with zeros added: pads = (top, bottom, left, right)."""
    xp, parts = xp_of(x.data), []
    for axis, (before, after) in ((2, pads[:2]), (3, pads[2:])):
        parts = []
        for n in (before, after):
            shape = list(x.shape)
            shape[axis] = n
            parts.append(Tensor(xp.zeros(shape, x.dtype)) if n else None)
        x = F.concatenate([p for p in (parts[0], x, parts[1]) if p is not None], axis=axis)
    return x


def dilate(weight, dilation):
    """weight [O, C, kh, kw] with dilation - 1 zeros between its taps along H and W:
    [O, C, (kh - 1) dh + 1, (kw - 1) dw + 1], built from autograd ops (stack, reshape, slice)."""
    xp = xp_of(weight.data)
    for axis, d in ((2, dilation[0]), (3, dilation[1])):
        if d == 1:
            continue
        zeros = Tensor(xp.zeros(weight.shape, weight.dtype))
        spread = F.stack([weight] + [zeros] * (d - 1), axis=axis + 1)   # [.., k, d, ..]
        shape = list(weight.shape)
        shape[axis] *= d
        spread = spread.reshape(*shape)
        index = [slice(None)] * 4
        index[axis] = slice(0, (weight.shape[axis] - 1) * d + 1)
        weight = spread[tuple(index)]
    return weight


class ConvNode(NodeModule):
    """Conv1d or Conv2d with stride, padding (top, bottom, left, right), dilation and groups.

    weight: [O, C / groups, kh, kw] ([O, C / groups, k] for Conv1d, run as a 1 x k Conv2d on
    [N, C, 1, L]). Symmetric padding goes to F.conv2d; 'same' with an even kernel pads more at
    the end (as PyTorch), by explicit zeros. Dilation spreads the kernel with zeros; groups run
    one convolution per group.
    """

    def __init__(self, weight, bias, in_shape, out_shape, stride, pads, dilation, groups,
                 original):
        super().__init__(in_shape, out_shape)
        self.weight = Parameter(weight)
        self.bias = Parameter(bias)
        self.stride, self.pads, self.dilation, self.groups = stride, pads, dilation, groups
        self.one_d = weight.ndim == 3
        self.original = original  # NIR's own stride, padding, dilation (written back as given)
        self.features_rank = 2 if self.one_d else 3  # x: [..., C, L] or [..., C, H, W]

    def dense_ops(self, y_shape):
        """Multiply-accumulates of one sample at one time step (for the Monitor), for an output
        [..., O, *spatial]: k*k*(C/groups)*O*H_out*W_out (k*(C/groups)*O*L_out for Conv1d), the
        real taps: the zeros of dilation and of the other groups are not counted."""
        taps = int(np.prod(self.weight.shape))  # O * C/groups * kh * kw (or * k)
        return taps * int(np.prod(y_shape[-(self.features_rank - 1):]))

    def apply(self, x):
        w = self.weight
        if self.one_d:  # [N, C, L] -> [N, C, 1, L]; [O, C, k] -> [O, C, 1, k]
            x = x.reshape(x.shape[0], x.shape[1], 1, x.shape[2])
            w = w.reshape(w.shape[0], w.shape[1], 1, w.shape[2])
        w = dilate(w, self.dilation)
        top, bottom, left, right = self.pads
        if top == bottom and left == right:
            padding = (top, left)
        else:
            x, padding = zero_pad(x, self.pads), (0, 0)
        if self.groups == 1:
            y = F.conv2d(x, w, self.bias, self.stride, padding)
        else:  # group g: its C / groups input channels with its O / groups filters
            cin, cout = x.shape[1] // self.groups, w.shape[0] // self.groups
            y = F.concatenate([
                F.conv2d(x[:, g * cin:(g + 1) * cin], w[g * cout:(g + 1) * cout],
                         self.bias[g * cout:(g + 1) * cout], self.stride, padding)
                for g in range(self.groups)], axis=1)
        return y.reshape(y.shape[0], y.shape[1], y.shape[3]) if self.one_d else y

    def to_nir(self, nir, dt):
        kind = nir.Conv1d if self.one_d else nir.Conv2d
        shape = self.in_shape[1] if self.one_d else tuple(self.in_shape[1:])
        return kind(input_shape=shape, weight=self.weight.data.copy(), bias=self.bias.data.copy(),
                    groups=self.groups, **self.original)


class PoolNode(NodeModule):
    """SumPool2d (sum over each window, zero padding) or AvgPool2d (mean, the padded zeros
    counted). kernel, stride: pairs; pads: (top, bottom, left, right)."""

    def __init__(self, kind, in_shape, out_shape, kernel, stride, padding):
        super().__init__(in_shape, out_shape)
        self.kind, self.kernel, self.stride, self.padding = kind, kernel, stride, padding

    def apply(self, x):
        fits = self.padding[0] <= self.kernel[0] // 2 and self.padding[1] <= self.kernel[1] // 2
        if fits:
            y = F.avg_pool2d(x, self.kernel, self.stride, self.padding)
        else:   # F.avg_pool2d takes at most half a window of padding: pad with zeros first
            ph, pw = self.padding
            y = F.avg_pool2d(zero_pad(x, (ph, ph, pw, pw)), self.kernel, self.stride, 0)
        area = self.kernel[0] * self.kernel[1]
        return y * float(area) if self.kind == "SumPool2d" else y  # sum = mean x window area

    def to_nir(self, nir, dt):
        kind = nir.SumPool2d if self.kind == "SumPool2d" else nir.AvgPool2d
        return kind(kernel_size=np.array(self.kernel), stride=np.array(self.stride),
                    padding=np.array(self.padding))


class FlattenNode(NodeModule):
    """NIR Flatten: axes start_dim..end_dim of [*in_shape] (counted without the batch) merged."""

    def __init__(self, in_shape, out_shape, start_dim, end_dim):
        super().__init__(in_shape, out_shape)
        self.start_dim, self.end_dim = start_dim, end_dim

    def apply(self, x):
        return x.reshape(x.shape[0], *self.out_shape)

    def to_nir(self, nir, dt):
        return nir.Flatten(input_type={"input": np.array(self.in_shape)},
                           start_dim=self.start_dim, end_dim=self.end_dim)


class ScaleNode(NodeModule):
    """y = x * scale (elementwise, scale broadcast over the batch)."""

    def __init__(self, scale, shape):
        super().__init__(shape, shape)
        self.scale = Parameter(scale)

    def apply(self, x):
        return x * self.scale

    def forward(self, x):
        return x * self.scale

    def to_nir(self, nir, dt):
        return nir.Scale(scale=self.scale.data.copy())


class ThresholdNode(NodeModule):
    """s = [x >= threshold], the surrogate's slope in backward (F.spike)."""

    def __init__(self, threshold, shape, surrogate):
        super().__init__(shape, shape)
        self.threshold = Parameter(threshold)
        self.surrogate = surrogate

    def apply(self, x):
        return F.spike(x - self.threshold, self.surrogate)

    def forward(self, x):
        return F.spike(x - self.threshold, self.surrogate)

    def to_nir(self, nir, dt):
        return nir.Threshold(threshold=self.threshold.data.copy())


class DelayNode(NodeModule):
    """y[t] = x[t - d] per element, d = round(delay / dt) steps (zeros before the start).

    steps: [*shape] integers. A sequence is shifted once per distinct d and the shifts are
    combined by masks; one step keeps the last max(d) inputs as its state.
    """

    def __init__(self, steps, delay, shape):
        super().__init__(shape, shape)
        self.steps, self.delay = steps, delay
        self.distinct = [int(d) for d in np.unique(steps)]

    def _masks(self, like):
        xp = xp_of(like.data)
        return {d: Tensor(xp.asarray(self.steps == d, dtype=like.dtype)) for d in self.distinct}

    def _combine(self, shifted, like):
        if len(self.distinct) == 1:
            return shifted[self.distinct[0]]
        masks = self._masks(like)
        return sum((shifted[d] * masks[d] for d in self.distinct[1:]),
                   shifted[self.distinct[0]] * masks[self.distinct[0]])

    def forward(self, x):
        T, xp = x.shape[0], xp_of(x.data)
        shifted = {}
        for d in self.distinct:   # y_d[t] = x[t - d]: d zero steps, then x[0 .. T - d - 1]
            if d == 0:
                shifted[d] = x
            elif d >= T:
                shifted[d] = Tensor(xp.zeros(x.shape, x.dtype))
            else:
                shifted[d] = F.concatenate([Tensor(xp.zeros((d, *x.shape[1:]), x.dtype)),
                                            x[:T - d]], axis=0)
        return self._combine(shifted, x)

    def initial_state(self, x):
        return [Tensor(xp_of(x.data).zeros(x.shape, x.dtype))] * max(self.distinct)

    def step(self, state, x):
        state = self.initial_state(x) if state is None else state
        shifted = {d: (x if d == 0 else state[-d]) for d in self.distinct}
        longest = max(self.distinct)
        return self._combine(shifted, x), ((state + [x])[-longest:] if longest else state)

    def to_nir(self, nir, dt):
        return nir.Delay(delay=self.delay.copy())
