"""Rosenblatt's perceptron (1957), the lecture's first neuron.

The perceptron computes a weighted sum of its inputs and answers with its sign::

    y_hat = 1 if sum_i w_i x_i + b > 0 else -1

so it separates the input space with a line (a hyperplane in n dimensions). It does not learn by
gradient descent: the *perceptron learning rule* looks at one example at a time and changes the
weights only when that example is misclassified::

    if y_hat != y:   w <- w + lr * y * x,   b <- b + lr * y

(the same as ``w <- w + lr * (y - y_hat) / 2 * x`` for labels in {-1, +1}). If the two classes
can be separated by a line, this stops after a finite number of mistakes (Novikoff's theorem);
if they cannot (XOR), it never stops changing its mind.

``Perceptron`` works on NumPy arrays (flambeau tensors and lists are accepted) and keeps the
weights after every epoch in ``history`` so that the separating line can be drawn as it moves::

    from flambeau.perceptron import Perceptron

    p = Perceptron(2).fit(X, y)            # X: (n, 2), y: n labels in {-1, +1}
    p.converged, p.epochs, p.errors        # True, 3, [4, 1, 0]
    for w, b in p.history: ...             # the line w . x + b = 0 before training and after each epoch
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Perceptron", "separating_line"]


def _array(values: Any, what: str) -> np.ndarray:
    if hasattr(values, "detach"):  # a flambeau or PyTorch tensor
        values = values.detach()
    if hasattr(values, "numpy"):
        values = values.numpy()
    arr = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} contains NaN or infinite values")
    return arr


class Perceptron:
    """A single neuron with a sign activation, trained by the perceptron learning rule.

    Args:
        n_features: the number of inputs x_1, ..., x_n.
        lr: the learning rate eta of the rule (1.0 by default; with zero initial weights its
            value does not change the predictions, only the scale of w and b).
        max_epochs: training stops after this many passes over the examples if some are still
            misclassified (``converged`` is then False).
        shuffle: visit the examples in a new random order at each epoch (otherwise in the
            order given).
        seed: seed of the random order when ``shuffle`` is True.

    Attributes (after ``fit``):
        weight, bias: w (shape ``(n_features,)``) and b.
        history: the list of ``(w, b)``: the initial weights, then the weights at the end of each
            epoch (so ``len(history) == epochs + 1``).
        errors: the number of misclassified examples (updates) in each epoch.
        converged: True when the last epoch made no mistake: every training example is on the
            right side of the line.
        epochs: the number of epochs run.
    """

    def __init__(self, n_features: int, lr: float = 1.0, max_epochs: int = 100, shuffle: bool = False,
                 seed: int | None = None) -> None:
        if isinstance(n_features, bool) or not isinstance(n_features, (int, np.integer)) or n_features < 1:
            raise ValueError(f"n_features must be a positive integer, got {n_features!r}")
        if not lr > 0:
            raise ValueError(f"lr must be > 0, got {lr!r}")
        if isinstance(max_epochs, bool) or not isinstance(max_epochs, (int, np.integer)) or max_epochs < 1:
            raise ValueError(f"max_epochs must be a positive integer, got {max_epochs!r}")
        self.n_features = int(n_features)
        self.lr = float(lr)
        self.max_epochs = int(max_epochs)
        self.shuffle = shuffle
        self.seed = seed
        self.weight = np.zeros(self.n_features)
        self.bias = 0.0
        self.history: list[tuple[np.ndarray, float]] = []
        self.errors: list[int] = []
        self.converged = False
        self.epochs = 0

    def __repr__(self) -> str:
        return (f"Perceptron(n_features={self.n_features}, lr={self.lr}, max_epochs={self.max_epochs}, "
                f"weight={np.round(self.weight, 4).tolist()}, bias={round(self.bias, 4)})")

    def _inputs(self, X: Any) -> np.ndarray:
        X = _array(X, "X")
        if X.ndim == 1 and self.n_features == 1:
            X = X.reshape(-1, 1)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"X must have shape (n_examples, {self.n_features}), got {tuple(X.shape)}")
        return X

    def decision_function(self, X: Any) -> np.ndarray:
        """The weighted sums ``X @ w + b``, one per example (their sign is the prediction)."""
        return self._inputs(X) @ self.weight + self.bias

    def predict(self, X: Any) -> np.ndarray:
        """``+1`` where ``w . x + b > 0``, else ``-1`` (the lecture's sign, with sign(0) = -1)."""
        return np.where(self.decision_function(X) > 0, 1, -1)

    def score(self, X: Any, y: Any) -> float:
        """The fraction of examples classified correctly."""
        return float(np.mean(self.predict(X) == self._labels(y, len(self._inputs(X)))))

    @staticmethod
    def _labels(y: Any, n: int) -> np.ndarray:
        y = _array(y, "y").reshape(-1)
        if y.shape[0] != n:
            raise ValueError(f"X has {n} examples but y has {y.shape[0]} labels")
        if not np.all(np.isin(y, (-1.0, 1.0))):
            raise ValueError(f"the perceptron's labels are -1 and +1, got the values {np.unique(y)[:5].tolist()}")
        return y.astype(np.int64)

    def fit(self, X: Any, y: Any) -> Perceptron:
        """Apply the perceptron rule, one example at a time, until an epoch makes no mistake or
        ``max_epochs`` epochs have run. Starts from w = 0, b = 0. Returns ``self``."""
        X = self._inputs(X)
        y = self._labels(y, len(X))
        rng = np.random.default_rng(self.seed)
        self.weight = np.zeros(self.n_features)
        self.bias = 0.0
        self.history = [(self.weight.copy(), self.bias)]
        self.errors = []
        self.converged = False
        self.epochs = 0
        for _ in range(self.max_epochs):
            order = rng.permutation(len(X)) if self.shuffle else range(len(X))
            mistakes = 0
            for i in order:
                y_hat = 1 if X[i] @ self.weight + self.bias > 0 else -1
                if y_hat != y[i]:
                    self.weight = self.weight + self.lr * y[i] * X[i]
                    self.bias = float(self.bias + self.lr * y[i])
                    mistakes += 1
            self.epochs += 1
            self.errors.append(mistakes)
            self.history.append((self.weight.copy(), self.bias))
            if mistakes == 0:
                self.converged = True
                break
        return self


def separating_line(weight: Any, bias: float, xlim: tuple[float, float] = (-6.0, 6.0),
                    ylim: tuple[float, float] = (-6.0, 6.0)) -> tuple[np.ndarray, np.ndarray] | None:
    """Two points ``(x1s, x2s)`` of the line ``w1 x1 + w2 x2 + b = 0`` of a 2-input perceptron,
    to draw it with ``plt.plot(x1s, x2s)`` over ``xlim`` (a vertical line spans ``ylim``);
    None when w = 0 (no line: every point gets the same answer)."""
    w = _array(weight, "weight").reshape(-1)
    if w.shape[0] != 2:
        raise ValueError(f"separating_line draws the boundary of a 2-input perceptron, got {w.shape[0]} weights")
    if w[1] != 0:
        x1 = np.array(xlim, dtype=np.float64)
        return x1, -(w[0] * x1 + bias) / w[1]
    if w[0] != 0:
        return np.full(2, -bias / w[0]), np.array(ylim, dtype=np.float64)
    return None
