"""The Dirichlet distribution over the probability simplex."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import sampling_gamma
from ..ops._core import record
from ..ops.arith import where
from ..ops.creation import arange
from ..ops.random import default_generator
from ..tensor import Tensor
from . import constraints
from ._special import _digamma_np, digamma, lgamma, xlogy
from .exp_family import ExponentialFamily
from .utils import _size, broadcast_all

__all__ = ["Dirichlet"]


def _sample_dirichlet(concentration: Tensor) -> Tensor:
    r"""``torch._sample_dirichlet``: normalised Gamma draws, PyTorch's under the same seed.
    d/dalpha: PyTorch's implicit reparameterisation (``_dirichlet_grad``, through each Beta
    marginal), projected as :math:`\nabla (g - \langle x, g\rangle)`."""
    a = concentration._data
    x = sampling_gamma.dirichlet(default_generator, a)

    def backward(g: np.ndarray) -> tuple:
        total = np.broadcast_to(a.sum(-1, keepdims=True), a.shape)
        grad = sampling_gamma.dirichlet_grad(x, a, total, _digamma_np)
        return (grad * (g - (x * g).sum(-1, keepdims=True)),)

    return record(x, "DirichletBackward", (concentration,), backward)


class Dirichlet(ExponentialFamily):
    r"""The Dirichlet distribution of concentrations :math:`\alpha_1 \ldots \alpha_K > 0`, over
    the vectors of :math:`K` non-negative numbers summing to 1:

    .. math::
        \log p(x) = \sum_k (\alpha_k - 1)\log x_k + \log\Gamma(\textstyle\sum_k \alpha_k)
                    - \sum_k \log\Gamma(\alpha_k).

    ``sample`` normalises Gamma draws (PyTorch's numbers under the same seed); ``rsample``
    is differentiable in :math:`\alpha` by PyTorch's implicit reparameterisation (through the
    Beta marginals). Mean :math:`\alpha / \sum\alpha`.

    Shape:
        - concentration: :math:`(*, K)`; batch_shape :math:`(*)`; event_shape :math:`(K)`.

    Example::

        >>> Dirichlet(torch.tensor([1.0, 1.0, 1.0])).log_prob(torch.tensor([0.2, 0.3, 0.5]))
        tensor(0.6931)
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        shape = tuple(concentration.shape)
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Dirichlet:
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = _size(batch_shape)
        new.concentration = self.concentration.expand(tuple(batch_shape) + tuple(self.event_shape))
        return self._expanded(new, batch_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        return _sample_dirichlet(self.concentration.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return (xlogy(*broadcast_all(self.concentration - 1.0, value)).sum(-1)
                + lgamma(self.concentration.sum(-1)) - lgamma(self.concentration).sum(-1))

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def mode(self) -> Tensor:
        cm1 = (self.concentration - 1).clamp(min=0.0)
        mode = cm1 / cm1.sum(-1, True)
        one_hot = (mode.argmax(dim=-1).unsqueeze(-1) == arange(cm1.shape[-1])).to(mode.dtype)
        return where((self.concentration < 1).all(dim=-1).unsqueeze(-1), one_hot, mode)

    @property
    def variance(self) -> Tensor:
        con0 = self.concentration.sum(-1, True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def entropy(self) -> Tensor:
        k = self.concentration.size(-1)
        a0 = self.concentration.sum(-1)
        return (lgamma(self.concentration).sum(-1) - lgamma(a0) - (k - a0) * digamma(a0)
                - ((self.concentration - 1.0) * digamma(self.concentration)).sum(-1))
