"""``flambeau.utils``: helpers around the engine, as ``torch.utils``. Only ``data`` so far:
datasets, samplers and the ``DataLoader`` that cuts a dataset into batches."""

from __future__ import annotations

from . import data

__all__ = ["data"]
