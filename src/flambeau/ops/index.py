"""Indexing and gathering: ``x[i]``, ``x[mask]``, ``gather``, ``index_select``, ``masked_fill``.
The gradient of picking elements is to put the gradient from above back where they came from,
adding where an element was picked several times (scatter-add)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import Tensor, _make, _wrap_dim, needs_grad, record, unbroadcast


def _convert_index(idx: Any) -> tuple[Any, bool]:
    """NumPy's form of a PyTorch index, and whether it is "advanced" (arrays or masks, which
    pick elements that may repeat) rather than "basic" (ints, slices, None, ...: a view)."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out = []
    advanced = False
    for i in idx:
        if isinstance(i, Tensor):
            arr = i._data
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if arr.ndim == 0 and arr.dtype.kind != "b":
                out.append(int(arr))
                continue
            out.append(arr)
            advanced = True
        elif isinstance(i, (list, np.ndarray)):
            arr = np.asarray(i)
            if arr.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(arr)
            advanced = True
        elif isinstance(i, (bool, np.bool_)):
            out.append(bool(i))
            advanced = True
        elif isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis:
            if isinstance(i, slice) and i.step is not None and i.step <= 0:
                raise ValueError("step must be greater than zero")
            out.append(i)
        else:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                f"are valid indices (got {type(i).__name__})")
    return tuple(out), advanced


def _index_error(x: np.ndarray, e: IndexError) -> IndexError:
    msg = str(e)
    if "out of bounds" in msg:
        return IndexError(f"{msg} (indexing a tensor of shape {list(x.shape)})")
    return IndexError(f"{msg} (indexing a tensor of shape {list(x.shape)})")


def getitem(a: Tensor, idx: Any) -> Tensor:
    """``a[idx]``.  Backward: a zero tensor of ``a``'s shape with ``g`` added at ``idx``."""
    x = a._data
    key, advanced = _convert_index(idx)
    try:
        out = x[key]
    except IndexError as e:
        raise _index_error(x, e) from None

    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros(x.shape, g.dtype)
        if advanced:
            np.add.at(gx, key, g)
        else:
            gx[key] = g
        return (gx,)

    return record(out, "IndexBackward0" if advanced else "SliceBackward0", (a,), backward)


def setitem(a: Tensor, idx: Any, value: Any) -> None:
    """``a[idx] = value``, in place. On a tensor in the graph the old values' gradient is cut at
    ``idx`` and ``value`` receives the gradient there."""
    from .inplace import check_inplace

    x = a._data
    key, advanced = _convert_index(idx)
    v = value._data if isinstance(value, Tensor) else value
    if not needs_grad(a, value):
        try:
            x[key] = v
        except IndexError as e:
            raise _index_error(x, e) from None
        except ValueError as e:
            raise RuntimeError(f"{e} (setting values of shape {list(np.shape(v))} into "
                               f"a[...] of shape {list(x[key].shape)})") from None
        return
    check_inplace(a)
    new = x.copy()
    new[key] = v
    old = _make(x, a.grad_fn)
    old._requires_grad = a._requires_grad
    vshape = np.shape(v)

    def backward(g: np.ndarray) -> tuple:
        g_old = g.copy()
        g_old[key] = 0
        g_val = unbroadcast(np.broadcast_to(g[key], np.broadcast_shapes(g[key].shape, vshape)), vshape) \
            if isinstance(value, Tensor) else None
        return g_old, g_val

    t = record(new, "CopySlices", (old, value if isinstance(value, Tensor) else None), backward)
    a._data, a.grad_fn, a._requires_grad = t._data, t.grad_fn, t._requires_grad


