"""PyTorch's older spellings of tensor types: ``FloatTensor``, ``LongTensor``... and the
``Tensor.new_*`` and ``Tensor.type(...)`` methods that go with them.

``flambeau.FloatTensor([1, 2])`` is ``flambeau.tensor([1., 2.])``; ``FloatTensor(2, 3)`` a 2x3
tensor of float32 (PyTorch leaves it uninitialised; flambeau fills it with zeros);
``isinstance(x, flambeau.FloatTensor)`` is True for a float32 tensor, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

from . import _dtype as dt
from ._device import check, check_to
from .ops import creation, shape
from .ops._core import shape_args
from .tensor import Size, Tensor

_NAMES = {"Float": dt.float32, "Double": dt.float64, "Half": dt.float16, "BFloat16": dt.bfloat16,
          "Long": dt.int64, "Int": dt.int32, "Short": dt.int16, "Char": dt.int8, "Byte": dt.uint8,
          "Bool": dt.bool}
_CUDA_MISSING = ("Cannot initialize CUDA without ATen_cuda library. PyTorch splits its backend into "
                 "two shared libraries: a CPU library and a CUDA library; this error has occurred "
                 "because you are trying to use some CUDA functionality, but the CUDA library has "
                 "not been loaded by the dynamic linker for some reason.")


class _LegacyType(type):
    """The metaclass of ``FloatTensor`` and its kin: a call builds a tensor of that dtype, and
    ``isinstance`` asks for a tensor of that dtype."""

    dtype: dt.dtype

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        check(device)
        if not args:
            return creation.zeros(0, dtype=cls.dtype)
        if len(args) == 1 and not isinstance(args[0], (int, Size)):
            data = args[0]
            if isinstance(data, Tensor):
                if data.dtype is not cls.dtype:
                    raise TypeError(f"expected {cls.__name__[:-6]} tensor (got {data.dtype})")
                return data
            return creation.tensor(data, dtype=cls.dtype)
        return creation.empty(shape_args(args), dtype=cls.dtype)  # uninitialised in PyTorch

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def _legacy_class(name: str, d: dt.dtype) -> type:
    return _LegacyType(f"{name}Tensor", (), {"dtype": d, "__module__": "flambeau",
                                             "__doc__": f"The old name of a tensor of {d}."})


FloatTensor = _legacy_class("Float", dt.float32)
DoubleTensor = _legacy_class("Double", dt.float64)
HalfTensor = _legacy_class("Half", dt.float16)
BFloat16Tensor = _legacy_class("BFloat16", dt.bfloat16)
LongTensor = _legacy_class("Long", dt.int64)
IntTensor = _legacy_class("Int", dt.int32)
ShortTensor = _legacy_class("Short", dt.int16)
CharTensor = _legacy_class("Char", dt.int8)
ByteTensor = _legacy_class("Byte", dt.uint8)
BoolTensor = _legacy_class("Bool", dt.bool)


def type_of(self: Tensor, dtype: Any = None, non_blocking: bool = False, **kwargs: Any) -> Any:
    """``x.type()``: the old name of its type (``'torch.FloatTensor'``); ``x.type(dtype)``,
    ``x.type('torch.LongTensor')`` or ``x.type(flambeau.LongTensor)``: ``x`` converted (``x``
    itself if it has that type already)."""
    if dtype is None:
        return shape._legacy_name(self)
    if isinstance(dtype, _LegacyType):
        dtype = dtype.dtype
    elif isinstance(dtype, str):
        name = dtype
        if name.startswith("torch.cuda."):
            raise RuntimeError(_CUDA_MISSING)
        if not (name.startswith("torch.") and name.endswith("Tensor") and name[6:-6] in _NAMES):
            raise ValueError(f"invalid type: '{name}'")
        dtype = _NAMES[name[6:-6]]
    return shape.to_dtype(self, dt.to_dtype(dtype))


def _sizes(size: tuple, kw: dict) -> tuple:
    if "size" in kw:
        if size:
            raise TypeError("new_*() got multiple values for argument 'size'")
        size = (kw.pop("size"),)
    return shape_args(size)


def _options(self: Tensor, kw: dict) -> tuple[Any, bool]:
    """dtype and requires_grad of a ``new_*`` call; ``device``, ``layout`` and ``pin_memory`` are
    checked or accepted as PyTorch's."""
    check(kw.pop("device", None))
    kw.pop("layout", None)
    kw.pop("pin_memory", None)
    dtype, requires_grad = kw.pop("dtype", None), kw.pop("requires_grad", False)
    if kw:
        raise TypeError(f"new_*() got an unexpected keyword argument '{next(iter(kw))}'")
    return (self.dtype if dtype is None else dtype), requires_grad


def new_zeros(self: Tensor, *size: Any, **kw: Any) -> Tensor:
    """A tensor of zeros of ``size``, with this tensor's dtype unless ``dtype=`` says."""
    shp = _sizes(size, kw)
    d, rg = _options(self, kw)
    return creation.new_zeros(shp, dtype=d, requires_grad=rg)


def new_ones(self: Tensor, *size: Any, **kw: Any) -> Tensor:
    """A tensor of ones of ``size``, with this tensor's dtype unless ``dtype=`` says."""
    shp = _sizes(size, kw)
    d, rg = _options(self, kw)
    return creation.ones(shp, dtype=d, requires_grad=rg)


def new_empty(self: Tensor, *size: Any, **kw: Any) -> Tensor:
    """A tensor of ``size`` with this tensor's dtype (flambeau fills it with zeros)."""
    shp = _sizes(size, kw)
    d, rg = _options(self, kw)
    return creation.empty(shp, dtype=d, requires_grad=rg)


def new_full(self: Tensor, size: Any, fill_value: Any, **kw: Any) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``, with this tensor's dtype."""
    d, rg = _options(self, kw)
    return creation.full(shape_args((size,)), fill_value, dtype=d, requires_grad=rg)


def new_tensor(self: Tensor, data: Any, **kw: Any) -> Tensor:
    """A copy of ``data`` as a new leaf tensor, with this tensor's dtype unless ``dtype=`` says."""
    check_to(kw.pop("device", None))
    kw.pop("device", None)
    d, rg = _options(self, kw)
    if isinstance(data, Tensor):
        import warnings

        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "tensor.new_tensor(sourceTensor).", UserWarning, stacklevel=2)
        data = data.detach()._data  # its values: creation.tensor would warn again
    return creation.tensor(data, dtype=d, requires_grad=rg)


def bind() -> None:
    Tensor.type = type_of
    Tensor.new_zeros = new_zeros
    Tensor.new_ones = new_ones
    Tensor.new_empty = new_empty
    Tensor.new_full = new_full
    Tensor.new_tensor = new_tensor
