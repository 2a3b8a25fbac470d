"""``flambeau.utils.data``: feeding a model batches of examples, as ``torch.utils.data``.

A :class:`Dataset` answers ``len(ds)`` and ``ds[i]`` (one example); a sampler decides the order
of the indices; a :class:`DataLoader` groups them into batches and turns each list of examples
into tensors with a collate function (:func:`default_collate` stacks them)::

    loader = DataLoader(TensorDataset(x, y), batch_size=10, shuffle=True)
    for xb, yb in loader:
        ...
"""

from __future__ import annotations

from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split
from .distributed import DistributedSampler
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
)

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "Subset", "random_split",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "BatchSampler",
    "DataLoader", "default_collate", "default_convert", "DistributedSampler",
]
