"""scikit-learn's 8x8 handwritten digits: 1797 small grey images of 0-9, shipped inside
scikit-learn (no download), the lecture's digits at a size a NumPy network trains in seconds."""

from __future__ import annotations

import numpy as np

from .split import Split, check_ratio, shuffle_split

NUM_IMAGES = 1797
IMAGE_SIZE = 8
MAX_PIXEL = 16.0  # the images' pixels are counts from 0 to 16


def _load_sklearn_digits() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("the digits data set comes with scikit-learn: pip install scikit-learn "
                          "(or flambeau[digits])") from None
    bunch = load_digits()
    return np.asarray(bunch.data), np.asarray(bunch.target)


def digits(train_ratio: float = 0.8, seed: int | None = 0, flatten: bool = True) -> Split:
    """The 1797 digits, shuffled with the NumPy generator seeded by ``seed`` and split: the
    first ``floor(1797 * train_ratio)`` images train, the others test.

    Inputs are float32 pixels scaled to [0, 1], of shape ``(n, 64)``, or ``(n, 1, 8, 8)`` (one
    channel, for convolutions) with ``flatten=False``; targets are int64 class indices 0-9 of
    shape ``(n,)``, as ``nn.CrossEntropyLoss`` expects.
    """
    check_ratio(train_ratio)
    data, target = _load_sklearn_digits()
    x = (data / MAX_PIXEL).astype(np.float32)
    if not flatten:
        x = x.reshape(-1, 1, IMAGE_SIZE, IMAGE_SIZE)
    y = target.astype(np.int64)
    return shuffle_split(x, y, np.random.default_rng(seed), train_ratio, task="classification",
                         name="digits", classes=tuple(range(10)))
