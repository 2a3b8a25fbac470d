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

The points themselves come from :mod:`flambeau.datasets.generators` (plain NumPy functions, with
3- and 4-class versions, that the playground's exported scripts copy); these functions check the
options, seed the generator and return the :class:`Split`.
"""

from __future__ import annotations

import math

import numpy as np

from . import generators
from .generators import gauss_variance as gauss_variance  # these three: re-exported
from .generators import multi_gauss_label as multi_gauss_label
from .generators import plane_label as plane_label
from .split import Split, shuffle_split

CLASSIFICATION_SAMPLES = 500
REGRESSION_SAMPLES = 1200
MAX_NOISE = 0.5

# reg-gauss: (centre x, centre y, sign) of the six bumps.
GAUSS_CENTRES = generators.REG_GAUSS_CENTRES


def _rng(seed: int | None, noise: float, n_samples: int) -> np.random.Generator:
    if not isinstance(noise, (int, float)) or not 0 <= noise <= MAX_NOISE:
        raise ValueError(f"noise must be between 0 and {MAX_NOISE} (the playground's slider / 100), "
                         f"got {noise!r}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 2:
        raise ValueError(f"n_samples must be an integer of at least 2, got {n_samples!r}")
    return np.random.default_rng(seed)


def _finish(xy: np.ndarray, labels: np.ndarray, rng: np.random.Generator, train_ratio: float,
            name: str, task: str) -> Split:
    classes = (-1, 1) if task == "classification" else ()
    return shuffle_split(xy.astype(np.float32), labels.astype(np.float32).reshape(-1, 1), rng,
                         train_ratio, task=task, name=name, classes=classes)


def circle(n_samples: int = CLASSIFICATION_SAMPLES, noise: float = 0.0, seed: int | None = 0,
           train_ratio: float = 0.5) -> Split:
    """A disc of +1 inside a ring of -1 (radius 5).

    Half the points are drawn at radius r ~ U(0, 2.5), the other half at r ~ U(3.5, 5), at an
    angle a ~ U(0, 2 pi), at (r sin a, r cos a) (an odd ``n_samples`` gives one more point: the
    playground loops ``i < n / 2`` for each class). The label is +1 where the point moved by
    (nx, ny) ~ U(-5, 5) * noise lies within distance 2.5 of the origin, else -1: noise flips
    labels near the boundary and never moves a point.
    """
    rng = _rng(seed, noise, n_samples)
    xy, labels = generators.circle(rng, n_samples, noise)
    return _finish(xy, labels, rng, train_ratio, "circle", "classification")


def xor(n_samples: int = CLASSIFICATION_SAMPLES, noise: float = 0.0, seed: int | None = 0,
        train_ratio: float = 0.5) -> Split:
    """The four quadrants: +1 where x1 and x2 have the same sign, -1 elsewhere.

    x1, x2 ~ U(-5, 5), each pushed 0.3 away from the axis (a value > 0 gets +0.3, otherwise
    -0.3). The label is +1 if (x1 + nx)(x2 + ny) >= 0 with nx, ny ~ U(-5, 5) * noise, else -1.
    """
    rng = _rng(seed, noise, n_samples)
    xy, labels = generators.xor(rng, n_samples, noise)
    return _finish(xy, labels, rng, train_ratio, "xor", "classification")


def marsaglia_polar(rng: np.random.Generator, size: int, mean: float = 0.0,
                    variance: float = 1.0) -> np.ndarray:
    """``size`` normal samples by the Marsaglia polar method, as the playground draws them: pick
    (v1, v2) uniformly in the square [-1, 1]^2 until s = v1^2 + v2^2 is in (0, 1], then
    v1 * sqrt(-2 ln(s) / s) is a standard normal number (v2 is not used); scaled to ``mean``
    and ``variance``."""
    return mean + math.sqrt(variance) * generators.marsaglia_polar(rng, size)


def gauss(n_samples: int = CLASSIFICATION_SAMPLES, noise: float = 0.0, seed: int | None = 0,
          train_ratio: float = 0.5) -> Split:
    """Two Gaussian clouds: +1 around (2, 2) and -1 around (-2, -2), half the points each.

    The variance of each coordinate is :func:`gauss_variance` (0.5 without noise, 4 at 0.5);
    the samples come from the Marsaglia polar method (:func:`marsaglia_polar`).
    """
    rng = _rng(seed, noise, n_samples)
    xy, labels = generators.gauss(rng, n_samples, noise)
    return _finish(xy, labels, rng, train_ratio, "gauss", "classification")


def spiral(n_samples: int = CLASSIFICATION_SAMPLES, noise: float = 0.0, seed: int | None = 0,
           train_ratio: float = 0.5) -> Split:
    """Two interleaved spirals, +1 and -1.

    With m = n_samples / 2, point i < m of a spiral is at radius r = 5 i / m and angle
    t = 1.75 (i / m) 2 pi + delta (delta = 0 for +1, pi for -1), at
    (r sin t + U(-1, 1) * noise, r cos t + U(-1, 1) * noise): here noise moves the points.
    """
    rng = _rng(seed, noise, n_samples)
    xy, labels = generators.spiral(rng, n_samples, noise)
    return _finish(xy, labels, rng, train_ratio, "spiral", "classification")


def plane(n_samples: int = REGRESSION_SAMPLES, noise: float = 0.0, seed: int | None = 0,
          train_ratio: float = 0.5) -> Split:
    """Regression on a tilted plane: the target is :func:`plane_label` ((x1 + x2) / 10) at the
    position moved by U(-6, 6) * noise of points x1, x2 ~ U(-6, 6)."""
    rng = _rng(seed, noise, n_samples)
    xy, target = generators.reg_plane(rng, n_samples, noise)
    return _finish(xy, target, rng, train_ratio, "plane", "regression")


def multi_gauss(n_samples: int = REGRESSION_SAMPLES, noise: float = 0.0, seed: int | None = 0,
                train_ratio: float = 0.5) -> Split:
    """Regression on six bumps of alternating sign: the target is :func:`multi_gauss_label` at
    the position moved by U(-6, 6) * noise of points x1, x2 ~ U(-6, 6).

    Each centre (cx, cy, sign) of :data:`GAUSS_CENTRES` ((+-4 or 0, +-2.5), signs alternating)
    gives sign * clamp(1 - d / 2, 0, 1) at distance d; the target is the contribution of largest
    absolute value (0 far from every centre).
    """
    rng = _rng(seed, noise, n_samples)
    xy, target = generators.reg_gauss(rng, n_samples, noise)
    return _finish(xy, target, rng, train_ratio, "multi_gauss", "regression")
