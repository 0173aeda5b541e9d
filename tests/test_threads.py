"""The thread rules: small Numba kernels and small BLAS products run on one thread, then the
thread counts are restored, even after an error."""

import os
import signal

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


@pytest.mark.skipif(threads.blas_threads() is None, reason="threadpoolctl finds no BLAS here")
def test_small_matrix_products_run_on_one_blas_thread_and_the_count_comes_back():
    before = threads.blas_threads()
    with threads.blas_threads_for(threads.GEMM_PARALLEL_MIN_FLOPS - 1):
        assert threads.blas_threads() == 1
        a = np.ones((3, 4), np.float32)
        np.testing.assert_array_equal(a @ a.T, np.full((3, 3), 4.0))
    assert threads.blas_threads() == before
    with pytest.raises(ZeroDivisionError), threads.blas_threads_for(1):
        raise ZeroDivisionError("an error inside the block")
    assert threads.blas_threads() == before
    with threads.blas_threads_for(threads.GEMM_PARALLEL_MIN_FLOPS):
        assert threads.blas_threads() == before


def test_shares_of_blocks_cover_every_block_once_in_order_and_come_back_in_order():
    blocks = list(range(11))
    with_threads = threads.in_shares(lambda share: list(share), blocks, threads.PARALLEL_MIN_SIZE)
    assert [b for share in with_threads for b in share] == blocks  # contiguous, in share order
    assert len(with_threads) == min(numba.get_num_threads(), len(blocks))
    assert threads.in_shares(lambda share: list(share), blocks, 1) == [blocks]  # small: one share


def test_an_error_in_any_share_reaches_the_caller_after_every_share_is_done():
    done = []

    def work(share):
        done.append(share[0])
        if share[-1] == 9:
            raise ZeroDivisionError("the last share fails")
        return share

    with pytest.raises(ZeroDivisionError):
        threads.in_shares(work, list(range(10)), threads.PARALLEL_MIN_SIZE)
    assert len(done) == min(numba.get_num_threads(), 10)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_runs_shares_on_threads_of_its_own():
    threads.in_shares(lambda share: share, list(range(4)), threads.PARALLEL_MIN_SIZE)  # a pool
    pid = os.fork()
    if pid == 0:  # the child: the parent's worker threads do not exist here
        signal.alarm(30)  # a child left waiting for them fails instead of hanging the suite
        result = threads.in_shares(lambda share: list(share), list(range(4)),
                                   threads.PARALLEL_MIN_SIZE)
        os._exit(0 if [b for share in result for b in share] == [0, 1, 2, 3] else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
