"""One thread for small inputs: waking Numba's thread pool costs more than a small loop.

A ``parallel=True`` kernel spends tens of microseconds starting and joining its threads
(far more on a busy machine), while a few thousand elements take a few microseconds on one
core. ``serial_twin`` compiles the same Python source without threads (``prange`` then runs
as ``range``), and ``for_size`` picks one of the two by the number of elements touched:

    kernel = for_size(_pool_numba, _pool_numba_serial, x.size)
"""

import types

from numba import njit

PARALLEL_MIN_SIZE = 1 << 15  # elements; below this the serial twin is faster


def serial_twin(kernel):
    """``kernel`` (a ``@njit(parallel=True)`` dispatcher) compiled again without threads.

    Compiled from a renamed copy of the Python function, so that Numba's on-disk cache, which
    keys entries by name and signature but not by the ``parallel`` flag, keeps both versions.
    """
    fn = getattr(kernel, "py_func", kernel)  # a plain function under NUMBA_DISABLE_JIT=1
    copy = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + "_serial",
                              fn.__defaults__, fn.__closure__)
    copy.__qualname__ = fn.__qualname__ + "_serial"
    return njit(cache=True)(copy)


def for_size(parallel_kernel, serial_kernel, size):
    """The parallel kernel when ``size`` elements are worth the threads, else the serial one."""
    return parallel_kernel if size >= PARALLEL_MIN_SIZE else serial_kernel
