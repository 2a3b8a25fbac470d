"""One LeNet-5 training step on MNIST-sized images (1x28x28, batch 64, cross-entropy, SGD),
flambeau against PyTorch and the same step written by hand in plain NumPy (``numpy_lenet``) in
the same run, and the peak memory of a step.

- time: µs per step (the best of 3 timed loops), in 5 rounds that take turns, reported as
  min / median / max, PyTorch with its default number of threads and with one thread; flambeau
  with NumPy's BLAS as it is and, when threadpoolctl is installed, with one BLAS thread; the
  one-thread cases are timed in CPU time (their own work, whatever else the machine runs), the
  default-threads ones by the wall clock; the ratios are taken within each round (median, and
  the range over the rounds);
- memory: the peak of the memory a step allocates, measured by each framework's own
  allocator: ``tracemalloc`` for flambeau (NumPy reports its arrays to it), plus the scratch
  buffers flambeau's convolutions keep between steps; PyTorch's profiler
  (``profile_memory=True``: every allocation of its CPU allocator) for PyTorch. Parameters and
  the batch exist before the step and are not counted.

Both run in the same process, in turns. The times depend on the state of the C allocator
(glibc's malloc returns freed megabytes to the system and the next step pays a page fault per
4 KiB to get them back): ``import flambeau`` sets glibc to keep that memory mapped (see
``flambeau/_malloc.py``; ``FLAMBEAU_KEEP_MEMORY=0`` turns it off).
"""

from __future__ import annotations

import contextlib
import tracemalloc
from collections.abc import Callable, Iterator

import numpy as np

import flambeau
from flambeau.models import LeNet5

from ._timing import per_call_us, ratio_spread, sgd_step, spread
from ._timing import rounds as take_turns
from .numpy_lenet import numpy_lenet_step

try:
    import torch
except ImportError:
    torch = None

BATCH = 64
LR = 0.01
LABEL = "LeNet-5, 1x28x28, batch 64, cross-entropy, SGD"
# PyTorch's default number of threads, read before benchmarks/run.py sets it to 1
DEFAULT_THREADS = torch.get_num_threads() if torch is not None else None


def _data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.random((BATCH, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, BATCH)
    return x, y


def _torch_lenet(state: dict) -> torch.nn.Module:
    """The same network in PyTorch, with flambeau's weights."""
    nn = torch.nn
    model = nn.Module()
    model.features = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                                   nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
    model.classifier = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
                                     nn.ReLU(), nn.Linear(84, 10))
    model.forward = lambda x: model.classifier(model.features(x))
    model.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    return model


def _step(lib, model, x: np.ndarray, y: np.ndarray) -> Callable[[], object]:
    return sgd_step(lib, model, lib.nn.CrossEntropyLoss(), x, y, LR)


def _flambeau_peak(step: Callable[[], object]) -> int:
    """Peak of the bytes a step allocates (tracemalloc), plus the scratch buffers that the
    convolutions and poolings keep from one step to the next (allocated before, so not seen)."""
    from flambeau.ops.conv import _scratch

    step()
    tracemalloc.start()
    tracemalloc.reset_peak()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak + sum(b.nbytes for b in _scratch.buffers.values())


def _torch_peak(step: Callable[[], object]) -> int | None:
    """Peak of the bytes PyTorch's CPU allocator holds during a step, from the profiler's memory
    events (None if this PyTorch does not give them)."""
    from torch.profiler import ProfilerActivity, profile

    step()
    try:
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            step()
        events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    except Exception:  # noqa: BLE001 - a profiler without these events: no figure
        return None
    events.sort(key=lambda e: e.start_ns())
    held = peak = 0
    for e in events:
        held += e.nbytes()
        peak = max(peak, held)
    return peak


@contextlib.contextmanager
def _blas_threads(n: int | None) -> Iterator[bool]:
    """Limit NumPy's BLAS to ``n`` threads (threadpoolctl); yields False if it cannot."""
    if n is None:
        yield True
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield False
        return
    with threadpool_limits(limits=n, user_api="blas"):
        yield True


ROUNDS = 5


def _interleaved(cases: dict[str, Callable[[], float]], rounds: int = 4) -> dict[str, float]:
    """The best time of each case over ``rounds`` interleaved rounds."""
    return {k: min(v) for k, v in take_turns(cases, rounds).items()}


