"""What the functions of ``torch.linalg`` share: PyTorch's checks of their operands (floating
point, at least 2-D, square) with its messages, its ``LinAlgError``, the named tuples they return,
and the recording of a node with several outputs (``slogdet``, ``qr``, ``eigh``, ``svd``)."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import _dtype as dt
from ..autograd.grad_mode import _state
from ..autograd.graph import Node
from ..autograd.views import edge, refresh
from ..tensor import Tensor, _make


class LinAlgError(RuntimeError):
    """``torch.linalg.LinAlgError``: a matrix is singular, or not positive-definite, where the
    function needs it to be. A ``RuntimeError``, as in PyTorch."""


def result_type(name: str, fields: str) -> type:
    """A named tuple shown as PyTorch shows ``torch.return_types.NAME(field=..., ...)``."""
    cls = namedtuple(name, fields.split())
    cls.__repr__ = lambda self: (f"torch.return_types.{name}(\n" + ",\n".join(
        f"{f}={v!r}" for f, v in zip(self._fields, self)) + ")")
    return cls


def mT(x: np.ndarray) -> np.ndarray:
    """The matrices of ``x`` transposed (its last two dimensions swapped)."""
    return np.swapaxes(x, -1, -2)


def eye_like(x: np.ndarray, n: int | None = None) -> np.ndarray:
    n = x.shape[-1] if n is None else n
    return np.eye(n, dtype=x.dtype)


def check_float(a: Tensor, name: str, low: bool = False, kernel: str | None = None) -> np.ndarray:
    """``a``'s array; PyTorch's error for an integer or bool tensor, and for float16/bfloat16
    (which its CPU kernels refuse) unless ``low``: the dispatcher's ``NotImplementedError`` for
    the LAPACK ``kernel`` PyTorch would call, else its own check's ``RuntimeError``."""
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}(): argument 'A' (position 1) must be Tensor, not {type(a).__name__}")
    x = a._data
    if x.dtype.kind not in "fV":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {dt.scalar_name(x.dtype)}")
    if x.dtype.itemsize == 2 and not low:
        if kernel is not None:
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{dt.scalar_name(x.dtype)}'")
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got {dt.scalar_name(x.dtype)}")
    return x


def check_matrix(x: np.ndarray, name: str, arg: str = "A") -> None:
    if x.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")


def check_square(x: np.ndarray, name: str, arg: str = "A") -> None:
    check_matrix(x, name, arg)
    if x.shape[-1] != x.shape[-2]:
        raise RuntimeError(f"{name}: {arg} must be batches of square matrices, but they are "
                           f"{x.shape[-2]} by {x.shape[-1]} matrices")


def float_square(a: Tensor, name: str, kernel: str | None = None) -> np.ndarray:
    """The array of ``a``, checked as PyTorch checks the input of ``inv``, ``det``..."""
    x = check_float(a, name, kernel=kernel)
    check_square(x, name)
    return x


def batch_prefix(x: np.ndarray, k: int) -> str:
    """``(Batch element k): `` for a batch of matrices, nothing for one matrix."""
    return f"(Batch element {k}): " if x.ndim > 2 else ""


def batches(x: np.ndarray) -> np.ndarray:
    """The matrices of ``x`` as a 3-D array (one matrix per batch element, in order)."""
    return x.reshape((-1,) + x.shape[-2:])


def record_outputs(outs: Sequence[np.ndarray], name: str, inputs: Sequence[Any], backward: Callable,
                   differentiable: Sequence[bool] | None = None, saved: Sequence[Any] = ()) -> tuple[Tensor, ...]:
    """The tensors of an op with several outputs (``Q, R = qr(A)``), made by one node named
    ``name``; its ``backward(grads)`` gets one gradient per output (``None`` where none arrived)
    and returns one per input. Outputs not ``differentiable`` (an integer rank, an info code)
    get no node, as in PyTorch. ``saved``: what ``backward`` reads, inputs (tensors) or outputs
    (their indices): modified in place before ``backward``, they make it raise PyTorch's error."""
    differentiable = differentiable or [True] * len(outs)
    live = False
    if _state.enabled:
        for t in inputs:
            if isinstance(t, Tensor):
                if t._view is not None:
                    refresh(t)
                live = live or t.requires_grad
    if not live:
        return tuple(_make(np.asarray(o)) for o in outs)
    edges = [edge(t) if isinstance(t, Tensor) and t.requires_grad else None for t in inputs]
    node = Node(name, lambda grads: backward(list(grads)), edges, tuple(inputs), None, len(outs))
    res = []
    for k, (o, d) in enumerate(zip(outs, differentiable)):
        t = _make(np.asarray(o), node if d else None)
        if d:
            t._nr = k
        res.append(t)
    entries: list = []
    for s in saved:
        if isinstance(s, int):  # an output: named in messages as output s of this node
            t = res[s]
            t._vc = [0]
            entries += (t._vc, 0, (t._data, s))
        else:
            if s._vc is None:
                s._vc = [0]
            entries += (s._vc, s._vc[0], s)
    node.saved = entries or None
    return tuple(res)


def zeros_or(g: Any, like: np.ndarray) -> np.ndarray:
    """The gradient ``g`` of an output, or zeros where none arrived."""
    return np.zeros_like(like) if g is None else g
