r"""``Upsample`` (and ``UpsamplingNearest2d``, ``UpsamplingBilinear2d``): resize feature maps
with :func:`flambeau.nn.functional.interpolate`."""

from __future__ import annotations

from typing import Any

from ...ops import interpolate as _interp
from ...tensor import Tensor
from ..module import Module


class Upsample(Module):
    r"""Resize a batch of signals, images or volumes to ``size``, or by ``scale_factor``, with one
    of :func:`~flambeau.nn.functional.interpolate`'s modes: ``'nearest'`` (the default: each
    output pixel copies its nearest input pixel; ``Upsample(scale_factor=2)`` turns each pixel
    into a 2 x 2 block), ``'nearest-exact'``, ``'linear'``, ``'bilinear'``, ``'bicubic'``,
    ``'trilinear'``. The gradient of an input pixel is the sum of the output gradients it fed,
    each times its weight.

    Shape:
        - Input: :math:`(N, C, L)`, :math:`(N, C, H, W)` or :math:`(N, C, D, H, W)`.
        - Output: the same with :math:`H_{out} = \lfloor H \cdot \text{scale\_factor} \rfloor`
          (or ``size``).

    Example::

        >>> up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        >>> up(torch.randn(1, 3, 8, 8)).shape
        torch.Size([1, 3, 16, 16])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        return _interp.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                                   recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    r"""``Upsample(size, scale_factor, mode='nearest')`` for images.

    Shape:
        - Input: :math:`(N, C, H, W)`.
        - Output: :math:`(N, C, H_{out}, W_{out})`.
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    r"""``Upsample(size, scale_factor, mode='bilinear', align_corners=True)`` for images: the
    corner pixels of the input and the output coincide.

    Shape:
        - Input: :math:`(N, C, H, W)`.
        - Output: :math:`(N, C, H_{out}, W_{out})`.
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]
