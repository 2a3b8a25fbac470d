"""The exponential distribution."""

from __future__ import annotations

from typing import Any

from ..ops.creation import empty, zeros_like
from ..ops.unary import exp, log, log1p
from ..tensor import Size, Tensor
from . import constraints
from .exp_family import ExponentialFamily
from .utils import _size, broadcast_all

__all__ = ["Exponential"]


class Exponential(ExponentialFamily):
    r"""The exponential distribution of rate :math:`\lambda > 0` (``rate``):

    .. math::
        \log p(x) = \log\lambda - \lambda x \quad (x \ge 0).

    ``rsample`` is :math:`e / \lambda`, :math:`e` drawn by ``Tensor.exponential_()``
    (PyTorch's numbers under the same seed; gradients flow to :math:`\lambda`); mean
    :math:`1/\lambda`, variance :math:`1/\lambda^2`, ``cdf`` :math:`1 - e^{-\lambda x}`,
    entropy :math:`1 - \log\lambda`.

    Shape:
        - rate: batch_shape; event_shape :math:`()`.

    Example::

        >>> Exponential(torch.tensor([2.0])).log_prob(torch.tensor([1.0]))
        tensor([-1.3069])
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, rate: Tensor | float, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(Size() if not isinstance(rate, Tensor) else self.rate.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Exponential:
        new = self._get_checked_instance(Exponential, _instance)
        batch_shape = _size(batch_shape)
        new.rate = self.rate.expand(tuple(batch_shape))
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.rate)

    @property
    def stddev(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        return self.rate.pow(-2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        e = empty(tuple(self._extended_shape(sample_shape)), dtype=self.rate.dtype).exponential_()
        return e / self.rate

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 1 - exp(-self.rate * value)

    def icdf(self, value: Tensor) -> Tensor:
        return -log1p(-value) / self.rate

    def entropy(self) -> Tensor:
        return 1.0 - log(self.rate)

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (-self.rate,)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return -log(-x)
