r"""Pooling layers: ``MaxPool1d``, ``MaxPool2d``, ``AvgPool1d``, ``AvgPool2d``,
``AdaptiveAvgPool2d`` (and ``AdaptiveAvgPool1d``, ``AdaptiveAvgPool3d``) and
``AdaptiveMaxPool2d`` (and ``AdaptiveMaxPool1d``, ``AdaptiveMaxPool3d``).

Pooling shrinks the feature maps by summarising each window (its maximum or its mean): fewer
positions for the next layers, and a little tolerance to where exactly a feature is. It has no
parameters.
"""

from __future__ import annotations

from typing import Any

from ...ops import pool as _pool
from ...ops import pool_adaptive as _adaptive
from ...tensor import Tensor
from ..module import Module


class _MaxPoolNd(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    r"""2-D max pooling: the largest value of each window, channel by channel.

    .. math::
        \text{out}(N_i, C_j, a, b) = \max_{m < k_H,\, n < k_W}
            \text{input}(N_i, C_j,\; s_H a + d_H m - p_H,\; s_W b + d_W n - p_W)

    Args:
        kernel_size: size of the window, an int or (k_h, k_w).
        stride: step between windows (default: ``kernel_size``, non-overlapping windows).
        padding: implicit padding that never wins (at most half the kernel).
        dilation: spacing between the window's elements.
        return_indices: also return where each maximum came from (flat indices into each
            H x W plane).
        ceil_mode: round the output size up, keeping a last partial window.

    The gradient goes to the element that won each window (the first one on ties).

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: :math:`(N, C, H_{out}, W_{out})` with
          :math:`H_{out} = \lfloor (H + 2p - d (k - 1) - 1) / s \rfloor + 1` (ceiling in ceil mode).
    """

    def forward(self, x: Tensor) -> Any:
        return _pool.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                                self.ceil_mode, self.return_indices)


class MaxPool1d(_MaxPoolNd):
    r"""1-D max pooling over the last dimension (see :class:`MaxPool2d`).

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`.
        - Output: :math:`(N, C, L_{out})`.
    """

    def forward(self, x: Tensor) -> Any:
        return _pool.max_pool1d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                                self.ceil_mode, self.return_indices)


class AvgPool2d(Module):
    r"""2-D average pooling: the mean of each window, channel by channel.

    .. math::
        \text{out}(N_i, C_j, a, b) = \frac{1}{|w_{ab}|} \sum_{m < k_H,\, n < k_W}
            \text{input}(N_i, C_j,\; s_H a + m - p_H,\; s_W b + n - p_W)

    Args:
        kernel_size: size of the window.
        stride: step between windows (default: ``kernel_size``).
        padding: implicit zero padding (at most half the kernel).
        ceil_mode: round the output size up, keeping a last partial window.
        count_include_pad: count the padded zeros in :math:`|w_{ab}|` (default True).
        divisor_override: divide by this number instead.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: :math:`(N, C, H_{out}, W_{out})`,
          :math:`H_{out} = \lfloor (H + 2p - k) / s \rfloor + 1` (ceiling in ceil mode).
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return _pool.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                                self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(Module):
    r"""1-D average pooling over the last dimension (see :class:`AvgPool2d`).

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`.
        - Output: :math:`(N, C, L_{out})`.
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = kernel_size if isinstance(kernel_size, tuple) else (kernel_size,)
        self.stride = (stride if isinstance(stride, tuple) else (stride,)) if stride is not None \
            else self.kernel_size
        self.padding = padding if isinstance(padding, tuple) else (padding,)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        return _pool.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                                self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptiveAvgPoolNd(Module):
    """What the adaptive average poolings share: the output size, and how they print."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    r"""Average pooling to a fixed output size, whatever the input's: the network's head then
    gets the same number of features from any image size. Output (a, b) averages the rows
    :math:`[\lfloor a H / H_{out} \rfloor, \lceil (a+1) H / H_{out} \rceil)` and the matching
    columns. ``AdaptiveAvgPool2d(1)`` is global average pooling.

    Args:
        output_size: (H_out, W_out), or one int for both; ``None`` keeps the input's size.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`.
    """

    def forward(self, x: Tensor) -> Tensor:
        return _adaptive.adaptive_avg_pool2d(x, self.output_size)


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    r"""Average pooling of signals to a fixed length (see :class:`AdaptiveAvgPool2d`).

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`.
    """

    def forward(self, x: Tensor) -> Tensor:
        return _adaptive.adaptive_avg_pool1d(x, self.output_size)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    r"""Average pooling of volumes to a fixed size (see :class:`AdaptiveAvgPool2d`).

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or :math:`(C, D_{out}, H_{out}, W_{out})`.
    """

    def forward(self, x: Tensor) -> Tensor:
        return _adaptive.adaptive_avg_pool3d(x, self.output_size)


class _AdaptiveMaxPoolNd(_AdaptiveAvgPoolNd):
    """What the adaptive max poolings share: the output size, whether to return the indices of
    the maxima (not printed, as in PyTorch)."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    r"""Max pooling to a fixed output size, whatever the input's: output (a, b) is the largest
    value of the rows :math:`[\lfloor a H / H_{out} \rfloor, \lceil (a+1) H / H_{out} \rceil)`
    and the matching columns. ``AdaptiveMaxPool2d((1, 1))`` is global max pooling (d2l.ai's SSD
    ends so).

    Args:
        output_size: (H_out, W_out), or one int for both; ``None`` keeps the input's size.
        return_indices: also return where each maximum is, flat in the :math:`H \times W` plane.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`.

    Example::

        >>> nn.AdaptiveMaxPool2d((5, 7))(torch.randn(1, 64, 8, 9)).shape
        torch.Size([1, 64, 5, 7])
    """

    def forward(self, x: Tensor) -> Any:
        return _adaptive.adaptive_max_pool2d(x, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    r"""Max pooling of signals to a fixed length (see :class:`AdaptiveMaxPool2d`).

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`.

    Example::

        >>> nn.AdaptiveMaxPool1d(5)(torch.randn(1, 64, 8)).shape
        torch.Size([1, 64, 5])
    """

    def forward(self, x: Tensor) -> Any:
        return _adaptive.adaptive_max_pool1d(x, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    r"""Max pooling of volumes to a fixed size (see :class:`AdaptiveMaxPool2d`).

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or :math:`(C, D_{out}, H_{out}, W_{out})`.
    """

    def forward(self, x: Tensor) -> Any:
        return _adaptive.adaptive_max_pool3d(x, self.output_size, self.return_indices)


__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
           "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d"]
