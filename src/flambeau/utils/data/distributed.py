"""``DistributedSampler``: each rank of a data-parallel job reads its own share of the dataset.

The indices (shuffled with ``seed + epoch`` when ``shuffle``) are padded by repeating the first
ones until they divide evenly (or the tail is dropped with ``drop_last``), then rank ``r`` takes
every ``num_replicas``-th index starting at ``r``: PyTorch's split, index for index.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized
from typing import Any

from ...ops.random import Generator, randperm
from .sampler import Sampler


class DistributedSampler(Sampler):
    r"""A sampler that restricts loading to this rank's share of the dataset.

    Call :meth:`set_epoch` at the start of every epoch when ``shuffle=True``: the order depends on
    ``seed + epoch``, the same on every rank, so the shares never overlap.

    Args:
        dataset: the dataset to split.
        num_replicas: number of ranks (default: ``dist.get_world_size()``).
        rank: this rank (default: ``dist.get_rank()``).
        shuffle: shuffle the indices (default True).
        seed: seed of the shuffle, the same on every rank (default 0).
        drop_last: drop the tail instead of padding so that every rank gets as many (default False).

    Example::

        >>> sampler = DistributedSampler(dataset)
        >>> loader = DataLoader(dataset, batch_size=32, sampler=sampler)
        >>> for epoch in range(3):
        ...     sampler.set_epoch(epoch)
        ...     for x, y in loader: ...
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            from ... import distributed as dist

            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        if self.shuffle:
            g = Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            else:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[:self.total_size]
        assert len(indices) == self.total_size
        indices = indices[self.rank:self.total_size:self.num_replicas]
        assert len(indices) == self.num_samples
        return iter(indices)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch: with ``shuffle=True`` each epoch gets a new order, the same on all ranks."""
        self.epoch = epoch
