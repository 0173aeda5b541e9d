"""The array seam: NumPy by default, CuPy only when asked, one clear message without it."""

import subprocess
import sys

import numpy as np
import pytest

from tinysnn import backend
from tinysnn.nn import Linear


def test_numpy_arrays_stay_on_the_cpu():
    x = np.ones(3)
    assert backend.xp_of(x) is np and backend.device_of(x) == "cpu"
    assert backend.to_device(x, "cpu") is x


def test_importing_tinysnn_never_imports_cupy():
    code = "import sys, tinysnn, tinysnn.app.train, tinysnn.app.plot; print('cupy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_missing_cupy_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # makes `import cupy` fail
    with pytest.raises(RuntimeError, match="pip install cupy"):
        backend.to_device(np.ones(2), "cuda")
    with pytest.raises(RuntimeError, match="pip install cupy"):
        Linear(2, 3).to("cuda")


def test_unknown_device_is_refused():
    with pytest.raises(ValueError, match="'cpu' or 'cuda'"):
        backend.to_device(np.ones(2), "tpu")


def test_module_to_casts_parameters_and_buffers():
    from tinysnn.nn import BatchNorm2d

    bn = BatchNorm2d(3).to(dtype=np.float64)
    assert bn.weight.dtype == np.float64 and bn.running_mean.dtype == np.float64
