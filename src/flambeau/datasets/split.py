"""``Split``: what every loader in ``flambeau.datasets`` returns, a training set and a test set
as tensors ready for a model or a :class:`~flambeau.utils.data.DataLoader`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..ops.creation import from_numpy
from ..tensor import Tensor
from ..utils.data import TensorDataset


@dataclass(frozen=True, repr=False)
class Split:
    """A dataset cut into training and test examples.

    Attributes:
        x_train, y_train: the training inputs (one row per example) and targets.
        x_test, y_test: the test inputs and targets.
        task: ``"classification"`` or ``"regression"``.
        name: the dataset's name (``"circle"``, ``"digits"``...).
        classes: the class labels of a classification task (``(-1, 1)`` for the playground,
            ``(0, ..., 9)`` for digits); empty for regression.

    ``split.train`` and ``split.test`` are the same data as :class:`TensorDataset` s::

        data = flambeau.datasets.load("circle", noise=0.1, seed=3)
        loader = DataLoader(data.train, batch_size=10)
    """

    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor
    task: str
    name: str = ""
    classes: tuple = ()

    @property
    def train(self) -> TensorDataset:
        """The training examples as a dataset of ``(x, y)`` pairs."""
        return TensorDataset(self.x_train, self.y_train)

    @property
    def test(self) -> TensorDataset:
        """The test examples as a dataset of ``(x, y)`` pairs."""
        return TensorDataset(self.x_test, self.y_test)

    @property
    def num_features(self) -> int:
        """The number of input values per example (the size of one row, flattened)."""
        return int(np.prod(self.x_train.shape[1:], dtype=np.int64))

    def __repr__(self) -> str:
        return (f"Split(name={self.name!r}, task={self.task!r}, train={len(self.x_train)}, "
                f"test={len(self.x_test)}, x={list(self.x_train.shape[1:])} {self.x_train.dtype}, "
                f"y={list(self.y_train.shape[1:])} {self.y_train.dtype})")


def check_ratio(train_ratio: float) -> None:
    """Refuse a training fraction outside (0, 1]."""
    if not isinstance(train_ratio, (int, float)) or not 0 < train_ratio <= 1:
        raise ValueError(f"train_ratio must be a fraction in (0, 1] (0.5 puts half the examples "
                         f"in the training set), got {train_ratio!r}")


def shuffle_split(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, train_ratio: float,
                  **fields: Any) -> Split:
    """Shuffle the examples once with ``rng``, then put the first ``floor(n * train_ratio)`` in
    the training set and the rest in the test set (the TensorFlow Playground's way)."""
    check_ratio(train_ratio)
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    n_train = math.floor(len(x) * train_ratio + 1e-9)
    return Split(from_numpy(np.ascontiguousarray(x[:n_train])), from_numpy(np.ascontiguousarray(y[:n_train])),
                 from_numpy(np.ascontiguousarray(x[n_train:])), from_numpy(np.ascontiguousarray(y[n_train:])),
                 **fields)
