"""Operations that move elements around without changing them: reshape, transpose, cat...
Their gradient moves the gradient from above back the same way (reshape it back, transpose it
back, split it back)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _dtype as dt
from ._core import (
    Tensor,
    _make,
    _wrap_dim,
    autograd_first,
    dims,
    record,
    record_view,
    record_views,
    shape_args,
    writable,
)


def _infer_shape(shape: tuple, numel: int, src: tuple) -> tuple:
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for i, s in enumerate(shape):
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
            known *= s
    if -1 in shape:
        if known == 0 and numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                               "unspecified dimension size -1 can be any value and is ambiguous")
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _as_view(x: np.ndarray, shape: tuple) -> np.ndarray | None:
    """``x`` in ``shape`` sharing its memory, or None where the strides do not allow it (a
    gradient array, contiguous, always allows it)."""
    try:
        return np.reshape(x, shape, copy=False)
    except ValueError:
        return None


def reshape(a: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape (one size may be -1, inferred): a view of ``a`` where
    its memory layout allows, else a copy.  Backward reshapes the gradient back."""
    x = a._data
    new = _infer_shape(shape_args(shape), x.size, x.shape)
    src = x.shape
    if _as_view(x, new) is None:
        return record(x.reshape(new), "UnsafeViewBackward0", (a,), lambda g: (g.reshape(src),), ())
    return record_view(a, "ViewBackward0", lambda arr: _as_view(arr, new), lambda g: (g.reshape(src),))


def view(a: Tensor, *shape: Any) -> Tensor:
    """Like ``reshape``, but always shares memory: it fails where that would need a copy."""
    if len(shape) == 1 and isinstance(shape[0], dt.dtype):
        raise RuntimeError("flambeau does not reinterpret memory with view(dtype); use .to(dtype)")
    autograd_first(a)
    x = a._data
    new = _infer_shape(shape_args(shape), x.size, x.shape)
    if _as_view(x, new) is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    src = x.shape
    return record_view(a, "ViewBackward0", lambda arr: _as_view(arr, new), lambda g: (g.reshape(src),))


def view_as(a: Tensor, other: Tensor) -> Tensor:
    return view(a, other._data.shape)


def reshape_as(a: Tensor, other: Tensor) -> Tensor:
    return reshape(a, other._data.shape)


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim``..``end_dim`` into one."""
    x = a._data
    if x.ndim == 0:
        return reshape(a, 1)
    s, e = _wrap_dim(start_dim, x.ndim), _wrap_dim(end_dim, x.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return a
    new = x.shape[:s] + (int(np.prod(x.shape[s:e + 1], dtype=np.int64)),) + x.shape[e + 1:]
    return reshape(a, new)


def unflatten(a: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    x = a._data
    d = _wrap_dim(dim, x.ndim)
    inner = _infer_shape(tuple(sizes), x.shape[d], ())
    return reshape(a, x.shape[:d] + inner + x.shape[d + 1:])


def transpose(a: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions.  Backward swaps them back."""
    x = a._data
    if x.ndim == 0:
        return record_view(a, "TransposeBackward0", lambda arr: arr[...], lambda g: (g,))
    d0, d1 = _wrap_dim(dim0, x.ndim), _wrap_dim(dim1, x.ndim)
    return record_view(a, "TransposeBackward0", lambda arr: np.swapaxes(arr, d0, d1),
                lambda g: (np.swapaxes(g, d0, d1),))


swapaxes = swapdims = transpose


def t(a: Tensor) -> Tensor:
    """Transpose of a matrix (a 0-d or 1-D tensor is returned as is)."""
    if a._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {a._data.ndim}D")
    if a._data.ndim < 2:
        return record_view(a, "TBackward0", lambda arr: arr[...], lambda g: (g,))
    return record_view(a, "TBackward0", lambda arr: arr.T, lambda g: (g.T,))


def permute(a: Tensor, *order: Any) -> Tensor:
    """Reorder the dimensions.  Backward applies the inverse order."""
    x = a._data
    perm = shape_args(order)
    if len(perm) != x.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal "
            f"to len(dims) = {len(perm)}"
        )
    perm = dims(perm, x.ndim)
    inverse = tuple(np.argsort(perm))
    return record_view(a, "PermuteBackward0", lambda arr: np.transpose(arr, perm),
                lambda g: (np.transpose(g, inverse),))


