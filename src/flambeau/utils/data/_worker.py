"""DataLoader workers, run in the main process.

PyTorch's ``DataLoader(num_workers=N)`` starts N processes: batch ``k`` of a map-style dataset is
fetched by worker ``k % N`` and the batches come back in order, so the result is the same as with
``num_workers=0``; an :class:`IterableDataset` is instead *copied* into each worker and each copy
is iterated in full (the dataset shards itself with :func:`get_worker_info`), the workers' batches
arriving in turn (worker 0's first batch, worker 1's first, ..., worker 0's second...), a worker
that runs out dropping out of the rotation.

flambeau keeps these semantics without processes (NumPy releases the GIL only in its own
kernels, and processes would need the dataset pickled): each worker is a :class:`WorkerInfo` and,
for an iterable dataset, its own copy of the dataset; while a worker fetches,
:func:`get_worker_info` returns its info, and ``worker_init_fn(worker_id)`` runs once per worker
per pass (once in all with ``persistent_workers=True``).

Random numbers as in PyTorch's worker processes: each worker has its own streams, seeded when it
starts -- flambeau's default generator and Python's ``random`` with ``seed = base_seed + id``,
NumPy's global ``np.random`` with PyTorch's 4-word seed (NumPy's ``SeedSequence`` of ``[id,
base_seed`` low and high 32 bits, ``0]``). While a worker runs, its streams are the ones
``torch.rand``, ``random.random`` and ``np.random.rand`` draw from; the main process's streams
are left as they were, so a random transform in ``__getitem__`` gives PyTorch's numbers.
"""

from __future__ import annotations

import contextlib
import copy
import random
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ...ops.generator import Generator, default_generator

_current: WorkerInfo | None = None


class _Streams:
    """A worker's own random streams: flambeau's default generator, ``random``, ``np.random``."""

    def __init__(self, base_seed: int, worker_id: int) -> None:
        seed = base_seed + worker_id
        self.generator = Generator().manual_seed(seed)
        self.python = random.Random(seed).getstate()
        words = np.random.SeedSequence([worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]).generate_state(4)
        self.numpy = np.random.RandomState(words).get_state()

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """Swap these streams in for the process's, and back (keeping where each stream is)."""
        main_generator = dict(default_generator.__dict__)
        main_python, main_numpy = random.getstate(), np.random.get_state()
        default_generator.__dict__.update(self.generator.__dict__)
        random.setstate(self.python)
        np.random.set_state(self.numpy)
        try:
            yield
        finally:
            self.generator.__dict__.update(default_generator.__dict__)
            self.python, self.numpy = random.getstate(), np.random.get_state()
            default_generator.__dict__.update(main_generator)
            random.setstate(main_python)
            np.random.set_state(main_numpy)


class WorkerInfo:
    """What :func:`get_worker_info` returns inside a worker: ``id`` (0 to ``num_workers - 1``),
    ``num_workers``, ``seed`` and ``dataset`` (this worker's copy of an iterable dataset, the
    dataset itself for a map-style one). Read-only, as in PyTorch."""

    __initialized = False

    def __init__(self, **kwargs: Any) -> None:
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs.keys())
        self.__initialized = True

    def __setattr__(self, key: str, val: Any) -> None:
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")
        return super().__setattr__(key, val)

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={getattr(self, k)}" for k in self.__keys)
        return f"{type(self).__name__}({items})"


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker, its :class:`WorkerInfo`; ``None`` in the main process.

    The usual use: an :class:`IterableDataset` that gives each worker its share of the data.

    Example::

        >>> class Range(IterableDataset):
        ...     def __init__(self, start, end):
        ...         self.start, self.end = start, end
        ...     def __iter__(self):
        ...         info = get_worker_info()
        ...         if info is None:  # no workers: all of it
        ...             return iter(range(self.start, self.end))
        ...         per = -(-(self.end - self.start) // info.num_workers)
        ...         lo = self.start + info.id * per
        ...         return iter(range(lo, min(lo + per, self.end)))
    """
    return _current


@contextlib.contextmanager
def _acting_as(info: WorkerInfo) -> Iterator[None]:
    global _current
    previous, _current = _current, info
    try:
        with info._streams.active():
            yield
    finally:
        _current = previous


def start_workers(num_workers: int, dataset: Any, base_seed: int, copy_dataset: bool,
                  worker_init_fn: Callable[[int], Any] | None) -> list[WorkerInfo]:
    """The workers of one pass (or of all, with persistent workers): their infos, each with its
    copy of the dataset if ``copy_dataset``, after ``worker_init_fn`` has run in each."""
    workers = []
    for i in range(num_workers):
        info = WorkerInfo(id=i, num_workers=num_workers, seed=base_seed + i,
                          dataset=copy.deepcopy(dataset) if copy_dataset else dataset)
        object.__setattr__(info, "_streams", _Streams(base_seed, i))
        if worker_init_fn is not None:
            with _acting_as(info):
                worker_init_fn(i)
        workers.append(info)
    return workers


def in_turn(workers: list[WorkerInfo], streams: list[Iterator[Any]]) -> Iterator[Any]:
    """The items of each worker's stream in turn, each produced while its worker is current;
    an exhausted stream leaves the rotation."""
    active = list(zip(workers, streams))
    while active:
        still = []
        for info, stream in active:
            with _acting_as(info):
                try:
                    item = next(stream)
                except StopIteration:
                    continue
            still.append((info, stream))
            yield item
        active = still


def fetched_by(workers: list[WorkerInfo], fetch: Callable[[Any], Any], requests: Iterator[Any]) -> Iterator[Any]:
    """``fetch(r)`` for each request ``r`` in order, request ``k`` by worker ``k % n``."""
    for k, request in enumerate(requests):
        with _acting_as(workers[k % len(workers)]):
            item = fetch(request)
        yield item
