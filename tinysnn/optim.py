"""Optimizers and learning-rate schedulers, with PyTorch's update rules.

Each optimizer updates ``p.data`` in place from ``p.grad``; parameters without a
gradient are skipped. State (momentum buffers, Adam moments) lives in ``self.state``
keyed by the parameter's position, so ``state_dict()`` is plain arrays and numbers.
"""

import math

import numpy as np

from .backend import to_device, xp_of
from .tensor import Tensor
from .validate import WrongType, check_integer, check_real, check_whole


def check_number(who, name, value, low=0.0, high=math.inf, low_open=False):
    """``value`` as a float if it is a finite real number in [low, high] (or (low, high]);
    otherwise a ValueError (TypeError for a non-number) that names it."""
    return check_real(who, name, value, low, None if high == math.inf else high,
                      low_open=low_open)


def check_count(who, name, value, low=1):
    """``value`` if it is an int >= low (not a bool), else an error that names it."""
    return check_integer(who, name, value, low)


class Optimizer:
    """Base of the optimizers: the parameters, their per-parameter settings and state."""
    def __init__(self, params, defaults):
        who = type(self).__name__
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{who}: got an empty parameter list")
        seen = {}
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{who}: parameter {i} is a {type(p).__name__}, not a Tensor")
            if id(p) in seen:  # it would be updated twice per step
                raise ValueError(f"{who}: parameters {seen[id(p)]} and {i} are the same tensor")
            seen[id(p)] = i
        self.defaults = {name: check_number(who, name, value) for name, value in defaults.items()}
        self.lr = self.defaults["lr"]
        self.state = {}  # index of the parameter -> dict of arrays
        self.step_count = 0

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        self.step_count += 1
        for i, p in enumerate(self.params):
            if p.grad is not None:
                self.update(i, p, p.grad)

    def update(self, i, p, grad):
        raise NotImplementedError

    def state_dict(self):
        """Flat name -> array/number mapping (savable with np.savez, no pickle)."""
        flat = {"lr": self.lr, "step_count": self.step_count}
        for i, slots in self.state.items():
            for key, value in slots.items():
                flat[f"state.{i}.{key}"] = to_device(value, "cpu").copy()
        return flat

    def load_state_dict(self, flat):
        """Restore a state_dict(); everything is checked before anything changes.

        Raises ValueError naming the entry that is missing, unknown, out of range, not finite
        or of the wrong shape for its parameter.
        """
        who = f"{type(self).__name__}.load_state_dict"
        for key in ("lr", "step_count"):
            if key not in flat:
                raise ValueError(f"{who}: the state has no {key!r} entry")
        lr = check_number(who, "lr", _scalar(who, "lr", flat["lr"]))
        step_count = check_whole(who, "step_count", _scalar(who, "step_count", flat["step_count"]),
                                 low=0)
        state = {}
        for name, value in flat.items():
            if name in ("lr", "step_count"):
                continue
            index, key = self._slot_of(who, name)
            like = self.params[index].data
            value = np.asarray(value)
            if value.dtype.kind not in "fiu" or not np.isfinite(value).all():
                raise ValueError(f"{who}: {name} must hold finite numbers, got {value.dtype} "
                                 f"{'with non-finite values' if value.dtype.kind == 'f' else ''}")
            if value.shape not in (like.shape, ()):
                raise ValueError(f"{who}: {name} has shape {value.shape}, parameter {index} "
                                 f"has shape {like.shape}")
            state.setdefault(index, {})[key] = xp_of(like).array(value, like.dtype)
        self.lr, self.step_count, self.state = lr, step_count, state

    def _slot_of(self, who, name):
        """'state.<index>.<key>' -> (index, key), the index checked against the parameters."""
        parts = name.split(".", 2)
        if len(parts) != 3 or parts[0] != "state" or not parts[1].isdigit() or not parts[2]:
            raise ValueError(f"{who}: unknown entry {name!r} (expected lr, step_count or "
                             f"state.<parameter index>.<name>)")
        index = int(parts[1])
        if index >= len(self.params):
            raise ValueError(f"{who}: {name} is for parameter {index}, but there are only "
                             f"{len(self.params)} parameters")
        return index, parts[2]


def _scalar(who, name, value):
    """A plain number from a number or a 0-d numeric array (what np.savez gives back)."""
    array = np.asarray(value)
    if array.shape != () or array.dtype.kind not in "fiu":
        raise ValueError(f"{who}: {name} must be one number, got {array.dtype} of shape "
                         f"{array.shape}")
    return array.item()


class SGD(Optimizer):
    """v = mu v + g (+ wd p);  p -= lr * v   (nesterov: p -= lr * (g + mu v))."""

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))
        if nesterov and momentum <= 0:
            raise ValueError("SGD: nesterov needs momentum > 0")
        self.momentum, self.weight_decay, self.nesterov = momentum, weight_decay, nesterov

    def update(self, i, p, grad):
        if self.weight_decay:
            grad = grad + self.weight_decay * p.data
        if self.momentum:
            slots = self.state.setdefault(i, {})
            if "momentum" not in slots:
                slots["momentum"] = grad.copy()  # PyTorch starts the buffer at the first gradient
            else:
                slots["momentum"] *= self.momentum
                slots["momentum"] += grad
            buf = slots["momentum"]
            grad = grad + self.momentum * buf if self.nesterov else buf
        p.data -= self.lr * grad


