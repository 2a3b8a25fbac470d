"""Two threads for large NumPy jobs: a job cut in two halves, one run by the calling thread,
the other by one persistent worker thread.

NumPy releases the GIL inside its copies, its ufunc loops and its matrix products, so two Python
threads each running NumPy calls on their own half of a batch can run on two cores at once; only
the Python between the calls takes turns.

What it gains depends on the job (measured on this project's 2-core machine, idle moments):

- halves made of a few long NumPy calls (a hundred microseconds and more: strided copies of a
  megabyte, matrix products) run 1.3-1.9 times faster than one after the other;
- halves made of many short calls (10 µs: a max-pooling's 20 ufuncs on 64 images) gain nothing
  or lose up to a third: each call gives the GIL back and waits for it, and a wake-up of the
  other core costs as much as the call;
- while NumPy's BLAS has run a product on two threads, its helper thread keeps spinning on the
  second core for about 0.1 s, waiting for the next product: a worker thread then shares that
  core with it. A LeNet-5 training step whose fully-connected products use two BLAS threads
  took 12-13 ms with its convolutions and poolings split, 10-11 ms without.

So flambeau's kernels do not use it yet (a convolution on 64 MNIST images is 1.0-1.4x faster
split, the step above slower); it is kept, tested, for jobs of the first kind.

Usage, for a job that splits along a range of independent units (images, chunks of images)::

    from flambeau.ops._parallel import split

    def job(lo, hi):                   # units lo..hi-1; writes only to its own part of `out`
        np.maximum(x[lo:hi], 0, out=out[lo:hi])

    split(job, len(x))                 # [job(0, m), job(m, n)] or [job(0, n)]

``split`` returns the results of the halves in order, so that a caller that sums partial
results adds them in the same order whichever way the job ran: with a job that depends only on
its units, the results are bit for bit those of ``job(0, n)``.

When it runs in two halves (``threads()``):

- only when NumPy's BLAS may use two threads or more: ``flambeau.set_num_threads(1)``,
  ``threadpoolctl.threadpool_limits(1)`` or ``OPENBLAS_NUM_THREADS=1`` keep every job on the
  calling thread (one thread means one thread, for flambeau's work as for BLAS's); BLAS is set
  to one thread while the halves run (two halves each asking BLAS for two threads would ask
  four threads of two cores);
- never while ``flambeau.compile`` traces in this thread (the tape records this thread's calls
  only), inside a job already split, or while another thread's job holds the worker: those run
  whole, on their own thread. A kernel run through :func:`one_call` is recorded on the tape as
  one call, made with plain arrays: it splits when traced and again in every replay.

The worker is a daemon thread, started the first time a job splits (``import flambeau`` starts
nothing) and again in a child process after ``fork``; it is woken by a lock, not a thread pool
per call: a split costs about 15 µs of the two threads' time.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from .. import _trace
from .._runtime import _blas_controllers, one_blas_thread

T = TypeVar("T")
_CPUS = os.cpu_count() or 1  # read once: os.cpu_count() reads a file under /sys (13 µs a call)


def _blas_threads() -> int:
    """The number of threads NumPy's BLAS may use now (1 if it cannot be read)."""
    counts = [c.num_threads for c in _blas_controllers()]
    return max(counts) if counts else 1


class _Worker:
    """One daemon thread running the jobs it is given, one at a time."""

    def __init__(self) -> None:
        self.go = threading.Lock()
        self.done = threading.Lock()
        self.go.acquire()
        self.done.acquire()
        self.job: Callable[[], Any] | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._loop, name="flambeau-worker", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        _local.inside = True  # a job of the worker does not split again
        while True:
            self.go.acquire()
            try:
                self.result, self.error = self.job(), None
            except BaseException as e:  # noqa: BLE001 - handed to the caller, raised there
                self.result, self.error = None, e
            self.job = None
            self.done.release()

    def start(self, job: Callable[[], Any]) -> None:
        self.job = job
        self.go.release()

    def wait(self) -> Any:
        try:
            self.done.acquire()
        except BaseException:  # interrupted (Ctrl-C): this worker's next result would be stale
            _worker.clear()
            raise
        result, error, self.result, self.error = self.result, self.error, None, None
        if error is not None:
            raise error
        return result


class _Local(threading.local):
    inside = False  # this thread runs a half of a split job


_local = _Local()
_busy = threading.Lock()  # held while a job is split: one split at a time uses the worker
_worker: list[_Worker] = []


def _forget_worker() -> None:
    """In a child process after ``fork``: the worker thread was not copied, start another."""
    global _busy
    _worker.clear()
    _busy = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_worker)


def threads() -> int:
    """How many threads ``split`` would use now: 2, or 1 (see the module's docstring)."""
    if _local.inside or _trace.active() is not None or _CPUS < 2:
        return 1
    return 2 if _blas_threads() >= 2 else 1


def split(job: Callable[[int, int], T], n: int) -> list[T]:
    """Run ``job(lo, hi)`` over the units ``0 .. n-1``: ``[job(0, m), job(m, n)]`` with
    ``m = ceil(n / 2)``, the second half on the worker thread at the same time as the first, or
    ``[job(0, n)]`` on this thread (see the module's docstring for when).

    The job runs with NumPy's BLAS on one thread, split or not (so its results do not depend
    on the way it ran). The halves must be independent: each writes only to its own units' part
    of its outputs and reads nothing the other writes. The worker's half runs in a copy of the
    caller's context (``np.errstate`` holds there too); it should call NumPy only, not
    flambeau's ops (grad mode and autocast are settings of each thread). An exception raised by
    either half is raised here, after both have ended.
    """
    parallel = n >= 2 and threads() >= 2 and _busy.acquire(blocking=False)
    with one_blas_thread():
        if not parallel:
            return [job(0, n)]
        try:
            if not _worker:
                _worker.append(_Worker())
            worker = _worker[0]
            m = (n + 1) // 2
            context = contextvars.copy_context()  # NumPy's error state (np.errstate) goes along
            worker.start(lambda: context.run(job, m, n))
            _local.inside = True
            try:
                first = job(0, m)
            finally:
                _local.inside = False
                second = worker.wait()  # raised here if the worker's half raised
            return [first, second]
        finally:
            _busy.release()


def one_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``; while ``flambeau.compile`` traces, recorded on its tape as one
    call, computed on plain arrays, which every replay makes again: NumPy work that ``fn``
    gives to the worker thread stays out of the tape, and is split in the replays too.

    ``fn`` must be a function of its arguments alone (every array it reads is an argument, none
    is captured) that returns new arrays (or a tuple of them, or None) and writes into no array
    it was given, except through an ``out=`` keyword argument."""
    tracer = _trace.active()
    if tracer is None:
        return fn(*args, **kwargs)
    return tracer.call(fn, args, kwargs)


__all__ = ["split", "threads", "one_call"]
