"""Writing in place into a view whose elements share memory: ``unfold``'s overlapping windows.

``x.unfold(0, 3, 1)`` shows the 5 elements of ``x`` as 3 windows of 3: ``x[1]`` is in two of
them, ``x[2]`` in three. PyTorch does not refuse ``x.unfold(0, 3, 1).add_(1)`` (it refuses only an
expanded tensor, where a stride is 0: ``_core.check_overlap``). Its loop goes over the view's
elements one after the other, each reading what the earlier ones wrote: ``x[2]`` gets 1 added
three times, and ``torch.arange(5.)`` becomes ``[1, 3, 5, 5, 5]``. NumPy computes the whole
result from the old values, then writes it (``[1, 2, 3, 4, 5]``): a silent difference, unless
the op is replayed here in PyTorch's order.

PyTorch's order is its ``TensorIterator``'s: the dimensions sorted by stride, the smallest
innermost (equal strides: the smaller size inside; still equal: the next operand decides; all
equal: the later dimension inside), then C order. Replaying element by element would be slow;
instead the elements go in *waves*: wave ``k`` holds, for every memory location, the ``k``-th
element (in that order) that lives there. The elements of a wave share no memory, so a wave is
one vectorised op on the values the earlier waves left, and there are as many waves as windows
hold one element (3 above). ``cumsum_``/``cumprod_`` go row after row (:func:`replay_rows`),
``tril_``/``triu_`` write their zeros only (:func:`replay_triangle`).

The graph is recorded as PyTorch records it: one node, as if the elements did not share memory,
whose saved result (``exp_`` saves it) holds the replayed values; its gradient is PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor, _make


def shares_memory(x: np.ndarray) -> bool:
    """Whether two elements of ``x`` are one memory location, all strides being non-zero
    (an expanded tensor is ``views.overlapping``'s case)."""
    if x.size < 2 or x.flags.c_contiguous or x.flags.f_contiguous:
        return False
    extent = x.itemsize
    for stride, n in sorted((abs(s), n) for s, n in zip(x.strides, x.shape) if n > 1):
        if stride == 0:
            return False
        if stride < extent:
            break
        extent += stride * (n - 1)
    else:
        return False  # each dimension steps over all the smaller ones: no two elements meet
    return len(np.unique(_offsets(x.shape, x.strides))) < x.size


def _offsets(shape: tuple, strides: tuple) -> np.ndarray:
    """The byte offset of each element, in C order."""
    grids = np.ogrid[tuple(slice(0, n) for n in shape)]
    return sum((g * s for g, s in zip(grids, strides)), np.zeros(shape, np.intp)).ravel()


def loop_order(shape: tuple, operand_strides: list[tuple]) -> list[int]:
    """The dimensions of PyTorch's loop over ``shape``, outermost first, for operands with these
    strides (the written tensor first; a broadcast dimension has stride 0)."""

    def should_swap(d0: int, d1: int) -> int:
        for strides in operand_strides:
            s0, s1 = strides[d0], strides[d1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return -1 if s0 < s1 else 1
            if shape[d0] > shape[d1]:
                return 1
        return 0

    perm = list(range(len(shape)))[::-1]  # innermost first
    for i in range(1, len(perm)):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    return perm[::-1]


def _strides_of(t: Any, shape: tuple) -> tuple | None:
    """``t``'s strides broadcast to ``shape`` (0 where it is broadcast), None for a number or a
    0-d tensor (PyTorch's wrapped scalars take no part in the order)."""
    if not isinstance(t, Tensor) or not t._data.ndim:
        return None
    return np.broadcast_to(t._data, shape).strides


def _places(x: np.ndarray, flat: np.ndarray, old: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For the elements ``flat`` (C indices, in loop order): the memory location of each, and
    the memory (one value per location) as ``old`` (``x`` before the op) holds it."""
    places, where = np.unique(_offsets(x.shape, x.strides)[flat], return_inverse=True)
    memory = np.empty(len(places), x.dtype)
    memory[where] = old.ravel()[flat]
    return where, memory


def _values(x: np.ndarray, flat: np.ndarray, where: np.ndarray, memory: np.ndarray) -> np.ndarray:
    """Each element's value in ``x``'s shape: the memory at its location."""
    values = np.empty(x.size, x.dtype)
    values[flat] = memory[where]
    return values.reshape(x.shape)


def replay(x: np.ndarray, old: np.ndarray, op: Callable, args: tuple, kwargs: dict) -> np.ndarray:
    """What PyTorch's loop leaves in each element of ``x`` (a view whose elements share memory,
    holding ``old`` before the op) for the elementwise ``op(x, *args, **kwargs)``: the op applied
    element by element in PyTorch's order, each element reading the memory as the earlier ones
    left it. Returns the values, in ``x``'s shape (the elements of one memory location get the
    same value); nothing is written, nothing recorded."""
    from ..autograd.grad_mode import no_grad

    shape = x.shape
    order = loop_order(shape, [x.strides, x.strides]
                       + [s for s in (_strides_of(t, shape) for t in args) if s is not None])
    flat = np.arange(x.size).reshape(shape).transpose(order).ravel()  # elements in loop order
    where, memory = _places(x, flat, old)
    by_place = np.argsort(where, kind="stable")
    first = np.searchsorted(where[by_place], where[by_place])
    wave = np.empty(x.size, np.intp)
    wave[by_place] = np.arange(x.size) - first
    spread = [np.broadcast_to(t._data, shape).ravel()[flat] if _strides_of(t, shape) is not None
              else None for t in args]
    with no_grad():
        for k in range(int(wave.max()) + 1):
            sel = np.flatnonzero(wave == k)
            operands = [t if s is None else _make(s[sel]) for t, s in zip(args, spread)]
            res = op(_make(memory[where[sel]]), *operands, **kwargs)
            memory[where[sel]] = np.asarray(res._data if isinstance(res, Tensor) else res)
    return _values(x, flat, where, memory)


def replay_rows(x: np.ndarray, old: np.ndarray, op: Callable, args: tuple, kwargs: dict) -> np.ndarray:
    """:func:`replay` for ``cumsum_``/``cumprod_`` along ``dim`` (``args[0]`` or
    ``kwargs["dim"]``): PyTorch's loop takes the rows along ``dim`` one after the other (in its
    order of the other dimensions), each computed from the memory as the earlier rows left it."""
    from ..autograd.grad_mode import no_grad
    from ..tensor import _wrap_dim

    kwargs = dict(kwargs)
    dim = _wrap_dim(args[0] if args else kwargs.pop("dim"), x.ndim)
    others = [d for d in range(x.ndim) if d != dim]
    inner = loop_order(tuple(x.shape[d] for d in others), [tuple(x.strides[d] for d in others)] * 2)
    rows = np.arange(x.size).reshape(x.shape).transpose([others[d] for d in inner] + [dim])
    flat = rows.ravel()
    where, memory = _places(x, flat, old)
    at = where.reshape(-1, x.shape[dim])
    with no_grad():
        for row in at:
            memory[row] = op(_make(memory[row]), 0, *args[1:], **kwargs)._data
    return _values(x, flat, where, memory)


def replay_triangle(x: np.ndarray, old: np.ndarray, op: Callable, args: tuple, kwargs: dict) -> np.ndarray:
    """:func:`replay` for ``tril_``/``triu_``: PyTorch's in-place kernel only writes zeros, where
    the triangle ``op`` keeps no value; the other elements read the memory as it then is."""
    from ..autograd.grad_mode import no_grad

    with no_grad():
        keep = op(_make(np.ones(x.shape[-2:], x.dtype)), *args, **kwargs)._data != 0
    flat = np.arange(x.size)
    where, memory = _places(x, flat, old)
    memory[where[~np.broadcast_to(keep, x.shape).ravel()]] = 0
    return _values(x, flat, where, memory)


def assign(x: np.ndarray, values: np.ndarray) -> None:
    """``x[...] = values`` (``values`` of ``x``'s shape, contiguous) into a view whose elements
    share memory, as PyTorch's ``copy_`` does it: where several elements are one location, the
    last one in PyTorch's loop order wins (``CopySlices`` writes a gradient so)."""
    shape = x.shape
    values = np.ascontiguousarray(values)  # (PyTorch's backward gives a new tensor)
    flat = np.arange(x.size).reshape(shape).transpose(loop_order(shape, [x.strides, values.strides])).ravel()
    _, where = np.unique(_offsets(shape, x.strides), return_inverse=True)  # each element's location
    _, last = np.unique(where[flat][::-1], return_index=True)  # each location's last element...
    winner = flat[::-1][last]  # ... in loop order
    np.copyto(x, values.ravel()[winner[where]].reshape(shape))


__all__ = ["shares_memory", "loop_order", "replay", "replay_rows", "replay_triangle", "assign"]
