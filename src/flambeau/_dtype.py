"""Data types, with PyTorch's names and its type-promotion rules.

A flambeau dtype wraps a NumPy dtype. The promotion rules are PyTorch's, which differ from NumPy's
in two ways that students meet at once:

- a Python number never widens a tensor of its own kind: ``float32_tensor * 0.5`` stays float32;
- an integer tensor meeting a float gives the *default* float dtype (float32), not float64.

Zero-dimensional tensors rank below tensors with dimensions, and Python numbers below both: a
lower-ranked operand changes the result only when it is of a higher category (bool < int < float).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "dtype", "float16", "half", "bfloat16", "float32", "float", "float64", "double", "int8", "int16", "short",
    "int32", "int", "int64", "long", "uint8", "bool", "get_default_dtype", "set_default_dtype",
]

_builtin_bool = bool
_builtin_float = float
_builtin_int = int


_C_NAMES = {"float32": "float", "float64": "double", "float16": "half", "int64": "long", "int32": "int",
            "int16": "short", "int8": "char", "uint8": "unsigned char", "bool": "bool"}
# the C++ type names of PyTorch's type metadata where they differ ("a gradient with dtype 'long int'")
_META_NAMES = {"int64": "long int", "int16": "short int", "int8": "signed char",
               "float16": "c10::Half", "bfloat16": "c10::BFloat16"}


class dtype:
    """A tensor element type, printed as PyTorch prints it (``torch.float32``).

    ``np`` is the NumPy dtype holding the values. For ``bfloat16`` it comes from ``ml_dtypes``,
    imported the first time it is needed (so ``import flambeau`` loads NumPy only)."""

    __slots__ = ("name", "np", "category", "itemsize", "scalar_name", "legacy_type", "c_name",
                 "meta_name")

    def __init__(self, name: str, np_dtype: type | None, category: int, scalar_name: str,
                 itemsize: int = 0) -> None:
        self.name = name
        self.category = category  # 0 bool, 1 integer, 2 floating point
        if np_dtype is None:  # bfloat16: ``np`` is looked up on first use (``__getattr__``)
            self.itemsize = itemsize
        else:
            self.np = np.dtype(np_dtype)
            self.itemsize = self.np.itemsize
        # PyTorch's names in its messages: "result type Float can't be cast to ... Long",
        # "[torch.FloatTensor [2, 3]]"
        self.scalar_name = scalar_name
        self.legacy_type = f"torch.{scalar_name}Tensor"
        # and the C++ type name in others: "Input type (double) and weight type (float)"
        self.c_name = _C_NAMES.get(name, name)
        self.meta_name = _META_NAMES.get(name, self.c_name)

    def __getattr__(self, attr: str) -> object:
        if attr == "np" and self.name == "bfloat16":
            return _load_bfloat16()
        raise AttributeError(f"'torch.dtype' object has no attribute '{attr}'")

    @property
    def is_floating_point(self) -> _builtin_bool:
        return self.category == 2

    @property
    def is_signed(self) -> _builtin_bool:
        return self.name not in ("bool", "uint8")

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name


bool = dtype("bool", np.bool_, 0, "Bool")  # noqa: A001 - PyTorch's name
uint8 = dtype("uint8", np.uint8, 1, "Byte")
int8 = dtype("int8", np.int8, 1, "Char")
int16 = short = dtype("int16", np.int16, 1, "Short")
int32 = int = dtype("int32", np.int32, 1, "Int")  # noqa: A001
int64 = long = dtype("int64", np.int64, 1, "Long")
float16 = half = dtype("float16", np.float16, 2, "Half")
bfloat16 = dtype("bfloat16", None, 2, "BFloat16", itemsize=2)
float32 = float = dtype("float32", np.float32, 2, "Float")  # noqa: A001
float64 = double = dtype("float64", np.float64, 2, "Double")

_ALL = (bool, uint8, int8, int16, int32, int64, float16, float32, float64)
_FROM_NUMPY: dict[np.dtype, dtype] = {d.np: d for d in _ALL}
FLOAT_KINDS = "fV"  # NumPy's kind letters of floating dtypes: 'V' is ml_dtypes' bfloat16


def _load_bfloat16() -> np.dtype:
    """Import ``ml_dtypes`` and register its bfloat16 as flambeau's."""
    try:
        import ml_dtypes
    except ImportError:
        raise ImportError("flambeau.bfloat16 needs the ml_dtypes package: pip install ml_dtypes") from None
    npd = np.dtype(ml_dtypes.bfloat16)
    bfloat16.np = npd
    _FROM_NUMPY[npd] = bfloat16
    return npd


def is_float(npd: np.dtype) -> _builtin_bool:
    """True for a NumPy dtype holding floating-point values (bfloat16 included)."""
    return npd.kind in FLOAT_KINDS

_default_float = float32


def get_default_dtype() -> dtype:
    """The dtype of floats created without one (``float32`` unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the dtype of floats created without one: ``float32`` or ``float64``."""
    global _default_float
    if d not in (float32, float64, float16, bfloat16):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def scalar_name(npd: np.dtype) -> str:
    """PyTorch's name of a NumPy dtype in its messages: ``Float``, ``Long``..."""
    return _FROM_NUMPY[np.dtype(npd)].scalar_name


_CONVERT_NAMES = {"float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float",
                  "float64": "double", "int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t",
                  "int32": "int", "int64": "int64_t"}


