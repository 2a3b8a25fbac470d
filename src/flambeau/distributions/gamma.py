"""The Gamma distribution."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as dt
from ..autograd import no_grad
from ..ops import sampling_gamma
from ..ops._core import record
from ..ops.random import default_generator
from ..ops.unary import log
from ..tensor import Size, Tensor
from . import constraints
from ._special import _digamma_np, digamma, lgamma, xlogy
from .exp_family import ExponentialFamily
from .utils import _size, broadcast_all

__all__ = ["Gamma"]


def _standard_gamma(alpha: Tensor) -> Tensor:
    r"""``torch._standard_gamma``: a Gamma(alpha, 1) draw per element, PyTorch's under the same
    seed.  d/dalpha: the implicit reparameterisation gradient (``_standard_gamma_grad``)."""
    a = alpha._data
    out = sampling_gamma.standard_gamma(default_generator, a)
    return record(out, "StandardGammaBackward0", (alpha,),
                  lambda g: (g * sampling_gamma.standard_gamma_grad(a, out, _digamma_np),))


class Gamma(ExponentialFamily):
    r"""The Gamma distribution of shape :math:`\alpha > 0` (``concentration``) and rate
    :math:`\beta > 0` (``rate``):

    .. math::
        \log p(x) = \alpha\log\beta + (\alpha - 1)\log x - \beta x - \log\Gamma(\alpha).

    ``rsample`` is a standard Gamma draw divided by :math:`\beta` (PyTorch's numbers under
    the same seed), differentiable in both parameters (implicit reparameterisation); mean
    :math:`\alpha/\beta`, variance :math:`\alpha/\beta^2`, entropy
    :math:`\alpha - \log\beta + \log\Gamma(\alpha) + (1 - \alpha)\psi(\alpha)`. ``cdf`` (the
    regularised incomplete gamma function) is not implemented.

    Shape:
        - concentration, rate: broadcast together to batch_shape; event_shape :math:`()`.

    Example::

        >>> Gamma(torch.tensor([2.0]), torch.tensor([1.0])).log_prob(torch.tensor([1.0]))
        tensor([-1.])
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, concentration: Tensor | float, rate: Tensor | float,
                 validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        scalars = not isinstance(concentration, Tensor) and not isinstance(rate, Tensor)
        super().__init__(Size() if scalars else self.concentration.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gamma:
        new = self._get_checked_instance(Gamma, _instance)
        batch_shape = _size(batch_shape)
        new.concentration = self.concentration.expand(tuple(batch_shape))
        new.rate = self.rate.expand(tuple(batch_shape))
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        value = _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        data = value._data  # at least the dtype's smallest normal number, outside the graph
        np.maximum(data, dt.finfo(value.dtype).tiny, out=data)
        return value

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration, self.rate
        a_, value_ = broadcast_all(a, value)
        return xlogy(*broadcast_all(a, b)) + xlogy(a_ - 1, value_) - b * value - lgamma(a)

    def entropy(self) -> Tensor:
        a = self.concentration
        return a - log(self.rate) + lgamma(a) + (1.0 - a) * digamma(a)

    def cdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError("Gamma.cdf needs the regularised incomplete gamma function "
                                  "(torch.special.gammainc), which flambeau does not have")
