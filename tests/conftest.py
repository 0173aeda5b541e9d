"""Loads the hypothesis profile (TINYSNN_HYPOTHESIS_PROFILE=ci, the default, or thorough) and
tunes the test process as the command line tunes its own (passive OpenMP waiting, malloc)."""

from tinysnn.app.process import tune_process
from tinysnn.testing import load_profile

tune_process()
load_profile()
