"""``load(name, **options)``: every data set of ``flambeau.datasets`` by name (for the CLI)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .digits import digits
from .linear1d import linear1d
from .mnist import mnist
from .moons import moons
from .playground import circle, gauss, multi_gauss, plane, spiral, xor
from .split import Split

LOADERS: dict[str, Callable[..., Split]] = {
    "circle": circle,
    "xor": xor,
    "gauss": gauss,
    "spiral": spiral,
    "plane": plane,
    "multi_gauss": multi_gauss,
    "moons": moons,
    "linear1d": linear1d,
    "digits": digits,
    "mnist": mnist,
}
NAMES = tuple(LOADERS)

# The TensorFlow Playground's own names for its regression sets, and other spellings.
ALIASES = {"reg_plane": "plane", "reg_gauss": "multi_gauss", "two_moons": "moons"}


def canonical_name(name: str) -> str:
    """The registered name for ``name`` (case, ``-`` and the playground's names accepted)."""
    key = str(name).strip().lower().replace("-", "_")
    key = ALIASES.get(key, key)
    if key not in LOADERS:
        raise ValueError(f"unknown data set {name!r}; choose one of: {', '.join(NAMES)}")
    return key


def load(name: str, **options: Any) -> Split:
    """The data set ``name`` as a :class:`Split` (``x_train``, ``y_train``, ``x_test``,
    ``y_test``; ``.train`` and ``.test`` as TensorDatasets), with the options of its loader:

    - ``circle``, ``xor``, ``gauss``, ``spiral``, ``plane``, ``multi_gauss``:
      ``n_samples``, ``noise`` (0 to 0.5), ``seed``, ``train_ratio`` (see
      :mod:`flambeau.datasets.playground`);
    - ``moons``: the same, ``noise`` being a standard deviation;
    - ``linear1d``: ``dtype``;
    - ``digits``: ``train_ratio``, ``seed``, ``flatten``;
    - ``mnist``: ``root`` (required), ``flatten``.

    >>> data = load("spiral", noise=0.2, seed=1, train_ratio=0.7)
    """
    key = canonical_name(name)
    try:
        return LOADERS[key](**options)
    except TypeError as e:
        if "argument" in str(e):
            raise TypeError(f"data set {key!r}: {e}") from None
        raise
