"""The lecture's 1-D example: learn y = 2x from three points.

The worked example of "Introduction au Deep Learning" (notebooks ``01-exemple-1d`` and
``02-pytorch-exemple-1d``) fits y_hat = x * w to x = [1, 2, 3], y = [2, 4, 6] and then predicts
for x = 4 (8 once trained).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as dt
from ..ops.creation import from_numpy
from .split import Split

X_DATA = (1.0, 2.0, 3.0)
Y_DATA = (2.0, 4.0, 6.0)


def linear1d(dtype: Any = None) -> Split:
    """The training set x = [1, 2, 3], y = [2, 4, 6] and the test point x = 4, y = 8, as
    column tensors of shape ``(n, 1)`` (float32 unless ``dtype`` says otherwise), in order."""
    d = dt.float32 if dtype is None else dt.to_dtype(dtype)
    if not d.is_floating_point:
        raise ValueError(f"linear1d: dtype must be a floating-point type, got {d}")

    def column(values: tuple) -> Any:
        return from_numpy(np.array(values, dtype=d.np).reshape(-1, 1))

    return Split(column(X_DATA), column(Y_DATA), column((4.0,)), column((8.0,)),
                 task="regression", name="linear1d")
