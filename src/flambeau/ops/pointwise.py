"""Elementwise functions of two or three tensors beyond the four operations: ``atan2``, ``fmod``,
``lerp``, ``clamp_min`` and ``clamp_max``. As in arith.py, each backward is the local derivative
times the gradient from above ``g``, summed back to each input's shape (``unbroadcast``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as dt
from ._core import Tensor, apply_binary, operands, record, unbroadcast
from .arith import _like, _mismatch, _req, _type_name


def _tensor(v: Any) -> Any:
    return v if isinstance(v, Tensor) else None


def atan2(a: Tensor, b: Tensor) -> Tensor:
    r"""The angle of the point (b, a): :math:`\arctan(a / b)` in the right quadrant, in (-pi, pi].

    .. math:: \frac{\partial}{\partial a} = \frac{b}{a^2 + b^2}, \quad
              \frac{\partial}{\partial b} = \frac{-a}{a^2 + b^2}

    Shape: ``a`` and ``b`` broadcast together.

    Example::

        >>> torch.atan2(torch.tensor([1.0]), torch.tensor([-1.0]))
        tensor([2.3562])
    """
    if not isinstance(b, Tensor):
        raise TypeError(f"atan2(): argument 'other' (position 2) must be Tensor, not {type(b).__name__}")
    a, b, x, y = operands(a, b)
    if x.dtype.kind not in "fV":
        x = x.astype(dt.get_default_dtype().np)
        y = y.astype(x.dtype)
    out = apply_binary(np.arctan2, x, y)

    def backward(g: np.ndarray) -> tuple:
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = x * x + y * y
            return (_like(a, unbroadcast(g * y / r2, x.shape)) if _req(a) else None,
                    _like(b, unbroadcast(-g * x / r2, y.shape)) if _req(b) else None)

    return record(out, "Atan2Backward0", (a, b), backward)


arctan2 = atan2


def fmod(a: Tensor, b: Any) -> Tensor:
    r"""The remainder of a / b truncated towards zero: it has the sign of ``a`` (C's ``fmod``;
    :func:`remainder` has the sign of ``b``).

    .. math:: \frac{\partial}{\partial a} = 1, \quad
              \frac{\partial}{\partial b} = -\operatorname{trunc}(a / b)

    Example::

        >>> torch.fmod(torch.tensor([-3.0, 3.0]), 2)
        tensor([-1.,  1.])
    """
    if not isinstance(a, Tensor):
        raise TypeError(f"fmod() received an invalid combination of arguments - got "
                        f"({type(a).__name__}, {type(b).__name__})")
    a, b, x, y = operands(a, b)
    if np.asarray(x).dtype == np.bool_:
        raise NotImplementedError(f'"fmod_cpu" not implemented for {_type_name(x)!r}')
    if np.asarray(x).dtype.kind in "iu" and np.asarray(y).dtype.kind in "biu" and np.any(np.asarray(y) == 0):
        raise RuntimeError("ZeroDivisionError")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = apply_binary(np.fmod, x, y)

    def backward(g: np.ndarray) -> tuple:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (_like(a, unbroadcast(g, np.shape(x))) if _req(a) else None,
                    _like(b, unbroadcast(-g * np.trunc(x / y), np.shape(y))) if _req(b) else None)

    return record(out, "FmodBackward1" if isinstance(b, Tensor) else "FmodBackward0", (a, _tensor(b)), backward)


def lerp(start: Tensor, end: Tensor, weight: Any) -> Tensor:
    r"""Linear interpolation :math:`\text{start} + w (\text{end} - \text{start})`.

    .. math:: \frac{\partial}{\partial \text{start}} = 1 - w, \quad
              \frac{\partial}{\partial \text{end}} = w, \quad
              \frac{\partial}{\partial w} = \text{end} - \text{start}

    ``start`` and ``end`` (and a tensor ``weight`` of one or more dimensions) share one floating
    dtype. Shape: all three broadcast together.

    Example::

        >>> torch.lerp(torch.tensor([0.0, 10.0]), torch.tensor([10.0, 20.0]), 0.5)
        tensor([ 5., 15.])
    """
    x, y = start._data, end._data
    scalar = not isinstance(weight, Tensor)
    if weight.__class__ is int:
        dt.check_python_int(weight)
    if x.dtype.kind not in "fV":
        kernel = "lerp_kernel_scalar" if scalar else "lerp_kernel_tensor"
        raise NotImplementedError(f'"{kernel}" not implemented for {_type_name(x)!r}')
    for name, v in (("end", y), ("weight", None if scalar or weight._data.ndim == 0 else weight._data)):
        if v is not None and v.dtype != x.dtype:
            raise RuntimeError(f"expected dtype {_c_name(x)} for `{name}` but got dtype {_c_name(v)}")
    w = weight if scalar else weight._data.astype(x.dtype, copy=False)
    try:
        out = np.asarray(x + w * (y - x), dtype=x.dtype)
        np.broadcast_shapes(x.shape, y.shape, np.shape(w))
    except ValueError:
        raise _mismatch(x, y, w) from None

    def backward(g: np.ndarray) -> tuple:
        return (unbroadcast(g * (1 - w), x.shape) if _req(start) else None,
                unbroadcast(g * w, y.shape) if _req(end) else None,
                _like(weight, unbroadcast(g * (y - x), np.shape(w))) if _req(weight) else None)

    return record(out, "LerpBackward0" if scalar else "LerpBackward1", (start, end, _tensor(weight)), backward)


_C_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}


def _c_name(x: np.ndarray) -> str:
    return _C_NAMES.get(x.dtype.name, x.dtype.name)


def clamp_min(a: Tensor, min: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    r"""max(a, min), elementwise (``clamp(a, min=min)``).

    .. math:: \frac{\partial}{\partial a} = [a \ge \min], \quad
              \frac{\partial}{\partial \min} = [a < \min]

    Example::

        >>> torch.clamp_min(torch.tensor([-1.0, 2.0]), 0.0)
        tensor([0., 2.])
    """
    return _clamp_one(a, min, "clamp_min", np.maximum, np.greater_equal)


def clamp_max(a: Tensor, max: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    r"""min(a, max), elementwise (``clamp(a, max=max)``).

    .. math:: \frac{\partial}{\partial a} = [a \le \max], \quad
              \frac{\partial}{\partial \max} = [a > \max]

    Example::

        >>> torch.clamp_max(torch.tensor([-1.0, 2.0]), 0.0)
        tensor([-1.,  0.])
    """
    return _clamp_one(a, max, "clamp_max", np.minimum, np.less_equal)


def _clamp_one(a: Tensor, bound: Any, name: str, pick: Any, keeps: Any) -> Tensor:
    if not isinstance(bound, (Tensor, int, float, bool, np.generic)):
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        f"(Tensor, {type(bound).__name__}), but expected one of:\n"
                        f" * (Tensor input, Tensor {name[6:]}, *, Tensor out = None)\n"
                        f" * (Tensor input, Number {name[6:]}, *, Tensor out = None)\n")
    d = dt.result_type(a, bound).np
    x = a._data.astype(d, copy=False)
    m = bound._data.astype(d, copy=False) if isinstance(bound, Tensor) else bound
    try:
        out = np.asarray(pick(x, m), dtype=d)
    except ValueError:
        raise _mismatch(x, m) from None

    def backward(g: np.ndarray) -> tuple:
        kept = keeps(x, m)
        return (_like(a, unbroadcast(np.where(kept, g, 0), x.shape)) if _req(a) else None,
                _like(bound, unbroadcast(np.where(kept, 0, g), m.shape)) if _req(bound) else None)

    suffix = "Backward1" if isinstance(bound, Tensor) else "Backward0"
    label = "ClampMin" if name == "clamp_min" else "ClampMax"
    return record(out, label + suffix, (a, _tensor(bound)), backward)
