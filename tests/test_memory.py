"""Process tuning: malloc keeps freed memory when asked (off with TINYSNN_MALLOC_TUNING=0),
and ``import tinysnn`` itself changes nothing in the process."""

import os
import subprocess
import sys

import pytest

from tinysnn.memory import keep_freed_memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_tuning_applies_on_linux():
    assert keep_freed_memory() is True


def test_tuning_can_be_switched_off():
    code = "from tinysnn.memory import keep_freed_memory as k; print(k())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={"TINYSNN_MALLOC_TUNING": "0", "PATH": ""})
    assert done.stdout.strip() == "False"


def test_importing_tinysnn_sets_no_environment_variable():
    code = "import os, tinysnn; print(os.environ.get('OMP_WAIT_POLICY'))"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=env)
    assert done.stdout.strip() == "None"
