"""The Poisson distribution."""

from __future__ import annotations

from typing import Any

from ..autograd import no_grad
from ..ops.random import poisson as _poisson
from ..ops.unary import exp, log
from ..tensor import Size, Tensor
from . import constraints
from ._special import lgamma, xlogy
from .exp_family import ExponentialFamily
from .utils import _size, broadcast_all

__all__ = ["Poisson"]


class Poisson(ExponentialFamily):
    r"""The Poisson distribution of rate :math:`\lambda \ge 0` (``rate``):

    .. math::
        \log P(k) = k \log\lambda - \lambda - \log k!

    (:math:`0 \log 0 = 0`). Mean and variance :math:`\lambda`, mode :math:`\lfloor\lambda\rfloor`.
    ``sample`` is ``torch.poisson(rate)``: PyTorch's draws under the same seed.

    Shape:
        - rate: batch_shape; event_shape :math:`()`.

    Example::

        >>> Poisson(torch.tensor([2.0])).log_prob(torch.tensor([3.0]))
        tensor([-1.7123])
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Tensor | float, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(Size() if not isinstance(rate, Tensor) else self.rate.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Poisson:
        new = self._get_checked_instance(Poisson, _instance)
        batch_shape = _size(batch_shape)
        new.rate = self.rate.expand(tuple(batch_shape))
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            return _poisson(self.rate.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return xlogy(value, rate) - rate - lgamma(value + 1)



    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (log(self.rate),)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return exp(x)
