"""Alpha dropout, the dropout of self-normalising networks (``selu``): dropped elements are set
to SELU's negative saturation value instead of 0, then an affine map restores the mean and the
variance of the input.
"""

from __future__ import annotations

import math

import numpy as np

from ..ops._core import Tensor, _make
from ..ops.random import _gen
from ..ops.sampling import bernoulli_scalar

_ALPHA = 1.7580993408473766  # -SELU's scale * alpha: the value a dropped unit takes before the map


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                  inplace: bool = False) -> Tensor:
    r"""In training, each element is kept with probability :math:`1 - p`, else replaced by
    :math:`-\alpha'` (:math:`\alpha' \approx 1.7581`), then :math:`y = a\,y + b` with
    :math:`a = ((1 - p)(1 + p \alpha'^2))^{-1/2}`, :math:`b = -a \alpha' p` (as PyTorch
    writes it: :math:`y = x \cdot (a m) + \alpha' a (m - 1 + p)`, :math:`m` the 0/1 mask, so
    that the mean and variance of a standardised input are kept). The gradient is :math:`a m`.
    In evaluation, the identity.

    Shape: any; the output has the input's shape.
    """
    return _alpha_dropout(input, p, training, inplace, feature=False)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                          inplace: bool = False) -> Tensor:
    r"""``alpha_dropout`` of whole channels: one mask value per (sample, channel), shared by the
    positions of the channel.

    Shape:
        - Input: :math:`(N, C, *)`.
        - Output: the input's shape.
    """
    return _alpha_dropout(input, p, training, inplace, feature=True)


def _alpha_dropout(x: Tensor, p: float, training: bool, inplace: bool, feature: bool) -> Tensor:
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    a = x._data
    if p == 0 or not training or a.size == 0:
        return x
    if p == 1:  # as PyTorch: a product with a zero (0-d) tensor
        zero = _make(np.zeros((), a.dtype))
        return x.mul_(zero) if inplace else x * zero
    if a.dtype.kind not in "fV":
        raise RuntimeError(f"result type Float can't be cast to the desired output type {x.dtype.scalar_name}")
    if feature:
        if a.ndim < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = a.shape[:2] + (1,) * (a.ndim - 2)
    else:
        shape = a.shape
    noise = bernoulli_scalar(_gen(None), 1 - p, shape).astype(a.dtype)
    t = a.dtype.type
    scale = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    shift = noise + t(-1)  # PyTorch's order: ((m - 1) alpha a) + alpha a p
    shift *= t(_ALPHA * scale)
    shift += t(_ALPHA * scale * p)
    noise *= t(scale)
    m, b = _make(noise), _make(shift)
    return x.mul_(m).add_(b) if inplace else (x * m).add_(b)


def alpha_dropout_(input: Tensor, p: float = 0.5, train: bool = False) -> Tensor:  # noqa: A002
    return alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout_(input: Tensor, p: float = 0.5, train: bool = False) -> Tensor:  # noqa: A002
    return feature_alpha_dropout(input, p, train, inplace=True)


__all__ = ["alpha_dropout", "feature_alpha_dropout"]
