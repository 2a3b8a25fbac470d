"""The two-thread helper (flambeau.ops._parallel): the same bits whichever way a job runs, one
thread when BLAS is limited to one, nothing split while tracing, one call on the tape."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

import flambeau
from flambeau.ops import _parallel

threadpoolctl = pytest.importorskip("threadpoolctl")


def _blas_present() -> bool:
    from flambeau._runtime import _blas_controllers

    return bool(_blas_controllers())


needs_blas = pytest.mark.skipif(not _blas_present(), reason="no BLAS library to count threads of")


@pytest.fixture
def two_threads():
    """BLAS (hence the helper) allowed two threads, whatever the machine's default."""
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one CPU: the helper never splits")
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        if _parallel._blas_threads() < 2:
            pytest.skip("this BLAS does not take two threads")
        yield


def _where(n: int) -> list:
    def job(lo, hi):
        return (lo, hi, threading.get_ident())
    return _parallel.split(job, n)


@needs_blas
def test_two_halves_on_two_threads(two_threads):
    first, second = _where(5)
    assert first[:2] == (0, 3) and second[:2] == (3, 5)
    assert first[2] == threading.get_ident() != second[2]


@needs_blas
def test_one_blas_thread_means_one_thread():
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        assert _parallel.threads() == 1
        assert _where(8) == [(0, 8, threading.get_ident())]
    threads = flambeau.get_num_threads()
    try:
        flambeau.set_num_threads(1)
        assert _where(8) == [(0, 8, threading.get_ident())]
    finally:
        flambeau.set_num_threads(threads)


@needs_blas
def test_blas_on_one_thread_inside_and_restored_after(two_threads):
    from flambeau._runtime import _blas_controllers

    def job(lo, hi):
        return [c.num_threads for c in _blas_controllers()]
    assert _parallel.split(job, 2) == [[1] * len(_blas_controllers())] * 2
    assert [c.num_threads for c in _blas_controllers()] == [2] * len(_blas_controllers())


@needs_blas
def test_a_split_inside_a_half_runs_whole(two_threads):
    inner = _parallel.split(lambda lo, hi: _where(4), 2)
    assert [len(r) for r in inner] == [1, 1]


@needs_blas
def test_the_workers_half_keeps_numpys_error_state_and_raises_here(two_threads):
    def job(lo, hi):
        return np.log(np.zeros(1))
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        _parallel.split(job, 2)

    def failing(lo, hi):
        if lo > 0:
            raise ValueError(f"half {lo}-{hi}")
        return lo
    with pytest.raises(ValueError, match="half 1-2"):
        _parallel.split(failing, 2)
    assert _where(2)[1][:2] == (1, 2)  # the worker still serves


def test_one_unit_runs_here():
    assert _where(1) == [(0, 1, threading.get_ident())]


@needs_blas
def test_nothing_splits_while_tracing(two_threads):
    from flambeau._trace import Tracer

    with Tracer():
        assert _parallel.threads() == 1
        assert _where(4) == [(0, 4, threading.get_ident())]


@needs_blas
def test_one_call_is_one_entry_of_the_tape_and_splits_inside(two_threads):
    from flambeau._trace import Tracer

    def kernel(a, b):
        def job(lo, hi):
            np.multiply(a[lo:hi], b[lo:hi], out=out[lo:hi])
        out = np.empty_like(a)
        halves = _parallel.split(job, len(a))
        assert len(halves) == 2
        return out

    a, b = np.arange(6.0), np.arange(6.0) + 1
    tr = Tracer()
    with tr:
        ta, tb = tr.input(a), tr.input(b)
        res = _parallel.one_call(kernel, ta, tb)
    assert [e[1] for e in tr.tape if e[0] == "call"] == [kernel]
    replay = tr.replay_function([ta, tb], [res])
    np.testing.assert_array_equal(replay(a + 1, b)[0], (a + 1) * b)


@needs_blas
def test_a_chunked_job_gives_the_same_bits_split_or_not(two_threads):
    """Chunks of products summed in the chunks' order (as a weight's gradient would be), and
    rows written in place: the same bits on one thread and on two."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((8, 40, 300)).astype(np.float32)
    b = rng.standard_normal((8, 300, 20)).astype(np.float32)

    def run():
        rows = np.empty((8, 40, 20), np.float32)

        def job(lo, hi):
            np.matmul(a[lo:hi], b[lo:hi], out=rows[lo:hi])
            return [rows[i].T @ rows[i] for i in range(lo, hi)]
        halves = _parallel.split(job, 8)
        total = np.zeros((20, 20), np.float32)
        for products in halves:
            for p in products:
                total += p
        return len(halves), rows, total

    n2, rows2, total2 = run()
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        n1, rows1, total1 = run()
    assert (n1, n2) == (1, 2)
    np.testing.assert_array_equal(rows1, rows2)
    np.testing.assert_array_equal(total1, total2)
