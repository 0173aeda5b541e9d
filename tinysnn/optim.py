"""Optimizers and learning-rate schedulers, with PyTorch's update rules.

Each optimizer updates ``p.data`` in place from ``p.grad``; parameters without a
gradient are skipped. State (momentum buffers, Adam moments) lives in ``self.state``
keyed by the parameter's position, so ``state_dict()`` is plain arrays and numbers.
"""

import math

from .backend import to_device, xp_of


class Optimizer:
    def __init__(self, params, defaults):
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for name, value in defaults.items():
            if isinstance(value, (int, float)) and value < 0:
                raise ValueError(f"{type(self).__name__}: {name} must be >= 0, got {value}")
        self.defaults = defaults
        self.lr = defaults["lr"]
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
        self.lr = float(flat["lr"])
        self.step_count = int(flat["step_count"])
        self.state = {}
        for name, value in flat.items():
            if name.startswith("state."):
                _, i, key = name.split(".", 2)
                like = self.params[int(i)].data
                self.state.setdefault(int(i), {})[key] = xp_of(like).array(value, like.dtype)


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
        if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"{type(self).__name__}: betas must lie in [0, 1), got {betas}")
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay

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
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.epoch = 0

    progress = ("epoch",)  # what a checkpoint keeps; the settings come from the new run

    def state_dict(self):
        return {key: getattr(self, key) for key in self.progress}

    def load_state_dict(self, state):
        """Restore the progress only, so a resumed run may change settings (T_max, patience)."""
        for key in self.progress:
            setattr(self, key, type(getattr(self, key))(state[key]))


class StepLR(Scheduler):
    """lr = base_lr * gamma ** (epoch // step_size)."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        super().__init__(optimizer)
        self.step_size, self.gamma = step_size, gamma

    def step(self):
        self.epoch += 1
        self.optimizer.lr = self.base_lr * self.gamma ** (self.epoch // self.step_size)


class CosineAnnealingLR(Scheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2."""

    def __init__(self, optimizer, T_max, eta_min=0.0):
        super().__init__(optimizer)
        self.T_max, self.eta_min = T_max, eta_min

    def step(self):
        self.epoch += 1
        cos = math.cos(math.pi * self.epoch / self.T_max)
        self.optimizer.lr = self.eta_min + (self.base_lr - self.eta_min) * (1 + cos) / 2


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
        if not 0 < factor < 1:
            raise ValueError(f"ReduceLROnPlateau: factor must lie in (0, 1), got {factor}")
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.min_lr = threshold, min_lr
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
