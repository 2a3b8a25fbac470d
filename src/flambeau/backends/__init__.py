"""``flambeau.backends``: PyTorch's switches for its compute libraries, as settable flags.

``backends.cudnn.benchmark = True``, ``backends.cuda.matmul.allow_tf32 = True`` and the others are
kept and read back as in PyTorch; there is no GPU library for them to steer, so they change no
result. ``backends.mps.is_available()`` and ``backends.cudnn.is_available()`` are False.
"""

from __future__ import annotations

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
