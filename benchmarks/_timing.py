"""Timing helpers shared by the benchmarks: the best of several repeats of a timed loop."""

from __future__ import annotations

import statistics
import time
import timeit
from collections.abc import Callable


def per_call_us(fn: Callable[[], object], min_time: float = 0.05, repeat: int = 5,
                cpu: bool = False) -> float:
    """Microseconds per call of ``fn``: the best of ``repeat`` runs, each about ``min_time`` s.
    With ``cpu``, the CPU time of the process rather than the wall clock: for a library on one
    thread, its own work, whatever else the machine runs (on a shared machine the wall clock
    also counts the time the process waited for a core)."""
    timer = timeit.Timer(fn, timer=time.process_time) if cpu else timeit.Timer(fn)
    n, _ = timer.autorange()
    n = max(1, int(n * min_time / 0.2))
    return min(timer.repeat(repeat=repeat, number=n)) / n * 1e6


def cpu_ms_per_call(fn: Callable[[], object], calls: int = 10) -> float:
    """Milliseconds of this thread's CPU time per call of ``fn``, the best of ``calls`` calls
    (after one to warm up). For work that runs on the calling thread only (one BLAS thread, one
    PyTorch thread), this is what a quiet machine's clock would show: time the thread spends
    waiting for a core on a busy machine is not counted."""
    import time

    fn()
    best = float("inf")
    for _ in range(calls):
        start = time.thread_time()
        fn()
        best = min(best, time.thread_time() - start)
    return best * 1e3


SETTLE_S = 0.2
"""Pause before each case of a round. After a matrix product on several threads, OpenBLAS's
helper threads spin on their cores for about 0.1 s before they sleep (measured: a LeNet step of
PyTorch's, timed right after flambeau's, took 7.3 ms instead of 5.8); PyTorch's OpenMP threads
spin too. Without the pause, each case would share the machine with the previous one's."""


def rounds(cases: dict[str, Callable[[], float]], n: int = 5) -> dict[str, list[float]]:
    """Each case's time in each of ``n`` rounds that take turns: on a busy machine, a burst of
    load then hurts every case alike rather than the one that happened to run, and the ratio of
    two cases is taken within each round."""
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(n):
        for k, measure in cases.items():
            time.sleep(SETTLE_S)
            times[k].append(measure())
    return times


def spread(values: list[float]) -> tuple[float, float, float]:
    """(min, median, max)."""
    return min(values), statistics.median(values), max(values)


def ratio_spread(a: list[float], b: list[float]) -> str:
    """The ratio a / b within each round: its median, and (min-max) over the rounds."""
    lo, med, hi = spread([x / y for x, y in zip(a, b)])
    return f"{med:.2f}x ({lo:.2f}-{hi:.2f})"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x"


def sgd_step(lib, model, loss_fn, x, y, lr: float) -> Callable[[], object]:
    """One training step (zero_grad, forward, loss, backward, SGD update) of ``model`` on the
    NumPy batch ``x, y``, for ``lib`` = flambeau or torch."""
    opt = lib.optim.SGD(model.parameters(), lr=lr)
    xt, yt = lib.tensor(x), lib.tensor(y)

    def step() -> object:
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
        return loss

    step.model = model  # type: ignore[attr-defined]
    return step
