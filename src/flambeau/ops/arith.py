"""Elementwise arithmetic with broadcasting: each op's forward, and its local gradient times the
gradient from above (``g``), summed back to each input's shape."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import Tensor, _make, apply_binary, operands, record, record2, unbroadcast


def _shape(v: Any) -> tuple:
    return np.shape(v)


def add(a: Any, b: Any, *, alpha: float = 1) -> Tensor:
    """a + alpha * b.  d/da = 1, d/db = alpha."""
    a, b, x, y = operands(a, b)
    if alpha != 1:
        y = y * alpha
    out = apply_binary(np.add, x, y)
    return record2(out, "AddBackward0", a, b, lambda g: (
        unbroadcast(g, _shape(x)),
        unbroadcast(g if alpha == 1 else g * alpha, _shape(y)),
    ))


def sub(a: Any, b: Any, *, alpha: float = 1) -> Tensor:
    """a - alpha * b.  d/da = 1, d/db = -alpha."""
    a, b, x, y = operands(a, b)
    if alpha != 1:
        y = y * alpha
    out = apply_binary(np.subtract, x, y)
    return record2(out, "SubBackward0", a, b, lambda g: (
        unbroadcast(g, _shape(x)),
        unbroadcast(-g if alpha == 1 else g * -alpha, _shape(y)),
    ))


def rsub(a: Any, b: Any) -> Tensor:
    return sub(b, a)


def mul(a: Any, b: Any) -> Tensor:
    """a * b.  d/da = b, d/db = a (the lecture's z = x * y)."""
    a, b, x, y = operands(a, b)
    out = apply_binary(np.multiply, x, y)
    return record2(out, "MulBackward0", a, b, lambda g: (
        unbroadcast(g * y, _shape(x)) if _req(a) else None,
        unbroadcast(g * x, _shape(y)) if _req(b) else None,
    ))


def div(a: Any, b: Any, *, rounding_mode: str | None = None) -> Tensor:
    """a / b (true division: integers give floats).  d/da = 1/b, d/db = -a/b^2."""
    if rounding_mode is not None:
        return _rounded_div(a, b, rounding_mode)
    a, b, x, y = operands(a, b)
    if np.asarray(x).dtype.kind in "biu" and np.asarray(y).dtype.kind in "biu":
        x = np.asarray(x, dtype=np.float32)
    out = apply_binary(np.true_divide, x, y)
    return record2(out, "DivBackward0", a, b, lambda g: (
        unbroadcast(g / y, _shape(x)) if _req(a) else None,
        unbroadcast(-g * x / (y * y), _shape(y)) if _req(b) else None,
    ))


def rdiv(a: Any, b: Any) -> Tensor:
    return div(b, a)


def _rounded_div(a: Any, b: Any, mode: str) -> Tensor:
    a, b, x, y = operands(a, b)
    if mode == "floor":
        out = apply_binary(np.floor_divide, x, y)
    elif mode == "trunc":
        q = apply_binary(np.true_divide, x, y)
        out = np.trunc(q).astype(np.result_type(x, y), copy=False)
    else:
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{mode}'")
    return record2(out, "DivBackward1", a, b, lambda g: (
        np.zeros(_shape(x), g.dtype), np.zeros(_shape(y), g.dtype)))


def floor_divide(a: Any, b: Any) -> Tensor:
    return _rounded_div(a, b, "floor")


def remainder(a: Any, b: Any) -> Tensor:
    """a mod b with the sign of b, as Python.  d/da = 1, d/db = -floor(a/b)."""
    a, b, x, y = operands(a, b)
    out = apply_binary(np.remainder, x, y)
    return record2(out, "RemainderBackward0", a, b, lambda g: (
        unbroadcast(g, _shape(x)),
        unbroadcast(-g * np.floor_divide(x, y), _shape(y)),
    ))


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    """a ** b.  d/da = b * a^(b-1), d/db = a^b * log(a)."""
    a, b, x, y = operands(a, b)
    if isinstance(a, Tensor) and not isinstance(b, Tensor):
        if x.dtype.kind in "iu" and y < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        out = np.power(x, y)
        return record(out, "PowBackward0", (a,), lambda g: (
            (g * y * x ** (y - 1)) if y != 0 else np.zeros_like(g),))
    out = apply_binary(np.power, x, y)

    def backward(g: np.ndarray) -> tuple:
        ga = gb = None
        if _req(a):
            ga = unbroadcast(np.where(y == 0, 0.0, g * y * np.power(x, y - 1)).astype(g.dtype), _shape(x))
        if _req(b):
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = np.where((x == 0) & (y >= 0), 0.0, g * out * np.log(x)).astype(g.dtype)
            gb = unbroadcast(gb, _shape(y))
        return ga, gb

    return record2(out, "PowBackward1", a, b, backward)


def rpow(a: Any, b: Any) -> Tensor:
    return pow(b, a)


def neg(a: Tensor) -> Tensor:
    """-a.  d/da = -1."""
    return record(np.negative(a._data), "NegBackward0", (a,), lambda g: (-g,))


def maximum(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise max. The gradient goes to the larger input; ties split it in half."""
    return _extremum(a, b, np.maximum, "MaximumBackward0", np.greater)


def minimum(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise min. The gradient goes to the smaller input; ties split it in half."""
    return _extremum(a, b, np.minimum, "MinimumBackward0", np.less)


def _extremum(a: Any, b: Any, fn: Any, name: str, wins: Any) -> Tensor:
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{name[:7].lower()}(): expected both arguments to be Tensors")
    a, b, x, y = operands(a, b)
    out = apply_binary(fn, x, y)

    def backward(g: np.ndarray) -> tuple:
        share = np.where(x == y, 0.5, wins(x, y)).astype(g.dtype)
        return unbroadcast(g * share, x.shape), unbroadcast(g * (1 - share), y.shape)

    return record2(out, name, a, b, backward)


def where(condition: Tensor, a: Any = None, b: Any = None) -> Tensor:
    """``a`` where ``condition`` is true, else ``b``. The gradient follows the chosen side."""
    c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if a is None and b is None:
        from .index import nonzero

        return nonzero(condition, as_tuple=True)
    if c.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {condition.dtype}")
    a, b, x, y = operands(a, b)
    try:
        out = np.where(c, x, y)
    except ValueError:
        from ._core import broadcast_error

        raise broadcast_error(np.shape(x), np.shape(y)) from None
    return record2(out, "WhereBackward0", a, b, lambda g: (
        unbroadcast(np.where(c, g, 0).astype(g.dtype), _shape(x)) if _req(a) else None,
        unbroadcast(np.where(c, 0, g).astype(g.dtype), _shape(y)) if _req(b) else None,
    ))


def clamp(a: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Values limited to [min, max]. The gradient passes where min <= a <= max."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    x = a._data
    lo = min._data if isinstance(min, Tensor) else min
    hi = max._data if isinstance(max, Tensor) else max
    out = x
    if lo is not None:
        out = np.maximum(out, lo)
    if hi is not None:
        out = np.minimum(out, hi)
    if x.dtype.kind != "f" and (isinstance(lo, float) or isinstance(hi, float)):
        out = out.astype(np.float32)
    elif out.dtype != x.dtype and not (isinstance(min, Tensor) or isinstance(max, Tensor)):
        out = out.astype(x.dtype)

    def backward(g: np.ndarray) -> tuple:
        mask = np.ones(x.shape, dtype=bool)
        if lo is not None:
            mask &= x >= lo
        if hi is not None:
            mask &= x <= hi
        return (np.where(mask, g, 0).astype(g.dtype),)

    return record(out, "ClampBackward1", (a,), backward)


clip = clamp


def _req(t: Any) -> bool:
    return isinstance(t, Tensor) and t._requires_grad


# ---------------------------------------------------------------- not differentiable
def _compare(fn: Any) -> Any:
    def op(a: Any, b: Any) -> Tensor:
        a, b, x, y = operands(a, b)
        return _make(np.asarray(apply_binary(fn, x, y)))

    op.__name__ = fn.__name__
    return op


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)
logical_and = _compare(np.logical_and)
logical_or = _compare(np.logical_or)
logical_xor = _compare(np.logical_xor)
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _bitwise(fn: Any) -> Any:
    def op(a: Any, b: Any) -> Tensor:
        a, b, x, y = operands(a, b)
        if np.asarray(x).dtype.kind == "f" or np.asarray(y).dtype.kind == "f":
            raise RuntimeError(f'"{fn.__name__}_cpu" not implemented for \'Float\'')
        return _make(np.asarray(apply_binary(fn, x, y)))

    return op


bitwise_and = _bitwise(np.bitwise_and)
bitwise_or = _bitwise(np.bitwise_or)
bitwise_xor = _bitwise(np.bitwise_xor)


def logical_not(a: Tensor) -> Tensor:
    return _make(np.asarray(np.logical_not(a._data)))


def bitwise_not(a: Tensor) -> Tensor:
    if a._data.dtype.kind == "f":
        raise RuntimeError("bitwise_not is only defined for integer and boolean tensors")
    return _make(np.asarray(np.invert(a._data)))


def equal(a: Tensor, b: Tensor) -> bool:
    """True when both tensors have the same shape and values."""
    return a._data.shape == b._data.shape and bool(np.array_equal(a._data, b._data))


def allclose(a: Tensor, b: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    return bool(np.allclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(a: Tensor, b: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    return _make(np.asarray(np.isclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan)))



subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg
