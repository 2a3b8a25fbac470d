"""Samplers: the order in which a DataLoader visits a dataset's indices.

:class:`SequentialSampler` gives ``0, 1, ..., n-1``; :class:`RandomSampler` a random permutation,
drawn afresh on each pass from a flambeau :class:`~flambeau.Generator` (the default one unless
given), so ``flambeau.manual_seed`` makes the order repeatable, or indices drawn with replacement,
lazily (``num_samples=int(1e10)`` allocates nothing); :class:`WeightedRandomSampler` draws indices
with given probabilities; :class:`BatchSampler` groups the indices of another sampler into lists
of ``batch_size``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any

import numpy as np

from ...ops.random import Generator, default_generator, multinomial, randint, randperm
from ...ops.sampling import full_range_int64
from ...tensor import Tensor, _make

_CHUNK = 32  # indices drawn at a time with replacement, as PyTorch does


class Sampler:
    """Base class: an iterable of dataset indices (define ``__iter__``, and ``__len__`` if the
    number is known)."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """The indices in order: ``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """The indices in random order: a permutation of all of them on each pass, or, with
    ``replacement=True``, ``num_samples`` indices drawn independently, 32 at a time as the
    iteration goes (an "infinite" sampler, ``num_samples=int(1e10)``, costs nothing up front).
    Without replacement a ``num_samples`` larger than the dataset chains several permutations.

    Example::

        >>> loader = DataLoader(ds, batch_size=64,
        ...                     sampler=RandomSampler(ds, replacement=True, num_samples=int(1e10)))
    """

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator: Generator | None = None) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, k = len(self.data_source), self.num_samples
        generator = self.generator
        if generator is None:  # a fresh stream per pass, seeded from the default one (PyTorch's way)
            seed = int(full_range_int64(default_generator, 1)[0])
            generator = Generator().manual_seed(seed)
        if self.replacement:  # _CHUNK at a time: a huge num_samples is never held in memory
            for _ in range(k // _CHUNK):
                yield from randint(0, n, (_CHUNK,), generator=generator).tolist()
            yield from randint(0, n, (k % _CHUNK,), generator=generator).tolist()
            return
        for _ in range(k // n):
            yield from randperm(n, generator=generator).tolist()
        yield from randperm(n, generator=generator).tolist()[: k % n]

    def __len__(self) -> int:
        return self.num_samples


class WeightedRandomSampler(Sampler):
    r"""``num_samples`` indices in ``[0, len(weights))``, index :math:`i` drawn with probability
    :math:`w_i / \sum_j w_j` (with or without replacement): oversampling rare classes.

    Example::

        >>> class_weight = 1.0 / counts                  # per class
        >>> sampler = WeightedRandomSampler(class_weight[labels], num_samples=len(labels))
    """

    def __init__(self, weights: Sequence[float] | Tensor, num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        values = np.asarray(weights._data if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if values.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(values.shape)}")
        self.weights = _make(values)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        drawn = multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator)
        yield from drawn.tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order, drawn afresh on each pass."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = list(indices)
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices taken in turn from ``sampler``; the last list is shorter
    unless ``drop_last=True``, which leaves it out."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        if self.drop_last:
            return n // self.batch_size
        return (n + self.batch_size - 1) // self.batch_size
