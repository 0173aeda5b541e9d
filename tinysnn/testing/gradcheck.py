"""Gradient checks: does a backward agree with the forward it belongs to?

Two checks, both on a scalar loss L = sum(fn(*inputs) * probe) with a fixed random probe:

* ``numerical_gradients``/``check_gradients``: central differences for every element,
  dL/dx_i ~ (L(x + eps e_i) - L(x - eps e_i)) / (2 eps). Exact but costs 2 forwards per element,
  so it is for small inputs.
* ``directional_check``: one random direction d over all inputs at once,
  <grad L, d> ~ (L(x + eps d) - L(x - eps d)) / (2 eps): two forwards, any size (HIPS autograd's
  check). When it fails, bisecting d finds one input element where the two disagree.

Run both in float64: float32 central differences are noise at eps ~ 1e-6.
"""

from dataclasses import dataclass

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor


@dataclass
class GradReport:
    """The worst disagreement found: which input, which element, both values, the error."""

    ok: bool
    input_index: int = -1
    element: tuple = ()
    analytic: float = 0.0
    numeric: float = 0.0
    error: float = 0.0  # |analytic - numeric|
    tolerance: float = 0.0  # atol + rtol * |numeric|
    direction: tuple = None  # (analytic, numeric) along the random direction, if one was used

    def __str__(self):
        if self.ok:
            return f"gradients agree (worst |analytic - numeric| {self.error:.3g})"
        lines = []
        if self.direction is not None:
            exact, numeric = self.direction
            lines.append(f"along a random direction: backward gives {exact:.10g}, central "
                         f"differences give {numeric:.10g}")
        lines.append(
            f"input {self.input_index}, element {self.element}: backward gives "
            f"{self.analytic:.10g}, central differences give {self.numeric:.10g} "
            f"(|difference| {self.error:.3g} > tolerance {self.tolerance:.3g})"
        )
        return "\n".join(lines)


def _as_tensors(inputs):
    return [x if isinstance(x, Tensor) else Tensor(np.asarray(x)) for x in inputs]


def _float64(tensors):
    """Copies in float64 of the floating inputs; integer inputs (labels) stay as they are."""
    return [np.array(t.data, np.float64) if t.dtype.kind == "f" else t.data for t in tensors]


def _output(fn, tensors):
    out = fn(*tensors)
    if not isinstance(out, Tensor):
        raise TypeError(
            f"gradient check: fn must return one Tensor, got {type(out).__name__}; for a "
            f"Function with several outputs check one of them, e.g. lambda *t: Fn.apply(*t)[0]"
        )
    return out


def _loss(fn, arrays, probe):
    with no_grad():
        out = _output(fn, [Tensor(a) for a in arrays])
    return float(np.sum(np.asarray(out.data, dtype=np.float64) * probe))


def _default_wrt(tensors, wrt):
    floating = [i for i, t in enumerate(tensors) if t.dtype.kind == "f"]
    if wrt is None:
        return floating
    wrt = [wrt] if isinstance(wrt, int) else list(wrt)
    for i in wrt:
        if i not in floating:
            raise ValueError(f"gradient check: wrt={wrt} names input {i}, which is not a "
                             f"floating-point input (floating inputs: {floating})")
    return wrt


def analytic_gradients(fn, inputs, probe, wrt):
    """Backward of sum(fn(*inputs) * probe) into the inputs listed in ``wrt``."""
    tensors = [Tensor(x.data.copy(), requires_grad=(i in wrt)) for i, x in enumerate(inputs)]
    out = _output(fn, tensors)
    if out.requires_grad:  # else no input in wrt reaches the output: every gradient is zero
        out.backward(np.asarray(probe, dtype=out.dtype))
    return [t.grad if t.grad is not None else np.zeros_like(t.data) for t in tensors]


def _probe(fn, tensors, seed):
    with no_grad():
        out = _output(fn, [Tensor(t.data) for t in tensors])
    return np.random.default_rng(seed).standard_normal(out.shape)


def numerical_gradients(fn, inputs, probe, eps=1e-6, wrt=None):
    """Central differences of sum(fn(*inputs) * probe), element by element."""
    arrays = _float64(inputs)
    wrt = range(len(arrays)) if wrt is None else wrt
    grads = [np.zeros_like(a) for a in arrays]
    for i in wrt:
        a = arrays[i]
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + eps
            plus = _loss(fn, arrays, probe)
            a[idx] = old - eps
            minus = _loss(fn, arrays, probe)
            a[idx] = old
            grads[i][idx] = (plus - minus) / (2 * eps)  # dL/dx ~ (L(x+e) - L(x-e)) / 2e
    return grads


