"""The binomial distribution: the number of successes in ``total_count`` Bernoulli trials."""

from __future__ import annotations

from typing import Any

from ..autograd import no_grad
from ..ops.creation import arange
from ..ops.random import binomial as _binomial
from ..ops.unary import abs as _abs
from ..ops.unary import exp, log1p
from ..tensor import Size, Tensor
from . import constraints
from ._special import lgamma
from .distribution import Distribution
from .utils import BinaryProbsOrLogits, _size, broadcast_all

__all__ = ["Binomial"]


def _clamp_by_zero(x: Tensor) -> Tensor:
    """max(x, 0), whose derivative at 0 is 1/2 (as PyTorch's ``Binomial``)."""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(BinaryProbsOrLogits, Distribution):
    r"""The binomial distribution: :math:`k` successes in :math:`n` (``total_count``) trials
    of probability :math:`p` (``probs``, or :math:`\sigma(\text{logits})`):

    .. math::
        \log P(k) = \log\binom{n}{k} + k \log p + (n - k)\log(1 - p),

    computed from the logits as PyTorch does. Mean :math:`np`, variance :math:`np(1 - p)`;
    ``entropy`` sums over the support (one ``total_count`` for the whole batch).
    ``sample`` is ``torch.binomial(total_count, probs)``: PyTorch's draws under the same seed.

    Shape:
        - total_count, probs, logits: broadcast together to batch_shape; event_shape :math:`()`.

    Example::

        >>> Binomial(10, torch.tensor([0.5])).log_prob(torch.tensor([5.0]))
        tensor([-1.4020])
    """

    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count: Tensor | int = 1, probs: Tensor | None = None,
                 logits: Tensor | None = None, validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        name = "probs" if probs is not None else "logits"
        count, param = broadcast_all(total_count, probs if probs is not None else logits)
        self.total_count = count.type_as(param)
        setattr(self, name, param)
        self._param = param
        super().__init__(param.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Binomial:
        new = self._get_checked_instance(Binomial, _instance)
        batch_shape = _size(batch_shape)
        new.total_count = self.total_count.expand(tuple(batch_shape))
        self._expand_probs_or_logits(new, tuple(batch_shape))
        return self._expanded(new, batch_shape)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.total_count)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            return _binomial(self.total_count.expand(shape), self.probs.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        log_norm = n * _clamp_by_zero(logits) + n * log1p(exp(-_abs(logits))) - lgamma(n + 1)
        return value * logits - lgamma(value + 1) - lgamma(n - value + 1) - log_norm

    def entropy(self) -> Tensor:
        if not self.total_count.min() == int(self.total_count.max()):
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(exp(log_prob) * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        total = int(self.total_count.max())
        if not self.total_count.min() == total:
            raise NotImplementedError("Inhomogeneous total count not supported by `enumerate_support`.")
        values = arange(1 + total, dtype=self._param.dtype).view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values