def movedim(a: Tensor, source: Any, destination: Any) -> Tensor:
    """Move the dimensions ``source`` to the positions ``destination``: a permutation."""
    x = a._data
    src, dst = dims(source, x.ndim), dims(destination, x.ndim)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) "
                           f"should contain the same number of dims as destination ({list(dst)} dims)")
    rest = iter(d for d in range(x.ndim) if d not in src)
    where = dict(zip(dst, src))
    perm = tuple(where[i] if i in where else next(rest) for i in range(x.ndim))
    return permute(a, perm)


def T(a: Tensor) -> Tensor:
    """All dimensions reversed (``x.T``); PyTorch warns it is deprecated for other than 2-D."""
    x = a._data
    if x.ndim != 2:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their shape "
                      "is deprecated (as in PyTorch); use `x.mT` to transpose batches of matrices "
                      "or x.permute(...) to reverse the dimensions", UserWarning, stacklevel=3)
    return record_view(a, "PermuteBackward0", lambda arr: arr.T, lambda g: (g.T,))


def mT(a: Tensor) -> Tensor:
    """The last two dimensions swapped (a batch of matrices transposed)."""
    return transpose(a, -2, -1)


def squeeze(a: Tensor, dim: Any = None) -> Tensor:
    """Remove dimensions of size 1 (only those in ``dim`` when given; others are kept)."""
    x = a._data
    if dim is None:
        axes = tuple(i for i, s in enumerate(x.shape) if s == 1)
        name = "SqueezeBackward0"
    else:
        axes = tuple(i for i in dims(dim, x.ndim) if x.ndim and x.shape[i] == 1)
        # PyTorch's node names the form it was called in: an int or a sequence of dims
        name = "SqueezeBackward1" if isinstance(dim, (int, np.integer)) else "SqueezeBackward2"
    src = x.shape
    return record_view(a, name, lambda arr: np.squeeze(arr, axes) if axes else arr[...],
                lambda g: (g.reshape(src),))


def unsqueeze(a: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim``."""
    x = a._data
    d = _wrap_dim(dim, x.ndim + 1)
    src = x.shape
    return record_view(a, "UnsqueezeBackward0", lambda arr: np.expand_dims(arr, d), lambda g: (g.reshape(src),))


def _legacy_name(a: Tensor) -> str:
    """PyTorch's old name for the type of ``a`` (``torch.FloatTensor``), used in its messages."""
    return a.dtype.legacy_type


def expand(a: Tensor, *sizes: Any) -> Tensor:
    """Broadcast to a bigger shape without copying (-1 keeps a size).  Backward sums."""
    x = a._data
    shape = shape_args(sizes)
    lead = len(shape) - x.ndim
    if len(shape) < x.ndim:
        raise RuntimeError(
            f"expand({_legacy_name(a)}{{{list(x.shape)}}}, size={list(shape)}): the number of sizes "
            f"provided ({len(shape)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({x.ndim})"
        )
    target = []
    for i, s in enumerate(shape):
        if s == -1:
            if i < lead:
                raise RuntimeError("The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension")
            s = x.shape[i - lead]
        elif i >= lead and x.shape[i - lead] != 1 and x.shape[i - lead] != s:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size "
                f"({x.shape[i - lead]}) at non-singleton dimension {i}.  Target sizes: "
                f"{list(shape)}.  Tensor sizes: {list(x.shape)}"
            )
        target.append(s)
    from ._core import unbroadcast

    src = x.shape
    target = tuple(target)
    return record_view(a, "ExpandBackward0", lambda arr: np.broadcast_to(arr, target),
                lambda g: (unbroadcast(g, src),))


def select(a: Tensor, dim: int, index: int) -> Tensor:
    """The view ``a[..., index, ...]`` along ``dim`` (that dimension removed)."""
    x = a._data
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, x.ndim)
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(x.shape)} at dimension {d}")
    where = (slice(None),) * d + (index + n if index < 0 else index, Ellipsis)
    return record_view(a, "SelectBackward0", lambda arr: arr[where], _put_back(x.shape, where))


