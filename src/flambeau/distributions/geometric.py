"""The geometric distribution: the number of failures before the first success."""

from __future__ import annotations

from typing import Any

from .. import _dtype as dt
from ..autograd import no_grad
from ..ops.arith import where
from ..ops.creation import empty, zeros_like
from ..ops.unary import log1p
from ..tensor import Size, Tensor
from . import constraints
from .bernoulli import _bce_with_logits
from .distribution import Distribution
from .utils import BinaryProbsOrLogits, _size, broadcast_all

__all__ = ["Geometric"]


class Geometric(BinaryProbsOrLogits, Distribution):
    r"""The number :math:`k \ge 0` of failures before the first success in Bernoulli trials
    of probability :math:`p` (``probs``, or :math:`\sigma(\text{logits})`):

    .. math::
        \log P(k) = k\log(1 - p) + \log p.

    ``sample`` is :math:`\lfloor \log u / \log(1 - p) \rfloor`, :math:`u` uniform on
    [tiny, 1) (PyTorch's draws); mean :math:`1/p - 1`, variance :math:`(1/p - 1)/p`.

    Example::

        >>> Geometric(torch.tensor([0.5])).log_prob(torch.tensor([2.0]))
        tensor([-2.0794])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs: Tensor | float | None = None, logits: Tensor | float | None = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        param = probs if probs is not None else logits
        (value,) = broadcast_all(param)
        setattr(self, "probs" if probs is not None else "logits", value)
        super().__init__(Size() if not isinstance(param, Tensor) else value.size(), validate_args=validate_args)
        if self._validate_args and probs is not None:
            valid = self.probs > 0
            if not bool(valid.all()):
                raise ValueError(f"Expected parameter probs ({type(self.probs).__name__} of shape "
                                 f"{tuple(self.probs.shape)}) of distribution {self!r} to be positive but "
                                 f"found invalid values:\n{self.probs.detach()[~valid]}")

    def expand(self, batch_shape: Any, _instance: Any = None) -> Geometric:
        new = self._get_checked_instance(Geometric, _instance)
        batch_shape = _size(batch_shape)
        self._expand_probs_or_logits(new, tuple(batch_shape))
        return self._expanded(new, batch_shape)

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        tiny = dt.finfo(self.probs.dtype).tiny
        with no_grad():
            u = empty(shape, dtype=self.probs.dtype).uniform_(tiny, 1)
            return (u.log() / log1p(-self.probs)).floor()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = where((probs == 1) & (value == 0), 0.0, probs)
        return value * log1p(-probs) + self.probs.log()

    def entropy(self) -> Tensor:
        return _bce_with_logits(self.logits, self.probs) / self.probs
