"""Helpers shared by the distributions: parameters broadcast together, probabilities and
logits converted into each other, parameters computed once on first use."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _dtype as dt
from ..autograd import enable_grad
from ..ops import random as _random
from ..ops.creation import tensor as _tensor
from ..ops.reduce import softmax
from ..ops.unary import log, log1p, sigmoid
from ..tensor import Size, Tensor

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits", "lazy_property"]


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """The tensors and numbers ``values`` as tensors of one broadcast shape (views, gradients
    flow back). Numbers take the dtype of the first tensor, else the default dtype.

    Example::

        >>> loc, scale = broadcast_all(torch.zeros(3), 1.0)
        >>> scale
        tensor([1., 1., 1.])
    """
    if not all(isinstance(v, (Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, "
                         "torch.Tensor or objects implementing __torch_function__.")
    first = next((v for v in values if isinstance(v, Tensor)), None)
    dtype = first.dtype if first is not None else dt.get_default_dtype()
    tensors = [v if isinstance(v, Tensor) else _tensor(v, dtype=dtype) for v in values]
    shape = np.broadcast_shapes(*(tuple(t.shape) for t in tensors))
    return tuple(t if tuple(t.shape) == shape else t.expand(shape) for t in tensors)


def _standard_normal(shape: Any, dtype: Any) -> Tensor:
    """``torch.empty(shape).normal_()``, as PyTorch's reparameterised samples draw it."""
    return _random.randn(tuple(shape), dtype=dtype)


def _sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """Sum over the ``dim`` last dimensions."""
    return value if dim == 0 else value.reshape(tuple(value.shape[:-dim]) + (-1,)).sum(-1)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    r"""Probabilities from logits: :math:`\sigma(l)` for a binary variable, else the softmax
    over the last dimension."""
    return sigmoid(logits) if is_binary else softmax(logits, -1)


def clamp_probs(probs: Tensor) -> Tensor:
    r"""``probs`` clamped to :math:`[\epsilon, 1 - \epsilon]` (the dtype's machine epsilon), so
    that their logarithms stay finite."""
    eps = dt.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    r"""Logits from probabilities: :math:`\log p - \log(1 - p)` for a binary variable, else
    :math:`\log p` (probabilities clamped first, see :func:`clamp_probs`)."""
    p = clamp_probs(probs)
    return log(p) - log1p(-p) if is_binary else log(p)


class lazy_property:  # noqa: N801 - PyTorch's name
    """A parameter computed from another on first use (with gradients recorded), then kept
    on the instance: ``Categorical(probs=p).logits`` is ``log(p)``, computed once."""

    def __init__(self, wrapped: Callable) -> None:
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        with enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def _size(shape: Any) -> Size:
    return shape if isinstance(shape, Size) else Size(tuple(shape))


class BinaryProbsOrLogits:
    """For a distribution of one success probability given as ``probs`` or as ``logits``: the
    other one, computed on first use (``probs = sigmoid(logits)``, ``logits = log(p / (1 - p))``)."""

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits, is_binary=True)
