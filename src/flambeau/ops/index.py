"""Indexing and gathering: ``x[i]``, ``x[mask]``, ``gather``, ``index_select``, ``masked_fill``,
``index_fill``.
The gradient of picking elements is to put the gradient from above back where they came from,
adding where an element was picked several times (scatter-add)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import _dtype as dt
from ._core import (
    OVERLAP,
    Tensor,
    _make,
    _wrap_dim,
    broadcast_error,
    bump,
    check_inplace,
    commit,
    inplace,
    overlapping,
    record,
    record_view,
    snapshot,
    tracked,
    unbroadcast,
    writable,
)

_VALID = ("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
          "valid indices")


def _as_tuple(idx: Any) -> tuple:
    """The index as a tuple of per-dimension entries. A list holding sequences, tensors,
    slices, None or ``...`` is read as a tuple, as PyTorch (still) does, with its warning."""
    if isinstance(idx, tuple):
        return idx
    if isinstance(idx, list) and len(idx) < 32 and any(
            isinstance(i, (list, tuple, range, np.ndarray, Tensor, slice)) or i is None or i is Ellipsis
            for i in idx):
        warnings.warn(
            "Using a non-tuple sequence for multidimensional indexing is deprecated; use "
            "x[tuple(seq)] instead of x[seq] (flambeau reads it as PyTorch 2.13 does: as a tuple)",
            UserWarning, stacklevel=4)
        return tuple(idx)
    return (idx,)


def _entry(i: Any) -> Any:
    """One entry of an index in NumPy's terms: an int, a slice, None, Ellipsis, or an array of
    integers or booleans (0-d booleans included)."""
    if isinstance(i, Tensor):
        i = i._data
        if i.dtype == np.uint8:  # PyTorch's legacy byte masks
            i = i.astype(bool)
    if isinstance(i, (bool, np.bool_)):
        return np.asarray(i)
    if isinstance(i, (int, np.integer)):
        return int(i)
    if isinstance(i, range):  # x[range(2)] is x[[0, 1]]
        return np.arange(i.start, i.stop, i.step, dtype=np.int64)
    if isinstance(i, (list, tuple, np.ndarray)):
        arr = np.asarray(i)
        if arr.size == 0 and isinstance(i, (list, tuple)):
            arr = arr.astype(np.int64)  # x[[]] picks nothing
        if arr.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if arr.ndim == 0 and arr.dtype.kind != "b":
            return int(arr)
        return arr
    if isinstance(i, slice):
        if i.step is not None and i.step <= 0:
            raise ValueError("step must be greater than zero")
        return i
    if i is None or i is Ellipsis:
        return i
    if isinstance(i, str):
        raise TypeError(f"{_VALID} (got str)")
    raise IndexError(f"{_VALID} (got {type(i).__name__})")


class _Index:
    """A PyTorch index, applied as PyTorch applies it: first the "basic" entries (ints, slices,
    None, ``...``), which give a view; then, if any, the "advanced" entries (integer arrays and
    boolean masks) on that view, which pick elements (a copy, where elements may repeat).

    Taking the ints first matters: in ``x[0, 1:, [0, 0]]`` the int is not an advanced index, so
    the picked dimension stays in place (NumPy would move it to the front)."""

    def __init__(self, x: np.ndarray, idx: Any) -> None:
        entries = [_entry(i) for i in _as_tuple(idx)]
        if sum(e is Ellipsis for e in entries) > 1:
            raise IndexError("an index can only have a single ellipsis ('...')")
        used = sum(_dims_used(e) for e in entries)
        if used > x.ndim:
            raise IndexError(f"too many indices for tensor of dimension {x.ndim}")
        basic: list = []
        advanced: list = []
        self.name = "AliasBackward0"
        dim = 0  # the dimension of x the next entry applies to
        for e in entries:
            if e is Ellipsis:
                basic.append(e)
                # spelled out for the second step: an ellipsis over no dimension must not
                # separate two advanced indices (NumPy would then move their dimension first)
                advanced += [slice(None)] * (x.ndim - used)
                dim += x.ndim - used
            elif e is None:
                basic.append(None)
                advanced.append(slice(None))
                self.name = "UnsqueezeBackward0"
            elif isinstance(e, int):
                basic.append(e)  # removes the dimension: nothing for the second step
                self.name = "SelectBackward0"
                dim += 1
            elif isinstance(e, slice):
                basic.append(e)
                advanced.append(slice(None))
                if e.indices(x.shape[dim]) != (0, x.shape[dim], 1):
                    self.name = "SliceBackward0"
                dim += 1
            elif e.dtype.kind == "b" and e.ndim == 0:
                basic.append(None)  # a new dimension of size 1, kept (True) or emptied (False)
                advanced.append(e.reshape(1))
            else:
                basic += [slice(None)] * _dims_used(e)
                advanced.append(e)
                dim += _dims_used(e)
        if not any(e is Ellipsis for e in basic):
            basic.append(Ellipsis)  # x[0] of a vector: a 0-d view, not a NumPy scalar
        self.basic = tuple(basic)
        self.advanced = tuple(advanced) if any(isinstance(e, np.ndarray) for e in advanced) else None
        if self.advanced is not None:
            self.name = "IndexBackward0"
        elif isinstance(idx, slice):
            self.name = "SliceBackward0"  # PyTorch slices even for a lone `:`
        self.shape = x.shape

    def get(self, x: np.ndarray) -> np.ndarray:
        view = x[self.basic]
        return view if self.advanced is None else view[self.advanced]

    def set(self, x: np.ndarray, v: Any) -> None:
        if self.advanced is None:
            x[self.basic] = v
        else:
            x[self.basic][self.advanced] = v

    def add_at(self, gx: np.ndarray, g: np.ndarray) -> None:
        """``gx[index] += g``, adding up where the index repeats elements (scatter-add)."""
        if self.advanced is None:
            gx[self.basic] += g
        else:
            np.add.at(gx[self.basic], self.advanced, g)


def _dims_used(e: Any) -> int:
    """How many dimensions of the indexed tensor an index entry consumes."""
    if e is None or e is Ellipsis:
        return 0
    if isinstance(e, np.ndarray):
        return e.ndim if e.dtype.kind == "b" else 1
    return 1


def _index_error(x: np.ndarray, e: Exception) -> IndexError:
    return IndexError(f"{e} (indexing a tensor of shape {list(x.shape)})")


def _parse(x: np.ndarray, idx: Any) -> _Index:
    try:
        return _Index(x, idx)
    except IndexError as e:
        raise _index_error(x, e) from None


def getitem(a: Tensor, idx: Any) -> Tensor:
    """``a[idx]``: a view of ``a`` for ints, slices, None and ``...``; a copy with integer arrays
    or masks.  Backward: a zero tensor of ``a``'s shape with ``g`` added at ``idx``."""
    x = a._data
    index = _parse(x, idx)
    try:
        out = index.get(x)
    except IndexError as e:
        raise _index_error(x, e) from None

    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros(x.shape, g.dtype)
        index.add_at(gx, g)
        return (gx,)

    if index.advanced is None:
        basic = index.basic
        return record_view(a, index.name, lambda arr: arr[basic], backward)
    return record(out, index.name, (a,), backward, ())


