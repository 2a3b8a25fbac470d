"""Picking elements along one dimension: ``narrow`` (a contiguous piece),
``repeat_interleave`` (each element repeated in place), ``tile`` and ``take_along_dim``. The gradient goes back to the elements
picked: put back in zeros for ``narrow``, summed over the copies for ``repeat_interleave``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import Size, Tensor, _make, _wrap_dim, record, record_view


def narrow(a: Tensor, dim: int, start: Any, length: int) -> Tensor:
    """``a`` sliced to ``length`` elements from ``start`` along ``dim`` (``start`` may be
    negative).

    Example::

        >>> torch.arange(12.).reshape(3, 4).narrow(1, 1, 2)       # columns 1 and 2
    """
    x = a._data
    d = _wrap_dim(dim, x.ndim)
    n = x.shape[d]
    start = int(start.item() if isinstance(start, Tensor) else start)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    where = (slice(None),) * d + (slice(start, start + length),)

    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros(x.shape, g.dtype)
        gx[where] = g
        return (gx,)

    return record_view(a, "SliceBackward0", lambda arr: arr[where], backward)  # a view, as PyTorch


def repeat_interleave(a: Tensor, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times (an int, or one count per element along ``dim``);
    without ``dim`` the input is flattened first. ``repeat_interleave(counts)`` alone gives the
    indices ``0..n-1`` each repeated ``counts[i]`` times.

    Example::

        >>> torch.tensor([1, 2]).repeat_interleave(2)                # tensor([1, 1, 2, 2])
    """
    if repeats is None:  # repeat_interleave(counts): the indices repeated
        counts = a._data.reshape(-1)
        if counts.size and counts.min() < 0:
            raise RuntimeError("repeats can not be negative")
        return _make(np.repeat(np.arange(counts.size, dtype=np.int64), counts))
    x = a._data
    if dim is None:
        x = x.reshape(-1)
        d = 0
    else:
        d = _wrap_dim(dim, x.ndim)
    r = repeats._data.reshape(-1) if isinstance(repeats, Tensor) else np.asarray(repeats).reshape(-1)
    if r.size and r.min() < 0:
        raise RuntimeError("Repeats must be non-negative" if r.size == 1 else "repeats can not be negative")
    if r.size != 1 and r.size != x.shape[d]:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{r.size} and input.size({d}) = {x.shape[d]}")
    idx = np.repeat(np.arange(x.shape[d]), r if r.size > 1 else int(r[0]))
    shape = a._data.shape

    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros(x.shape, g.dtype)
        np.add.at(gx, (slice(None),) * d + (idx,), g)
        return (gx.reshape(shape),)

    return record(np.take(x, idx, axis=d), "RepeatInterleaveBackward0", (a,), backward)


def unfold(a: Tensor, dimension: int, size: int, step: int) -> Tensor:
    r"""Every window of ``size`` elements along ``dimension``, ``step`` apart, as a view: the
    windows take the place of ``dimension``, their elements a new last dimension. The gradient
    of an element is the sum over the windows that hold it.

    Shape: ``a``'s with :math:`(n - \text{size}) / \text{step} + 1` (rounded down) along
    ``dimension``, then ``size``.

    Example::

        >>> torch.arange(5.).unfold(0, 2, 2)
        tensor([[0., 1.],
                [2., 3.]])
    """
    x = a._data
    d = _wrap_dim(dimension, x.ndim)
    longest = x.shape[d] if x.ndim else 1
    if size > longest:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {longest} but size is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    windows = (longest - size) // step + 1
    shape = x.shape[:d] + (windows,) + x.shape[d + 1:] + (size,) if x.ndim else (size,)

    def fn(arr: np.ndarray) -> np.ndarray:
        if arr.ndim == 0:
            return np.lib.stride_tricks.as_strided(arr, shape, (arr.itemsize,))
        st = arr.strides
        return np.lib.stride_tricks.as_strided(arr, shape, st[:d] + (st[d] * step,) + st[d + 1:] + (st[d],))

    positions = (np.arange(windows) * step)[:, None] + np.arange(size)

    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros(x.shape, g.dtype)
        if x.ndim == 0:
            return (gx + g.sum(),)
        np.add.at(np.moveaxis(gx, d, -1), (Ellipsis, positions), np.moveaxis(g, d, -2))
        return (gx,)

    return record_view(a, "UnfoldBackward0", fn, backward)


__all__ = ["narrow", "repeat_interleave", "unfold"]


def tile(a: Tensor, dims: Any) -> Tensor:
    """``a`` repeated ``dims[i]`` times along each dimension; fewer ``dims`` than dimensions
    count from the last (``(2,)`` on a matrix tiles the columns). Backward sums the tiles
    (it is ``repeat``).

    Example::

        >>> torch.tensor([1, 2]).tile((2,))
        tensor([1, 2, 1, 2])
    """
    from .shape import repeat

    if not isinstance(dims, (tuple, list, Size)):
        raise TypeError(f"tile(): argument 'dims' (position 2) must be tuple of ints, not {type(dims).__name__}")
    reps = (1,) * (a.ndim - len(dims)) + tuple(int(d) for d in dims)
    return repeat(a, *reps)


def take_along_dim(a: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """The elements of ``a`` at ``indices`` along ``dim``, ``a`` and ``indices`` broadcast to
    each other in the other dimensions (``dim=None``: both flattened). As NumPy's
    ``take_along_axis``; backward scatter-adds (it is ``gather``).

    Example::

        >>> x = torch.tensor([[10, 30, 20], [60, 40, 50]])
        >>> torch.take_along_dim(x, x.argmax(1, keepdim=True), 1)
        tensor([[30],
                [60]])
    """
    from .index import gather

    if indices.dtype.is_floating_point or indices._data.dtype.kind not in "iu":
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{indices.dtype.scalar_name}")
    if dim is None:
        return gather(a.reshape(-1), 0, indices.reshape(-1))
    if a.ndim != indices.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {a.ndim} dimensions for input, and {indices.ndim} dimensions for indices")
    d = _wrap_dim(dim, a.ndim)
    sa, si = list(a.shape), list(indices.shape)
    sa[d] = si[d] = 1
    from ._core import broadcast_error

    try:
        common = list(np.broadcast_shapes(tuple(sa), tuple(si)))
    except ValueError:
        raise broadcast_error(tuple(a.shape), tuple(indices.shape)) from None
    ea, ei = list(common), list(common)
    ea[d], ei[d] = a.shape[d], indices.shape[d]
    return gather(a.expand(*ea), d, indices.expand(*ei))
