"""``ExponentialFamily``: the distributions whose density is
:math:`p(x; \\theta) = e^{\\langle t(x), \\theta\\rangle - F(\\theta) + k(x)}`."""

from __future__ import annotations

from .distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    r"""A distribution of the exponential family,

    .. math::
        p_F(x; \theta) = \exp(\langle t(x), \theta\rangle - F(\theta) + k(x)),

    :math:`\theta` its natural parameters (``_natural_params``), :math:`F` its log-normaliser
    (``_log_normalizer``), :math:`k` its carrier measure. PyTorch computes the entropy and
    the KL divergence of two members of one family from :math:`F` by Bregman divergences
    (gradients of gradients, which flambeau does not have): here each family gives them in
    closed form. ``kl_divergence`` between two different families is refused with PyTorch's
    ``NotImplementedError``.

    Example::

        >>> isinstance(Normal(0.0, 1.0), ExponentialFamily)
        True
    """

    @property
    def _natural_params(self) -> tuple:
        raise NotImplementedError

    def _log_normalizer(self, *natural_params: object) -> object:
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self) -> float:
        raise NotImplementedError
