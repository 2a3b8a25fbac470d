"""``flambeau.nn.utils``: helpers around layers, as ``torch.nn.utils``."""

from __future__ import annotations

from . import rnn

__all__ = ["rnn"]
