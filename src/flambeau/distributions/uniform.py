"""The continuous uniform distribution on [low, high)."""

from __future__ import annotations

import math
from typing import Any

from ..ops.random import rand
from ..ops.unary import log
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution
from .utils import _size, broadcast_all

__all__ = ["Uniform"]


class Uniform(Distribution):
    r"""The uniform distribution on :math:`[a, b)` (``low``, ``high``):

    .. math::
        \log p(x) = -\log(b - a) \text{ for } a \le x < b, \quad -\infty \text{ elsewhere}.

    ``rsample`` is :math:`a + u\,(b - a)`, :math:`u` drawn by ``torch.rand`` (PyTorch's numbers
    under the same seed; gradients flow to :math:`a` and :math:`b`); mean :math:`(a + b)/2`,
    variance :math:`(b - a)^2/12`, ``cdf`` :math:`(x - a)/(b - a)` clamped to [0, 1], entropy
    :math:`\log(b - a)`.

    Shape:
        - low, high: broadcast together to batch_shape; event_shape :math:`()`.

    Example::

        >>> Uniform(torch.tensor([0.0]), torch.tensor([4.0])).log_prob(torch.tensor([1.0]))
        tensor([-1.3863])
    """

    has_rsample = True

    @property
    def arg_constraints(self) -> dict:
        return {"low": constraints.less_than(self.high), "high": constraints.greater_than(self.low)}

    def __init__(self, low: Tensor | float, high: Tensor | float, validate_args: bool | None = None) -> None:
        self.low, self.high = broadcast_all(low, high)
        scalars = not isinstance(low, Tensor) and not isinstance(high, Tensor)
        super().__init__(() if scalars else self.low.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Uniform:
        new = self._get_checked_instance(Uniform, _instance)
        batch_shape = _size(batch_shape)
        new.low, new.high = self.low.expand(tuple(batch_shape)), self.high.expand(tuple(batch_shape))
        return self._expanded(new, batch_shape)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.low, self.high)

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        return math.nan * self.high

    @property
    def stddev(self) -> Tensor:
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        u = rand(tuple(self._extended_shape(sample_shape)), dtype=self.low.dtype)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        inside = self.low.le(value).to(self.low.dtype) * self.high.gt(value).to(self.low.dtype)
        return log(inside) - log(self.high - self.low)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value: Tensor) -> Tensor:
        return value * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        return log(self.high - self.low)