def _type_name(a: Tensor) -> str:
    return a.dtype.legacy_type


def setitem(a: Tensor, idx: Any, value: Any) -> None:
    """``a[idx] = value``, in place. In the graph, as in PyTorch: ``a[idx]`` is a view of ``a``
    and ``value`` is copied into it (the old values' gradient is cut at ``idx``, ``value``
    receives the gradient there); an integer-array or mask index records ``IndexPutBackward0``.
    PyTorch's checks come in its order: the index; for an integer-array or mask index,
    autograd's before the value's."""
    x = a._data
    if isinstance(value, (list, tuple, np.ndarray)):
        raise TypeError(f"can't assign a {type(value).__name__} to a {_type_name(a)}")
    if not isinstance(value, (Tensor, bool, int, float, np.generic)):
        raise TypeError(f"can't assign a {type(value).__name__} to a {_type_name(a)}")
    if value.__class__ is int and not -0x8000000000000000 <= value < 0x8000000000000000:
        raise ValueError("Overflow when unpacking long long")  # PyTorch reads a C long long
    if isinstance(value, (int, float)) and (x.dtype.kind in "iub" or x.dtype.itemsize > 2):
        dt.check_fill_value(value, x.dtype)  # a number it cannot hold (float16 goes to inf)
        if value.__class__ is int and x.dtype.kind == "u":
            value = np.array(value, np.int64).astype(x.dtype)[()]  # -1 is 255, as in PyTorch
    index = _parse(x, idx)
    target = None  # where index_put_ writes in the graph
    if index.advanced is not None and tracked(a, value):
        target = _basic_part(a, index)
        check_inplace(target, value)
    if isinstance(value, Tensor) and index.advanced is not None and value._data.dtype != x.dtype:
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got {a.dtype} for the "
            f"destination and {value.dtype} for the source.")
    v = value._data if isinstance(value, Tensor) else value
    try:
        target_shape = index.get(x).shape
    except IndexError as e:
        raise _index_error(x, e) from None
    vshape = np.shape(v)
    lead = next((i for i, n in enumerate(vshape) if n != 1), len(vshape))
    if lead:  # as PyTorch, the value's leading size-1 dimensions are dropped first
        vshape = vshape[lead:]
        v = np.reshape(v, vshape)
        if isinstance(value, Tensor):
            value = value.reshape(vshape)
    try:
        np.broadcast_to(np.empty(vshape, dtype=np.bool_), target_shape)
    except ValueError:
        if index.advanced is None:
            raise _expand_error(a, vshape, target_shape) from None
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(vshape)} cannot be "
                           f"broadcast to indexing result of shape {list(target_shape)}") from None
    if target is not None:
        _index_put_in_graph(target, index, value if isinstance(value, Tensor) else v, v)
        return
    if index.advanced is None and tracked(a, value):
        from .inplace import copy_

        copy_(getitem(a, idx), value)
        return
    memory = x[index.basic]
    if not memory.flags.writeable:  # a view of an expanded tensor
        memory = _writable_target(memory, index, value)
    with np.errstate(over="ignore"):  # float16's inf for a number beyond it, silently
        if index.advanced is None:
            memory[...] = v
        else:
            memory[index.advanced] = v
    bump(a)


