"""Normalisation layers: ``BatchNorm1d`` (per feature, over the batch), ``BatchNorm2d`` (per
channel of images, over the batch and the pixels) and ``LayerNorm`` (per sample, over its last
dimensions), ``GroupNorm`` (per sample, over groups of channels) and ``RMSNorm`` (scaled by the
root mean square, not centred)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ... import _dtype as dt
from ..._device import check
from ...ops._core import bump
from ...ops.creation import check_sizes
from ...tensor import Tensor, _make
from .. import functional as F
from ..module import Module
from ..parameter import Parameter


def _affine(module: Module, shape: tuple[int, ...], dtype: Any, affine: bool, bias: bool | None) -> None:
    """The learnable scale (ones) and shift (zeros) of a normalisation layer, of ``shape``, or
    ``None`` where the layer has none (``affine=False``, ``bias=False``), as PyTorch registers
    them; ``bias=None`` for a layer with no shift at all (RMSNorm)."""
    d = (dt.get_default_dtype() if dtype is None else dt.to_dtype(dtype)).np
    check_sizes(shape)
    module.register_parameter("weight", Parameter(np.ones(shape, d)) if affine else None)
    if bias is not None:
        module.register_parameter("bias", Parameter(np.zeros(shape, d)) if affine and bias else None)
    _written(module.weight, getattr(module, "bias", None))  # (PyTorch's init.ones_, init.zeros_)


def _written(*tensors: Tensor | None) -> None:
    """Count one in-place write to each tensor, as PyTorch's ``fill_``, ``zero_``... (a
    ``_version`` read, or a saved-tensor error, gives PyTorch's numbers)."""
    for t in tensors:
        if t is not None:
            bump(t)


class _NormBase(Module):
    """What batch and instance normalisation share (PyTorch's ``_NormBase``): the affine
    parameters, the running statistics and their resets, the repr."""

    _expected_dims: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        check(device)
        d = (dt.get_default_dtype() if dtype is None else dt.to_dtype(dtype)).np
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine(self, (num_features,), dtype, affine, bias)
        if track_running_stats:
            self.register_buffer("running_mean", _make(np.zeros(num_features, d)))
            self.register_buffer("running_var", _make(np.ones(num_features, d)))
            self.register_buffer("num_batches_tracked", _make(np.zeros((), np.int64)))
            _written(self.running_mean, self.running_var, self.num_batches_tracked)
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batch counted."""
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0
            _written(self.running_mean, self.running_var, self.num_batches_tracked)

    def reset_parameters(self) -> None:
        """The running statistics reset, weight 1 and bias 0."""
        self.reset_running_stats()
        if self.weight is not None:
            self.weight._data[...] = 1
        if self.bias is not None:
            self.bias._data[...] = 0
        _written(self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    """Batch normalisation: the statistics of each channel over the batch (and the positions)."""

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self._expected_dims:
            raise ValueError(f"expected {' or '.join(f'{d}D' for d in self._expected_dims)} input "
                             f"(got {x.ndim}D input)")
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data[...] += 1
            bump(self.num_batches_tracked)
            if self.momentum is None:  # cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked._data)
        use_batch = self.training or not self.track_running_stats
        return F.batch_norm(x, self.running_mean if self.track_running_stats else None,
                            self.running_var if self.track_running_stats else None,
                            self.weight, self.bias, use_batch, momentum, self.eps)


class BatchNorm1d(_BatchNorm):
    r"""Batch normalisation over a batch of feature vectors:
    :math:`y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma + \beta`.

    Shape:
        - Input: :math:`(N, C)` or :math:`(N, C, L)`.
        - Output: the same.
    """

    _expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    r"""Batch normalisation of images, one mean and variance per channel, taken over the batch
    and all the pixels:
    :math:`y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma + \beta`,
    with :math:`\mathrm{E}, \mathrm{Var}` over (N, H, W) for each channel in training, and the
    running averages in evaluation.

    Shape:
        - Input: :math:`(N, C, H, W)`.
        - Output: the same.
    """

    _expected_dims = (4,)


class LayerNorm(Module):
    r"""Normalises each sample over its last dimensions, then scales and shifts.

    Shape:
        - Input: :math:`(*, \text{normalized\_shape})`.
        - Output: the same.
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        check(device)
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _affine(self, self.normalized_shape, dtype, elementwise_affine, bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    r"""Normalises each sample over groups of channels: the C channels split into
    ``num_groups`` groups, each normalised over its channels and positions, then each channel
    scaled and shifted (weight 1, bias 0 at the start).

    Shape:
        - Input: :math:`(N, C, *)`.
        - Output: the same.

    Example::

        >>> gn = nn.GroupNorm(3, 6)
        >>> y = gn(torch.randn(20, 6, 10, 10))
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: Any = None, dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        _affine(self, (num_channels,), dtype, affine, bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    r""":math:`y = \frac{x}{\sqrt{\text{mean}(x^2) + \epsilon}} \cdot \gamma` over the last
    dimensions (no centring, no bias; ``eps=None``: the dtype's machine epsilon).

    Shape:
        - Input: :math:`(*, \text{normalized\_shape})`.
        - Output: the same.
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _affine(self, self.normalized_shape, dtype, elementwise_affine, bias=None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight._data[...] = 1
            bump(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    r"""AlexNet's local response normalisation across channels
    (:func:`~flambeau.nn.functional.local_response_norm`):
    :math:`y_c = x_c \left(k + \frac{\alpha}{n} \sum_{c'} x_{c'}^2\right)^{-\beta}` over the
    ``size`` channels around :math:`c`. No parameters.

    Shape:
        - Input: :math:`(N, C, *)`.
        - Output: the same.

    Example::

        >>> nn.LocalResponseNorm(2)(torch.randn(32, 5, 24, 24)).shape
        torch.Size([32, 5, 24, 24])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
