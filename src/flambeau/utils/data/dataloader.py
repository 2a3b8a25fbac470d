"""``DataLoader``: a dataset cut into batches, as ``torch.utils.data.DataLoader``.

Each pass (``for batch in loader``) asks the batch sampler for lists of indices, fetches those
examples from the dataset and merges them with the collate function::

    indices  -> [dataset[i] for i in indices] -> collate_fn(examples) -> batch

``shuffle=True`` draws a new permutation at the start of every pass from ``generator``, or from
flambeau's default generator (seeded by ``flambeau.manual_seed``) when it is None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from ...ops.random import Generator, _gen
from ...ops.sampling import full_range_int64
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
        num_workers: accepted for PyTorch compatibility; flambeau always loads in the main
            process, which gives the same batches.
        collate_fn: merges a list of examples into a batch (:func:`default_collate`).
        pin_memory, timeout, worker_init_fn: accepted and unused (CPU only, no workers).
        drop_last: leave out the last batch when it is smaller than ``batch_size``.
        generator: the :class:`flambeau.Generator` that ``shuffle`` draws from.

    ``len(loader)`` is the number of batches per pass.
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None,
                 batch_sampler: Sampler | Iterable | None = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Callable | None = None,
                 generator: Generator | None = None) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
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
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_convert if self._auto_collation is False else default_collate
        self.collate_fn = collate_fn

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
        # PyTorch draws a base seed for its workers from the loader's generator at each pass:
        # drawn here too, so that the random streams stay where PyTorch's are
        self._base_seed = int(full_range_int64(_gen(self.generator), 1)[0])
        if self._iterable:
            return self._iter_stream()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)  # type: ignore[union-attr]
        return (self._fetch(list(indices)) for indices in self.batch_sampler)

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

    def _iter_stream(self) -> Iterator[Any]:
        if self.batch_size is None:
            for example in self.dataset:  # type: ignore[attr-defined]
                yield self.collate_fn(example)
            return
        batch: list = []
        for example in self.dataset:  # type: ignore[attr-defined]
            batch.append(example)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)
