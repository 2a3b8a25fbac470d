"""The half-normal distribution: the absolute value of a centred normal variable."""

from __future__ import annotations

import math
from typing import Any

from ..ops.arith import where
from ..ops.creation import zeros_like
from ..tensor import Tensor
from . import constraints
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import AbsTransform

__all__ = ["HalfNormal"]


class HalfNormal(TransformedDistribution):
    r"""The distribution of :math:`|X|`, :math:`X \sim N(0, \sigma^2)` (``scale``):

    .. math::
        \log p(x) = \log 2 + \log p_{N(0, \sigma^2)}(x) \quad (x \ge 0),

    mean :math:`\sigma\sqrt{2/\pi}`, variance :math:`\sigma^2(1 - 2/\pi)` (a common prior on
    a scale). Samples are the normal's, in absolute value.

    Example::

        >>> HalfNormal(torch.tensor([1.0])).log_prob(torch.tensor([0.0]))
        tensor([-0.2258])
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale: Tensor | float, validate_args: bool | None = None) -> None:
        super().__init__(Normal(0, scale, validate_args=False), AbsTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> HalfNormal:
        new = self._get_checked_instance(HalfNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def scale(self) -> Tensor:
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.scale)

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2) * (1 - 2 / math.pi)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return where(value >= 0, self.base_dist.log_prob(value) + math.log(2), -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob: Tensor) -> Tensor:
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)
