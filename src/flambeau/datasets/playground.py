"""The TensorFlow Playground's data sets (playground.tensorflow.org), generated as it does.

Four classification problems with labels +1 and -1 (``circle``, ``xor``, ``gauss``, ``spiral``;
500 points by default) and two regression problems (``plane`` and ``multi_gauss``, the
playground's "reg-plane" and "reg-gauss"; 1200 points). Every generator takes:

- ``noise``: the playground's noise slider divided by 100, from 0 to 0.5. What it does depends on
  the data set, as in the playground: for ``circle``, ``xor``, ``plane`` and ``multi_gauss`` the
  points stay where they are drawn and the *label* is computed at a randomly moved position; for
  ``spiral`` the points themselves move; for ``gauss`` it widens the two clouds;
- ``seed``: the seed of the NumPy generator that draws everything (same seed, same data);
- ``train_ratio``: the data are shuffled once and the first ``floor(n * train_ratio)`` points
  are the training set, the rest the test set (the default 0.5 gives 250/250);
- ``n_samples``: the number of points (the playground's thumbnails use 200).

Inputs are float32 tensors of shape ``(n, 2)`` (the coordinates x1, x2), targets float32 tensors
of shape ``(n, 1)``, ready for a network with one tanh (classification) or linear (regression)
output trained with the squared error, as in the playground. Each returns a :class:`Split`.

For a given seed, ``circle``, ``xor``, ``plane`` and ``multi_gauss`` draw the same points at
every noise level (only the labels change) and ``spiral`` moves the same points further.
"""

from __future__ import annotations

import math

import numpy as np

from .split import Split, shuffle_split

CLASSIFICATION_SAMPLES = 500
REGRESSION_SAMPLES = 1200
MAX_NOISE = 0.5

# reg-gauss: (centre x, centre y, sign) of the six bumps.
GAUSS_CENTRES = ((-4.0, 2.5, 1.0), (0.0, 2.5, -1.0), (4.0, 2.5, 1.0),
                 (-4.0, -2.5, -1.0), (0.0, -2.5, 1.0), (4.0, -2.5, -1.0))


