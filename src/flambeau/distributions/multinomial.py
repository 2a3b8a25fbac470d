"""The multinomial distribution: the class counts of ``total_count`` categorical draws."""

from __future__ import annotations

import math
from typing import Any

from .. import _dtype as dt
from ..ops.arith import where
from ..ops.creation import ones_like, tensor, zeros
from ..ops.index import scatter_add
from ..ops.unary import exp
from ..tensor import Size, Tensor
from . import constraints
from ._special import lgamma
from .binomial import Binomial
from .categorical import Categorical
from .distribution import Distribution
from .utils import _size, broadcast_all

__all__ = ["Multinomial"]


class Multinomial(Distribution):
    r"""The counts :math:`x_1 \ldots x_K` of the classes in :math:`n` (``total_count``)
    independent draws from ``Categorical(probs, logits)``:

    .. math::
        \log P(x) = \log n! - \sum_k \log x_k! + \sum_k x_k \log p_k.

    ``sample`` draws ``total_count`` categorical samples (PyTorch's numbers under the same
    seed) and counts them; ``log_prob`` does not need ``total_count`` (the counts give it).
    Mean :math:`np`, variance :math:`np(1 - p)`.

    Shape:
        - probs, logits: :math:`(*, K)`; batch_shape :math:`(*)`; event_shape :math:`(K)`.

    Example::

        >>> m = Multinomial(10, torch.tensor([0.5, 0.5]))
        >>> m.sample().sum()
        tensor(10.)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count: int = 1, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Multinomial:
        new = self._get_checked_instance(Multinomial, _instance)
        batch_shape = _size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        return self._expanded(new, batch_shape)

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> constraints.Constraint:
        return constraints.multinomial(self.total_count)

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def param_shape(self) -> Size:
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        draws = self._categorical.sample((self.total_count,) + tuple(sample_shape))
        draws = draws.permute(*range(1, draws.dim()), 0)
        counts = zeros(tuple(self._extended_shape(sample_shape)), dtype=dt.long)
        return scatter_add(counts, -1, draws, ones_like(draws)).to(self.probs.dtype)

    def entropy(self) -> Tensor:
        n = tensor(self.total_count)
        term1 = n * self._categorical.entropy() - lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        weights = lgamma(support + 1)
        term2 = (exp(self._binomial.log_prob(support)) * weights).sum([0, -1])
        return term1 + term2

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        logits = where((value == 0) & (logits == -math.inf), 0.0, logits)
        return lgamma(value.sum(-1) + 1) - lgamma(value + 1).sum(-1) + (logits * value).sum(-1)