def diagonal(a: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The view of the diagonal ``a[i, i + offset]`` of dimensions ``dim1``, ``dim2`` (moved to
    the end).  Backward puts the gradient back on that diagonal."""
    x = a._data
    d1, d2 = _wrap_dim(dim1, x.ndim), _wrap_dim(dim2, x.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")

    def fn(arr: np.ndarray) -> np.ndarray:  # np.diagonal, but writable like the array
        m = np.moveaxis(arr, (d1, d2), (-2, -1))
        m = m[..., max(-offset, 0):, max(offset, 0):]
        n = max(0, min(m.shape[-2], m.shape[-1]))
        shape, strides = m.shape[:-2] + (n,), m.strides[:-2] + (m.strides[-2] + m.strides[-1],)
        if not m.flags.writeable and all(st or k < 2 for st, k in zip(strides, shape)):
            try:  # the diagonal of an expanded array: writable where it does not overlap
                m = writable(m)
            except ValueError:
                pass
        return np.lib.stride_tricks.as_strided(m, shape, strides, writeable=m.flags.writeable)

    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros(x.shape, g.dtype)
        fn(gx)[...] = g
        return (gx,)

    return record_view(a, "DiagonalBackward0", fn, backward)


def _put_back(shape: tuple, where: tuple) -> Any:
    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros(shape, g.dtype)
        gx[where] = g
        return (gx,)

    return backward


def expand_as(a: Tensor, other: Tensor) -> Tensor:
    return expand(a, other._data.shape)


def broadcast_to(a: Tensor, size: Any) -> Tensor:
    return expand(a, size)


def repeat(a: Tensor, *sizes: Any) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along each dimension.  Backward sums the tiles."""
    x = a._data
    reps = shape_args(sizes)
    if len(reps) < x.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
        )
    src = (1,) * (len(reps) - x.ndim) + x.shape
    out = np.tile(x.reshape(src), reps)

    def backward(g: np.ndarray) -> tuple:
        # Split each dimension into (repeat, size), then sum over the repeats.
        split = []
        for r, s in zip(reps, src):
            split += [r, s]
        gs = g.reshape(split).sum(axis=tuple(range(0, 2 * len(reps), 2)))
        return (gs.reshape(x.shape),)

    return record(out, "RepeatBackward0", (a,), backward, ())


def contiguous(a: Tensor) -> Tensor:
    """The same tensor, with its memory laid out in row-major order."""
    if a._data.flags.c_contiguous:
        return a
    return record(np.ascontiguousarray(a._data), "CloneBackward0", (a,), lambda g: (g,), ())


def clone(a: Tensor) -> Tensor:
    """A copy (in the graph: its gradient flows back to ``a``), laid out in memory as ``a``
    (PyTorch's ``preserve_format``: the clone of a transposed tensor is transposed)."""
    return record(a._data.copy(order="K"), "CloneBackward0", (a,), lambda g: (g,), ())


def to_dtype(a: Tensor, d: dt.dtype, copy: bool = False) -> Tensor:
    if a._data.dtype == d.np and not copy:
        return a
    src = a._data.dtype
    out = a._data.astype(d.np)
    if d.category != 2:
        return _make(out)
    return record(out, "ToCopyBackward0", (a,), lambda g: (g.astype(src),), ())


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension.  Backward slices the gradient back apart."""
    ts = list(tensors)
    if not ts:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    # PyTorch skips legacy empty 1-D tensors of shape (0,) (they still count for the dtype)
    kept = [t for t in ts if not (t._data.ndim == 1 and t._data.shape[0] == 0)] or ts[:1]
    ref = kept[0]._data
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = _wrap_dim(dim, ref.ndim)
    for i, t in enumerate(kept):
        s = t._data.shape
        if len(s) != ref.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {ref.ndim} and {len(s)}")
        for k in range(ref.ndim):
            if k != d and s[k] != ref.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ref.shape[k]} but got size {s[k]} for tensor number {i} in the list.")
    result = dt.result_type(*ts)
    out = np.concatenate([t._data for t in kept], axis=d).astype(result.np, copy=False)
    sizes = [t._data.shape[d] if any(t is k for k in kept) else None for t in ts]

    def backward(g: np.ndarray) -> tuple:
        grads, lo = [], 0
        for t, n in zip(ts, sizes):
            if n is None:  # a skipped legacy empty tensor
                grads.append(np.zeros(t._data.shape, t._data.dtype))
                continue
            part = g[(slice(None),) * d + (slice(lo, lo + n),)]
            grads.append(part.astype(t._data.dtype, copy=False))
            lo += n
        return tuple(grads)

    return record(out, "CatBackward0", ts, backward, ())


concat = concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of the same shape along a new dimension.  Backward takes each tensor's
    slice of the gradient."""
    ts = list(tensors)
    if not ts:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = ts[0]._data.shape
    for i, t in enumerate(ts):
        if t._data.shape != ref:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(ref)} at entry 0 and "
                f"{list(t._data.shape)} at entry {i}")
    d = _wrap_dim(dim, len(ref) + 1)
    result = dt.result_type(*ts)
    out = np.stack([t._data for t in ts], axis=d).astype(result.np, copy=False)

    def backward(g: np.ndarray) -> tuple:
        return tuple(np.take(g, i, axis=d).astype(t._data.dtype, copy=False)
                     for i, t in enumerate(ts))

    return record(out, "StackBackward0", ts, backward, ())


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along the columns: dimension 1, or 0 for 1-D tensors (0-d ones count as 1-D)."""
    ts = [t if t._data.ndim else reshape(t, 1) for t in tensors]
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along the rows, 0-d and 1-D tensors taken as rows (1, n)."""
    return cat([t if t._data.ndim > 1 else reshape(t, 1, -1) for t in tensors], 0)


