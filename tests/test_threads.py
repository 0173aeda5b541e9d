"""The thread rules: small Numba kernels and small BLAS products run on one thread, then the
thread counts are restored, even after an error."""

import numba
import numpy as np
import pytest

from tinysnn.kernels import threads


def test_small_kernels_run_on_one_numba_thread_and_the_count_comes_back():
    before = numba.get_num_threads()
    with threads.threads_for(threads.PARALLEL_MIN_SIZE - 1):
        assert numba.get_num_threads() == 1
    with threads.threads_for(threads.PARALLEL_MIN_SIZE):
        assert numba.get_num_threads() == before
    assert numba.get_num_threads() == before


@pytest.mark.skipif(threads._BLAS is None, reason="NumPy's BLAS is not a findable OpenBLAS")
def test_small_matrix_products_run_on_one_blas_thread_and_the_count_comes_back():
    get, _ = threads._BLAS
    before = get()
    with threads.blas_threads_for(threads.GEMM_PARALLEL_MIN_FLOPS - 1):
        assert get() == 1
        a = np.ones((3, 4), np.float32)
        np.testing.assert_array_equal(a @ a.T, np.full((3, 3), 4.0))
    assert get() == before
    with pytest.raises(ZeroDivisionError), threads.blas_threads_for(1):
        raise ZeroDivisionError("an error inside the block")
    assert get() == before
    with threads.blas_threads_for(threads.GEMM_PARALLEL_MIN_FLOPS):
        assert get() == before