class Adam(Optimizer):
    """m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr m_hat / (sqrt(v_hat) + eps).

    weight_decay adds wd * p to the gradient (L2, as torch.optim.Adam); AdamW decouples it.
    """

    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, eps=eps, weight_decay=weight_decay))
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise WrongType(f"{type(self).__name__}: betas must be two numbers in [0, 1), "
                            f"got {betas!r}")
        for i, b in enumerate(betas):
            check_real(type(self).__name__, f"betas[{i}]", b, 0, 1, high_open=True)
        self.betas, self.eps, self.weight_decay = tuple(betas), eps, weight_decay

    def update(self, i, p, grad):
        b1, b2 = self.betas
        if self.weight_decay and self.decoupled:
            p.data *= 1 - self.lr * self.weight_decay  # AdamW: p -= lr * wd * p
        elif self.weight_decay:
            grad = grad + self.weight_decay * p.data
        xp = xp_of(p.data)
        slots = self.state.setdefault(i, {})
        if "m" not in slots:
            slots["m"], slots["v"] = xp.zeros_like(p.data), xp.zeros_like(p.data)
            slots["t"] = xp.zeros((), p.data.dtype)
        slots["t"] += 1
        t = float(slots["t"])
        m, v = slots["m"], slots["v"]
        m *= b1
        m += (1 - b1) * grad
        v *= b2
        v += (1 - b2) * grad * grad
        bias1, bias2 = 1 - b1**t, 1 - b2**t
        # p -= lr * (m / bias1) / (sqrt(v / bias2) + eps), written as PyTorch does
        denom = xp.sqrt(v) / math.sqrt(bias2) + self.eps
        p.data -= (self.lr / bias1) * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p -= lr * wd * p, then Adam."""

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)


# ---------------------------------------------------------------------- schedulers
class Scheduler:
    """Sets ``optimizer.lr`` once per ``step()`` (call it once per epoch)."""

    def __init__(self, optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, "
                            f"got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.epoch = 0

    progress = ("epoch",)  # what a checkpoint keeps; the settings come from the new run

    def lr_at(self, epoch):
        """The learning rate after ``epoch`` steps, for schedules that are a formula of the
        epoch; None for schedules that depend on what happened (ReduceLROnPlateau)."""
        return None

    def step(self):
        self.epoch += 1
        self.optimizer.lr = self.lr_at(self.epoch)

    def state_dict(self):
        return {key: getattr(self, key) for key in self.progress}

    def load_state_dict(self, state):
        """Restore the progress only, so a resumed run may change settings (T_max, patience).

        A schedule that is a formula of the epoch then sets the optimizer's lr to its value at
        the restored epoch under the current settings: a cosine schedule resumed with a larger
        T_max continues over the new horizon instead of staying at its old end.
        """
        who = f"{type(self).__name__}.load_state_dict"
        values = {}
        for key in self.progress:
            if not isinstance(state, dict) or key not in state:
                raise ValueError(f"{who}: the state has no {key!r} entry")
            if isinstance(getattr(self, key), int):     # epoch, bad_epochs
                values[key] = check_whole(who, key, state[key], low=0)
            else:                                       # best: inf before the first step
                values[key] = check_real(who, key, state[key], finite=False)
        for key, value in values.items():
            setattr(self, key, value)
        lr = self.lr_at(self.epoch)
        if lr is not None:
            self.optimizer.lr = lr


class StepLR(Scheduler):
    """lr = base_lr * gamma ** (epoch // step_size)."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        super().__init__(optimizer)
        self.step_size = check_count("StepLR", "step_size", step_size)
        self.gamma = check_number("StepLR", "gamma", gamma)

    def lr_at(self, epoch):
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class CosineAnnealingLR(Scheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2."""

    def __init__(self, optimizer, T_max, eta_min=0.0):
        super().__init__(optimizer)
        self.T_max = check_count("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = check_number("CosineAnnealingLR", "eta_min", eta_min)

    def lr_at(self, epoch):
        cos = math.cos(math.pi * epoch / self.T_max)
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + cos) / 2


class ReduceLROnPlateau(Scheduler):
    """Multiply lr by ``factor`` once the metric has not improved for ``patience`` epochs.

    Improvement (mode "min", threshold_mode "rel"): metric < best * (1 - threshold).
    """

    progress = ("epoch", "best", "bad_epochs")

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 min_lr=0.0):
        super().__init__(optimizer)
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        check_real("ReduceLROnPlateau", "factor", factor, 0, 1, low_open=True, high_open=True)
        self.mode, self.factor = mode, factor
        self.patience = check_count("ReduceLROnPlateau", "patience", patience, low=0)
        self.threshold = check_number("ReduceLROnPlateau", "threshold", threshold)
        self.min_lr = check_number("ReduceLROnPlateau", "min_lr", min_lr)
        self.best = math.inf if mode == "min" else -math.inf
        self.bad_epochs = 0

    def _improved(self, metric):
        if self.mode == "min":
            return metric < self.best * (1 - self.threshold)
        return metric > self.best * (1 + self.threshold)

    def step(self, metric):
        self.epoch += 1
        metric = float(metric)
        if self._improved(metric):
            self.best, self.bad_epochs = metric, 0
        else:
            self.bad_epochs += 1
        if self.bad_epochs > self.patience:
            self.optimizer.lr = max(self.optimizer.lr * self.factor, self.min_lr)
            self.bad_epochs = 0
