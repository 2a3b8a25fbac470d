r"""Convolution layers: ``Conv1d``, ``Conv2d`` and ``ConvTranspose2d``.

A convolution layer is a bank of small filters slid over the image: the same few weights are
used at every position (*weight sharing*), and each output pixel only sees a small window of the
input (*local connectivity*). A Conv2d(1, 6, 5) has 6 x 5 x 5 + 6 = 156 parameters whatever the
size of the image, where a Linear layer from a 28x28 image to 6 x 24 x 24 outputs would need
2.7 million.

Weights and biases start as in PyTorch: ``kaiming_uniform_(a=sqrt(5))`` for the weight, i.e.
:math:`U(-1/\sqrt{\text{fan\_in}}, 1/\sqrt{\text{fan\_in}})`, and the same range for the bias,
with :math:`\text{fan\_in} = C_{in}/\text{groups} \cdot k_h k_w`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import _dtype as dt
from ..._device import check
from ...ops import conv as _conv
from ...ops.creation import check_sizes
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(v: Any, n: int) -> tuple:
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    out = tuple(v)
    return out * n if len(out) == 1 else out


class _ConvNd(Module):
    """What Conv1d, Conv2d and ConvTranspose2d share: the arguments, the parameters, their
    initialisation and the printed form."""

    _nd = 2
    _name = "Conv2d"

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, transposed: bool, output_padding: Any, groups: int,
                 bias: bool, padding_mode: str, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check(device)
        nd = self._nd
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in _tuple(stride, nd)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {set(_PADDING_MODES)}, but got "
                             f"padding_mode={padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _tuple(kernel_size, nd)
        self.stride = _tuple(stride, nd)
        self.padding = padding if isinstance(padding, str) else _tuple(padding, nd)
        self.dilation = _tuple(dilation, nd)
        self.transposed = transposed
        self.output_padding = _tuple(output_padding, nd)
        self.groups = groups
        self.padding_mode = padding_mode
        # what F.pad needs for the non-zero padding modes: (left, right, top, bottom)
        if isinstance(self.padding, str):
            pairs = _conv._resolve_padding(self.padding, nd, self.kernel_size, self.dilation, (1,) * nd)
            self._reversed_padding_repeated_twice = [v for k in reversed(range(nd))
                                                     for v in (pairs[2 * k], pairs[2 * k + 1])]
        else:
            self._reversed_padding_repeated_twice = [p for p in reversed(self.padding) for _ in range(2)]
        d = (dt.get_default_dtype() if dtype is None else dt.to_dtype(dtype)).np
        shape = ((in_channels, out_channels // groups) if transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        check_sizes(shape)
        self.weight = Parameter(np.zeros(shape, d))
        if bias:
            self.bias = Parameter(np.zeros(out_channels, d))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight ~ kaiming_uniform(a=sqrt(5)), bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as
        PyTorch does (fan_in from the weight's dimension 1 and the kernel)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        nd = self._nd
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if isinstance(self.padding, str):
            s += f", padding={self.padding}"
        elif self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _forward_with(self, x: Tensor, fn: Any) -> Tensor:
        if self.padding_mode != "zeros":
            x = F.pad(x, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return fn(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return fn(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    r"""1-D convolution over a batch of signals (time series, sequences of embeddings):

    .. math::
        \text{out}(N_i, O_j) = \text{bias}(O_j) +
            \sum_{k=0}^{C_{in}/g - 1} \text{weight}(O_j, k) \star \text{input}(N_i, k)

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size: length of the filters.
        stride, padding, dilation, groups: as in :class:`Conv2d` (``padding`` also ``'same'``
            or ``'valid'``).
        bias: add a learned bias per output channel.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.

    Shape:
        - Input: :math:`(N, C_{in}, L)` or :math:`(C_{in}, L)`.
        - Output: :math:`(N, C_{out}, L_{out})`,
          :math:`L_{out} = \lfloor (L + 2p - d (k - 1) - 1) / s \rfloor + 1`.
    """

    _nd = 1
    _name = "Conv1d"

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False,
                         0, groups, bias, padding_mode, device, dtype)

    def forward(self, x: Tensor) -> Tensor:
        return self._forward_with(x, _conv.conv1d)


class Conv2d(_ConvNd):
    r"""2-D convolution over a batch of images, the layer of convolutional networks:

    .. math::
        \text{out}(N_i, O_j) = \text{bias}(O_j) +
            \sum_{k=0}^{C_{in}/g - 1} \text{weight}(O_j, k) \star \text{input}(N_i, k)

    where :math:`\star` is the 2-D cross-correlation: filter j slid over the image, the sum of
    the products at every position.

    Args:
        in_channels, out_channels: channels of the input (1 for grey images, 3 for colour) and
            number of filters.
        kernel_size: size of the filters, an int or (k_h, k_w).
        stride: step between two positions of the filter (default 1).
        padding: zeros added around the image: an int, a pair, ``'valid'`` (none) or ``'same'``
            (the output keeps the input's size; stride 1 only).
        dilation: spacing between the filter's taps (default 1: a compact filter).
        groups: split the channels into ``groups`` independent convolutions
            (``groups = in_channels``: a depthwise convolution).
        bias: add a learned bias per output channel.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``.

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` or :math:`(C_{in}, H, W)`.
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` with
          :math:`H_{out} = \lfloor (H + 2p - d (k_h - 1) - 1) / s \rfloor + 1` (same for W).

    Attributes:
        weight: :math:`(C_{out}, C_{in}/\text{groups}, k_h, k_w)`.
        bias: :math:`(C_{out})`.
    """

    _nd = 2
    _name = "Conv2d"

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, False,
                         0, groups, bias, padding_mode, device, dtype)

    def forward(self, x: Tensor) -> Tensor:
        return self._forward_with(x, _conv.conv2d)


class ConvTranspose2d(_ConvNd):
    r"""Transposed 2-D convolution: the gradient of a Conv2d with respect to its input, as a
    layer that grows images (decoders, segmentation, GANs). Each input pixel stamps the filter,
    scaled by its value, onto the output, ``stride`` pixels apart; overlapping stamps add up.

    Args:
        in_channels, out_channels, kernel_size, stride, dilation, groups, bias: as in
            :class:`Conv2d`.
        padding: ``dilation * (kernel_size - 1) - padding`` zeros of the equivalent convolution,
            i.e. rows and columns cropped from the full output.
        output_padding: extra rows and columns at the bottom and right (smaller than the stride
            or the dilation): a strided Conv2d maps several input sizes to the same output size,
            this picks one of them. ``forward(x, output_size=...)`` computes it for you.

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` or :math:`(C_{in}, H, W)`.
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` with
          :math:`H_{out} = (H - 1) s - 2 p + d (k_h - 1) + \text{output\_padding} + 1`.

    Attributes:
        weight: :math:`(C_{in}, C_{out}/\text{groups}, k_h, k_w)`.
        bias: :math:`(C_{out})`.
    """

    _nd = 2
    _name = "ConvTranspose2d"

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {self.__class__.__name__}')
        if isinstance(padding, str):
            raise ValueError(f"padding must be an int or a tuple for {self.__class__.__name__}, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, True,
                         output_padding, groups, bias, padding_mode, device, dtype)

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        """The output padding that gives ``output_size`` (PyTorch's rule), checked to be
        reachable."""
        if output_size is None:
            return self.output_padding
        size = [int(v) for v in list(output_size)[-2:]]
        h, w = x.shape[-2:]
        smallest = [(s_in - 1) * self.stride[k] - 2 * self.padding[k]
                    + self.dilation[k] * (self.kernel_size[k] - 1) + 1 for k, s_in in enumerate((h, w))]
        largest = [lo + s - 1 for lo, s in zip(smallest, self.stride)]
        if not all(lo <= v <= hi for lo, v, hi in zip(smallest, size, largest)):
            raise ValueError(f"requested an output size of {size}, but valid sizes range from "
                             f"{smallest} to {largest} (for an input of {[h, w]})")
        out = [v - lo for v, lo in zip(size, smallest)]
        return tuple(out)

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        return _conv.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                      self._output_padding(x, output_size), self.groups,
                                      self.dilation)


__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]