def check_python_int(value: _builtin_int) -> None:
    """PyTorch reads a Python int operand as an int64, or as a uint64 from 2**63 up (an integer
    tensor then wraps it round); beyond, it raises OverflowError with these words."""
    if value < -0x8000000000000000:
        raise OverflowError("can't convert negative int to unsigned")
    if value >= 0x10000000000000000:
        raise OverflowError("int too big to convert")


def check_fill_value(value: object, npd: np.dtype) -> None:
    """PyTorch's refusal to fill a tensor of dtype ``npd`` with a Python number it cannot hold
    (``fill_``, ``full``, ``masked_fill``): a finite float beyond the largest float, an integer
    beyond the integer range (NumPy would wrap it round or warn)."""
    if isinstance(value, (_builtin_bool, np.bool_)) or npd.kind == "b":
        return
    if not isinstance(value, (_builtin_int, _builtin_float, np.integer, np.floating)):
        return
    if isinstance(value, _builtin_int):
        check_python_int(value)
    if npd.kind in "fV":
        fits = not math.isfinite(value) or abs(value) <= _builtin_float(
            np.finfo(npd).max if npd.kind == "f" else 3.3895313892515355e38)
    elif not math.isfinite(value):
        fits = False
    else:
        info = np.iinfo(npd)
        low = -_builtin_int(info.max) if info.min == 0 else _builtin_int(info.min)  # unsigned: negatives wrap
        fits = low <= math.trunc(value) <= _builtin_int(info.max)
    if not fits:
        name = _CONVERT_NAMES.get(_FROM_NUMPY[npd].name, str(npd))
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")


def from_numpy_dtype(npd: np.dtype) -> dtype:
    try:
        return _FROM_NUMPY[npd]
    except KeyError:
        if npd.name == "bfloat16" and _load_bfloat16() == npd:
            return bfloat16
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{npd.type.__name__}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_dtype(d: object) -> dtype:
    """Accept a flambeau dtype, a NumPy dtype or a Python type (``float``, ``int``, ``bool``)."""
    if isinstance(d, dtype):
        return d
    if d is _builtin_float:
        return _default_float
    if d is _builtin_int:
        return int64
    if d is _builtin_bool:
        return bool
    try:
        return from_numpy_dtype(np.dtype(d))  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"dtype must be a flambeau dtype (such as flambeau.float32), got {d!r}") from None


def promote_types(a: dtype, b: dtype) -> dtype:
    """The smallest dtype both ``a`` and ``b`` convert to, as ``torch.promote_types``."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    if a.category == 1 and (a is uint8 or b is uint8):
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    if a.itemsize == b.itemsize == 2 and a.category == 2:  # float16 with bfloat16
        return float32
    return a if a.itemsize >= b.itemsize else b


def scalar_category(x: object) -> _builtin_int:
    if isinstance(x, _builtin_bool):
        return 0
    if isinstance(x, _builtin_int):
        return 1
    return 2


def default_for_category(cat: _builtin_int) -> dtype:
    return (bool, int64, _default_float)[cat]


def result_type(*operands: object) -> dtype:
    """The dtype of an elementwise op on tensors and Python numbers, as ``torch.result_type``.

    Operands rank: tensors with dimensions, then 0-d tensors, then Python numbers. A lower-ranked
    operand matters only when its category (bool < int < float) is higher than the result so far.
    """
    from .tensor import Tensor

    dim_t = zero_t = scalar = None
    for x in operands:
        if isinstance(x, Tensor):
            d = x.dtype
            if x._data.ndim:
                dim_t = d if dim_t is None else promote_types(dim_t, d)
            else:
                zero_t = d if zero_t is None else promote_types(zero_t, d)
        else:
            d = default_for_category(scalar_category(x))
            scalar = d if scalar is None else promote_types(scalar, d)
    result = dim_t
    for lower in (zero_t, scalar):
        if lower is None:
            continue
        if result is None:
            result = lower
        elif lower.category > result.category:
            result = promote_types(result, lower) if lower is not scalar else lower
    assert result is not None
    return result


class finfo:
    """The limits of a floating dtype, as ``torch.finfo``: ``bits eps max min tiny
    smallest_normal resolution dtype`` (the default float dtype when none is given)."""

    def __init__(self, type: dtype | None = None) -> None:  # noqa: A002 - PyTorch's name
        d = _default_float if type is None else to_dtype(type)
        if d.category != 2:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo "
                            "to handle 'torch.finfo'")
        if d is bfloat16:
            import ml_dtypes

            info = ml_dtypes.finfo(ml_dtypes.bfloat16)
        else:
            info = np.finfo(d.np)
        self.bits = d.itemsize * 8
        self.eps, self.max, self.min = _builtin_float(info.eps), _builtin_float(info.max), _builtin_float(info.min)
        self.tiny = self.smallest_normal = _builtin_float(info.smallest_normal)
        self.resolution = _builtin_float(10.0 ** -info.precision)
        self.dtype = d.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """The limits of an integer dtype, as ``torch.iinfo``: ``bits max min dtype``."""

    def __init__(self, type: dtype) -> None:  # noqa: A002 - PyTorch's name
        d = to_dtype(type)
        if d.category != 1:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        info = np.iinfo(d.np)
        self.bits, self.dtype = d.itemsize * 8, d.name
        self.max, self.min = _builtin_int(info.max), _builtin_int(info.min)

    def __repr__(self) -> str:
        return f"iinfo(min={_builtin_float(self.min):g}, max={_builtin_float(self.max):g}, dtype={self.dtype})"
