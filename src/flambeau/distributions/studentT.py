"""Student's t distribution."""

from __future__ import annotations

import math
from typing import Any

from ..ops.arith import where
from ..ops.unary import log, log1p, rsqrt
from ..tensor import Tensor
from . import constraints
from ._special import digamma, lgamma
from .chi2 import Chi2
from .distribution import Distribution
from .utils import _size, _standard_normal, broadcast_all

__all__ = ["StudentT"]


class StudentT(Distribution):
    r"""Student's t distribution with :math:`\nu` (``df``) degrees of freedom, location
    :math:`\mu` (``loc``) and scale :math:`\sigma` (``scale``):

    .. math::
        \log p(x) = -\frac{\nu + 1}{2}\log\left(1 + \frac{y^2}{\nu}\right)
                    - \log\sigma - \tfrac12\log\nu\pi - \log\frac{\Gamma(\nu/2)}{\Gamma((\nu + 1)/2)},
        \quad y = \frac{x - \mu}{\sigma}.

    ``rsample`` is :math:`\mu + \sigma\,\varepsilon / \sqrt{Z/\nu}`, :math:`\varepsilon` a standard
    normal and :math:`Z` a chi-squared draw (PyTorch's order of draws); mean :math:`\mu`
    (NaN for :math:`\nu \le 1`), variance :math:`\sigma^2\nu/(\nu - 2)` (infinite for
    :math:`1 < \nu \le 2`, NaN below).

    Example::

        >>> StudentT(torch.tensor([3.0])).log_prob(torch.tensor([0.0]))
        tensor([-1.0000])
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df: Tensor | float, loc: Tensor | float = 0.0, scale: Tensor | float = 1.0,
                 validate_args: bool | None = None) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> StudentT:
        new = self._get_checked_instance(StudentT, _instance)
        batch_shape = _size(batch_shape)
        shape = tuple(batch_shape)
        new.df, new.loc, new.scale = self.df.expand(shape), self.loc.expand(shape), self.scale.expand(shape)
        new._chi2 = self._chi2.expand(batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        return where(self.df <= 1, math.nan, self.loc)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        df = self.df
        finite = self.scale.pow(2) * df / where(df > 2, df - 2, 1.0)
        return where(df > 2, finite, where(df > 1, math.inf, math.nan))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        x = _standard_normal(tuple(self._extended_shape(sample_shape)), self.df.dtype)
        z = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * (x * rsqrt(z / self.df))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        z = (log(self.scale) + 0.5 * log(self.df) + 0.5 * math.log(math.pi)
             + lgamma(0.5 * self.df) - lgamma(0.5 * (self.df + 1.0)))
        return -0.5 * (self.df + 1.0) * log1p(y ** 2.0 / self.df) - z

    def entropy(self) -> Tensor:
        df = self.df
        lbeta = lgamma(0.5 * df) + math.lgamma(0.5) - lgamma(0.5 * (df + 1))
        return (log(self.scale) + 0.5 * (df + 1) * (digamma(0.5 * (df + 1)) - digamma(0.5 * df))
                + 0.5 * log(df) + lbeta)
