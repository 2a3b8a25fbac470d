r"""Padding layers, as ``torch.nn.modules.padding``: the modes of
:func:`flambeau.nn.functional.pad` as modules, for 1, 2 or 3 padded dimensions.

- ``ConstantPad{1,2,3}d(padding, value)`` and ``ZeroPad{1,2,3}d(padding)``: a border of ``value``
  (0);
- ``ReflectionPad{1,2,3}d``: the input mirrored at its edge, the edge not repeated
  (``[1, 2, 3]`` padded by 2 reads ``[3, 2, 1, 2, 3, 2, 1]``);
- ``ReplicationPad{1,2,3}d``: the edge repeated (``[1, 1, 1, 2, 3, 3, 3]``);
- ``CircularPad{1,2,3}d``: the input wrapped around (``[2, 3, 1, 2, 3, 1, 2]``).

``padding`` is an int (the same on every side) or a tuple ``(left, right)``,
``(left, right, top, bottom)`` or ``(left, right, top, bottom, front, back)``, the last dimension
first; negative amounts crop. The gradient of an input element is the sum of the output
gradients of its copies.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...tensor import Tensor
from .. import functional as F
from ..module import Module


def _sides(padding: int | Sequence[int], n: int) -> tuple[int, ...]:
    """``padding`` as PyTorch's ``_ntuple(2 n)`` keeps it: an int repeated on the ``2 n`` sides,
    a sequence as a tuple of its own length."""
    if isinstance(padding, Sequence) or hasattr(padding, "__iter__"):
        return tuple(padding)
    return (padding,) * (2 * n)


class _PadNd(Module):
    """The padding of ``_n`` dimensions in ``_mode``; printed as PyTorch prints it: its tuple."""

    _n = 1
    _mode = "constant"

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _sides(padding, self._n)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    r"""Pad the last dimension with ``value``.

    Shape:
        - Input: :math:`(C, W_{in})` or :math:`(N, C, W_{in})`.
        - Output: :math:`W_{out} = W_{in} + \text{left} + \text{right}`.

    Example::

        >>> nn.ConstantPad1d(2, 3.5)(torch.ones(1, 1, 2))
        tensor([[[3.5000, 3.5000, 1.0000, 1.0000, 3.5000, 3.5000]]])
    """

    _n = 1


class ConstantPad2d(_ConstantPadNd):
    r"""Pad the last two dimensions with ``value``.

    Shape:
        - Input: :math:`(C, H_{in}, W_{in})` or :math:`(N, C, H_{in}, W_{in})`.
        - Output: :math:`H_{out} = H_{in} + \text{top} + \text{bottom}`,
          :math:`W_{out} = W_{in} + \text{left} + \text{right}`.

    Example::

        >>> nn.ConstantPad2d((1, 1, 0, 2), 0.5)(torch.ones(1, 2, 2)).shape
        torch.Size([1, 4, 4])
    """

    _n = 2


class ConstantPad3d(_ConstantPadNd):
    r"""Pad the last three dimensions with ``value``.

    Shape:
        - Input: :math:`(C, D_{in}, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`.
        - Output: each padded dimension grows by its two amounts.

    Example::

        >>> nn.ConstantPad3d(1, 0.0)(torch.ones(1, 1, 1, 1)).shape
        torch.Size([1, 3, 3, 3])
    """

    _n = 3


class ZeroPad1d(ConstantPad1d):
    r"""Pad the last dimension with zeros: ``ConstantPad1d(padding, 0.0)``.

    Shape:
        - Input: :math:`(C, W_{in})` or :math:`(N, C, W_{in})`.
        - Output: :math:`W_{out} = W_{in} + \text{left} + \text{right}`.

    Example::

        >>> nn.ZeroPad1d((1, 2))(torch.ones(1, 2))
        tensor([[0., 1., 1., 0., 0.]])
    """

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    r"""Pad the last two dimensions with zeros: ``ConstantPad2d(padding, 0.0)``.

    Shape:
        - Input: :math:`(C, H_{in}, W_{in})` or :math:`(N, C, H_{in}, W_{in})`.
        - Output: :math:`H_{out} = H_{in} + \text{top} + \text{bottom}`,
          :math:`W_{out} = W_{in} + \text{left} + \text{right}`.

    Example::

        >>> nn.ZeroPad2d((1, 1, 2, 0))(torch.ones(1, 1, 2, 2)).shape
        torch.Size([1, 1, 4, 4])
    """

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    r"""Pad the last three dimensions with zeros: ``ConstantPad3d(padding, 0.0)``.

    Shape:
        - Input: :math:`(C, D_{in}, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`.
        - Output: each padded dimension grows by its two amounts.

    Example::

        >>> nn.ZeroPad3d(1)(torch.ones(1, 1, 1, 1)).shape
        torch.Size([1, 3, 3, 3])
    """

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    r"""Pad the last dimension with its mirror image (the edge not repeated); each amount must
    be smaller than the dimension.

    Shape:
        - Input: :math:`(C, W_{in})` or :math:`(N, C, W_{in})`.
        - Output: :math:`W_{out} = W_{in} + \text{left} + \text{right}`.

    Example::

        >>> nn.ReflectionPad1d(2)(torch.tensor([[[1.0, 2.0, 3.0]]]))
        tensor([[[3., 2., 1., 2., 3., 2., 1.]]])
    """

    _n, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    r"""Pad the last two dimensions with their mirror image (the edge not repeated), as the
    style-transfer networks do before each convolution.

    Shape:
        - Input: :math:`(C, H_{in}, W_{in})` or :math:`(N, C, H_{in}, W_{in})`.
        - Output: :math:`H_{out} = H_{in} + \text{top} + \text{bottom}`,
          :math:`W_{out} = W_{in} + \text{left} + \text{right}`.

    Example::

        >>> nn.ReflectionPad2d(1)(torch.arange(4.0).reshape(1, 1, 2, 2))
        tensor([[[[3., 2., 3., 2.],
                  [1., 0., 1., 0.],
                  [3., 2., 3., 2.],
                  [1., 0., 1., 0.]]]])
    """

    _n, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    r"""Pad the last three dimensions with their mirror image (the edge not repeated).

    Shape:
        - Input: :math:`(C, D_{in}, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`.
        - Output: each padded dimension grows by its two amounts.

    Example::

        >>> nn.ReflectionPad3d(1)(torch.ones(1, 1, 2, 2, 2)).shape
        torch.Size([1, 1, 4, 4, 4])
    """

    _n, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    r"""Pad the last dimension by repeating its edge.

    Shape:
        - Input: :math:`(C, W_{in})` or :math:`(N, C, W_{in})`.
        - Output: :math:`W_{out} = W_{in} + \text{left} + \text{right}`.

    Example::

        >>> nn.ReplicationPad1d((1, 2))(torch.tensor([[[1.0, 2.0]]]))
        tensor([[[1., 1., 2., 2., 2.]]])
    """

    _n, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    r"""Pad the last two dimensions by repeating their edges.

    Shape:
        - Input: :math:`(C, H_{in}, W_{in})` or :math:`(N, C, H_{in}, W_{in})`.
        - Output: :math:`H_{out} = H_{in} + \text{top} + \text{bottom}`,
          :math:`W_{out} = W_{in} + \text{left} + \text{right}`.

    Example::

        >>> nn.ReplicationPad2d(1)(torch.ones(1, 1, 2, 2)).shape
        torch.Size([1, 1, 4, 4])
    """

    _n, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    r"""Pad the last three dimensions by repeating their edges.

    Shape:
        - Input: :math:`(C, D_{in}, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`.
        - Output: each padded dimension grows by its two amounts.

    Example::

        >>> nn.ReplicationPad3d(1)(torch.ones(1, 1, 2, 2, 2)).shape
        torch.Size([1, 1, 4, 4, 4])
    """

    _n, _mode = 3, "replicate"


class _CircularPadNd(_PadNd):
    """Circular padding checks the number of dimensions itself, with a ``ValueError``."""

    _mode = "circular"

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        ndim = input.dim()
        if ndim not in (self._n + 1, self._n + 2):
            raise ValueError(f"expected {self._n + 1}D or {self._n + 2}D input (got {ndim}D input)")
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    r"""Pad the last dimension by wrapping it around (at most once).

    Shape:
        - Input: :math:`(C, W_{in})` or :math:`(N, C, W_{in})`.
        - Output: :math:`W_{out} = W_{in} + \text{left} + \text{right}`.

    Example::

        >>> nn.CircularPad1d(2)(torch.tensor([[[1.0, 2.0, 3.0]]]))
        tensor([[[2., 3., 1., 2., 3., 1., 2.]]])
    """

    _n = 1


class CircularPad2d(_CircularPadNd):
    r"""Pad the last two dimensions by wrapping them around (at most once): a torus.

    Shape:
        - Input: :math:`(C, H_{in}, W_{in})` or :math:`(N, C, H_{in}, W_{in})`.
        - Output: :math:`H_{out} = H_{in} + \text{top} + \text{bottom}`,
          :math:`W_{out} = W_{in} + \text{left} + \text{right}`.

    Example::

        >>> nn.CircularPad2d(1)(torch.ones(1, 1, 2, 2)).shape
        torch.Size([1, 1, 4, 4])
    """

    _n = 2


class CircularPad3d(_CircularPadNd):
    r"""Pad the last three dimensions by wrapping them around (at most once).

    Shape:
        - Input: :math:`(C, D_{in}, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`.
        - Output: each padded dimension grows by its two amounts.

    Example::

        >>> nn.CircularPad3d(1)(torch.ones(1, 1, 2, 2, 2)).shape
        torch.Size([1, 1, 4, 4, 4])
    """

    _n = 3


__all__ = [
    "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
    "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
]
