"""In-place operations (``add_``, ``mul_``, ``zero_``, ``+=``...).

Under ``no_grad`` (how optimizers and students update weights) they write into the tensor's memory.
On a leaf that requires grad, outside ``no_grad``, they raise, as in PyTorch: changing a weight
in place would hide the change from backpropagation. On a tensor computed in the graph they are
recorded like the out-of-place op, the tensor taking the result's place in the graph.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..autograd.grad_mode import _state
from ._core import Tensor, _make, operands
from . import arith


def check_inplace(a: Tensor) -> None:
    if _state.enabled and a._requires_grad and a.grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation.")


def _inplace(a: Tensor, other: Any, ufunc: Callable, op: Callable, **kw: Any) -> Tensor:
    if _state.enabled and (a._requires_grad or (isinstance(other, Tensor) and other._requires_grad)):
        check_inplace(a)
        _rebind(a, op(_snapshot(a), other, **kw))
        return a
    _, _, x, y = operands(a, other)
    if kw.get("alpha", 1) != 1:
        y = y * kw["alpha"]
    res = ufunc(x, y)
    _write(a, res)
    return a


def _write(a: Tensor, res: Any) -> None:
    x = a._data
    res = np.asarray(res)
    if res.shape != x.shape:
        try:
            res = np.broadcast_to(res, x.shape)
        except ValueError:
            raise RuntimeError(
                f"output with shape {list(x.shape)} doesn't match the broadcast shape "
                f"{list(res.shape)}") from None
    if res.dtype != x.dtype and np.can_cast(res.dtype, x.dtype, "same_kind") is False:
        raise RuntimeError(
            f"result type {_name(res.dtype)} can't be cast to the desired output type {_name(x.dtype)}")
    if not x.flags.writeable:
        a._data = np.array(res, dtype=x.dtype)
        return
    x[...] = res


def _name(d: np.dtype) -> str:
    return {"float32": "Float", "float64": "Double", "int64": "Long", "bool": "Bool",
            "int32": "Int"}.get(str(d), str(d))


def _snapshot(a: Tensor) -> Tensor:
    """The tensor as it is before an in-place op: the recorded op reads from it, and ``a``
    then takes the result's place in the graph."""
    old = _make(a._data, a.grad_fn)
    old._requires_grad = a._requires_grad
    return old


def _rebind(a: Tensor, result: Tensor) -> None:
    if result._data.shape != a._data.shape:
        raise RuntimeError(
            f"output with shape {list(a._data.shape)} doesn't match the broadcast shape "
            f"{list(result._data.shape)}")
    a._data = result._data.astype(a._data.dtype, copy=False)
    a.grad_fn = result.grad_fn
    a._requires_grad = result._requires_grad


def add_(a: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    return _inplace(a, other, np.add, arith.add, alpha=alpha)


def sub_(a: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    return _inplace(a, other, np.subtract, arith.sub, alpha=alpha)


def mul_(a: Tensor, other: Any) -> Tensor:
    return _inplace(a, other, np.multiply, arith.mul)


def div_(a: Tensor, other: Any) -> Tensor:
    if a._data.dtype.kind != "f":
        raise RuntimeError(f"result type Float can't be cast to the desired output type {_name(a._data.dtype)}")
    return _inplace(a, other, np.true_divide, arith.div)


def pow_(a: Tensor, other: Any) -> Tensor:
    return _inplace(a, other, np.power, arith.pow)


def _unary_inplace(a: Tensor, op: Callable, *args: Any, **kw: Any) -> Tensor:
    if _state.enabled and a._requires_grad:
        check_inplace(a)
        _rebind(a, op(_snapshot(a), *args, **kw))
    else:
        _write(a, op(a, *args, **kw)._data)
    return a


def clamp_(a: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    return _unary_inplace(a, arith.clamp, min, max)


def zero_(a: Tensor) -> Tensor:
    """Set every element to 0."""
    return fill_(a, 0)


def fill_(a: Tensor, value: Any) -> Tensor:
    """Set every element to ``value``."""
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions.")
        value = value.item()
    check_inplace(a)
    if _state.enabled and a._requires_grad:
        from .creation import full_like

        _rebind(a, arith.mul(_snapshot(a), 0) + full_like(a, value))
        return a
    _write(a, np.asarray(value).astype(a._data.dtype))
    return a


def copy_(a: Tensor, src: Any) -> Tensor:
    """Copy the values of ``src`` (broadcast to ``a``'s shape) into ``a``."""
    check_inplace(a)
    if _state.enabled and isinstance(src, Tensor) and (src._requires_grad or a._requires_grad):
        from .shape import expand, to_dtype
        from .. import _dtype as dt

        result = to_dtype(expand(src, a._data.shape), dt.from_numpy_dtype(a._data.dtype))
        if result is src:
            from .shape import clone

            result = clone(src)
        _rebind(a, result)
        return a
    v = src._data if isinstance(src, Tensor) else np.asarray(src)
    _write(a, v.astype(a._data.dtype, copy=False))
    return a


def masked_fill_(a: Tensor, mask: Tensor, value: Any) -> Tensor:
    from .index import masked_fill

    return _unary_inplace(a, masked_fill, mask, value)


def uniform_(a: Tensor, a_: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
    from .random import _gen

    return _fill_random(a, _gen(generator).uniform(a_, b, a._data.shape))


def normal_(a: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    from .random import _gen

    return _fill_random(a, _gen(generator).normal(mean, std, a._data.shape))


def _fill_random(a: Tensor, values: np.ndarray) -> Tensor:
    check_inplace(a)
    _write(a, values.astype(a._data.dtype))
    return a
