"""The categorical distribution over the classes ``0 .. K-1``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _dtype as dt
from ..ops.creation import arange, full
from ..ops.random import multinomial
from ..ops.reduce import logsumexp
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .utils import _size, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["Categorical"]


class Categorical(Distribution):
    r"""The categorical distribution, given by ``probs`` or ``logits`` (not both): class
    :math:`k \in \{0, \ldots, K-1\}` has probability

    .. math::
        p_k = \frac{\text{probs}_k}{\sum_j \text{probs}_j}
            = \frac{e^{\text{logits}_k}}{\sum_j e^{\text{logits}_j}},

    :math:`K` being the size of the last dimension; the dimensions before it are a batch of
    distributions. ``probs`` (non-negative, finite, with a positive sum) are normalised to
    sum to 1, ``logits`` (any reals) to :math:`\log p` (``logits - logsumexp(logits)``).
    ``sample`` draws as :func:`torch.multinomial` with replacement (PyTorch's numbers under
    the same seed); ``log_prob(k)`` is :math:`\log p_k`; ``entropy`` is :math:`-\sum_k p_k \log p_k`.

    Shape:
        - probs, logits: :math:`(*, K)`; batch_shape :math:`(*)`; event_shape :math:`()`.

    Example::

        >>> torch.manual_seed(0)
        >>> m = Categorical(torch.tensor([0.25, 0.25, 0.25, 0.25]))
        >>> a = m.sample()            # a class index, equally likely 0, 1, 2 or 3
        >>> m.log_prob(a)             # log(1/4)
        tensor(-1.3863)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logsumexp(logits, -1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.size()[-1]
        batch_shape = self._param.size()[:-1] if self._param.dim() > 1 else Size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Categorical:
        new = self._get_checked_instance(Categorical, _instance)
        batch_shape = _size(batch_shape)
        shape = tuple(batch_shape) + (self._num_events,)
        self._expand_probs_or_logits(new, shape)
        new._num_events = self._num_events
        return self._expanded(new, batch_shape)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self) -> Tensor:
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self) -> Tensor:
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(dim=-1)

    @property
    def variance(self) -> Tensor:
        return full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Class indices of shape ``sample_shape + batch_shape``: ``torch.multinomial`` on the
        rows of ``probs``, with replacement, as many draws per row as ``sample_shape`` holds."""
        n = math.prod(tuple(sample_shape))
        draws = multinomial(self.probs.detach().reshape(-1, self._num_events), n, True)
        return draws.T.reshape(tuple(self._extended_shape(sample_shape)))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        index = value.long().unsqueeze(-1)
        shape = np.broadcast_shapes(tuple(index.shape), tuple(self.logits.shape))
        index = index.expand(shape)[..., :1]
        return self.logits.expand(shape).gather(-1, index).squeeze(-1)

    def entropy(self) -> Tensor:
        logits = self.logits.clamp(min=dt.finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = arange(self._num_events, dtype=dt.long).view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values
