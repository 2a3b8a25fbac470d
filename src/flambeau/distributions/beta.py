"""The Beta distribution over [0, 1]."""

from __future__ import annotations

import numbers
from typing import Any

from ..ops.creation import tensor
from ..ops.shape import stack
from ..tensor import Tensor
from . import constraints
from .dirichlet import Dirichlet
from .exp_family import ExponentialFamily
from .utils import _size, broadcast_all

__all__ = ["Beta"]


class Beta(ExponentialFamily):
    r"""The Beta distribution of concentrations :math:`a > 0` (``concentration1``) and
    :math:`b > 0` (``concentration0``), the Dirichlet distribution of :math:`(x, 1 - x)`:

    .. math::
        \log p(x) = (a - 1)\log x + (b - 1)\log(1 - x) - \log B(a, b).

    Mean :math:`a/(a + b)`, variance :math:`ab / ((a + b)^2 (a + b + 1))`. ``sample`` gives
    PyTorch's numbers under the same seed; ``rsample`` is differentiable in :math:`a` and
    :math:`b` (see :class:`Dirichlet`).

    Shape:
        - concentration1, concentration0: broadcast together to batch_shape; event_shape :math:`()`.

    Example::

        >>> Beta(torch.tensor([2.0]), torch.tensor([2.0])).log_prob(torch.tensor([0.5]))
        tensor([0.4055])
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Tensor | float, concentration0: Tensor | float,
                 validate_args: bool | None = None) -> None:
        if isinstance(concentration1, numbers.Number) and isinstance(concentration0, numbers.Number):
            both = tensor([float(concentration1), float(concentration0)])
        else:
            both = stack(list(broadcast_all(concentration1, concentration0)), -1)
        self._dirichlet = Dirichlet(both, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Beta:
        new = self._get_checked_instance(Beta, _instance)
        batch_shape = _size(batch_shape)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        return self._expanded(new, batch_shape)

    @property
    def concentration1(self) -> Tensor:
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Tensor:
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._dirichlet.log_prob(stack([value, 1.0 - value], -1))

    def entropy(self) -> Tensor:
        return self._dirichlet.entropy()
