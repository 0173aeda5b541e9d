"""Gradient assertions for tests: ``assert_grad_close`` and ``check_function``.

    import numpy as np
    from tinysnn.testing import arrays, assert_grad_close, check_function, shapes

    def test_tanh_backward():
        assert_grad_close(lambda x: x.tanh(), np.linspace(-2, 2, 7))

    def test_my_function_backward():
        check_function(MyFunction, arrays(shapes()).map(lambda x: (x,)))

Both compare the hand-written backward with central differences of the forward, in float64.
"""

import numpy as np
from hypothesis import given

from ..backend import is_cupy
from ..tensor import Tensor
from .gradcheck import check_gradients, directional_check

ELEMENTWISE_LIMIT = 2000  # method="auto": per-element differences up to this many elements


def _check_float64_numpy(inputs, wrt):
    for i, x in enumerate(inputs):
        if is_cupy(getattr(x, "data", x)):
            raise TypeError(f"assert_grad_close: input {i} is a CuPy array; gradient checks "
                            f"run on NumPy arrays: pass tinysnn.backend.to_numpy(x)")
        dtype = x.dtype if isinstance(x, Tensor) else np.asarray(x).dtype
        if dtype.kind == "f" and dtype != np.float64 and (wrt is None or i in wrt):
            raise TypeError(
                f"assert_grad_close: input {i} is {dtype}; gradients are checked in float64 "
                f"(central differences in {dtype} are rounding noise): pass x.astype(np.float64)"
            )


def _floating_size(inputs, wrt):
    sizes = [np.asarray(x.data if isinstance(x, Tensor) else x) for x in inputs]
    return sum(a.size for i, a in enumerate(sizes)
               if a.dtype.kind == "f" and (wrt is None or i in wrt))


def assert_grad_close(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-4, wrt=None, method="auto",
                      seed=0):
    """Assert that fn's backward matches central differences of its forward.

    fn: takes Tensors, returns one Tensor. inputs: float64 arrays or Tensors (integer inputs,
    e.g. labels, are passed through and not differentiated).
    wrt: indices of the inputs to check (default: every floating input).
    method: "elementwise" (every element, 2 forwards each), "directional" (one random
    direction, a handful of forwards, for large inputs) or "auto" (elementwise up to 2000
    floating elements). An element passes when |analytic - numeric| <= atol + rtol * |numeric|.
    Raises AssertionError naming the input, the worst element, both values and the error.
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this function's
    wrt = [wrt] if isinstance(wrt, int) else wrt
    _check_float64_numpy(inputs, wrt)
    if method == "auto":
        small = _floating_size(inputs, wrt) <= ELEMENTWISE_LIMIT
        method = "elementwise" if small else "directional"
    checks = {"elementwise": check_gradients, "directional": directional_check}
    if method not in checks:
        raise ValueError(f"assert_grad_close: method must be 'auto', 'elementwise' or "
                         f"'directional', got {method!r}")
    report = checks[method](fn, *inputs, eps=eps, atol=atol, rtol=rtol, wrt=wrt, seed=seed)
    if not report.ok:
        owner = getattr(fn, "__self__", None)  # Fn.apply is bound to the class Fn
        name = f"{owner.__name__}.apply" if isinstance(owner, type) else getattr(
            fn, "__qualname__", repr(fn))
        shapes = ", ".join(f"{i}: {np.shape(getattr(x, 'data', x))}" for i, x in enumerate(inputs))
        raise AssertionError(
            f"backward of {name} disagrees with central differences ({method} check, "
            f"eps={eps}, atol={atol}, rtol={rtol}; input shapes {shapes}):\n{report}"
        )


def _split_example(example):
    """A drawn example is one array, a tuple of arrays, or (tuple of arrays, dict of params)."""
    if isinstance(example, tuple) and len(example) == 2 and isinstance(example[1], dict):
        inputs, params = example
        return tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,), params
    if isinstance(example, (tuple, list)):
        return tuple(example), {}
    return (example,), {}


def check_function(Fn, strategy, wrt=None, *, grad_options=None, settings=None, **params):
    """Run the gradient property of ``Fn`` (a Function subclass) over ``strategy``, now.

    Call it inside a test; it runs hypothesis at once (with the loaded profile's settings) and
    raises AssertionError, after shrinking, on the simplest example whose backward is wrong:

        def test_my_function_backward():
            check_function(MyFunction, st.tuples(arrays((3, 4)), arrays((4,))), scale=2.0)

    strategy: draws a tuple of input arrays (one array alone is fine), or a pair
    (tuple of arrays, dict of keyword params) when the params are drawn too.
    wrt: indices of the inputs to check (default all floating). params: keyword params passed
    to every ``Fn.apply``. grad_options: dict for ``assert_grad_close`` (eps, atol, rtol, method,
    seed). settings: a ``hypothesis.settings`` for this property instead of the loaded profile's
    (e.g. ``settings(max_examples=20)`` for a slow Function).
    """
    __tracebackhide__ = True
    options = dict(grad_options or {})
    unknown = set(options) - {"eps", "atol", "rtol", "method", "seed"}
    if unknown:
        raise TypeError(f"check_function: unknown grad_options {sorted(unknown)}; "
                        f"expected eps, atol, rtol, method or seed")

    @given(example=strategy)
    def gradient_property(example):
        __tracebackhide__ = True
        inputs, drawn = _split_example(example)
        kwargs = {**params, **drawn}

        def apply(*tensors):
            return Fn.apply(*tensors, **kwargs)

        arguments = "".join(f", {k}={v!r}" for k, v in kwargs.items())
        apply.__qualname__ = f"{Fn.__name__}.apply(*inputs{arguments})"
        assert_grad_close(apply, *inputs, wrt=wrt, **options)

    # Hypothesis keys its example database (and derandomized seed) on the test's code, which is
    # the same for every Fn here; adding Fn's name gives each Function its own (as stateful does).
    gradient_property.hypothesis.inner_test._hypothesis_internal_add_digest = (
        f"{Fn.__module__}.{Fn.__qualname__}".encode())
    if settings is not None:
        gradient_property = settings(gradient_property)
    gradient_property()
