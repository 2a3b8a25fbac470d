r"""Lazy layers: ``LazyLinear``, ``LazyConv1d``, ``LazyConv2d``, ``LazyConvTranspose2d``,
``LazyBatchNorm1d``, ``LazyBatchNorm2d``, ``LazyInstanceNorm1d/2d/3d``.

A lazy layer is built without its input size: ``nn.LazyLinear(10)`` instead of
``nn.Linear(784, 10)``. Its weights are :class:`~flambeau.nn.parameter.UninitializedParameter`\ s
until the first call, which reads the size from the input (the last dimension for ``Linear``, the
channels for a convolution or a batch norm), gives the weights their shape, initialises them
exactly as the ordinary layer does, and turns the layer into that ordinary layer
(``type(layer)`` becomes ``Linear``...). The d2l.ai book builds all its networks this way.

Example::

    >>> net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))
    >>> net(torch.randn(2, 20)).shape
    torch.Size([2, 10])
    >>> net[0]
    Linear(in_features=20, out_features=256, bias=True)
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor, _make
from ..module import Module
from ..parameter import UninitializedBuffer, UninitializedParameter, is_lazy
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .linear import Linear
from .normalization import BatchNorm1d, BatchNorm2d


def _infer_parameters(module: Module, args: tuple) -> None:
    """The forward pre-hook of a lazy layer: shapes from the first input, then the ordinary class."""
    module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
    module._initialize_hook.remove()
    del module.__dict__["_initialize_hook"]
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become


class LazyModuleMixin:
    """What lazy layers share: a pre-hook that runs ``initialize_parameters`` on the first input
    and then turns the layer into ``cls_to_become``."""

    cls_to_become: type | None = None

    def _start_lazy(self) -> None:
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)  # type: ignore[attr-defined]

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer still waits for its shape."""
        return any(is_lazy(t) for t in chain(self._parameters.values(), self._buffers.values()))  # type: ignore[attr-defined]

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")


class LazyLinear(LazyModuleMixin, Linear):
    r"""A :class:`Linear` whose ``in_features`` is read from the first input (its last dimension).

    Shape:
        - Input: :math:`(*, H_{in})`, any :math:`H_{in}`, fixed by the first call.
        - Output: :math:`(*, H_{out})` with :math:`H_{out}` = ``out_features``.
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        self._start_lazy()

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()


class _LazyConvMixin(LazyModuleMixin):
    """The lazy convolutions: ``in_channels`` from dimension 1 of a batched input (0 unbatched)."""

    def _lazy_init(self, out_channels: int, bias: bool, device: Any, dtype: Any) -> None:
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        self._start_lazy()

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()  # type: ignore[misc]

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        if not self.has_uninitialized_params():
            return
        nd = self._nd  # type: ignore[attr-defined]
        if input.dim() not in (nd + 1, nd + 2):
            raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                               f"{type(self).__name__}, but got input of size: {input.shape}")
        self.in_channels = input.shape[1] if input.dim() == nd + 2 else input.shape[0]
        if self.in_channels % self.groups != 0:  # type: ignore[attr-defined]
            raise ValueError("in_channels must be divisible by groups")
        g, k = self.groups, tuple(self.kernel_size)  # type: ignore[attr-defined]
        with no_grad():
            if self.transposed:  # type: ignore[attr-defined]
                self.weight.materialize((self.in_channels, self.out_channels // g) + k)
            else:
                self.weight.materialize((self.out_channels, self.in_channels // g) + k)
            if self.bias is not None:  # type: ignore[attr-defined]
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()


class LazyConv1d(_LazyConvMixin, Conv1d):
    """A :class:`Conv1d` whose ``in_channels`` is read from the first input."""

    cls_to_become = Conv1d

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode)
        self._lazy_init(out_channels, bias, device, dtype)


class LazyConv2d(_LazyConvMixin, Conv2d):
    """A :class:`Conv2d` whose ``in_channels`` is read from the first input.

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` or :math:`(C_{in}, H, W)`, any :math:`C_{in}`.
        - Output: as :class:`Conv2d`.
    """

    cls_to_become = Conv2d

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode)
        self._lazy_init(out_channels, bias, device, dtype)


class LazyConvTranspose2d(_LazyConvMixin, ConvTranspose2d):
    """A :class:`ConvTranspose2d` whose ``in_channels`` is read from the first input."""

    cls_to_become = ConvTranspose2d

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation,
                         padding_mode)
        self._lazy_init(out_channels, bias, device, dtype)


class _LazyNormMixin(LazyModuleMixin):
    """The lazy batch norms: ``num_features`` from dimension 1 of the first input."""

    def _lazy_init(self, affine: bool, track_running_stats: bool, device: Any, dtype: Any) -> None:
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            import numpy as np

            self.num_batches_tracked = _make(np.zeros((), np.int64))
        self._start_lazy()

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()  # type: ignore[misc]

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        if not self.has_uninitialized_params():
            return
        self.num_features = input.shape[1]
        with no_grad():
            for t in (self.weight, self.bias, self.running_mean, self.running_var):  # type: ignore[attr-defined]
                if t is not None:
                    t.materialize((self.num_features,))
            self.reset_parameters()


class LazyBatchNorm1d(_LazyNormMixin, BatchNorm1d):
    """A :class:`BatchNorm1d` whose ``num_features`` is read from the first input."""

    cls_to_become = BatchNorm1d

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, eps, momentum, False, False)
        self._lazy_init(affine, track_running_stats, device, dtype)


class LazyBatchNorm2d(_LazyNormMixin, BatchNorm2d):
    """A :class:`BatchNorm2d` whose ``num_features`` (channels) is read from the first input."""

    cls_to_become = BatchNorm2d

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, eps, momentum, False, False)
        self._lazy_init(affine, track_running_stats, device, dtype)


class _LazyInstanceNorm(_LazyNormMixin):
    """The lazy instance norms: PyTorch's lazy defaults (``affine=True``,
    ``track_running_stats=True``, unlike ``InstanceNorm``'s), ``num_features`` from dimension 1
    of the first input (an unbatched input too, as PyTorch reads it)."""

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, eps, momentum, False, False)  # type: ignore[call-arg]
        self._lazy_init(affine, track_running_stats, device, dtype)


class LazyInstanceNorm1d(_LazyInstanceNorm, InstanceNorm1d):
    """An :class:`InstanceNorm1d` whose ``num_features`` is read from the first input."""

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyInstanceNorm, InstanceNorm2d):
    """An :class:`InstanceNorm2d` whose ``num_features`` (channels) is read from the first input."""

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyInstanceNorm, InstanceNorm3d):
    """An :class:`InstanceNorm3d` whose ``num_features`` (channels) is read from the first input."""

    cls_to_become = InstanceNorm3d


__all__ = ["LazyModuleMixin", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConvTranspose2d",
           "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"]
