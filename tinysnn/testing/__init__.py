"""Property-testing kit for gradients: hypothesis strategies, gradient assertions, profiles.

tinysnn's own tests use it, and so can yours when you write a new neuron, surrogate or op:

    import numpy as np
    from hypothesis import given
    from tinysnn.testing import arrays, assert_grad_close, shapes

    @given(arrays(shapes(max_dims=3), avoid=(0.0,)))     # keep away from ReLU's kink at 0
    def test_relu_backward(x):
        assert_grad_close(lambda t: t.relu(), x)

Needs hypothesis (``pip install tinysnn[test]``). In your ``conftest.py`` call ``load_profile()``
to get the "ci" (deterministic, 50 examples) or "thorough" (500) profile, picked by the
environment variable TINYSNN_HYPOTHESIS_PROFILE.
"""

try:
    import hypothesis  # noqa: F401
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError(
        "tinysnn.testing needs hypothesis: `pip install hypothesis` (or `pip install tinysnn[test]`)"
    ) from err

from .assertions import ELEMENTWISE_LIMIT, assert_grad_close, check_function
from .profiles import PROFILE_ENV_VAR, load_profile, register_profiles
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
    "arrays",
    "assert_grad_close",
    "attention_configs",
    "check_function",
    "lif_configs",
    "load_profile",
    "register_profiles",
    "shapes",
    "surrogates",
    "time_major",
]