def gather(a: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[i][j] = a[i][index[i][j]]`` along ``dim``.  Backward scatter-adds ``g``."""
    x = a._data
    d = _wrap_dim(dim, x.ndim)
    ix = index._data
    if ix.dtype.kind not in "iu":
        raise RuntimeError(f"gather(): Expected dtype int64 for index, got {index.dtype}")
    if ix.ndim != x.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k in range(x.ndim):
        if k != d and ix.shape[k] > x.shape[k]:
            raise RuntimeError(
                f"Size does not match at dimension {k} expected index {list(ix.shape)} to be "
                f"smaller than self {list(x.shape)} apart from dimension {d}")
    if ix.size and (ix.max() >= x.shape[d] or ix.min() < -x.shape[d]):
        raise RuntimeError(f"index {int(ix.max())} is out of bounds for dimension {d} with size {x.shape[d]}")
    sub = x[tuple(slice(0, s) if k != d else slice(None) for k, s in enumerate(ix.shape))]
    out = np.take_along_axis(sub, ix, axis=d)

    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros(x.shape, g.dtype)
        region = gx[tuple(slice(0, s) if k != d else slice(None) for k, s in enumerate(ix.shape))]
        grid = list(np.indices(ix.shape, sparse=True))
        grid[d] = ix
        np.add.at(region, tuple(grid), g)
        return (gx,)

    return record(out, "GatherBackward0", (a,), backward)


def scatter_add(a: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``a`` with ``src`` added at ``index`` along ``dim``."""
    x = a._data
    d = _wrap_dim(dim, x.ndim)
    ix = index._data
    grid = list(np.indices(ix.shape, sparse=True))
    grid[d] = ix
    out = x.copy()
    s = src._data[tuple(slice(0, n) for n in ix.shape)]
    np.add.at(out, tuple(grid), s)

    def backward(g: np.ndarray) -> tuple:
        gs = np.zeros(src._data.shape, g.dtype)
        gs[tuple(slice(0, n) for n in ix.shape)] = g[tuple(grid)]
        return g, gs

    return record(out, "ScatterAddBackward0", (a, src), backward)


def index_select(a: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices ``index`` (a 1-D integer tensor) along ``dim``."""
    x = a._data
    d = _wrap_dim(dim, x.ndim)
    ix = index._data if isinstance(index, Tensor) else np.asarray(index)
    if ix.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if ix.dtype.kind not in "iu":
        raise RuntimeError(f"index_select(): Expected dtype int32/int64 for index, got {ix.dtype}")
    if ix.size and (ix.max() >= max(x.shape[d] if x.ndim else 1, 1) or ix.min() < 0):
        raise IndexError(f"index out of range in self (index {int(ix.max())}, size {x.shape[d] if x.ndim else 1})")
    ix = ix.reshape(-1)
    out = np.take(x, ix, axis=d) if x.ndim else x.reshape(1)[ix].reshape(())

    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros(x.shape, g.dtype)
        if x.ndim == 0:
            return (g.sum().reshape(()).astype(g.dtype),)
        np.add.at(gx, (slice(None),) * d + (ix,), g)
        return (gx,)

    return record(out, "IndexSelectBackward0", (a,), backward)


def masked_fill(a: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``value`` where ``mask`` is true, ``a`` elsewhere.  The gradient is cut where filled."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {m.dtype}")
    x = a._data
    v = value._data if isinstance(value, Tensor) else value
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError(
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value._data.ndim} dimension(s).")
    try:
        out = np.where(m, np.asarray(v, dtype=x.dtype), x)
    except ValueError:
        from ._core import broadcast_error

        raise broadcast_error(x.shape, m.shape) from None
    if out.shape != x.shape:
        raise RuntimeError(f"masked_fill: the mask of shape {list(m.shape)} must broadcast to the "
                           f"tensor's shape {list(x.shape)}")
    inputs = (a, value) if isinstance(value, Tensor) else (a,)
    return record(out, "MaskedFillBackward0", inputs, lambda g: (
        np.where(m, 0, g).astype(g.dtype),
        np.sum(np.where(m, g, 0)).astype(g.dtype).reshape(()),
    )[:len(inputs)])


def masked_select(a: Tensor, mask: Tensor) -> Tensor:
    m = np.broadcast_to(mask._data, a._data.shape)
    return getitem(a, _make(m))


def nonzero(a: Tensor, *, as_tuple: bool = False) -> Any:
    idx = np.nonzero(a._data)
    if as_tuple:
        return tuple(_make(np.asarray(i, dtype=np.int64)) for i in idx)
    return _make(np.stack(idx, axis=1).astype(np.int64) if idx else np.zeros((0, 0), np.int64))
