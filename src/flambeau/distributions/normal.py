"""The normal (Gaussian) distribution."""

from __future__ import annotations

import math
from typing import Any

from ..autograd import no_grad
from ..ops.random import normal as _normal
from ..ops.unary import erf, log
from ..tensor import Tensor
from . import constraints
from ._special import erfinv
from .exp_family import ExponentialFamily
from .utils import _size, _standard_normal, broadcast_all

__all__ = ["Normal"]


class Normal(ExponentialFamily):
    r"""The normal distribution of mean ``loc`` (:math:`\mu`) and standard deviation
    ``scale`` (:math:`\sigma > 0`):

    .. math::
        \log p(x) = -\frac{(x - \mu)^2}{2\sigma^2} - \log\sigma - \log\sqrt{2\pi}.

    ``rsample`` is :math:`\mu + \varepsilon\sigma`, :math:`\varepsilon \sim N(0, 1)` drawn as
    ``torch.randn`` (gradients flow to :math:`\mu` and :math:`\sigma`); ``sample`` is
    ``torch.normal(loc, scale)``, without gradient. Both give PyTorch's numbers under the same
    seed. ``cdf`` is :math:`\frac12(1 + \operatorname{erf}(\frac{x - \mu}{\sigma\sqrt2}))`,
    ``icdf`` its inverse, ``entropy`` :math:`\frac12 + \frac12\log 2\pi + \log\sigma`.

    Shape:
        - loc, scale: broadcast together to batch_shape; event_shape :math:`()`.

    Example::

        >>> m = Normal(torch.tensor([0.0]), torch.tensor([1.0]))
        >>> m.log_prob(torch.tensor([0.0]))
        tensor([-0.9189])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, loc: Tensor | float, scale: Tensor | float, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        scalars = not isinstance(loc, Tensor) and not isinstance(scale, Tensor)
        super().__init__(() if scalars else self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Normal:
        new = self._get_checked_instance(Normal, _instance)
        batch_shape = _size(batch_shape)
        new.loc, new.scale = self.loc.expand(batch_shape), self.scale.expand(batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev.pow(2)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            return _normal(self.loc.expand(shape), self.scale.expand(shape))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        eps = _standard_normal(tuple(self._extended_shape(sample_shape)), self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        var = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * var) - log(self.scale) - math.log(math.sqrt(2 * math.pi))

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + erf((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)))

    def icdf(self, value: Tensor) -> Tensor:
        return self.loc + self.scale * erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + log(self.scale)

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return self.loc / self.scale.pow(2), -0.5 * self.scale.pow(2).reciprocal()

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:
        return -0.25 * x.pow(2) / y + 0.5 * log(-math.pi / y)
