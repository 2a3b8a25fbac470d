"""The Gumbel (type-I extreme value) distribution."""

from __future__ import annotations

import math
from typing import Any

from .. import _dtype as dt
from ..ops.creation import full_like, ones_like
from ..tensor import Tensor
from . import constraints
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, ExpTransform
from .uniform import Uniform
from .utils import broadcast_all

__all__ = ["Gumbel"]

_EULER = 0.57721566490153286060


class Gumbel(TransformedDistribution):
    r"""The Gumbel distribution of location :math:`\mu` (``loc``) and scale :math:`\beta`
    (``scale``), the law of the maximum of many samples, and the noise of the Gumbel-max
    trick:

    .. math::
        \log p(x) = y - e^{y} - \log\beta, \quad y = \frac{\mu - x}{\beta}.

    Samples are :math:`\mu - \beta\log(-\log u)`, :math:`u` uniform (PyTorch's draws, its
    chain of transforms); mean :math:`\mu + \gamma\beta` (:math:`\gamma` Euler's constant),
    variance :math:`\pi^2\beta^2/6`, entropy :math:`\log\beta + 1 + \gamma`.

    Example::

        >>> Gumbel(torch.tensor([0.0]), torch.tensor([1.0])).log_prob(torch.tensor([0.0]))
        tensor([-1.])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc: Tensor | float, scale: Tensor | float, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        f = dt.finfo(self.loc.dtype)
        if not isinstance(loc, Tensor) and not isinstance(scale, Tensor):
            base = Uniform(f.tiny, 1 - f.eps, validate_args=validate_args)
        else:
            base = Uniform(full_like(self.loc, f.tiny), full_like(self.loc, 1 - f.eps), validate_args=validate_args)
        transforms = [ExpTransform().inv, AffineTransform(loc=0, scale=-ones_like(self.scale)),
                      ExpTransform().inv, AffineTransform(loc=loc, scale=-self.scale)]
        super().__init__(base, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gumbel:
        new = self._get_checked_instance(Gumbel, _instance)
        new.loc = self.loc.expand(tuple(batch_shape))
        new.scale = self.scale.expand(tuple(batch_shape))
        return super().expand(batch_shape, _instance=new)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    @property
    def mean(self) -> Tensor:
        return self.loc + self.scale * _EULER

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev.pow(2)

    def entropy(self) -> Tensor:
        return self.scale.log() + (1 + _EULER)
