"""Loads the hypothesis profile: TINYSNN_HYPOTHESIS_PROFILE=ci (default) or thorough."""

from tinysnn.testing import load_profile

load_profile()
