"""Running products, extremes and differences along a dimension: ``cumprod``, ``cummax``,
``cummin`` and ``diff`` (``cumsum`` lives with the reductions)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as dt
from ._core import Tensor, _make, _wrap_dim, record


def cumprod(a: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    r"""Running product along ``dim``: :math:`y_i = x_1 x_2 \cdots x_i`.

    .. math:: \frac{\partial L}{\partial x_j} = \sum_{i \ge j} g_i \prod_{k \le i, k \ne j} x_k

    which is :math:`\sum_{i \ge j} g_i y_i / x_j` where no x is zero (a zero is handled exactly).
    Integers and booleans give int64, as in PyTorch.

    Shape: the shape of ``a``.

    Example::

        >>> torch.cumprod(torch.tensor([1.0, 2.0, 3.0]), 0)
        tensor([1., 2., 6.])
    """
    x = a._data
    if dtype is not None:
        x = x.astype(dt.to_dtype(dtype).np)
    elif x.dtype.kind in "biu":
        x = x.astype(np.int64)
    if x.ndim == 0:
        _wrap_dim(dim, 0)
        return record(x.copy(), "CumprodBackward0", (a,), lambda g: (g.astype(a._data.dtype, copy=False),))
    axis = _wrap_dim(dim, x.ndim)
    out = np.cumprod(x, axis=axis)

    def backward(g: np.ndarray) -> tuple:
        with np.errstate(divide="ignore", invalid="ignore"):  # rows with a zero are redone below
            grad = np.flip(np.cumsum(np.flip(g * out, axis), axis), axis) / x
        if (x == 0).any():
            xs, ys, gs = (np.moveaxis(v, axis, -1).reshape(-1, x.shape[axis]) for v in (x, out, g))
            rows = np.moveaxis(grad, axis, -1).reshape(-1, x.shape[axis])
            for r in np.flatnonzero((xs == 0).any(axis=1)):
                rows[r] = _cumprod_row_grad(xs[r], ys[r], gs[r])
            grad = np.moveaxis(rows.reshape(np.moveaxis(g, axis, -1).shape), -1, axis)
        return (grad.astype(a._data.dtype, copy=False),)

    return record(out, "CumprodBackward0", (a,), backward)


def _cumprod_row_grad(x: np.ndarray, y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The gradient of a row's running product that holds a zero: before the first zero z, the reversed
    running sum of g*y divided by x; at z, the product before z times the sum of g_i times the
    product of x between z and i; after z, zero (the product there contains x_z = 0)."""
    z = np.flatnonzero(x == 0)[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = np.zeros_like(g)
        grad[:z] = np.cumsum((g * y)[::-1])[::-1][:z] / x[:z]
        before = y[z - 1] if z > 0 else 1
        after = np.concatenate([[1], np.cumprod(x[z + 1:])])
        grad[z] = before * np.sum(g[z:] * after)
        return grad


def cummax(a: Tensor, dim: int) -> Any:
    r"""Running maximum along ``dim``: ``(values, indices)``, :math:`y_i = \max_{k \le i} x_k`
    and the index where it was reached (the latest, for equal values; a NaN, once met, stays
    the maximum). The gradient of each :math:`y_i` goes to :math:`x` at its index (added up
    where several share one).

    Shape: both outputs have the shape of ``a``.

    Example::

        >>> torch.tensor([1.0, 3.0, 2.0, 3.0]).cummax(0)
        torch.return_types.cummax(
        values=tensor([1., 3., 3., 3.]),
        indices=tensor([0, 1, 1, 3]))
    """
    return _cumextreme(a, dim, np.maximum, "cummax")


def cummin(a: Tensor, dim: int) -> Any:
    r"""Running minimum along ``dim``: ``(values, indices)``, as ``cummax``."""
    return _cumextreme(a, dim, np.minimum, "cummin")


def _cumextreme(a: Tensor, dim: int, pick: Any, name: str) -> Any:
    from .reduce import values_indices

    x = a._data
    axis = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        values, idx = x.copy(), np.zeros((), np.int64)
    else:
        values = pick.accumulate(x, axis=axis) if x.size else x.copy()
        # x_i takes the lead where it equals the running extreme (PyTorch's >= / <=) or is NaN
        reached = values == x
        if x.dtype.kind in "fV":
            reached |= np.isnan(x)
        shape = [1] * x.ndim
        shape[axis] = x.shape[axis]
        pos = np.where(reached, np.arange(x.shape[axis]).reshape(shape), 0)
        idx = np.maximum.accumulate(pos, axis=axis) if x.size else pos.astype(np.int64)

    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros(x.shape, g.dtype)  # PyTorch: zeros.scatter_add_(dim, indices, g)
        if x.ndim == 0:
            return (gx + g,)
        full = np.indices(x.shape, sparse=True)
        where = tuple(idx if k == axis else full[k] for k in range(x.ndim))
        np.add.at(gx, where, g)
        return (gx,)

    out = record(values, f"{name.capitalize()}Backward0", (a,), backward)
    return values_indices[name](out, _make(np.asarray(idx, dtype=np.int64)))


def diff(a: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    r"""The ``n``-th forward difference along ``dim``: :math:`y_i = x_{i+1} - x_i`, applied ``n``
    times, after concatenating ``prepend`` and ``append`` (booleans: ``x_{i+1} != x_i``). Built
    from slicing and subtraction, so its gradient is theirs (as in PyTorch).

    Shape: ``a``'s, with ``n`` fewer elements along ``dim`` (plus those of prepend/append).

    Example::

        >>> torch.diff(torch.tensor([1, 3, 6, 10]))
        tensor([2, 3, 4])
    """
    from .arith import logical_xor, sub
    from .index import getitem
    from .shape import cat

    if a._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    axis = _wrap_dim(dim, a._data.ndim)
    parts = [p for p in (prepend, a, append) if p is not None]
    for p in parts:
        if p._data.ndim != a._data.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    x = cat(parts, axis) if len(parts) > 1 else a
    lead = (slice(None),) * axis
    for _ in range(n):
        if x._data.shape[axis] == 0:
            break
        hi, lo = getitem(x, lead + (slice(1, None),)), getitem(x, lead + (slice(None, -1),))
        x = logical_xor(hi, lo) if x._data.dtype == np.bool_ else sub(hi, lo)
    return x
