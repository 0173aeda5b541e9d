"""The CuPy twin's CUDA source, run on the CPU: it must compute what the reference computes.

No GPU is needed: a stand-in ``cupy`` module gives the twin NumPy arrays and an
``ElementwiseKernel`` that wraps the very same CUDA strings in a C++ loop over ``i``, compiles
them with the system's C++ compiler and calls them through ctypes. This checks the recurrence,
the index arithmetic and the Python wrappers; it cannot check CUDA-only details (launch, memory).
"""

import ctypes
import functools
import hashlib
import shutil
import subprocess
import types

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_lif_edges import grid_problems, non_finite_problems, scalar_spikes

from tinysnn.kernels.lif import gpu as lif_gpu
from tinysnn.kernels.lif import reference as lif_reference
from tinysnn.surrogate import Sigmoid
from tinysnn.testing import arrays, lif_configs, shapes, time_major

CXX = shutil.which("c++") or shutil.which("g++")
pytestmark = pytest.mark.skipif(CXX is None, reason="needs a C++ compiler")

C_TYPES = {"int64": ("long long", ctypes.c_longlong), "int32": ("int", ctypes.c_int),
           "bool": ("bool", ctypes.c_bool)}
T_TYPES = {np.dtype(np.float32): ("float", ctypes.c_float),
           np.dtype(np.float64): ("double", ctypes.c_double)}


class CpuElementwiseKernel:
    """cupy.ElementwiseKernel's calling convention, as a C++ loop over the elements i."""

    def __init__(self, in_params, out_params, operation, name, preamble="", *, directory):
        self.directory = directory
        self.params = [(p.split()[0] == "raw", p.split()[-2], p.split()[-1], i_out)
                       for i_out, group in enumerate((in_params, out_params))
                       for p in group.split(",")]
        self.operation, self.name, self.preamble = operation, name, preamble

    def __call__(self, *args):
        dtype = next(a.dtype for a in args if isinstance(a, np.ndarray))
        t_name, t_ctype = T_TYPES[dtype]
        signature, prologue, ctypes_args = [], [], []
        for (raw, type_name, name, is_output), arg in zip(self.params, args, strict=True):
            c_name, c_type = (t_name, t_ctype) if type_name == "T" else C_TYPES[type_name]
            if not isinstance(arg, np.ndarray):  # a scalar parameter
                signature.append(f"{c_name} {name}")
                ctypes_args.append(c_type(arg))
                continue
            const = "" if is_output else "const "
            pointer = name if raw else f"{name}_array"
            signature.append(f"{const}{c_name}* {pointer}")
            if not raw:  # one element per i, by reference for outputs
                prologue.append(f"{const}{c_name}& {name} = {name}_array[i];")
                size = arg.size
            ctypes_args.append(arg.ctypes.data_as(ctypes.c_void_p))
        source = (f"#include <cmath>\nusing std::exp; using std::fabs;\n#define __device__\n"
                  f"typedef {t_name} T;\n{self.preamble}\n"
                  f'extern "C" void {self.name}({", ".join(signature)}, long long size) {{\n'
                  f"for (long long i = 0; i < size; ++i) {{\n{' '.join(prologue)}\n"
                  f"{self.operation}\n}}\n}}\n")
        function = getattr(compiled(source, self.directory), self.name)
        function(*ctypes_args, ctypes.c_longlong(size))


_LIBRARIES = {}


def compiled(source, directory):
    """The shared library built from ``source`` (compiled once per distinct source)."""
    key = hashlib.sha1(source.encode()).hexdigest()[:16]
    if key not in _LIBRARIES:
        cpp, library = directory / f"{key}.cpp", directory / f"{key}.so"
        cpp.write_text(source)
        subprocess.run([CXX, "-O1", "-ffp-contract=off", "-shared", "-fPIC", "-o", str(library),
                        str(cpp)], check=True, capture_output=True, text=True)
        _LIBRARIES[key] = ctypes.CDLL(str(library))
    return _LIBRARIES[key]


@pytest.fixture(scope="module")
def cpu_cupy(tmp_path_factory):
    """lif_gpu with the stand-in cupy: NumPy arrays, C++ elementwise kernels."""
    kernel = functools.partial(CpuElementwiseKernel, directory=tmp_path_factory.mktemp("cuda"))
    fake = types.SimpleNamespace(ascontiguousarray=np.ascontiguousarray, empty=np.empty,
                                 empty_like=np.empty_like, ElementwiseKernel=kernel)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lif_gpu, "_cupy", lambda: fake)
        lif_gpu._kernels.cache_clear()
        yield lif_gpu
    lif_gpu._kernels.cache_clear()


@given(data=st.data(), config=lif_configs(), keep_membrane=st.booleans(),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_cuda_source_matches_the_reference(cpu_cupy, data, config, keep_membrane, dtype):
    """Bit for bit, except the Sigmoid's slope: CUDA's exp is not the reference's exp."""
    x = data.draw(time_major(st.integers(1, 5), st.integers(1, 2), shapes(0, 2, max_side=3),
                             dtype=dtype))
    v_init, g_spikes = data.draw(arrays(x.shape[1:], dtype=dtype)), data.draw(arrays(x.shape,
                                                                                       dtype=dtype))
    g_v = data.draw(arrays(x.shape if keep_membrane else x.shape[1:], dtype=dtype))
    forward = {k: config[k] for k in ("decay", "threshold", "reset", "v_reset")}
    results = []
    for kernels in (cpu_cupy, lif_reference):
        spikes, h, v = kernels.lif_forward(x, v_init, keep_membrane=keep_membrane, **forward)
        results.append((spikes, h, v, *kernels.lif_backward(h, g_spikes, g_v, **config)))
    exact = not isinstance(config["surrogate"], Sigmoid)
    for i, (got, want) in enumerate(zip(*results, strict=True)):
        assert got.shape == want.shape and got.dtype == want.dtype
        if exact or i < 3:
            np.testing.assert_array_equal(got, want)
        else:
            tolerance = 1e-12 if dtype == np.float64 else 1e-5
            np.testing.assert_allclose(got, want, rtol=tolerance, atol=tolerance)


@given(data=st.data(), dtype=st.sampled_from([np.float32, np.float64]))
def test_cuda_source_fires_at_the_threshold_and_keeps_nan_visible(cpu_cupy, data, dtype):
    """The edges of tests/test_lif_edges.py: exact-threshold grids and NaN / inf input."""
    x, v_init, config = data.draw(grid_problems())
    forward = {k: config[k] for k in ("decay", "threshold", "reset", "v_reset")}
    spikes, _, _ = cpu_cupy.lif_forward(x.astype(dtype), v_init.astype(dtype), **forward)
    np.testing.assert_array_equal(spikes, scalar_spikes(x, v_init, **forward))
    x, v_init, g_spikes, g_v, config = data.draw(non_finite_problems(dtype))
    forward = {k: config[k] for k in ("decay", "threshold", "reset", "v_reset")}
    results = []
    with np.errstate(invalid="ignore", over="ignore"):
        for kernels in (cpu_cupy, lif_reference):
            spikes, h, v = kernels.lif_forward(x, v_init, **forward)
            results.append((spikes, h, v, *kernels.lif_backward(h, g_spikes, g_v, **config)))
    for i, (got, want) in enumerate(zip(*results, strict=True)):
        if i < 3 or not isinstance(config["surrogate"], Sigmoid):
            np.testing.assert_array_equal(got, want)
        else:  # CUDA's exp is not the reference's: NaN and inf where they are, values close
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
