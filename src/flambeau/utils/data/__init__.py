"""``flambeau.utils.data``: feeding a model batches of examples, as ``torch.utils.data``.

A :class:`Dataset` answers ``len(ds)`` and ``ds[i]`` (one example); a sampler decides the order
of the indices; a :class:`DataLoader` groups them into batches and turns each list of examples
into tensors with a collate function (:func:`default_collate` stacks them)::

    loader = DataLoader(TensorDataset(x, y), batch_size=10, shuffle=True)
    for xb, yb in loader:
        ...
"""

from __future__ import annotations

from ._worker import WorkerInfo, get_worker_info
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .distributed import DistributedSampler
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "ChainDataset", "Subset", "random_split",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "BatchSampler",
    "WeightedRandomSampler", "get_worker_info", "WorkerInfo",
    "DataLoader", "default_collate", "default_convert", "DistributedSampler",
]
