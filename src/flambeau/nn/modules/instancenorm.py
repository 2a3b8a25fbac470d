r"""Instance normalisation, as ``torch.nn.modules.instancenorm``: ``InstanceNorm1d``,
``InstanceNorm2d``, ``InstanceNorm3d``. Each channel of each sample is normalised over its own
positions (style transfer's normalisation: the contrast of one image, not of the batch):

.. math::
    y_{n,c} = \frac{x_{n,c} - \mathrm{E}[x_{n,c}]}{\sqrt{\mathrm{Var}[x_{n,c}] + \epsilon}}
    \gamma_c + \beta_c

Unlike batch normalisation, by default there is no learnable :math:`\gamma, \beta`
(``affine=False``) and no running statistics (``track_running_stats=False``): the input's own
statistics are used in training and in evaluation alike. With ``track_running_stats=True``,
training updates the running averages (the batch's per-instance statistics averaged over the
batch) and evaluation uses them; ``num_batches_tracked`` is kept but, as in PyTorch, not counted.
"""

from __future__ import annotations

import warnings
from typing import Any

from ...tensor import Tensor
from .. import functional_norm as FN
from .normalization import _NormBase


class _InstanceNorm(_NormBase):
    """The parameters, buffers and repr of the batch norms (PyTorch's ``_NormBase``), other
    defaults, and a forward that normalises each sample on its own."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        ndim = input.dim()
        batched = self._expected_dims[1]
        if ndim not in self._expected_dims:
            raise ValueError(f"expected {self._expected_dims[0]}D or {batched}D input (got {ndim}D input)")
        feature_dim = ndim - (batched - 1)
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match num_features "
                                 f"({self.num_features}), but got: {input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can silence "
                          "this warning by not passing in num_features, which is not used because affine=False",
                          stacklevel=2)
        if ndim < batched:  # one sample: normalised as a batch of one
            return self._normalise(input.unsqueeze(0)).squeeze(0)
        return self._normalise(input)

    def _normalise(self, x: Tensor) -> Tensor:
        return FN.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                                self.training or not self.track_running_stats,
                                0.0 if self.momentum is None else self.momentum, self.eps)


class InstanceNorm1d(_InstanceNorm):
    r"""Instance normalisation of sequences: each channel of each sample normalised over its
    length (see the module's documentation for the formula and the flags).

    Args:
        num_features: :math:`C`, the number of channels.
        eps: added to the variance. Default: 1e-5.
        momentum: the running averages' update factor (``None``: 0). Default: 0.1.
        affine: learnable per-channel :math:`\gamma` (ones) and :math:`\beta` (zeros).
            Default: ``False``.
        track_running_stats: keep running averages, used in evaluation. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`.
        - Output: the same.

    Example::

        >>> nn.InstanceNorm1d(4, affine=True)(torch.randn(2, 4, 10)).shape
        torch.Size([2, 4, 10])
    """

    _expected_dims = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    r"""Instance normalisation of images: each channel of each image normalised over its pixels
    (the fast style-transfer network's normalisation; see the module's documentation for the
    formula and the flags).

    Args:
        num_features: :math:`C`, the number of channels.
        eps: added to the variance. Default: 1e-5.
        momentum: the running averages' update factor (``None``: 0). Default: 0.1.
        affine: learnable per-channel :math:`\gamma` (ones) and :math:`\beta` (zeros).
            Default: ``False``.
        track_running_stats: keep running averages, used in evaluation. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: the same.

    Example::

        >>> m = nn.InstanceNorm2d(32, affine=True)
        >>> m
        InstanceNorm2d(32, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=False)
        >>> m(torch.randn(1, 32, 16, 16)).shape
        torch.Size([1, 32, 16, 16])
    """

    _expected_dims = (3, 4)


class InstanceNorm3d(_InstanceNorm):
    r"""Instance normalisation of volumes: each channel of each sample normalised over its voxels
    (see the module's documentation for the formula and the flags).

    Args:
        num_features: :math:`C`, the number of channels.
        eps: added to the variance. Default: 1e-5.
        momentum: the running averages' update factor (``None``: 0). Default: 0.1.
        affine: learnable per-channel :math:`\gamma` (ones) and :math:`\beta` (zeros).
            Default: ``False``.
        track_running_stats: keep running averages, used in evaluation. Default: ``False``.

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`.
        - Output: the same.

    Example::

        >>> nn.InstanceNorm3d(2)(torch.randn(1, 2, 3, 4, 5)).shape
        torch.Size([1, 2, 3, 4, 5])
    """

    _expected_dims = (4, 5)


__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]
