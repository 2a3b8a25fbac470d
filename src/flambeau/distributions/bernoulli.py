"""The Bernoulli distribution over {0, 1}."""

from __future__ import annotations

import math
from typing import Any

from ..autograd import no_grad
from ..ops.arith import where
from ..ops.creation import arange
from ..ops.random import bernoulli as _bernoulli
from ..ops.unary import exp, log, log1p
from ..tensor import Size, Tensor
from . import constraints
from ._special import softplus
from .exp_family import ExponentialFamily
from .utils import BinaryProbsOrLogits, _size, broadcast_all

__all__ = ["Bernoulli"]


def _bce_with_logits(logits: Tensor, target: Tensor) -> Tensor:
    r"""The binary cross-entropy :math:`(1 - t)\,l + \operatorname{softplus}(-l)`
    (:math:`= -t\log\sigma(l) - (1 - t)\log(1 - \sigma(l))`), element by element."""
    return (1 - target) * logits + softplus(-logits)


class Bernoulli(BinaryProbsOrLogits, ExponentialFamily):
    r"""The Bernoulli distribution: 1 with probability :math:`p` (``probs``, or
    :math:`\sigma(\text{logits})`), 0 with probability :math:`1 - p`:

    .. math::
        \log P(x) = x \log p + (1 - x) \log(1 - p),

    computed from the logits as PyTorch does (``-binary_cross_entropy_with_logits``).
    ``sample`` is ``torch.bernoulli(probs)`` (PyTorch's numbers under the same seed); ``entropy``
    is :math:`-p\log p - (1 - p)\log(1 - p)`.

    Shape:
        - probs, logits: batch_shape; event_shape :math:`()`.

    Example::

        >>> m = Bernoulli(torch.tensor([0.3]))
        >>> m.log_prob(torch.tensor([1.0]))
        tensor([-1.2040])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _mean_carrier_measure = 0

    def __init__(self, probs: Tensor | float | None = None, logits: Tensor | float | None = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        param = probs if probs is not None else logits
        (value,) = broadcast_all(param)
        setattr(self, "probs" if probs is not None else "logits", value)
        self._param = value
        super().__init__(Size() if not isinstance(param, Tensor) else value.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Bernoulli:
        new = self._get_checked_instance(Bernoulli, _instance)
        batch_shape = _size(batch_shape)
        self._expand_probs_or_logits(new, tuple(batch_shape))
        return self._expanded(new, batch_shape)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return where(self.probs == 0.5, math.nan, mode)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            return _bernoulli(self.probs.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -_bce_with_logits(logits, value)

    def entropy(self) -> Tensor:
        return _bce_with_logits(self.logits, self.probs)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = arange(2, dtype=self._param.dtype).view((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (log(self.probs) - log1p(-self.probs),)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return log1p(exp(x))