def run() -> list[dict]:
    rng = np.random.default_rng(0)
    x, y = _data(rng)
    flambeau.manual_seed(0)
    model = LeNet5(input_size=28)
    state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    fl = _step(flambeau, model, x, y)
    compiled_model = LeNet5(input_size=28)
    compiled_model.load_state_dict(model.state_dict())
    flc = flambeau.compile(_step(flambeau, compiled_model, x, y))
    for _ in range(4):  # eager, recorded, checked: replayed from then on
        flc()
    row: dict = {"label": LABEL, "flambeau_peak": _flambeau_peak(fl)}
    cases: dict[str, Callable[[], float]] = {"flambeau_us": lambda: per_call_us(fl, repeat=3),
                                             "compiled_us": lambda: per_call_us(flc, repeat=3)}

    def one_thread(step: Callable[[], object]) -> Callable[[], float]:
        def measure() -> float:
            with _blas_threads(1):
                return per_call_us(step, repeat=3, cpu=True)
        return measure

    with _blas_threads(1) as limited:
        pass
    if limited:
        cases["flambeau_1t_us"] = one_thread(fl)
        cases["compiled_1t_us"] = one_thread(flc)
    npy = numpy_lenet_step(state, x, y, LR)
    cases["numpy_us"] = lambda: per_call_us(npy, repeat=3)
    if limited:
        cases["numpy_1t_us"] = one_thread(npy)
    before = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        th = _step(torch, _torch_lenet(state), x, y)
        row["torch_threads"] = DEFAULT_THREADS

        def torch_threads(n: int) -> Callable[[], float]:
            def measure() -> float:
                torch.set_num_threads(n)
                return per_call_us(th, repeat=3, cpu=n == 1)
            return measure

        cases["torch_us"] = torch_threads(DEFAULT_THREADS)
        cases["torch_1t_us"] = torch_threads(1)
    try:
        times = take_turns(cases, ROUNDS)
        row["times"] = times
        row.update({k: spread(v)[1] for k, v in times.items()})  # the medians
        if torch is not None:
            torch.set_num_threads(1)
            row["torch_peak"] = _torch_peak(th)
    finally:
        if torch is not None:
            torch.set_num_threads(before)
    compiled = dict(row, label=LABEL + ", flambeau.compile", flambeau_peak=_flambeau_peak(flc),
                    times={**times, "flambeau_us": times["compiled_us"],
                           "flambeau_1t_us": times.get("compiled_1t_us")})
    compiled.update(flambeau_us=row["compiled_us"], flambeau_1t_us=row.get("compiled_1t_us"))
    return [row, compiled]


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def _us(v: float | None) -> str:
    return f"{v:.0f}" if v else "-"


def _times(r: dict, key: str) -> str:
    """min / median / max of a case's rounds, in µs."""
    t = r.get("times", {}).get(key)
    return " / ".join(_us(v) for v in spread(t)) if t else "-"


def _ratios(r: dict, key: str, ref: str) -> str:
    a, b = r.get("times", {}).get(key), r.get("times", {}).get(ref)
    return ratio_spread(a, b) if a and b else "-"


def table(rows: list[dict]) -> str:
    lines = [f"Times in µs per step, min / median / max of {ROUNDS} interleaved rounds; ratios "
             "flambeau / PyTorch within each round: median (min-max).", "",
             "| network | flambeau, default threads | PyTorch, default threads | ratio | "
             "NumPy by hand / PyTorch | "
             "flambeau, 1 BLAS thread (CPU time) | PyTorch, 1 thread (CPU time) | ratio, 1 thread | "
             "NumPy by hand / PyTorch, 1 thread | "
             "peak memory of a step: flambeau, PyTorch | memory ratio |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        tp = r.get("torch_peak")
        threads = f" ({r['torch_threads']} threads)" if r.get("torch_us") else ""
        peak_torch = f"{tp / 1024:.0f} KiB" if tp else "-"
        lines.append(
            f"| {r['label']} | {_times(r, 'flambeau_us')} | {_times(r, 'torch_us')}{threads} | "
            f"{_ratios(r, 'flambeau_us', 'torch_us')} | {_ratios(r, 'numpy_us', 'torch_us')} | "
            f"{_times(r, 'flambeau_1t_us')} | "
            f"{_times(r, 'torch_1t_us')} | {_ratios(r, 'flambeau_1t_us', 'torch_1t_us')} | "
            f"{_ratios(r, 'numpy_1t_us', 'torch_1t_us')} | "
            f"{r['flambeau_peak'] / 1024:.0f} KiB, {peak_torch} | "
            f"{_ratio(r['flambeau_peak'], tp)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(run()))
