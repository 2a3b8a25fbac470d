"""Elementwise arithmetic with broadcasting: each op's forward, and its local gradient times the
gradient from above (``g``), summed back to each input's shape."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as dt
from . import unary
from ._core import (
    OUT,
    Tensor,
    _make,
    apply_binary,
    broadcast_error,
    number_operand,
    operands,
    record,
    unbroadcast,
)

_PLAIN_NUMBERS = (float, int)  # (not bool: a bool operand promotes differently)


def _shape(v: Any) -> tuple:
    return np.shape(v)


def add(a: Any, b: Any, *, alpha: float = 1) -> Tensor:
    """a + alpha * b.  d/da = 1, d/db = alpha."""
    a, b, x, y = operands(a, b)
    if alpha != 1:
        y = scaled(x, y, alpha)
    out = apply_binary(np.add, x, y)
    return _record(out, "AddBackward0", a, b, lambda g: (
        unbroadcast(g, _shape(x)),
        unbroadcast(g if alpha == 1 else g * alpha, _shape(y)),
    ), ())


def sub(a: Any, b: Any, *, alpha: float = 1) -> Tensor:
    """a - alpha * b.  d/da = 1, d/db = -alpha."""
    if _is_bool(a) or _is_bool(b):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead.")
    a, b, x, y = operands(a, b)
    if alpha != 1:
        y = scaled(x, y, alpha)
    out = apply_binary(np.subtract, x, y)
    return _record(out, "SubBackward0" if isinstance(a, Tensor) else "RsubBackward1", a, b, lambda g: (
        unbroadcast(g, _shape(x)),
        unbroadcast(-g if alpha == 1 else g * -alpha, _shape(y)),
    ), ())


def scaled(x: Any, y: Any, alpha: Any) -> Any:
    """``alpha * y``; like PyTorch, refuse an ``alpha`` the float dtype of ``x + y`` cannot hold."""
    if alpha.__class__ is int:
        dt.check_python_int(alpha)
    d = np.result_type(x, y)
    if d.kind in "fV":
        dt.check_fill_value(alpha, d)
    return y * alpha


def rsub(a: Any, b: Any) -> Tensor:
    return sub(b, a)


def mul(a: Any, b: Any) -> Tensor:
    """a * b.  d/da = b, d/db = a (the lecture's z = x * y)."""
    if b.__class__ in _PLAIN_NUMBERS and isinstance(a, Tensor) and a._data.dtype.kind == "f" \
            and a._data.dtype.itemsize > 2 and -0x8000000000000000 <= b < 0x8000000000000000:
        # ``0.5 * loss``: what the general case below does, in fewer steps
        x = a._data
        c = number_operand(b, x.dtype)
        return record(np.multiply(x, c), "MulBackward0", (a, b), lambda g: (g * c, None), ())
    if not isinstance(a, Tensor):  # ``2.5 * t`` is ``t.mul(2.5)`` in PyTorch: the number second
        a, b = b, a
    a, b, x, y = operands(a, b)
    out = opmath_scalar(np.multiply, x, b) if x.itemsize == 2 else None
    if out is None:
        out = apply_binary(np.multiply, x, y)
    return _record(out, "MulBackward0", a, b, lambda g: (
        unbroadcast(_times(g, y, b), _shape(x)) if _req(a) else None,
        unbroadcast(g * x, _shape(y)) if _req(b) else None,
    ), (b if _req(a) else None, a if _req(b) else None))


def _times(g: np.ndarray, y: Any, b: Any) -> np.ndarray:
    out = opmath_scalar(np.multiply, g, b) if g.itemsize == 2 else None
    return g * y if out is None else out


def div(a: Any, b: Any, *, rounding_mode: str | None = None) -> Tensor:
    """a / b (true division: integers give floats).  d/da = 1/b, d/db = -a/b^2."""
    if rounding_mode is not None:
        return _rounded_div(a, b, rounding_mode)
    a, b, x, y = operands(a, b)
    if np.asarray(x).dtype.kind in "biu" and np.asarray(y).dtype.kind in "biu":
        f = dt.get_default_dtype().np  # integers divide to the default float, both operands
        x, y = np.asarray(x, dtype=f), np.asarray(y, dtype=f)
    out = opmath_scalar(np.true_divide, x, b) if getattr(x, "itemsize", 0) == 2 else None
    if out is None:
        with np.errstate(divide="ignore", invalid="ignore"):  # x/0 is inf or nan, silently
            out = apply_binary(np.true_divide, x, y)

    def over(g: np.ndarray) -> np.ndarray:
        q = opmath_scalar(np.true_divide, g, b) if g.itemsize == 2 else None
        return g / y if q is None else q

    return _record(out, "DivBackward0", a, b, lambda g: (
        unbroadcast(over(g), _shape(x)) if _req(a) else None,
        unbroadcast(-g * x / (y * y), _shape(y)) if _req(b) else None,
    ), (a if _req(b) else None, b))


def rdiv(a: Tensor, b: Any) -> Tensor:
    """b / a (``b`` a number): PyTorch computes ``a.reciprocal() * b``, two roundings, not one."""
    if isinstance(b, (Tensor, np.ndarray)):
        return div(b, a)
    return mul(unary.reciprocal(a), b)


def _rounded_div(a: Any, b: Any, mode: str) -> Tensor:
    """a / b rounded down ("floor") or towards zero ("trunc"). The gradient is zero."""
    a, b, x, y = operands(a, b)
    _no_integer_division_by_zero(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        if mode == "floor":
            out = opmath_scalar(np.floor_divide, x, b)
            if out is None:
                out = apply_binary(np.floor_divide, x, y)
        elif mode == "trunc":
            out = opmath_scalar(_trunc_divide, x, b)
            if out is None:
                out = _trunc_divide(x, y)
        else:
            raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{mode}'")
    return _record(out, "DivBackward2", a, b,
                   lambda g: (np.zeros(_shape(x), g.dtype), np.zeros(_shape(y), g.dtype)), ())


def _trunc_divide(x: Any, y: Any) -> np.ndarray:
    q = apply_binary(np.true_divide, x, y)
    return np.trunc(q).astype(np.result_type(x, y), copy=False)


_LOW = ("float16", "bfloat16")


def opmath_scalar(fn: Any, x: np.ndarray, b: Any) -> np.ndarray | None:
    """``fn(x, b)`` as PyTorch's CPU kernels compute a float16 or bfloat16 tensor ``x`` times or
    over a scalar ``b`` (a number, or a one-element tensor as the second operand): in float32
    with the scalar's own value, rounded once to ``x``'s dtype (so ``half * 1e6`` is finite,
    where rounding 1e6 to float16 first would give inf). None for any other operands."""
    if not isinstance(x, np.ndarray) or x.dtype.name not in _LOW \
            or (isinstance(b, Tensor) and b._data.size != 1):
        return None
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        s = b._data.astype(np.float32) if isinstance(b, Tensor) else np.float32(b)
        return fn(x.astype(np.float32), s).astype(x.dtype)


def _no_integer_division_by_zero(x: Any, y: Any) -> None:
    if np.asarray(x).dtype.kind in "biu" and np.asarray(y).dtype.kind in "biu" and np.any(np.asarray(y) == 0):
        raise RuntimeError("ZeroDivisionError")


def floor_divide(a: Any, b: Any) -> Tensor:
    return _rounded_div(a, b, "floor")


def remainder(a: Any, b: Any) -> Tensor:
    """a mod b with the sign of b, as Python.  d/da = 1, d/db = -floor(a/b)."""
    a, b, x, y = operands(a, b)
    _no_integer_division_by_zero(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = apply_binary(np.remainder, x, y)
    name = "RemainderBackward1" if isinstance(b, Tensor) else "RemainderBackward0"
    return _record(out, name, a, b, lambda g: (
        unbroadcast(g, _shape(x)),
        unbroadcast(-g * np.floor_divide(x, y), _shape(y)),
    ), (a if _req(b) else None, b if _req(b) else None))


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    """a ** b.  d/da = b * a^(b-1) (0 where b = 0), d/db = a^b * log(a) (0 where a = 0, b >= 0)."""
    a, b, x, y = operands(a, b)
    if isinstance(a, Tensor) and not isinstance(b, Tensor):
        if x.dtype.kind in "biu" and y < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        check_exponent(x, y)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = _BFLOAT16_POWERS[y](x) if x.dtype.name == "bfloat16" and y in _BFLOAT16_POWERS \
                else np.power(x, y)

        def backward_scalar(g: np.ndarray) -> tuple:
            if y == 0:
                return (np.zeros_like(g),)
            with np.errstate(divide="ignore", invalid="ignore"):
                return (g * y * x ** (y - 1),)

        return record(out, "PowBackward0", (a,), backward_scalar, (a,))
    if np.asarray(x).dtype.kind in "biu" and np.asarray(y).dtype.kind in "biu":
        out = apply_binary(_int_power, x, y)
    else:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = apply_binary(np.power, x, y)

    def backward(g: np.ndarray) -> tuple:
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if _req(a):
                ga = np.where(y == 0, 0.0, g * y * np.power(x, y - 1)).astype(g.dtype)
                ga = unbroadcast(ga, _shape(x))
            if _req(b):
                gb = np.where((x == 0) & (y >= 0), 0.0, g * out * np.log(x)).astype(g.dtype)
                gb = unbroadcast(gb, _shape(y))
        return ga, gb

    return _record(out, "PowBackward1" if isinstance(a, Tensor) else "PowBackward2", a, b, backward,
                   (a, b, OUT if _req(b) else None))


def check_exponent(x: np.ndarray, y: Any) -> None:
    """PyTorch converts a number exponent to a float16 or bfloat16 tensor's dtype: it refuses one
    the dtype cannot hold (``half ** 1e6``)."""
    if x.dtype.name in _LOW:
        dt.check_fill_value(y, x.dtype)


_BFLOAT16_POWERS = {  # PyTorch's bfloat16 kernels for these exponents, rounding at each step
    3: lambda x: x * x * x,
    -2: lambda x: 1 / (x * x),
    -0.5: lambda x: (1 / np.sqrt(x.astype(np.float32))).astype(x.dtype),
}


def _int_power(x: Any, y: Any) -> np.ndarray:
    """Integer powers as PyTorch computes them: a negative exponent gives 1/x^|y| truncated to an
    integer (1 for x = 1, +-1 for x = -1, else 0) instead of NumPy's error."""
    negative = np.asarray(y) < 0
    out = np.power(x, np.where(negative, 0, y))
    if not np.any(negative):
        return out
    inverse = np.where(np.asarray(x) == 1, 1, np.where(np.asarray(x) == -1, 1 - 2 * (np.asarray(y) % 2), 0))
    return np.where(negative, inverse, out).astype(out.dtype)


def rpow(a: Any, b: Any) -> Tensor:
    return pow(b, a)


def neg(a: Tensor) -> Tensor:
    """-a.  d/da = -1."""
    if a._data.dtype == np.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead.")
    return record(np.negative(a._data), "NegBackward0", (a,), lambda g: (-g,), ())


def maximum(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise max. The gradient goes to the larger input; ties split it in half."""
    return _extremum(a, b, np.maximum, "MaximumBackward0", np.less)


def minimum(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise min. The gradient goes to the smaller input; ties split it in half."""
    return _extremum(a, b, np.minimum, "MinimumBackward0", np.greater)


def _extremum(a: Any, b: Any, fn: Any, name: str, loses: Any) -> Tensor:
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{name[:7].lower()}(): expected both arguments to be Tensors")
    a, b, x, y = operands(a, b)
    out = apply_binary(fn, x, y)

    def backward(g: np.ndarray) -> tuple:
        # PyTorch's selections: where(x == y, g / 2, g), then 0 for the loser (never g * 0)
        shared = np.where(x == y, g / 2, g)
        zero = g.dtype.type(0)
        return (unbroadcast(np.where(loses(x, y), zero, shared), x.shape),
                unbroadcast(np.where(loses(y, x), zero, shared), y.shape))

    return _record(out, name, a, b, backward)


def fmax(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise max ignoring NaN (NaN only where both are). The gradient goes to ``a`` where
    ``a >= b`` or ``b`` is NaN, else to ``b`` (ties: all to ``a``)."""
    return _fextremum(a, b, np.fmax, "FmaxBackward0", np.greater_equal)


def fmin(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise min ignoring NaN (NaN only where both are). The gradient goes to ``a`` where
    ``a <= b`` or ``b`` is NaN, else to ``b``."""
    return _fextremum(a, b, np.fmin, "FminBackward0", np.less_equal)


def _fextremum(a: Any, b: Any, fn: Any, name: str, keeps: Any) -> Tensor:
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{name[:4].lower()}(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(b).__name__}")
    a, b, x, y = operands(a, b)
    out = apply_binary(fn, x, y)

    def backward(g: np.ndarray) -> tuple:
        to_a = keeps(x, y)
        if y.dtype.kind in "fV":
            to_a = to_a | np.isnan(y)
        zero = g.dtype.type(0)
        return unbroadcast(np.where(to_a, g, zero), x.shape), unbroadcast(np.where(to_a, zero, g), y.shape)

    return _record(out, name, a, b, backward)


def where(condition: Tensor, a: Any = None, b: Any = None) -> Tensor:
    """``a`` where ``condition`` is true, else ``b``. The gradient follows the chosen side."""
    c = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if a is None and b is None:
        from .index import nonzero

        return nonzero(condition, as_tuple=True)
    if c.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {condition.dtype}")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):  # two numbers: a tensor of their type
        d = dt.result_type(a, b).np
        a, b = _make(np.asarray(a, d)), _make(np.asarray(b, d))
    a, b, x, y = operands(a, b)
    try:
        out = np.where(c, x, y)
    except ValueError:
        raise _mismatch(c, x, y) from None
    return _record(out, "WhereBackward0", a, b, lambda g: (
        unbroadcast(np.where(c, g, 0).astype(g.dtype), _shape(x)) if _req(a) else None,
        unbroadcast(np.where(c, 0, g).astype(g.dtype), _shape(y)) if _req(b) else None,
    ), (condition,))


def clamp(a: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Values limited to [min, max]; where min > max the result is max.
    d/da = 1 where min <= a <= max; d/dmin = 1 where a < min < max; d/dmax = 1 where a > max or
    max < min (bounds may be tensors: they broadcast and get gradients)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    d = dt.result_type(*(v for v in (a, min, max) if v is not None)).np
    for v in (min, max):
        if v.__class__ is int and not -0x8000000000000000 <= v < 0x8000000000000000:
            dt.check_fill_value(v, d)  # beyond int64: PyTorch's OverflowError or RuntimeError
    x = a._data.astype(d, copy=False)
    lo = min._data.astype(d, copy=False) if isinstance(min, Tensor) else min
    hi = max._data.astype(d, copy=False) if isinstance(max, Tensor) else max
    out = x
    try:
        if lo is not None:
            out = np.maximum(out, lo)
        if hi is not None:
            out = np.minimum(out, hi)
    except ValueError:
        raise _mismatch(*(v for v in (x, lo, hi) if v is not None)) from None
    out = np.asarray(out, dtype=d)

    def backward(g: np.ndarray) -> tuple:
        passes = np.ones(out.shape, dtype=bool)
        if lo is not None:
            passes = passes & (x >= lo)
        if hi is not None:
            passes = passes & (x <= hi)
        ga = _like(a, unbroadcast(np.where(passes, g, 0), x.shape))
        gmin = gmax = None
        if _req(min):
            below = (x < lo) if hi is None else (x < lo) & (lo < hi)
            gmin = unbroadcast(np.where(below, g, 0), lo.shape)
        if _req(max):
            above = (x > hi) if lo is None else (x > hi) | (hi < lo)
            gmax = unbroadcast(np.where(above, g, 0), hi.shape)
        return ga, _like(min, gmin), _like(max, gmax)

    bounds = (min if isinstance(min, Tensor) else None, max if isinstance(max, Tensor) else None)
    name = "ClampBackward0" if bounds != (None, None) else "ClampBackward1"
    return record(out, name, (a, *bounds), backward)


clip = clamp


def _record(out: Any, name: str, a: Any, b: Any, backward: Any, saved: Any = None) -> Tensor:
    """``record`` of a binary op, with each gradient in its operand's dtype: float32 meeting
    float64 computes in float64, yet the float32 operand gets a float32 gradient, as in PyTorch."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype != b._data.dtype:
        return record(out, name, (a, b), lambda g: tuple(_like(t, gt) for t, gt in zip((a, b), backward(g))),
                      saved)
    return record(out, name, (a, b), backward, saved)  # the gradients already have the operands' dtype


def _like(t: Any, g: Any) -> Any:
    """The gradient ``g`` of ``t`` in ``t``'s dtype (``None`` stays ``None``)."""
    if g is None or not isinstance(t, Tensor):
        return g
    return np.asarray(g).astype(t._data.dtype, copy=False)


def _mismatch(*arrays: Any) -> RuntimeError:
    """The broadcasting error for the first operand that does not fit the ones before it."""
    shape = np.shape(arrays[0])
    for v in arrays[1:]:
        try:
            shape = np.broadcast_shapes(shape, np.shape(v))
        except ValueError:
            return broadcast_error(shape, np.shape(v))
    return RuntimeError(f"shapes {[list(np.shape(v)) for v in arrays]} cannot be broadcast together")


def _req(t: Any) -> bool:
    return isinstance(t, Tensor) and t._requires_grad


def _type_name(v: Any) -> str:
    """PyTorch's name for the element type in its messages: 'Float', 'Long'..."""
    return dt.scalar_name(np.asarray(v).dtype)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool) or (isinstance(v, Tensor) and v._data.dtype == np.bool_)


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
        for v in (x, y):
            if np.asarray(v).dtype.kind in "fV":
                raise NotImplementedError(f'"{fn.__name__}_cpu" not implemented for {_type_name(v)!r}')
        return _make(np.asarray(apply_binary(fn, x, y)))

    return op


bitwise_and = _bitwise(np.bitwise_and)
bitwise_or = _bitwise(np.bitwise_or)
bitwise_xor = _bitwise(np.bitwise_xor)


def logical_not(a: Tensor) -> Tensor:
    return _make(np.asarray(np.logical_not(a._data)))


def bitwise_not(a: Tensor) -> Tensor:
    if a._data.dtype.kind in "fV":
        raise NotImplementedError(f'"bitwise_not_cpu" not implemented for {_type_name(a._data)!r}')
    return _make(np.asarray(np.invert(a._data)))


def equal(a: Tensor, b: Tensor) -> bool:
    """True when both tensors have the same shape and values."""
    return a._data.shape == b._data.shape and bool(np.array_equal(a._data, b._data))


def allclose(a: Tensor, b: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when every |a - b| <= atol + rtol |b|."""
    return bool(np.all(isclose(a, b, rtol, atol, equal_nan)._data))


def isclose(a: Tensor, b: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|a - b| <= atol + rtol |b|, elementwise; both tensors must have the same dtype."""
    x, y = a._data, b._data
    if x.dtype != y.dtype:
        raise RuntimeError(f"{_type_name(x)} did not match {_type_name(y)}")
    try:
        return _make(np.asarray(np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)))
    except ValueError:
        raise _mismatch(x, y) from None



subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg
