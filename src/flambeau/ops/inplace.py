"""In-place operations (``add_``, ``mul_``, ``zero_``, ``+=``...).

Every in-place op writes into the tensor's memory (its views see the change) and bumps its
version (``_version``), which the graph nodes that saved the tensor check at ``backward``.

Under ``no_grad`` (how optimizers and students update weights), or when nothing requires grad,
that is all. In the graph, the op is recorded like its out-of-place form, reading a copy of the
old values, and the tensor takes the result's place (``_core.commit``): the nodes recorded before
keep their edges to the old value's producer. On a leaf that requires grad it raises, as in
PyTorch: changing a weight in place would hide the change from backpropagation.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _dtype as dt
from . import arith
from ._core import (
    Tensor,
    _make,
    broadcast_error,
    bump,
    check_inplace,
    check_overlap,
    check_partial_overlap,
    commit,
    inplace_elementwise,
    inplace_replayed,
    operands,
    overlapping,
    record,
    snapshot,
    tracked,
    unbroadcast,
    writable,
    write,
)
from .overlap import replay, replay_rows, replay_triangle, shares_memory


def _in_order(a: Tensor, at_once: Callable, replayer: Callable, op: Callable, args: tuple,
              kw: dict) -> Tensor:
    """An in-place op outside the graph on a view whose elements share memory: ``at_once()``
    does it as if they did not (PyTorch's checks, the version), then writes what PyTorch's
    loop leaves there (``replayer``: ``overlap.replay``, element after element...)."""
    old = a._data.copy()
    at_once()
    np.copyto(a._data, replayer(a._data, old, op, args, kw))
    return a


def _binary(a: Tensor, other: Any, ufunc: Callable, op: Callable, **kw: Any) -> Tensor:
    if a._view is not None and shares_memory(a._data) and not tracked(a, other):
        return _in_order(a, lambda: _binary_at_once(a, other, ufunc, op, **kw), replay, op, (other,), kw)
    return _binary_at_once(a, other, ufunc, op, **kw)


def _binary_at_once(a: Tensor, other: Any, ufunc: Callable, op: Callable, **kw: Any) -> Tensor:
    if tracked(a, other):
        return inplace_elementwise(a, op, other, **kw)
    _, _, x, y = operands(a, other)
    if kw.get("alpha", 1) != 1:
        y = arith.scaled(x, y, kw["alpha"])
    if x.dtype.itemsize == 2 and ufunc in _OPMATH:  # float16 times a number: float32, rounded once
        res = arith.opmath_scalar(ufunc, x, other)
        if res is not None:
            ufunc, y = _computed, res
    out = a._data
    if out.flags.writeable and x is out and (not isinstance(other, Tensor) or a._vc is None
                                             or other._vc is not a._vc):  # (not a view of a)
        try:  # straight into the tensor's memory
            ufunc(out, y, out=out, casting="same_kind")
            bump(a)
            return a
        except ValueError as e:
            if "broadcast" not in str(e):
                raise
            try:
                shape = np.broadcast_shapes(out.shape, np.shape(y))
            except ValueError:
                raise broadcast_error(out.shape, np.shape(y)) from None
            raise RuntimeError(f"output with shape {list(out.shape)} doesn't match the broadcast "
                               f"shape {list(shape)}") from None
        except TypeError:
            pass  # a cast PyTorch refuses too: write names it
    check_overlap(a)
    check_partial_overlap(a, other)
    write(a, _fits(a, ufunc(x, y)))
    return a


_OPMATH = (np.multiply, np.true_divide)


def _computed(x: np.ndarray, res: np.ndarray, out: np.ndarray | None = None,
              casting: str = "same_kind") -> np.ndarray:
    """A ufunc's stand-in when its result ``res`` is already computed: ``res``, written into
    ``out`` if given."""
    if out is None:
        return res
    np.copyto(out, res, casting=casting)
    return out


def _fits(a: Tensor, res: Any) -> np.ndarray:
    res = np.asarray(res)
    if res.shape != a._data.shape:
        try:
            return np.broadcast_to(res, a._data.shape)
        except ValueError:
            raise RuntimeError(
                f"output with shape {list(a._data.shape)} doesn't match the broadcast shape "
                f"{list(res.shape)}") from None
    return res


def add_(a: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    return _binary(a, other, np.add, arith.add, alpha=alpha)


def sub_(a: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    return _binary(a, other, np.subtract, arith.sub, alpha=alpha)


def mul_(a: Tensor, other: Any) -> Tensor:
    return _binary(a, other, np.multiply, arith.mul)


def div_(a: Tensor, other: Any) -> Tensor:
    if a._data.dtype.kind not in "fV":
        raise RuntimeError("result type Float can't be cast to the desired output type "
                           f"{dt.scalar_name(a._data.dtype)}")
    return _binary(a, other, np.true_divide, arith.div)


def pow_(a: Tensor, other: Any) -> Tensor:
    if not isinstance(other, Tensor):
        arith.check_exponent(a._data, other)
    return _binary(a, other, np.power, arith.pow)


def unary_(a: Tensor, op: Callable, *args: Any, **kw: Any) -> Tensor:
    """``a`` replaced in place by ``op(a, *args, **kw)``, an elementwise op (``relu_``,
    ``clamp_``, ``exp_``...)."""
    if tracked(a, *args):
        return inplace_elementwise(a, op, *args, **kw)
    if a._view is not None and shares_memory(a._data):  # unfold's overlapping windows
        return _in_order(a, lambda: _untracked(a, op, *args, **kw), replay, op, args, kw)
    return _untracked(a, op, *args, **kw)


def cumulative_(a: Tensor, op: Callable, *args: Any, **kw: Any) -> Tensor:
    """``a`` replaced in place by ``op(a, dim)``, ``cumsum`` or ``cumprod``."""
    return _along(a, replay_rows, op, args, kw)


def triangle_(a: Tensor, op: Callable, *args: Any, **kw: Any) -> Tensor:
    """``a`` replaced in place by ``op(a, diagonal)``, ``tril`` or ``triu``."""
    return _along(a, replay_triangle, op, args, kw)


def _along(a: Tensor, replayer: Callable, op: Callable, args: tuple, kw: dict) -> Tensor:
    """An in-place op where an element's result depends on others: computed from all of ``a``'s
    old values at once, or, on ``unfold``'s overlapping windows, as ``replayer`` says PyTorch's
    loop does it."""
    if tracked(a, *args):
        return inplace_replayed(a, replayer, op, args, kw)
    if a._view is not None and shares_memory(a._data):
        return _in_order(a, lambda: _untracked(a, op, *args, **kw), replayer, op, args, kw)
    return _untracked(a, op, *args, **kw)


def _untracked(a: Tensor, op: Callable, *args: Any, **kw: Any) -> Tensor:
    """Outside the graph: ``op(a, *args, **kw)`` written into ``a``'s memory."""
    check_overlap(a)
    check_partial_overlap(a, *args)
    write(a, _fits(a, op(a, *args, **kw)._data))
    return a




def clamp_(a: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    return unary_(a, arith.clamp, min, max)


def _replace(a: Tensor, new: np.ndarray, name: str, src: Tensor | None = None,
             src_grad: Callable | None = None, overlap: bool = True) -> Tensor:
    """Record, in the graph, that every element of ``a`` was replaced by ``new``: the old values
    get a zero gradient, ``src`` (if given) gets ``src_grad(g)``. ``overlap``: one value is
    written everywhere, which PyTorch allows on an expanded tensor."""
    check_inplace(a, src)
    old = snapshot(a)

    def backward(g: np.ndarray) -> tuple:
        g_src = None
        if src is not None and src_grad is not None:
            g_src = np.asarray(src_grad(g)).astype(src._data.dtype, copy=False)
        return np.zeros_like(g), g_src

    return commit(a, record(new, name, (old, src), backward, ()), overlap)


def zero_(a: Tensor) -> Tensor:
    """Set every element to 0."""
    check_inplace(a)
    if tracked(a):
        return _replace(a, np.zeros_like(a._data), "ZeroBackward0")
    write(a, np.zeros((), a._data.dtype), overlap=True)
    return a


def fill_(a: Tensor, value: Any) -> Tensor:
    """Set every element to ``value``, a number or a 0-d tensor (which then gets the sum of the
    gradient from above)."""
    check_inplace(a, value)
    v = value
    dt.check_fill_value(value, a._data.dtype)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions.")
        v = value._data
    if tracked(a, value):
        new = np.full(a._data.shape, v, dtype=a._data.dtype)
        if isinstance(value, Tensor):
            return _replace(a, new, "FillBackward3", value, lambda g: g.sum(), overlap=False)
        return _replace(a, new, "FillBackward2")
    write(a, np.asarray(v).astype(a._data.dtype), overlap=not isinstance(value, Tensor))
    return a


def copy_(a: Tensor, src: Any) -> Tensor:
    """Copy the values of ``src`` (broadcast to ``a``'s shape, converted to its dtype) into
    ``a``.  In the graph the old values get no gradient and ``src`` gets ``g`` (summed over
    what broadcasting repeated)."""
    check_inplace(a, src)
    same = src is a  # PyTorch copies nothing (even into an expanded tensor), yet counts a write
    if not same:
        check_overlap(a)
        check_partial_overlap(a, src)
    x = a._data
    v = src._data if isinstance(src, Tensor) else np.asarray(src)
    try:
        new = np.broadcast_to(v, x.shape)
    except ValueError:
        raise broadcast_error(x.shape, v.shape) from None
    if not same and a._view is not None and shares_memory(x):
        return _in_order(a, lambda: _copy_at_once(a, src, new, v.shape, same), replay, _source, (_make(new),), {})
    return _copy_at_once(a, src, new, v.shape, same)


def _source(old: Tensor, src: Any) -> Any:
    return src


def _copy_at_once(a: Tensor, src: Any, new: np.ndarray, vshape: tuple, same: bool) -> Tensor:
    x = a._data
    if tracked(a, src):
        return _replace(a, new.astype(x.dtype), "torch::autograd::CopyBackwards",
                        src if isinstance(src, Tensor) else None, lambda g: unbroadcast(g, vshape),
                        overlap=same)
    write(a, new.astype(x.dtype, copy=False), overlap=same)
    return a


def masked_fill_(a: Tensor, mask: Tensor, value: Any) -> Tensor:
    from .index import masked_fill

    m = mask._data if isinstance(mask, Tensor) else mask
    return _fill_(a, "masked_fill_", masked_fill, (mask, value), lambda shape: np.broadcast_to(m, shape))


def index_fill_(a: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    from .index import index_fill

    def where(shape: tuple) -> np.ndarray:  # the positions index_fill writes
        return index_fill(_make(np.zeros(shape, dtype=bool)), dim, index, True)._data

    return _fill_(a, "index_fill_", index_fill, (dim, index, value), where)


def _fill_(a: Tensor, name: str, op: Callable, args: tuple, where: Callable) -> Tensor:
    """``a`` replaced in place by ``op(a, *args)`` (``masked_fill``, ``index_fill``): only the
    positions ``where(shape)`` are written."""
    value = args[-1]
    if a._data.flags.writeable or not overlapping(a._data):
        return unary_(a, op, *args)
    # an expanded tensor: PyTorch warns and writes the filled positions (in the graph, its
    # backward then refuses to copy into the overlapping gradient)
    warnings.warn(f"Use of {name} on expanded tensors is deprecated. Please clone() the "
                  "tensor before performing this operation. This also applies to advanced "
                  "indexing e.g. tensor[mask] = scalar", UserWarning, stacklevel=4)
    in_graph = tracked(a, value)
    if in_graph:
        check_inplace(a, value)
        res = op(snapshot(a), *args)
    else:
        res = op(a, *args)
    memory = writable(a._data)
    filled = where(memory.shape)
    memory[filled] = res._data[filled]
    if in_graph:
        commit(a, res, written=True)
    else:
        bump(a)
    return a


def uniform_(a: Tensor, a_: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
    from .random import _gen

    return _fill_random(a, _gen(generator).uniform(a_, b, a._data.shape, dtype=a._data.dtype))


def normal_(a: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    from .random import _gen
    from .sampling import normal

    return _fill_random(a, normal(_gen(generator), mean, std, a._data.shape, a._data.dtype,
                                  contiguous=a.is_contiguous()))


def bernoulli_(a: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill with 0 or 1: 1 with probability ``p`` (a number, or a tensor broadcast to ``a``)."""
    from . import sampling
    from .random import _gen

    gen = _gen(generator)
    if isinstance(p, Tensor):
        probs = np.broadcast_to(p._data, a._data.shape)
        return _fill_random(a, sampling.bernoulli_array(gen, np.ascontiguousarray(probs)))
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _fill_random(a, sampling.bernoulli_scalar(gen, p, a._data.shape))


def exponential_(a: Tensor, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with exponential numbers of rate ``lambd``: :math:`-\\log(1 - u) / \\lambda`."""
    from . import sampling
    from .random import _gen

    if lambd <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill_random(a, sampling.exponential(_gen(generator), lambd, a._data.shape))


def random_(a: Tensor, from_: int = 0, to: int | None = None, *, generator: Any = None) -> Tensor:
    """Fill with integers drawn uniformly from ``[from, to)`` (``random_(to)``: from 0; no
    bound: 0 to the largest integer the dtype holds exactly)."""
    from . import sampling
    from .random import _gen

    gen = _gen(generator)
    if to is None and from_ == 0 and a._data.dtype == np.int64:
        return _fill_random(a, sampling.full_range_int64(gen, a._data.size).reshape(a._data.shape))
    if to is None:
        if from_ != 0:
            from_, to = 0, from_
        else:
            kind = a._data.dtype
            to = (1 << {np.dtype(np.float32): 24, np.dtype(np.float64): 53}.get(kind, 0)) + 1 \
                if kind.kind == "f" else int(np.iinfo(kind).max) + 1
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
    return _fill_random(a, sampling.integers(gen, from_, to, a._data.shape, np.int64))


def _fill_random(a: Tensor, values: np.ndarray) -> Tensor:
    check_inplace(a)
    write(a, values.astype(a._data.dtype))
    return a
