"""``flambeau train --nproc N``: the same training, data-parallel on N processes.

``flambeau train ... --nproc 2`` starts itself again under ``flambeau run`` (MPI); in each rank
:func:`start` joins the process group, the model is wrapped in ``DistributedDataParallel`` for
training and each rank reads its share of every epoch's shuffled examples: the global batch stays
``--batch-size`` (each rank takes ``batch_size / N`` of it). Rank 0 alone prints and writes the
checkpoint and pictures.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

from .ops.random import Generator
from .utils.data import DataLoader, Dataset, Sampler
from .utils.data.distributed import DistributedSampler

_ACTIVE = False


def inside_job(nproc: int) -> bool:
    """True in a rank of the job that ``relaunch`` started."""
    return os.environ.get("FLAMBEAU_TRAIN_NPROC") == str(nproc)


def relaunch(nproc: int, argv: list[str]) -> int:
    """Run ``flambeau train argv`` (with its ``--nproc``) as a job of ``nproc`` processes."""
    from .distributed import launch

    os.environ["FLAMBEAU_TRAIN_NPROC"] = str(nproc)
    return launch.main(["--nproc-per-node", str(nproc), "--no-prefix", "-m", "flambeau", "train", *argv])


def start() -> int:
    """Join the job's process group; returns this rank."""
    global _ACTIVE
    from . import distributed as dist

    dist.init_process_group("gloo")
    _ACTIVE = True
    return dist.get_rank()


def active() -> bool:
    return _ACTIVE


def wrap(model: Any) -> Any:
    """The model to train: wrapped in ``DistributedDataParallel`` inside a job, else itself."""
    if not _ACTIVE:
        return model
    from .nn.parallel import DistributedDataParallel

    return DistributedDataParallel(model)


class _EachEpoch(Sampler):
    """A ``DistributedSampler`` that moves to the next epoch's order on each pass."""

    def __init__(self, sampler: DistributedSampler) -> None:
        self.sampler = sampler
        self.epoch = 0

    def __iter__(self) -> Iterator[int]:
        self.sampler.set_epoch(self.epoch)
        self.epoch += 1
        return iter(self.sampler)

    def __len__(self) -> int:
        return len(self.sampler)


def train_loader(dataset: Dataset, batch_size: int, seed: int) -> DataLoader:
    """Shuffled batches: all of them on one process; this rank's share inside a job."""
    if not _ACTIVE:
        return DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=Generator().manual_seed(seed))
    from . import distributed as dist

    world = dist.get_world_size()
    sampler = _EachEpoch(DistributedSampler(dataset, shuffle=True, seed=seed, drop_last=False))
    return DataLoader(dataset, batch_size=max(batch_size // world, 1), sampler=sampler)


def quiet_unless_rank0(rank: int) -> None:
    if rank != 0:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 -- for the rest of this process
