"""``flambeau.nn.parallel``: :class:`DistributedDataParallel`, data-parallel training on MPI."""

from __future__ import annotations

from .distributed import DistributedDataParallel

DataParallel = None  # PyTorch's single-process multi-GPU wrapper has no meaning on one CPU

__all__ = ["DistributedDataParallel"]
