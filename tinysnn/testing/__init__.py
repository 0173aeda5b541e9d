"""Property-testing kit for gradients: hypothesis strategies, gradient assertions, profiles.

tinysnn's own tests use it, and so can yours when you write a new neuron, surrogate or op.
A complete test of a new Function, in a file ``test_silu.py``:

    import numpy as np
    from tinysnn import Function
    from tinysnn.functional.basic import sigmoid_array
    from tinysnn.testing import arrays, assert_grad_close, check_function, shapes

    class SiLU(Function):  # y = x * sigmoid(x).  x: any shape -> same shape

        @staticmethod
        def forward(ctx, x):
            s = sigmoid_array(x)
            ctx.save_for_backward(x, s)
            return x * s

        @staticmethod
        def backward(ctx, grad):
            x, s = ctx.saved
            return (grad * s * (1 + x * (1 - s)),)  # (x s)' = s + x s (1 - s)

    def test_silu_backward():                       # 50 drawn shapes and values (ci profile)
        check_function(SiLU, arrays(shapes(max_dims=3)))

    def test_silu_backward_on_a_large_input():      # > 2000 elements: one random direction
        assert_grad_close(SiLU.apply, np.random.default_rng(0).uniform(-2, 2, (8, 16, 32)))

Had backward forgotten the second term (``return (grad * s,)``), the first test would fail,
after hypothesis shrank the example to the simplest one, with

    AssertionError: backward of SiLU.apply(*inputs) disagrees with central differences
    (elementwise check, eps=1e-06, atol=1e-05, rtol=0.0001; input shapes 0: (1,)):
    input 0, element (0,): backward gives 0.09191615672, central differences give 0.1166362186
    (|difference| 0.0247 > tolerance 2.17e-05)
    Falsifying example: gradient_property(
        example=array([1.]),
    )

Strategies: ``shapes``, ``arrays`` (``avoid=`` kinks, ``distinct=`` for max), ``time_major``,
``lif_configs``, ``attention_configs``, ``surrogates``. Assertions: ``assert_grad_close``,
``check_function``. Smooth spikes for checking a neuron of your own: ``smooth_spike``,
``SmoothSpike``. Needs hypothesis (``pip install tinysnn[test]``). In your ``conftest.py``
call ``load_profile()`` to get the "ci" (deterministic, 50 examples) or "thorough" (500)
profile, picked by the environment variable TINYSNN_HYPOTHESIS_PROFILE.
"""

try:
    import hypothesis  # noqa: F401
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError(
        "tinysnn.testing needs hypothesis: `pip install hypothesis` "
        "(or `pip install tinysnn[test]`)"
    ) from err

from .assertions import ELEMENTWISE_LIMIT, assert_grad_close, check_function
from .profiles import PROFILE_ENV_VAR, load_profile, register_profiles
from .smooth import SmoothSpike, smooth_spike
from .strategies import (
    ATTENTION_DIMS,
    SURROGATE_NAMES,
    arrays,
    attention_configs,
    lif_configs,
    shapes,
    surrogates,
    time_major,
)

__all__ = [
    "ATTENTION_DIMS",
    "ELEMENTWISE_LIMIT",
    "PROFILE_ENV_VAR",
    "SURROGATE_NAMES",
    "SmoothSpike",
    "arrays",
    "assert_grad_close",
    "attention_configs",
    "check_function",
    "lif_configs",
    "load_profile",
    "register_profiles",
    "shapes",
    "smooth_spike",
    "surrogates",
    "time_major",
]
