"""Picking elements along one dimension: ``narrow`` (a contiguous piece) and
``repeat_interleave`` (each element repeated in place). The gradient goes back to the elements
picked: put back in zeros for ``narrow``, summed over the copies for ``repeat_interleave``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import Tensor, _make, _wrap_dim, record


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

    return record(x[where], "NarrowBackward0", (a,), backward)


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


__all__ = ["narrow", "repeat_interleave"]