def _basic_part(a: Tensor, index: _Index) -> Tensor:
    """``a`` indexed by the basic part of ``index`` (ints, slices...): a view, or ``a``."""
    basic = index.basic
    if all(e is Ellipsis or (isinstance(e, slice) and e == slice(None)) for e in basic):
        return a
    shape = a._data.shape

    def back(g: np.ndarray) -> tuple:
        gx = np.zeros(shape, g.dtype)
        gx[basic] = g
        return (gx,)

    return record_view(a, "AliasBackward0", lambda arr: arr[basic], back)


def _index_put_in_graph(target: Tensor, index: _Index, value: Any, v: Any) -> None:
    if target._data.flags.writeable or not overlapping(target._data):
        inplace(target, _index_put, index.advanced, value)
        return
    # an expanded tensor: PyTorch warns, writes at the index only, and its backward refuses
    memory = _writable_target(target._data, index, value)
    check_inplace(target, value)
    res = _index_put(snapshot(target), index.advanced, value)
    memory[index.advanced] = v
    commit(target, res, written=True)


def _expand_error(a: Tensor, vshape: tuple, target: tuple) -> RuntimeError:
    """PyTorch's message when a value does not expand to a basic index's result."""
    if len(vshape) > len(target):
        return RuntimeError(f"expand({_type_name(a)}{{{list(vshape)}}}, size={list(target)}): the number of sizes "
                            f"provided ({len(target)}) must be greater or equal to the number of dimensions in the "
                            f"tensor ({len(vshape)})")
    padded = (1,) * (len(target) - len(vshape)) + tuple(vshape)
    d = next(i for i in range(len(target)) if padded[i] not in (1, target[i]))
    return RuntimeError(f"The expanded size of the tensor ({target[d]}) must match the existing size ({padded[d]}) "
                        f"at non-singleton dimension {d}.  Target sizes: {list(target)}.  Tensor sizes: "
                        f"{list(vshape)}")


