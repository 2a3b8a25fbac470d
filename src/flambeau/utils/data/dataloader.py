"""``DataLoader``: a dataset cut into batches, as ``torch.utils.data.DataLoader``.

Each pass (``for batch in loader``) asks the batch sampler for lists of indices, fetches those
examples from the dataset and merges them with the collate function::

    indices  -> [dataset[i] for i in indices] -> collate_fn(examples) -> batch

``shuffle=True`` draws a new permutation at the start of every pass from ``generator``, or from
flambeau's default generator (seeded by ``flambeau.manual_seed``) when it is None.

``num_workers > 0`` keeps PyTorch's semantics with workers run in the main process (see
``_worker.py``): the same batches as ``num_workers=0`` for a map-style dataset; for an
:class:`IterableDataset`, one copy per worker, sharded by :func:`get_worker_info`, batches in
turn.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from ...ops.random import Generator, _gen
from ...ops.sampling import full_range_int64
from . import _worker
from .collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args:
        dataset: a map-style :class:`Dataset` (``len`` and ``ds[i]``) or an
            :class:`IterableDataset`.
        batch_size: examples per batch (``None`` turns batching off: one example at a time).
        shuffle: visit the examples in a new random order on every pass.
        sampler: the order of the indices (excludes ``shuffle``).
        batch_sampler: yields whole lists of indices (excludes ``batch_size``, ``shuffle``,
            ``sampler`` and ``drop_last``).
        num_workers: how many workers load the data (0: the main process). Workers run in the
            main process with PyTorch's semantics (see the module's docstring).
        collate_fn: merges a list of examples into a batch (:func:`default_collate`).
        pin_memory, pin_memory_device: accepted (CPU only: nothing to pin; PyTorch's warning
            says so at each pass).
        drop_last: leave out the last batch when it is smaller than ``batch_size`` (for an
            iterable dataset with workers: each worker's last batch, as in PyTorch).
        timeout, multiprocessing_context, in_order: accepted (no processes, always in order).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker before it loads,
            with :func:`get_worker_info` answering.
        generator: the :class:`flambeau.Generator` that ``shuffle`` draws from.
        prefetch_factor: batches loaded ahead per worker (only with ``num_workers > 0``;
            accepted: in-process workers load on demand).
        persistent_workers: keep the workers (and their dataset copies) from one pass to the
            next; ``worker_init_fn`` then runs once.

    ``len(loader)`` is the number of batches per pass.
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None,
                 batch_sampler: Sampler | Iterable | None = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Callable | None = None,
                 multiprocessing_context: Any = None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None and not self._iterable:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                       or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.pin_memory_device = pin_memory_device
        self.in_order = in_order
        self._workers: list[_worker.WorkerInfo] | None = None
        self._passes = 0
        if collate_fn is None:
            collate_fn = default_convert if self._auto_collation is False else default_collate
        self.collate_fn = collate_fn
        _check_worker_number(num_workers)

    @property
    def _auto_collation(self) -> bool:
        """Whether examples are grouped into batches (False when ``batch_size=None``)."""
        return self.batch_sampler is not None or (self._iterable and self.batch_size is not None)

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)  # type: ignore[arg-type]
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)  # type: ignore[arg-type]
        return len(self.sampler)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        # PyTorch draws the workers' base seed from the loader's generator at each pass (with
        # or without workers; persistent workers: at the first pass only): drawn here too, so
        # that the random streams stay where PyTorch's are
        if self.num_workers > 0 and self._workers is None:  # PyTorch's check, at each new iterator
            _check_worker_number(self.num_workers, stacklevel=3)
        if self.pin_memory and self._workers is None:  # PyTorch's warning, at each new iterator
            if self.pin_memory_device:
                warnings.warn("pin_memory_device is deprecated, the current accelerator will be used as the device,"
                              f"ignore pin_memory_device='{self.pin_memory_device}'.", stacklevel=2)
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", stacklevel=2)
        base_seed = int(full_range_int64(_gen(self.generator), 1)[0]) if self._workers is None else None
        if self.num_workers > 0:
            return self._iter_workers(base_seed)
        if self._iterable:
            return self._iter_stream(self.dataset)
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)  # type: ignore[union-attr]
        return (self._fetch(list(indices)) for indices in self.batch_sampler)

    def _iter_workers(self, seed: int | None) -> Iterator[Any]:
        """A pass with ``num_workers`` in-process workers (see ``_worker.py``); worker i's seed
        is ``seed + i``, as in PyTorch (``None``: persistent workers, already started)."""
        workers = self._workers
        if workers is None:
            assert seed is not None
            workers = _worker.start_workers(self.num_workers, self.dataset, seed, self._iterable, self.worker_init_fn)
            if self.persistent_workers:
                self._workers = workers
        self._passes += 1
        if self._iterable:
            return _worker.in_turn(workers, [self._iter_stream(w.dataset) for w in workers])
        if self.batch_sampler is None:
            return _worker.fetched_by(workers, lambda i: self.collate_fn(self.dataset[i]), iter(self.sampler))
        return _worker.fetched_by(workers, lambda indices: self._fetch(list(indices)), iter(self.batch_sampler))

    def _fetch(self, indices: list[int]) -> Any:
        """The batch of the examples at ``indices``."""
        dataset = self.dataset
        if self.collate_fn is default_collate and type(dataset) is TensorDataset:
            # The same batch default_collate would stack, taken in one indexing per tensor.
            rows = np.asarray(indices, dtype=np.int64)
            return [t[rows] for t in dataset.tensors]
        getitems = getattr(dataset, "__getitems__", None)
        examples = getitems(indices) if getitems is not None else [dataset[i] for i in indices]
        return self.collate_fn(examples)

    def _iter_stream(self, dataset: Any) -> Iterator[Any]:
        if self.batch_size is None:
            for example in dataset:
                yield self.collate_fn(example)
            return
        batch: list = []
        for example in dataset:
            batch.append(example)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)


def _check_worker_number(num_workers: int, stacklevel: int = 3) -> None:
    """PyTorch's warning when a loader asks for more workers than the CPUs this process may use
    (flambeau's workers run in-process, but the program is PyTorch's and so is the advice)."""
    import os

    if not num_workers:
        return
    cpuset_checked = hasattr(os, "sched_getaffinity")
    suggest = len(os.sched_getaffinity(0)) if cpuset_checked else os.cpu_count()
    if suggest is not None and num_workers <= suggest:
        return
    if suggest is None:
        advice = "DataLoader is not able to compute a suggested max number of worker in current system."
    else:
        advice = (f"Our suggested max number of worker in current system is {suggest}"
                  f"{'' if cpuset_checked else ' (`cpuset` is not taken into account)'}, which is smaller "
                  "than what this DataLoader is going to create.")
    warnings.warn(f"This DataLoader will create {num_workers} worker processes in total. {advice} Please be "
                  "aware that excessive worker creation might get DataLoader running slow or even freeze, lower "
                  "the worker number to avoid potential slowness/freeze if necessary.", stacklevel=stacklevel)
