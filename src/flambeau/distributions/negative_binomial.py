"""The negative binomial distribution."""

from __future__ import annotations

from typing import Any

from ..autograd import no_grad
from ..ops.arith import where
from ..ops.random import poisson
from ..ops.unary import exp, sigmoid
from ..tensor import Size, Tensor
from . import constraints
from ._special import lgamma, softplus
from .distribution import Distribution
from .gamma import Gamma
from .utils import BinaryProbsOrLogits, _size, broadcast_all, lazy_property

__all__ = ["NegativeBinomial"]


class NegativeBinomial(BinaryProbsOrLogits, Distribution):
    r"""The number :math:`k` of successes before ``total_count`` (:math:`r`) failures, each
    trial a success with probability :math:`p` (``probs``, or :math:`\sigma(\text{logits})`):

    .. math::
        \log P(k) = \log\frac{\Gamma(r + k)}{\Gamma(r)\,k!} + r\log(1 - p) + k\log p.

    ``sample`` is a Poisson draw of a Gamma(r, (1 - p)/p) rate (PyTorch's draws); mean
    :math:`rp/(1 - p)`, variance :math:`rp/(1 - p)^2`.

    Example::

        >>> NegativeBinomial(3.0, torch.tensor([0.5])).log_prob(torch.tensor([2.0]))
        tensor([-1.8607])
    """

    arg_constraints = {"total_count": constraints.greater_than_eq(0),
                       "probs": constraints.half_open_interval(0.0, 1.0), "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count: Tensor | float, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        count, param = broadcast_all(total_count, probs if probs is not None else logits)
        self.total_count = count.type_as(param)
        setattr(self, "probs" if probs is not None else "logits", param)
        self._param = param
        super().__init__(param.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> NegativeBinomial:
        new = self._get_checked_instance(NegativeBinomial, _instance)
        batch_shape = _size(batch_shape)
        new.total_count = self.total_count.expand(tuple(batch_shape))
        self._expand_probs_or_logits(new, tuple(batch_shape))
        return self._expanded(new, batch_shape)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return self.total_count * exp(self.logits)

    @property
    def mode(self) -> Tensor:
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        return self.mean / sigmoid(-self.logits)

    @lazy_property
    def _gamma(self) -> Gamma:
        return Gamma(concentration=self.total_count, rate=exp(-self.logits), validate_args=False)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return poisson(self._gamma.sample(sample_shape=sample_shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        # log sigmoid(x) = -softplus(-x)
        log_unnormalized = -self.total_count * softplus(self.logits) - value * softplus(-self.logits)
        log_normalization = -lgamma(self.total_count + value) + lgamma(1.0 + value) + lgamma(self.total_count)
        log_normalization = where(self.total_count + value == 0.0, 0.0, log_normalization)
        return log_unnormalized - log_normalization
