r"""``Unfold`` and ``Fold``, as ``torch.nn.modules.fold``: the sliding blocks of a batch of images
as columns (im2col) and back (col2im, overlaps summed), with
:func:`flambeau.nn.functional.unfold` and :func:`~flambeau.nn.functional.fold`. A convolution
is an ``Unfold``, a matrix product with the flattened kernels, and a reshape:

.. math::
    \text{conv2d}(x, w) = \text{reshape}\left(w_{\text{flat}}\, \text{Unfold}(x)\right)

``Fold`` is ``Unfold``'s adjoint (not its inverse: a pixel covered by :math:`m` blocks comes back
:math:`m` times).
"""

from __future__ import annotations

from typing import Any

from ...ops.conv import fold, unfold
from ...tensor import Tensor
from ..module import Module


class Unfold(Module):
    r"""Extract the sliding blocks: column :math:`l` holds the :math:`C \prod k` values under
    the :math:`l`-th position of the kernel.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: :math:`(N, C k_h k_w, L)`, :math:`L` the number of positions.

    Example::

        >>> nn.Unfold(kernel_size=(2, 3))(torch.randn(2, 5, 3, 4)).shape
        torch.Size([2, 30, 4])
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding},"
                f" stride={self.stride}")


class Fold(Module):
    r"""Put columns of blocks back into images of ``output_size``, summing where blocks overlap.

    Shape:
        - Input: :math:`(N, C \prod k, L)` or :math:`(C \prod k, L)`.
        - Output: :math:`(N, C, \text{output\_size}[0], \text{output\_size}[1])`.

    Example::

        >>> nn.Fold(output_size=(4, 5), kernel_size=(2, 2))(torch.randn(1, 12, 12)).shape
        torch.Size([1, 3, 4, 5])
    """

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


__all__ = ["Unfold", "Fold"]
