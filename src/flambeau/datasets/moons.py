"""Two interleaving half circles ("two moons"), a classic non-linear 2-D classification set."""

from __future__ import annotations

import numpy as np

from .generators import two_moons
from .split import Split, shuffle_split


def moons(n_samples: int = 500, noise: float = 0.0, seed: int | None = 0,
          train_ratio: float = 0.5) -> Split:
    """Two moons, labelled -1 (the upper one) and +1 (the lower one), like scikit-learn's
    ``make_moons``.

    The upper moon has ``n_samples // 2`` points evenly spaced on the half circle
    (cos t, sin t), t in [0, pi]; the lower moon has the rest on (1 - cos t, 0.5 - sin t).
    ``noise`` is the standard deviation of the Gaussian noise added to each coordinate (it moves
    the points). Shuffled with the NumPy generator seeded by ``seed``, then split as the
    playground sets are: inputs float32 ``(n, 2)``, targets float32 ``(n, 1)`` of +1/-1.
    The points come from :func:`flambeau.datasets.generators.two_moons` (the playground's
    ``moons`` scales them by 4 to fill its [-6, 6] square).
    """
    if not isinstance(noise, (int, float)) or noise < 0:
        raise ValueError(f"noise is a standard deviation and must be >= 0, got {noise!r}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 2:
        raise ValueError(f"n_samples must be an integer of at least 2, got {n_samples!r}")
    rng = np.random.default_rng(seed)
    xy, labels = two_moons(rng, n_samples, noise)
    return shuffle_split(xy.astype(np.float32), labels.astype(np.float32).reshape(-1, 1), rng,
                         train_ratio, task="classification", name="moons", classes=(-1, 1))