def _writable_target(target: np.ndarray, index: _Index, value: Any) -> np.ndarray:
    """Where ``a[index] = value`` writes when ``a`` is (a view of) an expanded tensor: PyTorch
    refuses a basic index reaching one memory location through several elements, and warns
    for an advanced one."""
    if overlapping(target):
        if index.advanced is None:
            raise RuntimeError(OVERLAP)
        mask = len(index.advanced) == 1 and index.advanced[0].dtype == np.bool_ \
            and not isinstance(value, Tensor)
        op, example = ("masked_fill_", "tensor[mask] = scalar") if mask else \
            ("index_put_", "tensor[indices] = tensor")
        warnings.warn(f"Use of {op} on expanded tensors is deprecated. Please clone() the tensor "
                      "before performing this operation. This also applies to advanced indexing "
                      f"e.g. {example}", UserWarning, stacklevel=4)
    return writable(target)


def _index_put(a: Tensor, advanced: tuple, value: Any) -> Tensor:
    """A copy of ``a`` with ``value`` at ``advanced`` (integer arrays or masks).  The old values'
    gradient is cut there; ``value`` gets ``g`` there (summed over broadcasting)."""
    new = a._data.copy()
    v = value._data if isinstance(value, Tensor) else value
    new[advanced] = v
    vshape = np.shape(v)

    def backward(g: np.ndarray) -> tuple:
        g_old = g.copy()
        g_old[advanced] = 0
        g_val = None
        if isinstance(value, Tensor):
            g_val = unbroadcast(g[advanced], vshape).astype(value._data.dtype, copy=False)
        return g_old, g_val

    return record(new, "IndexPutBackward0", (a, value), backward, ())


def _check_index(ix: np.ndarray, size: int, d: int) -> None:
    """Index values must lie in [0, size): unlike Python, PyTorch's gather and scatter take no
    negative indices."""
    if ix.size and (ix.max() >= size or ix.min() < 0):
        bad = int(ix.max()) if ix.max() >= size else int(ix.min())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")


def _along(ix: np.ndarray, d: int) -> tuple:
    """The NumPy index that picks, for every position p of ``ix``, the element at p with its
    coordinate ``d`` replaced by ``ix[p]``."""
    grid = list(np.indices(ix.shape, sparse=True))
    grid[d] = ix
    return tuple(grid)


