"""Datasets: what a :class:`~flambeau.utils.data.DataLoader` reads examples from.

A map-style :class:`Dataset` has a length and returns example ``i`` for ``ds[i]``; an
:class:`IterableDataset` is only iterated. :class:`TensorDataset` wraps tensors that share their
first dimension, :class:`Subset` picks some indices of a dataset, :class:`ConcatDataset` chains
datasets, and :func:`random_split` cuts a dataset into random non-overlapping subsets.
"""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ...ops.random import Generator, randperm
from ...tensor import Tensor


class Dataset:
    """A map-style dataset: subclass it and define ``__getitem__(i)`` (example ``i``) and
    ``__len__`` (how many examples). ``a + b`` chains two datasets."""

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset read as a stream: subclass it and define ``__iter__``. A DataLoader batches the
    examples in the order the iterator gives them (no sampler, no shuffle). With
    ``num_workers > 0`` each worker iterates its own copy: use
    :func:`~flambeau.utils.data.get_worker_info` in ``__iter__`` to give each its share.
    ``a + b`` chains two streams (:class:`ChainDataset`)."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other: Dataset) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Several iterable datasets read one after the other."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)  # type: ignore[arg-type]
        return total


class TensorDataset(Dataset):
    """Tensors of the same length seen as examples: ``ds[i]`` is ``(t[i] for t in tensors)``.

    >>> ds = TensorDataset(x, y)      # x: (N, 2), y: (N, 1)
    >>> xi, yi = ds[0]                # shapes (2,) and (1,)
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset takes tensors; argument {i} is a {type(t).__name__}")
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {i} is 0-dimensional; it has no examples")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) != 1:
            raise ValueError("Size mismatch between tensors: their first dimensions are "
                             f"{sizes}; every tensor needs one row per example")
        self.tensors = tuple(tensors)

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class ConcatDataset(Dataset):
    """Several map-style datasets one after the other: indices ``0..len(a)-1`` read ``a``, the
    next ``len(b)`` read ``b``, and so on."""

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:  # PyTorch's exception type and message
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if index < 0:
            if -index > n:
                raise ValueError("absolute value of index should not exceed dataset length")
            index += n
        if index >= n:
            raise IndexError(f"index {index} is out of range for a dataset of length {n}")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][index - start]


class Subset(Dataset):
    """The examples of ``dataset`` at ``indices``, in that order: ``sub[i]`` is
    ``dataset[indices[i]]``."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices.tolist() if isinstance(indices, Tensor) else list(indices)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        """Several examples at once (the DataLoader asks for a whole batch this way)."""
        inner = getattr(self.dataset, "__getitems__", None)
        if inner is not None:
            return inner([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """Cut ``dataset`` into non-overlapping random subsets of the given ``lengths``.

    ``lengths`` are either counts that add up to ``len(dataset)`` or fractions that add up to 1:
    each fraction gets ``floor(frac * len(dataset))`` examples and the examples left over are
    handed out one each to the first subsets, as PyTorch does. The permutation is drawn from
    ``generator`` (flambeau's default generator when None), so a seed gives the same split.

    >>> train, test = random_split(ds, [0.8, 0.2], generator=flambeau.Generator().manual_seed(0))
    """
    n = len(dataset)
    lengths = list(lengths)
    total = sum(lengths)
    if lengths and math.isclose(total, 1) and total <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            counts.append(int(math.floor(n * frac)))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty "
                              "dataset.", UserWarning, stacklevel=2)
        lengths = counts
    for i, c in enumerate(lengths):
        if int(c) != c or c < 0:
            raise ValueError(f"random_split: length at index {i} is {c!r}; give non-negative "
                             "integer counts or fractions that add up to 1")
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset! "
                         f"(lengths {lengths} add up to {sum(lengths)}, the dataset has {n})")
    order = randperm(n, generator=generator).tolist()
    subsets, start = [], 0
    for c in lengths:
        subsets.append(Subset(dataset, order[start:start + int(c)]))
        start += int(c)
    return subsets
