"""``flambeau.datasets``: small data sets to learn from, generated or read offline.

Every loader returns a :class:`Split`: ``x_train``, ``y_train``, ``x_test``, ``y_test`` tensors
(``split.train`` / ``split.test`` give them as TensorDatasets for a DataLoader)::

    import flambeau
    from flambeau.utils.data import DataLoader

    data = flambeau.datasets.load("circle", noise=0.1, seed=0)   # or datasets.circle(...)
    loader = DataLoader(data.train, batch_size=10)

- the TensorFlow Playground's sets: :func:`circle`, :func:`xor`, :func:`gauss`, :func:`spiral`
  (labels +1/-1), :func:`plane`, :func:`multi_gauss` (regression);
- :func:`moons`, two interleaving half circles;
- :func:`linear1d`, the lecture's x = [1, 2, 3], y = [2, 4, 6];
- :func:`digits`, scikit-learn's 1797 8x8 digits (needs scikit-learn);
- MNIST from IDX files on disk: :func:`read_idx`, :class:`MNIST`, :func:`mnist`.
"""

from __future__ import annotations

from .digits import digits
from .idx import IDXError, read_idx, write_idx
from .linear1d import linear1d
from .mnist import MNIST, mnist
from .moons import moons
from .playground import circle, gauss, multi_gauss, plane, spiral, xor
from .registry import NAMES, load
from .split import Split

__all__ = [
    "Split", "load", "NAMES", "circle", "xor", "gauss", "spiral", "plane", "multi_gauss",
    "moons", "linear1d", "digits", "read_idx", "write_idx", "IDXError", "MNIST", "mnist",
]