def _pieces(a: Tensor, where: list[tuple], name: str) -> tuple[Tensor, ...]:
    """The views ``a[w]`` for each index ``w``, made by one node ``name`` (several outputs)."""
    return record_views(a, name, [lambda arr, w=w: arr[w] for w in where])


def _slices(d: int, bounds: list[int]) -> list[tuple]:
    return [(slice(None),) * d + (slice(lo, hi),) for lo, hi in zip(bounds[:-1], bounds[1:])]


def split(a: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of size ``split_size`` along ``dim`` (the last may be smaller), or of the sizes
    listed."""
    x = a._data
    d = _wrap_dim(dim, x.ndim)
    n = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step < 0 or (step == 0 and n):
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        bounds = list(range(0, n, step)) + [n] if n else [0, 0]
        name = "SplitBackward0"
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                f"dimension {d}), but got split_sizes={sizes}")
        bounds = [0] + [int(b) for b in np.cumsum(sizes)]
        name = "SplitWithSizesBackward0"
    return _pieces(a, _slices(d, bounds), name)


def chunk(a: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into pieces of ``ceil(size / chunks)`` (the last may be smaller, and there may be
    fewer than ``chunks`` pieces, as in PyTorch; an empty dimension gives ``chunks`` pieces)."""
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    d = _wrap_dim(dim, a._data.ndim)
    n = a._data.shape[d]
    if n == 0:
        return _pieces(a, _slices(d, [0] * (chunks + 1)), "SplitWithSizesBackward0")
    return split(a, -(-n // chunks), d)


def unbind(a: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, that dimension removed."""
    if a._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = _wrap_dim(dim, a._data.ndim)
    return _pieces(a, [(slice(None),) * d + (i, Ellipsis) for i in range(a._data.shape[d])], "UnbindBackward0")


def flip(a: Tensor, *dims_: Any, dims: Any = None) -> Tensor:
    """Reverse the order of the elements along ``dims`` (a copy, as in PyTorch).  Backward
    flips the gradient back."""
    if dims is not None:
        dims_ = (dims,)
    if not dims_:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    if len(dims_) == 1 and not isinstance(dims_[0], (int, np.integer)):
        dims_ = tuple(dims_[0])
    from ._core import dims as axes_of  # the keyword dims hides the module's function

    axes = axes_of(dims_, a._data.ndim)
    if a._data.ndim == 0:
        return record(a._data.copy(), "FlipBackward0", (a,), lambda g: (g,), ())
    return record(np.flip(a._data, axes).copy(), "FlipBackward0", (a,), lambda g: (np.flip(g, axes),), ())


def _matrices(a: Tensor, name: str) -> None:
    if a._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


def tril(a: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle (``j <= i + diagonal``) of the last two dimensions, zeros elsewhere."""
    _matrices(a, "tril")
    return record(np.tril(a._data, diagonal), "TrilBackward0", (a,), lambda g: (np.tril(g, diagonal),), ())


def triu(a: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle (``j >= i + diagonal``) of the last two dimensions, zeros elsewhere."""
    _matrices(a, "triu")
    return record(np.triu(a._data, diagonal), "TriuBackward0", (a,), lambda g: (np.triu(g, diagonal),), ())
