"""One seeded random generator for everything tinysnn draws: initial weights, dropout masks.

``tinysnn.manual_seed(seed)`` makes model construction and training repeatable.
Data sets and loaders take their own ``seed`` so that they do not depend on model code.
"""

import numpy as np

_generator = np.random.default_rng(0)


def manual_seed(seed):
    """Reset the global generator: the same seed gives the same weights and dropout masks."""
    global _generator
    _generator = np.random.default_rng(seed)


def generator():
    """The global NumPy Generator (always read it through this function, after manual_seed)."""
    return _generator


def uniform(shape, bound, dtype=np.float32):
    """U(-bound, bound) samples of the given shape and dtype."""
    return _generator.uniform(-bound, bound, size=shape).astype(dtype)


def check_state(state):
    """``state`` if it is a valid ``bit_generator.state`` of NumPy's default generator (PCG64),
    else a ValueError that says why (checkpoints carry such states)."""
    probe = np.random.default_rng(0).bit_generator
    kind = type(probe).__name__
    if not isinstance(state, dict) or state.get("bit_generator") != kind:
        raise ValueError(f"expected the state of a {kind} generator, got {str(state)[:80]}")
    try:
        probe.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as err:
        raise ValueError(f"not a valid {kind} state ({type(err).__name__}: {err})") from None
    return state
