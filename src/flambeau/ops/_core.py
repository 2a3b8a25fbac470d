"""What every operation shares: turning arguments into NumPy operands with PyTorch's dtype
promotion, recording the result in the graph, and summing a broadcast gradient back to an input's
shape (``unbroadcast``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import _dtype as dt
from ..autograd.grad_mode import _state
from ..autograd.graph import Node
from ..tensor import Size, Tensor, _make, _wrap_dim

ndarray = np.ndarray


def record(out: Any, name: str, inputs: Sequence[Tensor], backward: Callable) -> Tensor:
    """Wrap ``out`` in a tensor. If grad mode is on and an input requires grad, the tensor gets a
    graph node: ``backward(g)`` returns one gradient per entry of ``inputs``."""
    if type(out) is not ndarray:
        out = np.asarray(out)
    if _state.enabled:
        for t in inputs:
            if t is not None and t._requires_grad:
                kept = tuple([u if (u is not None and u._requires_grad) else None for u in inputs])
                return _make(out, Node(name, backward, kept))
    return _make(out)


def record2(out: Any, name: str, a: Any, b: Any, backward: Callable) -> Tensor:
    """``record`` for a binary op whose operands may be Python numbers."""
    if type(out) is not ndarray:
        out = np.asarray(out)
    if _state.enabled:
        ra = isinstance(a, Tensor) and a._requires_grad
        rb = isinstance(b, Tensor) and b._requires_grad
        if ra or rb:
            return _make(out, Node(name, backward, (a if ra else None, b if rb else None)))
    return _make(out)


def needs_grad(*tensors: Any) -> bool:
    if not _state.enabled:
        return False
    return any(isinstance(t, Tensor) and t._requires_grad for t in tensors)


def _scalar(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (bool, int, float)):
        return v
    if isinstance(v, np.ndarray):
        return from_array(v)
    raise TypeError(f"unsupported operand type {type(v).__name__}: expected a Tensor or a number")


def from_array(a: np.ndarray) -> Tensor:
    dt.from_numpy_dtype(a.dtype)
    return _make(a)


_DEFAULT = dt.get_default_dtype


def operands(a: Any, b: Any) -> tuple[Any, Any, Any, Any]:
    """``(a, b, x, y)``: the operands (NumPy arrays become tensors) and their NumPy values,
    converted where PyTorch's promotion differs from NumPy's."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):  # the common case first
        x, y = a._data, b._data
        if x.dtype != y.dtype:
            d = dt.result_type(a, b).np
            x = x.astype(d, copy=False)
            y = y.astype(d, copy=False)
        return a, b, x, y
    if not isinstance(a, Tensor):
        a = _scalar(a)
    if not isinstance(b, Tensor):
        b = _scalar(b)
    if isinstance(a, Tensor):
        x = a._data
        if isinstance(b, Tensor):  # b was a NumPy array
            return operands(a, b)
        x = _with_scalar(x, b)
        return a, b, x, _wrap_int(x, b)
    if isinstance(b, Tensor):
        y = _with_scalar(b._data, a)
        return a, b, _wrap_int(y, a), y
    raise TypeError("at least one operand must be a Tensor")


def _wrap_int(x: np.ndarray, s: Any) -> Any:
    """A Python int out of range for a small integer tensor wraps around to its dtype, as in
    PyTorch (``uint8 + 300`` adds 44); NumPy would raise."""
    if type(s) is int and x.dtype.kind in "iu" and x.dtype != np.int64:
        info = np.iinfo(x.dtype)
        if not info.min <= s <= info.max:
            return np.array(s, dtype=np.int64).astype(x.dtype)[()]
    return s


def _with_scalar(x: np.ndarray, s: Any) -> np.ndarray:
    kind = x.dtype.kind
    if kind in "fV":
        return x
    cat = dt.scalar_category(s)
    if kind == "b":
        if cat == 0:
            return x
        return x.astype(np.int64 if cat == 1 else _DEFAULT().np)
    if cat == 2:
        return x.astype(_DEFAULT().np)
    return x


def broadcast_error(sa: tuple, sb: tuple) -> RuntimeError:
    """PyTorch's message for shapes that do not broadcast, with both shapes named."""
    n = max(len(sa), len(sb))
    pa = (1,) * (n - len(sa)) + tuple(sa)
    pb = (1,) * (n - len(sb)) + tuple(sb)
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return RuntimeError(
                f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) at "
                f"non-singleton dimension {i} "
                f"(shapes {list(sa)} and {list(sb)})"
            )
    return RuntimeError(f"shapes {list(sa)} and {list(sb)} cannot be broadcast together")


def apply_binary(fn: Callable, x: Any, y: Any) -> Any:
    try:
        return fn(x, y)
    except ValueError as e:
        if "broadcast" in str(e):
            raise broadcast_error(np.shape(x), np.shape(y)) from None
        raise


def unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``g`` over the dimensions broadcasting added or stretched, back to ``shape``: the
    gradient of a broadcast is a sum."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    stretched = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g


def float_data(a: Tensor) -> np.ndarray:
    """The values, converted to the default float dtype if they are integers or booleans (as
    PyTorch does for ``exp``, ``sqrt``, ``mean``...)."""
    x = a._data
    return x if x.dtype.kind in "fV" else x.astype(_DEFAULT().np)


def dims(dim: Any, ndim: int) -> tuple[int, ...] | None:
    """Normalise ``dim`` (None, an int or a sequence of ints) to a tuple of non-negative axes."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        return (_wrap_dim(int(dim), ndim),)
    out = tuple(_wrap_dim(int(d), ndim) for d in dim)
    seen: set[int] = set()
    for d in out:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return out


def shape_args(args: tuple) -> tuple[int, ...]:
    """Accept sizes as ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(torch.Size([2, 3]))``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        args = tuple(args[0])
    out = []
    for s in args:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"sizes must be integers, got {type(s).__name__} ({s!r})")
        out.append(int(s))
    return tuple(out)


def ensure_tensor(x: Any) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return from_array(x)
    from .creation import tensor

    return tensor(x)


__all__ = [
    "Tensor", "_make", "record", "record2", "needs_grad", "operands", "apply_binary",
    "unbroadcast", "float_data", "dims", "shape_args", "broadcast_error", "ensure_tensor",
    "_wrap_dim", "Size",
]
