r"""``Upsample``: make feature maps larger by copying each pixel (nearest neighbour)."""

from __future__ import annotations

from typing import Any

from ...ops import pool as _pool
from ...tensor import Tensor
from ..module import Module


class Upsample(Module):
    r"""Resize a batch of signals or images to ``size``, or by ``scale_factor``, each output
    pixel copying its nearest input pixel (``mode='nearest'`` or ``'nearest-exact'``; the
    interpolating modes are not written). ``Upsample(scale_factor=2)`` turns each pixel into a
    2 x 2 block. The gradient of an input pixel is the sum over its copies.

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(N, C, H, W)`.
        - Output: :math:`(N, C, L_{out})` or :math:`(N, C, H_{out}, W_{out})` with
          :math:`H_{out} = \lfloor H \cdot \text{scale\_factor} \rfloor` (or ``size``).
    """

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor is not None else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        return _pool.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                                 recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


__all__ = ["Upsample"]
