"""Hypothesis profiles: "ci" (deterministic, 50 examples) and "thorough" (500 examples).

Pick one with the environment variable ``TINYSNN_HYPOTHESIS_PROFILE`` (default "ci"):

    TINYSNN_HYPOTHESIS_PROFILE=thorough python -m pytest tests/

Your own test suite can use them too, from its ``conftest.py``:

    from tinysnn.testing import load_profile
    load_profile()
"""

import os

from hypothesis import HealthCheck, Phase, settings

PROFILE_ENV_VAR = "TINYSNN_HYPOTHESIS_PROFILE"
DEFAULT_PROFILE = "ci"

# deadline=None everywhere: the first call of a Numba kernel compiles, which takes seconds.
_PROFILES = {
    "ci": {
        "deadline": None,
        "max_examples": 50,
        "derandomize": True,  # the same examples on every run, so CI never flakes
        # every phase but "explain", which re-runs a failing example hundreds of times
        "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
        "suppress_health_check": [HealthCheck.too_slow],
    },
    "thorough": {
        "deadline": None,
        "max_examples": 500,
        "suppress_health_check": [HealthCheck.too_slow],
    },
}


def register_profiles():
    """Register the "ci" and "thorough" profiles with hypothesis (safe to call twice)."""
    for name, options in _PROFILES.items():
        settings.register_profile(name, **options)


def load_profile(name=None):
    """Register the profiles and load ``name``, else $TINYSNN_HYPOTHESIS_PROFILE, else "ci".

    Returns the name of the profile loaded.
    """
    register_profiles()
    name = name or os.environ.get(PROFILE_ENV_VAR) or DEFAULT_PROFILE
    if name not in _PROFILES:
        raise ValueError(
            f"load_profile: unknown hypothesis profile {name!r} (from {PROFILE_ENV_VAR} or the "
            f"argument); expected one of {sorted(_PROFILES)}"
        )
    settings.load_profile(name)
    return name
