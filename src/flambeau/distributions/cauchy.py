"""The Cauchy (Lorentz) distribution."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ops import sampling
from ..ops.creation import full, tensor
from ..ops.random import default_generator
from ..ops.unary import atan, log, log1p, tan
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .utils import _size, broadcast_all

__all__ = ["Cauchy"]


def _standard_cauchy(shape: tuple, dtype: Any) -> Tensor:
    r"""``torch.empty(shape).cauchy_()``: :math:`\tan(\pi(u - \frac12))`, ``u`` a float64
    uniform, one element at a time with the C library's ``tan`` (PyTorch's serial kernel)."""
    u = sampling.unit(default_generator, int(np.prod(shape, dtype=np.int64)), np.float64)
    eps = np.array([math.tan(math.pi * (v - 0.5)) for v in u], dtype=np.float64).reshape(shape)
    return tensor(eps, dtype=dtype)


class Cauchy(Distribution):
    r"""The Cauchy distribution of location :math:`x_0` (``loc``) and scale :math:`\gamma > 0`
    (``scale``), the ratio of two independent normal variables:

    .. math::
        \log p(x) = -\log\pi - \log\gamma - \log\left(1 + \left(\frac{x - x_0}{\gamma}\right)^2\right).

    It has no mean (NaN) and an infinite variance. ``rsample`` is :math:`x_0 + \gamma\varepsilon`,
    :math:`\varepsilon` drawn by ``Tensor.cauchy_()`` (PyTorch's numbers under the same seed);
    ``cdf`` :math:`\frac12 + \arctan(\frac{x - x_0}{\gamma})/\pi`, entropy :math:`\log 4\pi\gamma`.

    Example::

        >>> Cauchy(torch.tensor([0.0]), torch.tensor([1.0])).log_prob(torch.tensor([0.0]))
        tensor([-1.1447])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Tensor | float, scale: Tensor | float, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        scalars = not isinstance(loc, Tensor) and not isinstance(scale, Tensor)
        super().__init__(Size() if scalars else self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Cauchy:
        new = self._get_checked_instance(Cauchy, _instance)
        batch_shape = _size(batch_shape)
        new.loc, new.scale = self.loc.expand(tuple(batch_shape)), self.scale.expand(tuple(batch_shape))
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        return full(tuple(self._extended_shape()), math.nan, dtype=self.loc.dtype)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return full(tuple(self._extended_shape()), math.inf, dtype=self.loc.dtype)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        eps = _standard_cauchy(tuple(self._extended_shape(sample_shape)), self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - log(self.scale) - log1p(((value - self.loc) / self.scale) ** 2)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value: Tensor) -> Tensor:
        return tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self) -> Tensor:
        return math.log(4 * math.pi) + log(self.scale)
