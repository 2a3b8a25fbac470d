"""The Laplace (double exponential) distribution."""

from __future__ import annotations

from typing import Any

from .. import _dtype as dt
from ..ops.creation import empty
from ..ops.unary import abs as _abs
from ..ops.unary import expm1, log, log1p
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .utils import _size, broadcast_all

__all__ = ["Laplace"]


class Laplace(Distribution):
    r"""The Laplace distribution of location :math:`\mu` (``loc``) and scale :math:`b > 0`
    (``scale``):

    .. math::
        \log p(x) = -\log 2b - \frac{|x - \mu|}{b}.

    ``rsample`` is :math:`\mu - b\,\operatorname{sign}(u)\log(1 - |u|)`, :math:`u` uniform on
    :math:`[\epsilon - 1, 1)` drawn by ``Tensor.uniform_`` (PyTorch's uniforms under the same
    seed; the samples may differ from PyTorch's in the last bit, its vectorised ``log1p``
    rounding differently from NumPy's); mean :math:`\mu`, variance :math:`2b^2`, entropy :math:`1 + \log 2b`.

    Shape:
        - loc, scale: broadcast together to batch_shape; event_shape :math:`()`.

    Example::

        >>> Laplace(torch.tensor([0.0]), torch.tensor([1.0])).log_prob(torch.tensor([1.0]))
        tensor([-1.6931])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Tensor | float, scale: Tensor | float, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        scalars = not isinstance(loc, Tensor) and not isinstance(scale, Tensor)
        super().__init__(Size() if scalars else self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Laplace:
        new = self._get_checked_instance(Laplace, _instance)
        batch_shape = _size(batch_shape)
        new.loc, new.scale = self.loc.expand(tuple(batch_shape)), self.scale.expand(tuple(batch_shape))
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        return (2 ** 0.5) * self.scale

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        eps = dt.finfo(self.loc.dtype).eps
        u = empty(tuple(self._extended_shape(sample_shape)), dtype=self.loc.dtype).uniform_(eps - 1, 1)
        return self.loc - self.scale * u.sign() * log1p(-_abs(u))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return -log(2 * self.scale) - _abs(value - self.loc) / self.scale

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * expm1(-_abs(value - self.loc) / self.scale)

    def icdf(self, value: Tensor) -> Tensor:
        term = value - 0.5
        return self.loc - self.scale * term.sign() * log1p(-2 * _abs(term))

    def entropy(self) -> Tensor:
        return 1 + log(2 * self.scale)
