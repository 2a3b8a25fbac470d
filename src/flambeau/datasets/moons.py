"""Two interleaving half circles ("two moons"), a classic non-linear 2-D classification set."""

from __future__ import annotations

import math

import numpy as np

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
    """
    if not isinstance(noise, (int, float)) or noise < 0:
        raise ValueError(f"noise is a standard deviation and must be >= 0, got {noise!r}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 2:
        raise ValueError(f"n_samples must be an integer of at least 2, got {n_samples!r}")
    rng = np.random.default_rng(seed)
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    t_upper = np.linspace(0.0, math.pi, n_upper)
    t_lower = np.linspace(0.0, math.pi, n_lower)
    xy = np.concatenate([
        np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1),
        np.stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1),
    ])
    xy = xy + rng.normal(0.0, 1.0, xy.shape) * noise
    labels = np.concatenate([np.full(n_upper, -1.0), np.full(n_lower, 1.0)])
    return shuffle_split(xy.astype(np.float32), labels.astype(np.float32).reshape(-1, 1), rng,
                         train_ratio, task="classification", name="moons", classes=(-1, 1))
