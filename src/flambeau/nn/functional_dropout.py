"""Channel dropout (``dropout1d``, ``dropout3d``; ``dropout2d`` in ``functional.py``, all
PyTorch's ``feature_dropout``: one Bernoulli draw per sample and channel, broadcast over the
positions), and alpha dropout, the dropout of self-normalising networks (``selu``): dropped
elements are set to SELU's negative saturation value instead of 0, then an affine map restores
the mean and the variance of the input.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..ops._core import Tensor, _make, record
from ..ops.random import _gen
from ..ops.sampling import bernoulli_scalar
from ..ops.shape import squeeze, unsqueeze
from .functional_activations import _apply

_ALPHA = 1.7580993408473766  # -SELU's scale * alpha: the value a dropped unit takes before the map


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool,  # noqa: A002
                     channel_dims: int = 2) -> Tensor:
    r"""Zero whole channels: :math:`y = x\, m / (1 - p)`, :math:`m \sim \mathrm{Bernoulli}(1 - p)`
    drawn once per entry of the first ``channel_dims`` dimensions (sample, channel), broadcast
    over the others; the gradient is the same mask times :math:`1 / (1 - p)`."""
    a = input._data
    if a.ndim < 2:
        raise RuntimeError(f"Feature dropout requires at least 2 dimensions in the input (got input of "
                           f"size {list(a.shape)})")
    if not training or p == 0:
        return input
    shape = a.shape[:channel_dims] + (1,) * (a.ndim - channel_dims)
    if p == 1:
        mask = np.zeros(shape, a.dtype)
    else:
        mask = bernoulli_scalar(_gen(None), 1 - p, shape).astype(a.dtype) / a.dtype.type(1 - p)
    return _apply(lambda t: record(t._data * mask, "MulBackward0", (t,), lambda g: (g * mask,), ()),
                  input, inplace)


def _check_p(p: float) -> None:
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _unbatched(input: Tensor, p: float, training: bool, inplace: bool) -> Tensor:  # noqa: A002
    """A sample without its batch dimension, as PyTorch: a batch of one (in place, the mask drawn
    per channel directly)."""
    if inplace:
        return _feature_dropout(input, p, training, True, channel_dims=1)
    return squeeze(_feature_dropout(unsqueeze(input, 0), p, training, False), 0)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    r"""Zero whole channels of signals with probability ``p`` and scale the others by
    :math:`1 / (1 - p)` (training only): one mask value per (sample, channel), broadcast over
    the length.

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`.
        - Output: the same.

    Example::

        >>> F.dropout1d(torch.ones(1, 4, 3), 0.5).shape
        torch.Size([1, 4, 3])
    """
    _check_p(p)
    ndim = input.dim()
    if ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {ndim}D input. Note that dropout1d "
                           "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if ndim == 3:
        return _feature_dropout(input, p, training, inplace)
    return _unbatched(input, p, training, inplace)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    r"""Zero whole channels of volumes with probability ``p`` and scale the others by
    :math:`1 / (1 - p)` (training only): one mask value per (sample, channel), broadcast over
    the voxels. Other than 4-D or 5-D inputs are deprecated (PyTorch's warning).

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`.
        - Output: the same.

    Example::

        >>> F.dropout3d(torch.ones(2, 4, 3, 3, 3), 0.5).shape
        torch.Size([2, 4, 3, 3, 3])
    """
    _check_p(p)
    ndim = input.dim()
    if ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {ndim}-D input to dropout3d, which is deprecated and will result in "
                      "an error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with "
                      "3 spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D "
                      "inputs).", stacklevel=3)  # the user's line: past the keyword wrapper (_keywords.py)
    if ndim == 5:
        return _feature_dropout(input, p, training, inplace)
    return _unbatched(input, p, training, inplace)


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


__all__ = ["alpha_dropout", "feature_alpha_dropout", "dropout1d", "dropout3d"]