def gather(a: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[i][j] = a[i][index[i][j]]`` along ``dim``.  Backward scatter-adds ``g``."""
    x = a._data
    d = _wrap_dim(dim, x.ndim)
    ix = index._data
    if ix.dtype.kind not in "iu":
        raise RuntimeError(f"gather(): Expected dtype int64 for index, got {index.dtype}")
    if ix.ndim != x.ndim and not (x.ndim == 0 and ix.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k in range(x.ndim):
        if k != d and ix.shape[k] > x.shape[k]:
            raise RuntimeError(
                f"Size does not match at dimension {k} expected index {list(ix.shape)} to be "
                f"no larger than self {list(x.shape)} apart from dimension {d}")
    _check_index(ix, x.shape[d] if x.ndim else 1, d)
    if x.ndim == 0:
        return record(x.reshape(1)[ix].reshape(ix.shape), "GatherBackward0", (a,),
                      lambda g: (np.asarray(g.sum(), g.dtype),), ())
    where = _along(ix, d)
    out = x[where]

    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros(x.shape, g.dtype)
        np.add.at(gx, where, g)
        return (gx,)

    return record(out, "GatherBackward0", (a,), backward, ())


def scatter_add(a: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``a`` with ``src[p]`` added at ``index[p]`` along ``dim`` (for each position p
    of ``index``).  Backward: ``a`` gets ``g``; ``src`` gets ``g`` gathered at ``index``."""
    x, s = a._data, src._data
    d = _wrap_dim(dim, x.ndim)
    ix = index._data
    if ix.dtype.kind not in "iu":
        raise RuntimeError(f"scatter(): Expected dtype int64 for index, got {index.dtype}")
    if s.dtype != x.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if ix.ndim != x.ndim or s.ndim != x.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    for k in range(x.ndim):
        if ix.shape[k] > s.shape[k] or (k != d and ix.shape[k] > x.shape[k]):
            raise RuntimeError(
                f"Expected index {list(ix.shape)} to be no larger than self {list(x.shape)} apart "
                f"from dimension {d} and to be no larger size than src {list(s.shape)}")
    _check_index(ix, x.shape[d], d)
    where = _along(ix, d)
    used = tuple(slice(0, n) for n in ix.shape)  # the part of src that index covers
    out = x.copy()
    np.add.at(out, where, s[used])

    def backward(g: np.ndarray) -> tuple:
        gs = np.zeros(s.shape, g.dtype)
        gs[used] = g[where]
        return g, gs

    return record(out, "ScatterAddBackward0", (a, src), backward, ())


def index_select(a: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices ``index`` (a 1-D integer tensor) along ``dim``.  Backward adds ``g`` back at
    ``index`` (repeated indices add up)."""
    x = a._data
    d = _wrap_dim(dim, x.ndim)
    ix = index._data if isinstance(index, Tensor) else np.asarray(index)
    if ix.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if ix.dtype.kind not in "iu":
        raise RuntimeError(f"index_select(): Expected dtype int32/int64 for index, got {ix.dtype}")
    ix = ix.reshape(-1)
    if x.ndim == 0:
        if ix.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {ix.size} value(s)")
        _check_index(ix, 1, 0)
        return record(x.copy(), "IndexSelectBackward0", (a,), lambda g: (g,), ())
    _check_index(ix, x.shape[d], d)
    out = np.take(x, ix, axis=d)

    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros(x.shape, g.dtype)
        np.add.at(gx, (slice(None),) * d + (ix,), g)
        return (gx,)

    return record(out, "IndexSelectBackward0", (a,), backward, ())


def masked_fill(a: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``value`` where ``mask`` is true, ``a`` elsewhere (``a`` and ``mask`` broadcast).  The
    gradient of ``a`` is cut where filled; a 0-d tensor ``value`` gets the sum of ``g`` there."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {m.dtype}")
    x = a._data
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError(
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value._data.ndim} dimension(s).")
    dt.check_fill_value(value._data if isinstance(value, Tensor) else value, x.dtype)
    try:
        shape = np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        raise broadcast_error(x.shape, m.shape) from None
    return _fill_where(a, m, shape, value, "MaskedFillBackward0")


def _fill_where(a: Tensor, m: np.ndarray, shape: tuple, value: Any, name: str,
                refuse_value_grad: str | None = None) -> Tensor:
    """``value`` where the boolean ``m`` is true, ``a`` elsewhere (broadcast to ``shape``).
    Backward: ``a`` gets ``g`` except where filled; a 0-d tensor ``value`` gets the sum of ``g``
    there (or ``refuse_value_grad`` is raised, where PyTorch cannot compute it)."""
    x = a._data
    v = value._data if isinstance(value, Tensor) else value
    # the value takes the tensor's dtype (a float into an integer tensor is truncated)
    out = np.where(m, np.asarray(v).astype(x.dtype), x)
    xshape = x.shape
    inputs = (a, value) if isinstance(value, Tensor) else (a,)

    def backward(g: np.ndarray) -> tuple:
        ga = unbroadcast(np.where(m, 0, g).astype(g.dtype, copy=False), xshape)
        if len(inputs) == 1:
            return (ga,)
        if refuse_value_grad is not None and value.requires_grad:
            raise RuntimeError(refuse_value_grad)
        gv = np.asarray(np.where(np.broadcast_to(m, shape), g, 0).sum(), dtype=value._data.dtype)
        return ga, gv

    return record(out, name, inputs, backward, ())


def index_fill(a: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    r"""Fills the slices of ``a`` at ``index`` along ``dim`` with ``value``:
    :math:`out[\ldots, i, \ldots] = value` for :math:`i \in index` (in position ``dim``),
    ``a`` elsewhere.

    Args:
        dim (int): the dimension along which to index (negative counts from the end).
        index (LongTensor): 0-d or 1-d, the slices to fill (negative counts from the end;
            repeated indices fill once).
        value (Number or Tensor): the value, a number or a 0-d tensor (which gets, as gradient,
            the sum of the gradient from above over the filled positions).

    Shape:
        - Input: :math:`(*)`, ``index``: :math:`()` or :math:`(K)`; Output: the input's shape.

    Example::

        >>> x = torch.arange(6.).reshape(2, 3)
        >>> x.index_fill(1, torch.tensor([0, 2]), -1.0)
        tensor([[-1.,  1., -1.],
                [-1.,  4., -1.]])
    """
    if not isinstance(index, Tensor):
        raise TypeError(f"index_fill(): argument 'index' (position 2) must be Tensor, not {type(index).__name__}")
    x, ix = a._data, index._data
    # PyTorch's checks, in its order
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError(
            "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value._data.ndim} dimension(s).")
    if isinstance(value, complex) and x.dtype.kind != "c":
        raise RuntimeError("index_fill_(): Converting complex Scalar to non-complex type is not supported")
    if ix.dtype != np.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    d = _wrap_dim(dim, max(x.ndim, 1))
    if ix.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    dt.check_fill_value(value._data if isinstance(value, Tensor) else value, x.dtype)
    size = x.shape[d] if x.ndim else 1
    ix = ix.reshape(-1)
    outside = ix[(ix >= size) | (ix < -size)]
    if outside.size:
        raise IndexError(f"index {int(outside[0])} is out of bounds for dimension {d} with size {size}")
    filled = np.zeros(size, dtype=bool)
    filled[ix] = True  # negative indices count from the end, as in Python
    m = filled.reshape((size,) + (1,) * (x.ndim - d - 1)) if x.ndim else filled.reshape(())
    # PyTorch's backward picks the value's gradient with index_select, which takes no negative index
    refuse = (f"INDICES element is out of DATA bounds, id={int(ix.min())} axis_dim={size}"
              if ix.size and ix.min() < 0 else None)
    name = "IndexFillBackward1" if isinstance(value, Tensor) else "IndexFillBackward0"
    return _fill_where(a, m, x.shape, value, name, refuse)


def masked_select(a: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``a`` where ``mask`` (broadcast with it) is true, as a 1-D tensor.
    Backward puts ``g`` back at the mask's places (summed over what broadcasting repeated)."""
    x, m = a._data, mask._data
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask, got {mask.dtype}")
    try:
        shape = np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        raise broadcast_error(x.shape, m.shape) from None
    mb = np.broadcast_to(m, shape)

    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros(shape, g.dtype)
        gx[mb] = g
        return (unbroadcast(gx, x.shape),)

    return record(np.broadcast_to(x, shape)[mb], "MaskedSelectBackward0", (a,), backward, ())


def nonzero(a: Tensor, *, as_tuple: bool = False) -> Any:
    """The indices of the non-zero elements: one row per element (``as_tuple``: one 1-D tensor
    per dimension). A 0-d tensor counts as 1-D for ``as_tuple``."""
    x = a._data
    if as_tuple:
        idx = np.nonzero(np.atleast_1d(x))
        return tuple(_make(np.asarray(i, dtype=np.int64)) for i in idx)
    if x.ndim == 0:
        return _make(np.zeros((1 if x else 0, 0), np.int64))
    return _make(np.stack(np.nonzero(x), axis=1).astype(np.int64))