def _rng(seed: int | None, noise: float, n_samples: int) -> np.random.Generator:
    if not isinstance(noise, (int, float)) or not 0 <= noise <= MAX_NOISE:
        raise ValueError(f"noise must be between 0 and {MAX_NOISE} (the playground's slider / 100), "
                         f"got {noise!r}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 2:
        raise ValueError(f"n_samples must be an integer of at least 2, got {n_samples!r}")
    return np.random.default_rng(seed)


def _per_class(n_samples: int) -> int:
    """Points per class: the playground loops ``i < n/2``, so an odd ``n`` gives one more."""
    return math.ceil(n_samples / 2)


def _finish(xy: np.ndarray, labels: np.ndarray, rng: np.random.Generator, train_ratio: float,
            name: str, task: str) -> Split:
    classes = (-1, 1) if task == "classification" else ()
    return shuffle_split(xy.astype(np.float32), labels.astype(np.float32).reshape(-1, 1), rng,
                         train_ratio, task=task, name=name, classes=classes)


def circle(n_samples: int = CLASSIFICATION_SAMPLES, noise: float = 0.0, seed: int | None = 0,
           train_ratio: float = 0.5) -> Split:
    """A disc of +1 inside a ring of -1 (radius 5).

    Half the points are drawn at radius r ~ U(0, 2.5), the other half at r ~ U(3.5, 5), at an
    angle a ~ U(0, 2 pi), at (r sin a, r cos a). The label is +1 where the point moved by
    (nx, ny) ~ U(-5, 5) * noise lies within distance 2.5 of the origin, else -1: noise flips
    labels near the boundary and never moves a point.
    """
    rng = _rng(seed, noise, n_samples)
    radius, k = 5.0, _per_class(n_samples)
    blocks = []
    for r_low, r_high in ((0.0, radius * 0.5), (radius * 0.7, radius)):
        r = rng.uniform(r_low, r_high, k)
        angle = rng.uniform(0.0, 2 * math.pi, k)
        nx = rng.uniform(-radius, radius, k) * noise
        ny = rng.uniform(-radius, radius, k) * noise
        x, y = r * np.sin(angle), r * np.cos(angle)
        label = np.where(np.hypot(x + nx, y + ny) < radius * 0.5, 1.0, -1.0)
        blocks.append((np.stack([x, y], axis=1), label))
    xy = np.concatenate([b[0] for b in blocks])
    labels = np.concatenate([b[1] for b in blocks])
    return _finish(xy, labels, rng, train_ratio, "circle", "classification")


def xor(n_samples: int = CLASSIFICATION_SAMPLES, noise: float = 0.0, seed: int | None = 0,
        train_ratio: float = 0.5) -> Split:
    """The four quadrants: +1 where x1 and x2 have the same sign, -1 elsewhere.

    x1, x2 ~ U(-5, 5), each pushed 0.3 away from the axis (a value > 0 gets +0.3, otherwise
    -0.3). The label is +1 if (x1 + nx)(x2 + ny) >= 0 with nx, ny ~ U(-5, 5) * noise, else -1.
    """
    rng = _rng(seed, noise, n_samples)
    padding = 0.3
    x = rng.uniform(-5.0, 5.0, n_samples)
    y = rng.uniform(-5.0, 5.0, n_samples)
    x = x + np.where(x > 0, padding, -padding)
    y = y + np.where(y > 0, padding, -padding)
    nx = rng.uniform(-5.0, 5.0, n_samples) * noise
    ny = rng.uniform(-5.0, 5.0, n_samples) * noise
    labels = np.where((x + nx) * (y + ny) >= 0, 1.0, -1.0)
    return _finish(np.stack([x, y], axis=1), labels, rng, train_ratio, "xor", "classification")


def marsaglia_polar(rng: np.random.Generator, size: int, mean: float = 0.0,
                    variance: float = 1.0) -> np.ndarray:
    """``size`` normal samples by the Marsaglia polar method, as the playground draws them: pick
    (v1, v2) uniformly in the square [-1, 1]^2 until s = v1^2 + v2^2 is in (0, 1], then
    v1 * sqrt(-2 ln(s) / s) is a standard normal number (v2 is not used)."""
    out = np.empty(size)
    filled = 0
    while filled < size:
        want = size - filled
        v1 = 2 * rng.random(want + 8) - 1
        v2 = 2 * rng.random(want + 8) - 1
        s = v1 * v1 + v2 * v2
        keep = (s > 0) & (s <= 1)
        z = (np.sqrt(-2 * np.log(s[keep]) / s[keep]) * v1[keep])[:want]
        out[filled:filled + len(z)] = z
        filled += len(z)
    return mean + math.sqrt(variance) * out


def gauss_variance(noise: float) -> float:
    """The playground's variance for ``gauss``: noise mapped linearly from [0, 0.5] to [0.5, 4]."""
    return 0.5 + (4.0 - 0.5) * noise / MAX_NOISE


def gauss(n_samples: int = CLASSIFICATION_SAMPLES, noise: float = 0.0, seed: int | None = 0,
          train_ratio: float = 0.5) -> Split:
    """Two Gaussian clouds: +1 around (2, 2) and -1 around (-2, -2), half the points each.

    The variance of each coordinate is :func:`gauss_variance` (0.5 without noise, 4 at 0.5);
    the samples come from the Marsaglia polar method.
    """
    rng = _rng(seed, noise, n_samples)
    k, variance = _per_class(n_samples), gauss_variance(noise)
    blocks = []
    for centre, label in ((2.0, 1.0), (-2.0, -1.0)):
        z = marsaglia_polar(rng, 2 * k, centre, variance).reshape(k, 2)
        blocks.append((z, np.full(k, label)))
    xy = np.concatenate([b[0] for b in blocks])
    labels = np.concatenate([b[1] for b in blocks])
    return _finish(xy, labels, rng, train_ratio, "gauss", "classification")


def spiral(n_samples: int = CLASSIFICATION_SAMPLES, noise: float = 0.0, seed: int | None = 0,
           train_ratio: float = 0.5) -> Split:
    """Two interleaved spirals, +1 and -1.

    With m = n_samples / 2, point i < m of a spiral is at radius r = 5 i / m and angle
    t = 1.75 (i / m) 2 pi + delta (delta = 0 for +1, pi for -1), at
    (r sin t + U(-1, 1) * noise, r cos t + U(-1, 1) * noise): here noise moves the points.
    """
    rng = _rng(seed, noise, n_samples)
    m = n_samples / 2
    i = np.arange(_per_class(n_samples), dtype=np.float64)
    blocks = []
    for delta, label in ((0.0, 1.0), (math.pi, -1.0)):
        r = i / m * 5
        t = 1.75 * i / m * 2 * math.pi + delta
        x = r * np.sin(t) + rng.uniform(-1.0, 1.0, len(i)) * noise
        y = r * np.cos(t) + rng.uniform(-1.0, 1.0, len(i)) * noise
        blocks.append((np.stack([x, y], axis=1), np.full(len(i), label)))
    xy = np.concatenate([b[0] for b in blocks])
    labels = np.concatenate([b[1] for b in blocks])
    return _finish(xy, labels, rng, train_ratio, "spiral", "classification")


def _regression_points(rng: np.random.Generator, n: int, noise: float):
    """Points x1, x2 ~ U(-6, 6) and the moved positions the label is computed at
    (each coordinate plus U(-6, 6) * noise)."""
    radius = 6.0
    x = rng.uniform(-radius, radius, n)
    y = rng.uniform(-radius, radius, n)
    nx = rng.uniform(-radius, radius, n) * noise
    ny = rng.uniform(-radius, radius, n) * noise
    return x, y, x + nx, y + ny


def plane_label(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """reg-plane's target: x + y mapped linearly from [-10, 10] to [-1, 1] (not clamped)."""
    return (x + y) / 10.0


def multi_gauss_label(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """reg-gauss's target: each centre of :data:`GAUSS_CENTRES` gives sign * clamp(1 - d/2, 0, 1)
    at distance d, and the target is the contribution of largest absolute value (the first one
    on a tie, 0 far from every centre)."""
    label = np.zeros(np.broadcast(x, y).shape)
    for cx, cy, sign in GAUSS_CENTRES:
        value = sign * np.clip(1 - np.hypot(x - cx, y - cy) / 2, 0, 1)
        label = np.where(np.abs(value) > np.abs(label), value, label)
    return label


def plane(n_samples: int = REGRESSION_SAMPLES, noise: float = 0.0, seed: int | None = 0,
          train_ratio: float = 0.5) -> Split:
    """Regression on a tilted plane: the target is :func:`plane_label` at the moved position of
    points drawn uniformly in [-6, 6]^2."""
    rng = _rng(seed, noise, n_samples)
    x, y, xn, yn = _regression_points(rng, n_samples, noise)
    return _finish(np.stack([x, y], axis=1), plane_label(xn, yn), rng, train_ratio, "plane", "regression")


def multi_gauss(n_samples: int = REGRESSION_SAMPLES, noise: float = 0.0, seed: int | None = 0,
                train_ratio: float = 0.5) -> Split:
    """Regression on six bumps of alternating sign: the target is :func:`multi_gauss_label` at
    the moved position of points drawn uniformly in [-6, 6]^2."""
    rng = _rng(seed, noise, n_samples)
    x, y, xn, yn = _regression_points(rng, n_samples, noise)
    return _finish(np.stack([x, y], axis=1), multi_gauss_label(xn, yn), rng, train_ratio,
                   "multi_gauss", "regression")
