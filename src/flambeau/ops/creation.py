"""Making tensors: from data (``tensor``, ``as_tensor``, ``from_numpy``) and by shape (``zeros``,
``ones``, ``full``, ``arange``, ``linspace``, ``eye``...), with PyTorch's dtype inference: Python
floats give float32 (the default dtype), ints int64, bools bool; NumPy arrays keep their dtype."""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np

from .. import _dtype as dt
from .._device import check, check_to
from ._core import Tensor, _make, shape_args


def _finish(arr: np.ndarray, requires_grad: bool) -> Tensor:
    t = _make(arr)
    if requires_grad:
        t.requires_grad = True
    return t


def _infer(data: Any, want: dt.dtype | None = None) -> np.ndarray:
    """NumPy array for ``data``, with PyTorch's dtype inference: a NumPy array or tensor keeps
    its dtype; in (nested) sequences, each number has a dtype (Python bool, int and float give
    bool, int64 and the default float; NumPy scalars and 0-d tensors their own) and the result
    is the promotion of them all."""
    if isinstance(data, Tensor):
        return data._data.copy()
    if isinstance(data, np.ndarray):
        dt.from_numpy_dtype(data.dtype)
        return data.copy()
    if isinstance(data, range):
        data = list(data)
    _check_no_string_dimension(data)
    leaves = _flat(data)
    types = set(map(type, leaves))
    with_arrays = any(issubclass(tp, (Tensor, np.ndarray)) for tp in types)
    dtypes = {_type_dtype(tp) for tp in types if not issubclass(tp, (Tensor, np.ndarray))}
    if with_arrays:  # tensors and arrays: each has its own dtype
        dtypes |= {_leaf_dtype(v) for v in leaves if isinstance(v, (Tensor, np.ndarray))}
    result = dt.get_default_dtype()
    if dtypes:
        result = functools.reduce(dt.promote_types, dtypes)
    if want is not None and want.is_floating_point and not with_arrays:
        result = want  # Python numbers go straight to the asked dtype (0.1 stays exact in float64)
    values = _plain(data) if with_arrays else data
    try:
        if result.is_floating_point:  # beyond the largest float: inf, silently, as PyTorch
            with np.errstate(over="ignore"):
                return np.array(values, dtype=result.np)
        return np.array(values, dtype=result.np)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None
    except ValueError as e:
        raise ValueError(f"expected a rectangular nested sequence of numbers: {e}") from None


