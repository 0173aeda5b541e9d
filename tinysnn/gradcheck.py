"""Gradient checks: does a backward agree with the forward it belongs to?

Two checks, both on a scalar loss L = sum(fn(*inputs) * probe) with a fixed random probe:

* ``numerical_gradients``/``check_gradients``: central differences for every element,
  dL/dx_i ~ (L(x + eps e_i) - L(x - eps e_i)) / (2 eps). Exact but costs 2 forwards per element,
  so it is for small inputs.
* ``directional_check``: one random direction d over all inputs at once,
  <grad L, d> ~ (L(x + eps d) - L(x - eps d)) / (2 eps): two forwards, any size (HIPS autograd's check).

Run both in float64: float32 central differences are noise at eps ~ 1e-6.
"""

from dataclasses import dataclass

import numpy as np

from .autograd import Tensor, no_grad


@dataclass
class GradReport:
    """The worst disagreement found: which input, which element, both values, the error."""

    ok: bool
    input_index: int = -1
    element: tuple = ()
    analytic: float = 0.0
    numeric: float = 0.0
    error: float = 0.0

    def __str__(self):
        if self.input_index < 0:
            return f"gradients agree (worst error {self.error:.3g})"
        return (
            f"input {self.input_index}, element {self.element}: backward gives "
            f"{self.analytic:.10g}, central differences give {self.numeric:.10g} "
            f"(error {self.error:.3g})"
        )


def _as_tensors(inputs):
    return [x if isinstance(x, Tensor) else Tensor(np.asarray(x)) for x in inputs]


def _float64(tensors):
    """Copies in float64 of the floating inputs; integer inputs (labels) stay as they are."""
    return [np.array(t.data, np.float64) if t.dtype.kind == "f" else t.data for t in tensors]


def _loss(fn, arrays, probe):
    with no_grad():
        out = fn(*[Tensor(a) for a in arrays])
    return float(np.sum(np.asarray(out.data, dtype=np.float64) * probe))


def analytic_gradients(fn, inputs, probe, wrt):
    """Backward of sum(fn(*inputs) * probe) into the inputs listed in ``wrt``."""
    tensors = [Tensor(x.data.copy(), requires_grad=(i in wrt)) for i, x in enumerate(inputs)]
    out = fn(*tensors)
    out.backward(np.asarray(probe, dtype=out.dtype))
    return [t.grad if t.grad is not None else np.zeros_like(t.data) for t in tensors]


def _probe(fn, tensors, seed):
    with no_grad():
        out = fn(*[Tensor(t.data) for t in tensors])
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
    """
    tensors = _as_tensors(inputs)
    if wrt is None:
        wrt = [i for i, t in enumerate(tensors) if t.dtype.kind == "f"]
    probe = _probe(fn, tensors, seed)
    analytic = analytic_gradients(fn, tensors, probe, wrt)
    numeric = numerical_gradients(fn, tensors, probe, eps, wrt)
    worst = GradReport(ok=True)
    for i in wrt:
        a = np.asarray(analytic[i], dtype=np.float64)
        n = numeric[i]
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        if excess.size == 0:
            continue
        j = np.unravel_index(int(np.argmax(excess)), excess.shape)
        if excess[j] > 0 and (worst.ok or excess[j] > worst.error):
            worst = GradReport(False, i, tuple(int(k) for k in j), a[j], n[j], float(excess[j]))
    return worst


def directional_check(fn, *inputs, eps=1e-6, atol=1e-6, rtol=1e-4, wrt=None, seed=0):
    """Compare <backward, d> with a central difference along one random direction d.

    Returns a GradReport whose ``analytic``/``numeric`` are the two directional derivatives.
    """
    tensors = _as_tensors(inputs)
    if wrt is None:
        wrt = [i for i, t in enumerate(tensors) if t.dtype.kind == "f"]
    rng = np.random.default_rng(seed)
    probe = _probe(fn, tensors, seed)
    analytic = analytic_gradients(fn, tensors, probe, wrt)
    base = _float64(tensors)
    direction = {i: rng.standard_normal(base[i].shape) for i in wrt}
    shifted = lambda sign: [b + sign * eps * direction[i] if i in wrt else b  # noqa: E731
                            for i, b in enumerate(base)]
    plus, minus = _loss(fn, shifted(1), probe), _loss(fn, shifted(-1), probe)
    numeric = (plus - minus) / (2 * eps)
    exact = float(sum(np.sum(np.asarray(analytic[i], np.float64) * direction[i]) for i in wrt))
    error = abs(exact - numeric)
    ok = error <= atol + rtol * abs(numeric)
    return GradReport(ok, -1 if ok else 0, (), exact, numeric, error)
