"""malloc tuning: on by default on glibc, off with TINYSNN_MALLOC_TUNING=0."""

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