def _type_dtype(tp: type) -> dt.dtype:
    """The dtype PyTorch infers for a number of Python or NumPy type ``tp``."""
    if issubclass(tp, np.generic):  # first: np.float64 is also a Python float
        if issubclass(tp, (np.str_, np.bytes_, np.object_)):
            raise TypeError(f"new(): invalid data type '{tp.__name__}'")
        return dt.from_numpy_dtype(np.dtype(tp))
    if issubclass(tp, bool):
        return dt.bool
    if issubclass(tp, int):
        return dt.int64
    if issubclass(tp, float):
        return dt.get_default_dtype()
    if issubclass(tp, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{tp.__name__}'")
    raise RuntimeError(f"Could not infer dtype of {tp.__name__}")


def _check_no_string_dimension(data: Any) -> None:
    """PyTorch reads the sizes along the first elements, and a non-empty string there is one
    more sequence: ``tensor(["a"])`` has 'too many dimensions'."""
    first = data
    while isinstance(first, (list, tuple)) and len(first) > 0:
        first = first[0]
    if first is not data and isinstance(first, str) and first:
        raise ValueError("too many dimensions 'str'")


def _leaf_dtype(v: Any) -> dt.dtype:
    """The dtype of a tensor or array found in the data."""
    if isinstance(v, Tensor):
        if v._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return v.dtype
    return dt.from_numpy_dtype(v.dtype)


def _flat(data: Any) -> list:
    """The leaves of nested lists and tuples (NumPy arrays count as one leaf)."""
    out: list = []
    stack = [data]
    while stack:
        d = stack.pop()
        if isinstance(d, (list, tuple, range)):
            stack.extend(d)
        else:
            out.append(d)
    return out


def _plain(data: Any) -> Any:
    """``data`` with its tensors and NumPy values turned into Python numbers and lists."""
    if isinstance(data, Tensor):
        return data._data.reshape(()).item()
    if isinstance(data, (np.ndarray, np.generic)):
        return data.tolist()
    if isinstance(data, (list, tuple, range)):
        return [_plain(d) for d in data]
    return data


def tensor(data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (numbers, nested lists, NumPy arrays)."""
    check_to(device)
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
                      "or sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "torch.tensor(sourceTensor).", UserWarning, stacklevel=2)
    want = None if dtype is None else dt.to_dtype(dtype)
    arr = _infer(data, want)
    if want is not None and arr.dtype != want.np:
        arr = arr.astype(want.np)
    return _finish(arr, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor``, but shares memory with a NumPy array or tensor when no conversion is
    needed."""
    check_to(device)
    if isinstance(data, Tensor):
        if dtype is None or data.dtype == dt.to_dtype(dtype):
            return data
        return _make(data._data.astype(dt.to_dtype(dtype).np))
    if isinstance(data, np.ndarray):
        d = dt.from_numpy_dtype(data.dtype) if dtype is None else dt.to_dtype(dtype)
        return _make(data.astype(d.np, copy=False))
    return tensor(data, dtype=dtype)


def from_numpy(arr: np.ndarray, *, _stacklevel: int = 2) -> Tensor:
    """A tensor sharing memory with the NumPy array ``arr`` (its dtype is kept)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    dt.from_numpy_dtype(arr.dtype)
    if not arr.flags.writeable and not _READ_ONLY_WARNED:
        _warn_read_only(_stacklevel + 1)
    return _make(arr)


_READ_ONLY_WARNED = False


def _warn_read_only(stacklevel: int) -> None:
    """PyTorch's warning, once per program, for an array that is not writable (an image read
    with ``np.asarray(PIL image)``): the tensor writes into it anyway."""
    global _READ_ONLY_WARNED
    _READ_ONLY_WARNED = True
    warnings.warn("The given NumPy array is not writable, and PyTorch does not support non-writable tensors. "
                  "This means writing to this tensor will result in undefined behavior. You may want to copy "
                  "the array to protect its data or make it writable before converting it to a tensor. This "
                  "type of warning will be suppressed for the rest of this program.", UserWarning,
                  stacklevel=stacklevel)


def _dtype_or_default(dtype: Any) -> np.dtype:
    return (dt.get_default_dtype() if dtype is None else dt.to_dtype(dtype)).np


def sizes(name: str, size: tuple) -> tuple[int, ...]:
    """The shape given to a creation function (``f(2, 3)``, ``f((2, 3))``...), checked."""
    if not size:
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
    shape = shape_args(size)
    check_sizes(shape, name)
    return shape


def check_sizes(shape: tuple[int, ...], name: str = "") -> None:
    """PyTorch's error for a negative size in the shape of a tensor to create."""
    negative = next((s for s in shape if s < 0), None)
    if negative is None:
        return
    if name == "zeros":  # its own kernel, its own message
        raise RuntimeError("zeros: Dimension size must be non-negative.")
    raise RuntimeError(f"Trying to create tensor with negative dimension {negative}: {list(shape)}")


def _by_shape(fill: Any, name: str) -> Any:
    def make(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None,
             out: Any = None) -> Tensor:
        check(device)
        return _finish(fill(sizes(name, size), _dtype_or_default(dtype)), requires_grad)

    make.__name__ = name
    return make


zeros = _by_shape(np.zeros, "zeros")
new_zeros = _by_shape(np.zeros, "new_zeros")  # Tensor.new_zeros: the usual message, not zeros'
ones = _by_shape(np.ones, "ones")
empty = _by_shape(np.zeros, "empty")
zeros.__doc__ = "A tensor of zeros of the given shape."
ones.__doc__ = "A tensor of ones of the given shape."
empty.__doc__ = "A tensor of the given shape (flambeau fills it with zeros)."


def full(size: Any, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """A tensor of the given shape filled with ``fill_value`` (its dtype follows the value)."""
    check(device)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        d = dt.default_for_category(dt.scalar_category(fill_value)).np
    else:
        d = dt.to_dtype(dtype).np
    dt.check_fill_value(fill_value, d)
    if d.kind == "u" and isinstance(fill_value, int) and fill_value < 0:
        fill_value = np.array(fill_value).astype(d)  # wraps round, as PyTorch's uint8 does
    return _finish(np.full(sizes("full", (size,)), fill_value, dtype=d), requires_grad)


def _like(fn: Any) -> Any:
    def like(a: Tensor, *, dtype: Any = None, requires_grad: bool = False, device: Any = None,
             memory_format: Any = None) -> Tensor:
        check(device, "aten::empty_strided")
        return fn(a._data.shape, dtype=dtype or a.dtype, requires_grad=requires_grad)

    like.__name__ = fn.__name__ + "_like"
    like.__doc__ = f"``{fn.__name__}`` with the shape (and dtype, unless given) of ``a``."
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)


def full_like(a: Tensor, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False,
              device: Any = None, memory_format: Any = None) -> Tensor:
    check(device, "aten::empty_strided")
    return full(a._data.shape, fill_value, dtype=dtype or a.dtype, requires_grad=requires_grad)


def arange(start: Any = 0, end: Any = None, step: Any = 1, *, dtype: Any = None,
           requires_grad: bool = False, device: Any = None) -> Tensor:
    """Numbers from ``start`` up to (not including) ``end`` by ``step``: int64 if all three are
    integers, else the default float dtype."""
    check(device)
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    for v in vals:
        if v.__class__ is int and not -0x8000000000000000 <= v < 0x8000000000000000:
            dt.check_fill_value(v, np.dtype(np.int64))  # PyTorch's OverflowError or RuntimeError
    if vals[2] == 0:
        raise RuntimeError("step must be nonzero")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in vals)
        d = np.int64 if is_int else dt.get_default_dtype().np
    else:
        d = dt.to_dtype(dtype).np
    n = int(np.ceil((vals[1] - vals[0]) / vals[2]))
    arr = (vals[0] + np.arange(max(n, 0), dtype=np.float64) * vals[2]).astype(d) \
        if np.dtype(d).kind in "fV" else np.arange(vals[0], vals[1], vals[2]).astype(d)
    return _finish(arr, requires_grad)


