"""Losses: mean squared error and cross-entropy (on a stable log-softmax).

Both reduce with ``reduction`` = "mean" (default), "sum" or "none" (one value per element
for MSE, per sample for cross-entropy), as in PyTorch.
"""

from ..autograd import Function
from ..backend import xp_of
from ..tensor import Tensor
from ..validate import check_real

REDUCTIONS = ("mean", "sum", "none")


def _reduce(values, reduction):
    xp = xp_of(values)
    if reduction == "none":
        return values
    total = values.sum() if reduction == "sum" else values.mean()
    return xp.asarray(total, dtype=values.dtype)  # a 0-d array, keeping the dtype


class MSELoss(Function):
    """input, target: [...] -> reduce((input - target)^2)."""

    @staticmethod
    def forward(ctx, input, target, reduction="mean"):
        diff = input - target
        ctx.save_for_backward(diff)
        ctx.reduction = reduction
        return _reduce(diff * diff, reduction)

    @staticmethod
    def backward(ctx, grad):
        (diff,) = ctx.saved
        scale = 1.0 / diff.size if ctx.reduction == "mean" else 1.0
        d_input = (2.0 * scale) * diff * grad  # d(input - target)^2 / d input = 2 (input - target)
        return d_input, (-d_input if ctx.needs_input_grad[1] else None)


class CrossEntropy(Function):
    """logits: [N, K], labels: int [N] -> reduce(-sum_k q[n, k] log softmax(logits)[n, k]).

    q is the one-hot label, smoothed: q = (1 - s) * onehot + s / K for label_smoothing s.
    Backward: d loss_n / d logits[n] = softmax(logits[n]) - q[n].
    """

    @staticmethod
    def forward(ctx, logits, labels=None, reduction="mean", label_smoothing=0.0):
        xp = xp_of(logits)
        n_rows, n_classes = logits.shape
        shifted = logits - logits.max(axis=1, keepdims=True)  # exp never overflows
        log_probs = shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
        loss = -(1.0 - label_smoothing) * log_probs[xp.arange(n_rows), labels]
        if label_smoothing:
            loss -= (label_smoothing / n_classes) * log_probs.sum(axis=1)
        ctx.save_for_backward(log_probs, labels)
        ctx.reduction, ctx.smoothing = reduction, label_smoothing
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        log_probs, labels = ctx.saved
        xp = xp_of(log_probs)
        n_rows, n_classes = log_probs.shape
        per_row = grad / n_rows if ctx.reduction == "mean" else grad
        per_row = xp.broadcast_to(per_row, (n_rows,))[:, None]  # [N, 1]
        d_logits = xp.exp(log_probs)  # softmax
        d_logits[xp.arange(n_rows), labels] -= 1.0 - ctx.smoothing
        if ctx.smoothing:
            d_logits -= ctx.smoothing / n_classes  # softmax - q
        d_logits *= per_row
        return (d_logits,)


def _check_reduction(name, reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def mse_loss(input, target, reduction="mean"):
    """Mean squared error. input, target: Tensors (or an array target) of the same shape."""
    _check_reduction("mse_loss", reduction)
    target = target if isinstance(target, Tensor) else Tensor(target)
    if input.shape != target.shape:
        raise ValueError(f"mse_loss: input has shape {input.shape}, target has {target.shape}")
    if input.dtype != target.dtype:
        raise TypeError(f"mse_loss: input is {input.dtype}, target is {target.dtype}; "
                        f"convert one first")
    return MSELoss.apply(input, target, reduction=reduction)


def cross_entropy(logits, labels, reduction="mean", label_smoothing=0.0):
    """Cross-entropy of softmax(logits) against class indices.

    logits: [N, K] Tensor of floats. labels: [N] integer class indices in [0, K) (Tensor or
    array). label_smoothing: s in [0, 1], the target becomes (1 - s) * onehot + s / K.
    """
    _check_reduction("cross_entropy", reduction)
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy: logits must be [N, K], got shape {logits.shape}")
    if logits.dtype.kind != "f":
        raise TypeError(f"cross_entropy: logits must be floating point, got {logits.dtype}")
    labels = labels.data if isinstance(labels, Tensor) else xp_of(logits.data).asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: labels must be integer class indices, got {labels.dtype}")
    if labels.shape != logits.shape[:1]:
        raise ValueError(f"cross_entropy: labels must be [{logits.shape[0]}] for logits of shape "
                         f"{logits.shape}, got shape {labels.shape}")
    n_classes = logits.shape[1]
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= n_classes):
        raise ValueError(f"cross_entropy: labels must lie in [0, {n_classes}), got values from "
                         f"{int(labels.min())} to {int(labels.max())}")
    check_real("cross_entropy", "label_smoothing", label_smoothing, 0, 1)
    return CrossEntropy.apply(logits, labels=labels, reduction=reduction,
                              label_smoothing=float(label_smoothing))
