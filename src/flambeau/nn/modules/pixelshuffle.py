r"""``PixelShuffle`` and ``PixelUnshuffle``, as ``torch.nn.modules.pixelshuffle``: channels to
space and back, with :func:`flambeau.nn.functional.pixel_shuffle` and
:func:`~flambeau.nn.functional.pixel_unshuffle`. A convolution with :math:`C r^2` output channels
followed by ``PixelShuffle(r)`` is the "sub-pixel convolution" of efficient super-resolution
networks (Shi et al., 2016): an image :math:`r` times larger, computed at the small resolution.
``ChannelShuffle`` (PyTorch's ``torch.nn.modules.channelshuffle``) interleaves channel groups.
"""

from __future__ import annotations

from ...ops.rearrange import channel_shuffle, pixel_shuffle, pixel_unshuffle
from ...tensor import Tensor
from ..module import Module


class PixelShuffle(Module):
    r"""Rearrange :math:`(*, C r^2, H, W)` into :math:`(*, C, H r, W r)`, :math:`r` the
    ``upscale_factor``: :math:`y[c, h r + i, w r + j] = x[c r^2 + i r + j, h, w]`.

    Shape:
        - Input: :math:`(*, C_{in}, H_{in}, W_{in})`, :math:`C_{in}` divisible by :math:`r^2`.
        - Output: :math:`(*, C_{in} / r^2, H_{in} r, W_{in} r)`.

    Example::

        >>> ps = nn.PixelShuffle(3)
        >>> ps(torch.randn(1, 9, 4, 4)).shape
        torch.Size([1, 1, 12, 12])
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    r"""Rearrange :math:`(*, C, H r, W r)` into :math:`(*, C r^2, H, W)`, :math:`r` the
    ``downscale_factor``: the inverse of :class:`PixelShuffle`.

    Shape:
        - Input: :math:`(*, C_{in}, H_{in}, W_{in})`, :math:`H_{in}, W_{in}` divisible by :math:`r`.
        - Output: :math:`(*, C_{in} r^2, H_{in} / r, W_{in} / r)`.

    Example::

        >>> pu = nn.PixelUnshuffle(3)
        >>> pu(torch.randn(1, 1, 12, 12)).shape
        torch.Size([1, 9, 4, 4])
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    r"""Interleave the channels of ``groups`` groups (ShuffleNet), with
    :func:`~flambeau.nn.functional.channel_shuffle`: the channels read as a
    :math:`g \times C/g` grid, transposed.

    Shape:
        - Input: :math:`(N, C, *)`, :math:`C` divisible by ``groups``.
        - Output: the same.

    Example::

        >>> nn.ChannelShuffle(2)(torch.arange(4.0).reshape(1, 4, 1, 1)).flatten()
        tensor([0., 2., 1., 3.])
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


__all__ = ["PixelShuffle", "PixelUnshuffle", "ChannelShuffle"]