def linspace(start: float, end: float, steps: int, *, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """``steps`` evenly spaced numbers from ``start`` to ``end``, both included."""
    check(device)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _finish(_linspace(start, end, steps, _dtype_or_default(dtype)), requires_grad)


def _fma(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """a * b + c rounded once (float64), as the fused multiply-add PyTorch's compiled kernel uses:
    the product's rounding error (Dekker's split) and the sum's (Knuth's TwoSum) added back."""
    split = 134217729.0  # 2**27 + 1
    p = a * b
    ah = a * split - (a * split - a)
    bh = b * split - (b * split - b)
    al, bl = a - ah, b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # p + e == a * b exactly
    s = p + c
    v = s - p
    err = (p - (s - v)) + (c - v)  # s + err == p + c exactly
    return s + (err + e)


def _linspace(start: float, end: float, steps: int, d: np.dtype) -> np.ndarray:
    """PyTorch's CPU values: ``step = (end - start) / (steps - 1)`` in the dtype, then
    ``start + step * i`` for the first half and ``end - step * (steps - 1 - i)`` for the second,
    each a fused multiply-add (integers: computed in float64, truncated)."""
    if d == np.float16 or d.kind == "V":  # float16, bfloat16
        return _linspace_16(start, end, steps, d)
    work = np.float64 if d.kind in "iub" or d == np.float64 else np.float32
    lo = np.asarray(start).astype(d).astype(work)
    hi = np.asarray(end).astype(d).astype(work)
    if steps <= 1:
        return np.full(steps, lo, dtype=work).astype(d)
    step = (hi.astype(np.float64) if work == np.float64 else hi) - lo
    step = np.asarray(step / work(steps - 1), dtype=work).astype(np.float64)
    i = np.arange(steps, dtype=np.float64)
    half = steps // 2
    out = np.empty(steps, np.float64)
    out[:half] = _fma(np.full(half, step), i[:half], np.full(half, float(lo)))
    out[half:] = _fma(np.full(steps - half, -step), steps - 1 - i[half:], np.full(steps - half, float(hi)))
    if work == np.float32:
        out = out.astype(np.float32)
    if d.kind in "iu":
        out = np.trunc(out)
    return out.astype(d)


def _linspace_16(start: float, end: float, steps: int, d: np.dtype) -> np.ndarray:
    """float16 and bfloat16: every operation of the formula rounds to the dtype, as PyTorch's
    16-bit arithmetic does (each operator computes in float32 and rounds its result)."""
    def r(x: Any) -> np.ndarray:
        return np.asarray(x, np.float32).astype(d).astype(np.float32)

    lo, hi = r(start), r(end)
    if steps <= 1:
        return np.full(steps, lo).astype(d)
    step = r(r(hi - lo) / r(steps - 1))
    i = np.arange(steps)
    half = steps // 2
    out = np.empty(steps, np.float32)
    out[:half] = r(lo + r(step * r(i[:half])))
    out[half:] = r(hi - r(step * r(steps - 1 - i[half:])))
    return out.astype(d)


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: Any = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """``steps`` numbers from ``base ** start`` to ``base ** end``, evenly spaced in log scale."""
    check(device)
    return _finish((base ** np.linspace(start, end, steps)).astype(_dtype_or_default(dtype)),
                   requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, requires_grad: bool = False,
        device: Any = None) -> Tensor:
    """The n x m identity matrix."""
    check(device)
    for name, size in (("n", n), ("m", m)):
        if size is not None and size < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {size}")
    return _finish(np.eye(n, m, dtype=_dtype_or_default(dtype)), requires_grad)