def check_gradients(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-4, wrt=None, seed=0):
    """Compare backward with central differences for every element; returns a GradReport.

    fn: callable taking Tensors and returning a Tensor. inputs: arrays or Tensors (float64).
    wrt: indices of the inputs to differentiate (default: every floating input).
    A NaN or infinite gradient on either side counts as a disagreement.
    """
    tensors = _as_tensors(inputs)
    wrt = _default_wrt(tensors, wrt)
    probe = _probe(fn, tensors, seed)
    analytic = analytic_gradients(fn, tensors, probe, wrt)
    numeric = numerical_gradients(fn, tensors, probe, eps, wrt)
    worst, worst_excess, worst_error = None, -np.inf, 0.0
    for i in wrt:
        a = np.asarray(analytic[i], dtype=np.float64)
        n = numeric[i]
        if a.size == 0:
            continue
        error = np.abs(a - n)
        tolerance = atol + rtol * np.abs(n)
        excess = np.where(np.isfinite(error), error - tolerance, np.inf)  # NaN never agrees
        j = np.unravel_index(int(np.argmax(excess)), excess.shape)
        worst_error = max(worst_error, float(np.nanmax(error)) if np.isfinite(error).any() else 0)
        if excess[j] > worst_excess:
            worst_excess = excess[j]
            worst = GradReport(not excess[j] > 0, i, tuple(int(k) for k in j), float(a[j]),
                               float(n[j]), float(error[j]), float(tolerance[j]))
    if worst is None or worst.ok:
        return GradReport(True, error=worst_error)
    return worst


def _directional_derivative(fn, base, probe, eps, direction):
    """Central difference of L along ``direction`` (a dict input index -> array)."""
    def shifted(sign):
        return [b + sign * eps * direction[i] if i in direction else b for i, b in enumerate(base)]

    return (_loss(fn, shifted(1), probe) - _loss(fn, shifted(-1), probe)) / (2 * eps)


def _locate(fn, base, analytic, probe, eps, direction):
    """Bisect the direction to one element whose gradient disagrees; returns (input, index).

    The disagreement along a direction restricted to a subset of elements is
    <analytic - numeric, d> over that subset; keep halving into the half where it is larger.
    """
    def mismatch(i, flat):
        d = np.zeros_like(base[i])
        d.flat[flat] = direction[i].flat[flat]
        exact = float(np.sum(analytic[i] * d))
        return abs(exact - _directional_derivative(fn, base, probe, eps, {i: d}))

    i = max(direction, key=lambda k: mismatch(k, np.arange(base[k].size)))
    flat = np.arange(base[i].size)
    while flat.size > 1:
        left, right = flat[: flat.size // 2], flat[flat.size // 2 :]
        flat = left if mismatch(i, left) >= mismatch(i, right) else right
    return i, np.unravel_index(int(flat[0]), base[i].shape)


def directional_check(fn, *inputs, eps=1e-6, atol=1e-6, rtol=1e-4, wrt=None, seed=0):
    """Compare <backward, d> with a central difference along one random direction d.

    Returns a GradReport; on failure it also names one element (found by bisecting d) with its
    analytic and central-difference gradient, and ``direction`` holds the two directional
    derivatives.
    """
    tensors = _as_tensors(inputs)
    wrt = _default_wrt(tensors, wrt)
    rng = np.random.default_rng([seed, 1])  # a stream of its own: d must not equal the probe
    probe = _probe(fn, tensors, seed)
    analytic = [np.asarray(g, np.float64) for g in analytic_gradients(fn, tensors, probe, wrt)]
    base = _float64(tensors)
    direction = {i: rng.standard_normal(base[i].shape) for i in wrt}
    numeric = _directional_derivative(fn, base, probe, eps, direction)
    exact = float(sum(np.sum(analytic[i] * direction[i]) for i in wrt))
    error, tolerance = abs(exact - numeric), atol + rtol * abs(numeric)
    if error <= tolerance:  # also False for NaN
        return GradReport(True, error=error, tolerance=tolerance)
    i, j = _locate(fn, base, analytic, probe, eps, direction)
    unit = np.zeros_like(base[i])
    unit[j] = 1.0
    n = _directional_derivative(fn, base, probe, eps, {i: unit})
    a = float(analytic[i][j])
    return GradReport(False, i, tuple(int(k) for k in j), a, n, abs(a - n), atol + rtol * abs(n),
                      direction=(exact, numeric))
