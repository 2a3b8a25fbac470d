"""The relaxed (Concrete) Bernoulli distribution, a continuous stand-in for a Bernoulli."""

from __future__ import annotations

from typing import Any

from ..ops.random import rand
from ..ops.unary import log1p
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .transformed_distribution import TransformedDistribution
from .transforms import SigmoidTransform
from .utils import (
    BinaryProbsOrLogits,
    _size,
    broadcast_all,
    clamp_probs,
)

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]


class LogitRelaxedBernoulli(BinaryProbsOrLogits, Distribution):
    r"""The logit of a relaxed Bernoulli sample: :math:`(\operatorname{logit} u + \operatorname{logit} p)
    / \lambda`, :math:`u` uniform (``torch.rand``, PyTorch's draws), :math:`\lambda` the
    ``temperature``; its density

    .. math::
        \log p(x) = \log\lambda + d - 2\log(1 + e^d), \quad d = \operatorname{logit} p - \lambda x.

    Example::

        >>> LogitRelaxedBernoulli(torch.tensor(0.5), torch.tensor([0.3])).rsample().shape
        torch.Size([1])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real

    def __init__(self, temperature: Tensor, probs: Tensor | float | None = None,
                 logits: Tensor | float | None = None, validate_args: bool | None = None) -> None:
        self.temperature = temperature
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        param = probs if probs is not None else logits
        (value,) = broadcast_all(param)
        setattr(self, "probs" if probs is not None else "logits", value)
        self._param = value
        super().__init__(Size() if not isinstance(param, Tensor) else value.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LogitRelaxedBernoulli:
        new = self._get_checked_instance(LogitRelaxedBernoulli, _instance)
        batch_shape = _size(batch_shape)
        new.temperature = self.temperature
        self._expand_probs_or_logits(new, tuple(batch_shape))
        return self._expanded(new, batch_shape)

    @property
    def param_shape(self) -> Size:
        return self._param.size()

    has_rsample = True

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        probs = clamp_probs(self.probs.expand(shape))
        u = clamp_probs(rand(shape, dtype=probs.dtype))
        return (u.log() - log1p(-u) + probs.log() - log1p(-probs)) / self.temperature

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value.mul(self.temperature)
        return self.temperature.log() + diff - 2 * log1p(diff.exp())


class RelaxedBernoulli(TransformedDistribution):
    r"""The relaxed Bernoulli (binary Concrete) distribution on (0, 1): the sigmoid of a
    :class:`LogitRelaxedBernoulli` sample; as the ``temperature`` goes to 0 its samples tend to
    Bernoulli ones, and they stay differentiable in ``probs``/``logits``.

    Example::

        >>> m = RelaxedBernoulli(torch.tensor([2.2]), torch.tensor([0.1]))
        >>> 0 < float(m.rsample()) < 1
        True
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature: Tensor, probs: Tensor | float | None = None,
                 logits: Tensor | float | None = None, validate_args: bool | None = None) -> None:
        super().__init__(LogitRelaxedBernoulli(temperature, probs, logits), SigmoidTransform(),
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> RelaxedBernoulli:
        new = self._get_checked_instance(RelaxedBernoulli, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def temperature(self) -> Tensor:
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        return self.base_dist.probs
