"""Sorting, selecting and counting: ``sort``, ``argsort``, ``topk``, ``unique``, ``isin``,
``bincount`` and ``histc``.

The gradient of a selection is the gradient from above put back where each value came from
(a scatter by the indices); counting has no gradient."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from . import _selection
from ._core import Tensor, _make, _wrap_dim, ensure_tensor, record
from .random import _no_derivative as _no_derivative_aten
from .reduce import values_indices

histogram_result = namedtuple("histogram", ["hist", "bin_edges"])


def _order(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """The indices that sort ``x`` along ``axis``, equal values keeping their order, nan last
    (first when ``descending``), as PyTorch sorts."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    # sort the reversed array ascending, then reverse the order: ties stay in their order
    n = x.shape[axis]
    rev = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
    return (n - 1 - np.flip(rev, axis)).astype(np.int64)


def _scatter_back(x_shape: tuple, idx: np.ndarray, axis: int | None) -> Any:
    """Backward of a selection by ``idx`` along ``axis``: each gradient goes back to the position
    its value came from."""
    def backward(g: np.ndarray) -> tuple:
        if axis is None:
            return (g,)
        gi = np.zeros(x_shape, g.dtype)
        np.put_along_axis(gi, idx, g, axis)
        return (gi,)

    return backward


def sort(a: Tensor, dim: int = -1, descending: bool = False, stable: bool | None = None) -> Any:
    r"""The values sorted along ``dim`` and the indices they came from.

    .. math:: \text{values}_i = a_{\text{indices}_i}, \qquad
              \frac{\partial L}{\partial a_{\text{indices}_i}} = g_i

    nan sorts as the largest value; equal values keep their order. Returns ``(values, indices)``.

    Shape: both outputs have the shape of ``a``.

    Example::

        >>> torch.sort(torch.tensor([3.0, 1.0, 2.0]))
        torch.return_types.sort(values=tensor([1., 2., 3.]), indices=tensor([1, 2, 0]))
    """
    x = a._data
    axis = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return values_indices["sort"](record(x.copy(), "SortBackward0", (a,), lambda g: (g,)),
                                      _make(np.zeros((), np.int64)))
    idx = _order(x, axis, descending)
    out = np.take_along_axis(x, idx, axis)
    name = "SortBackward0" if stable is None else "SortBackward1"  # PyTorch's two overloads
    return values_indices["sort"](record(out, name, (a,), _scatter_back(x.shape, idx, axis)),
                                  _make(idx.astype(np.int64, copy=False)))


def argsort(a: Tensor, dim: int = -1, descending: bool = False, stable: bool | None = None) -> Tensor:
    """The indices that sort ``a`` along ``dim`` (``sort(a).indices``)."""
    return sort(a, dim, descending, stable).indices


def msort(a: Tensor) -> Tensor:
    """``a`` sorted along its first dimension."""
    return sort(a, 0).values


def topk(a: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
    r"""The ``k`` largest (``largest=False``: smallest) values along ``dim`` and their indices.

    .. math:: \frac{\partial L}{\partial a_{\text{indices}_i}} = g_i, \quad 0 \text{ elsewhere}

    Shape: like ``a`` with size ``k`` along ``dim``.

    Example::

        >>> torch.topk(torch.tensor([1.0, 5.0, 3.0]), 2)
        torch.return_types.topk(values=tensor([5., 3.]), indices=tensor([1, 2]))
    """
    x = a._data
    axis = _wrap_dim(dim, x.ndim)
    n = x.shape[axis] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if x.ndim == 0:
        return values_indices["topk"](record(x.copy(), "TopkBackward0", (a,), lambda g: (g,)),
                                      _make(np.zeros((), np.int64)))
    idx = np.take(_order(x, axis, largest), np.arange(min(k + 1, n)), axis=axis)
    idx = _pytorch_order(x, idx, axis, k, largest, sorted)
    out = np.take_along_axis(x, idx, axis)
    return values_indices["topk"](record(out, "TopkBackward0", (a,), _scatter_back(x.shape, idx, axis)),
                                  _make(idx.astype(np.int64, copy=False)))


def median(a: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    r"""The lower median: the element a sort would put at position :math:`\lfloor (n - 1) / 2
    \rfloor` (NaN if there is one). Without ``dim``, of all the elements, the gradient shared
    evenly by the elements equal to it; with ``dim``, ``(values, indices)`` along it (equal
    values: the one first in a stable sort), the gradient to the element at the index.

    Shape: a 0-d tensor without ``dim``; else ``a``'s without ``dim`` (kept as 1 with
    ``keepdim``).

    Example::

        >>> torch.tensor([3.0, 1.0, 4.0, 2.0]).median()
        tensor(2.)
    """
    x = a._data
    if dim is None:
        flat = x.reshape(-1)
        if flat.size == 0:
            out = np.asarray(np.nan, x.dtype) if x.dtype.kind in "fV" else np.zeros((), x.dtype)
        else:
            k = _median_index(flat, 0)
            out = flat[k].copy().reshape(())

        def backward(g: np.ndarray) -> tuple:  # PyTorch: zeros, index_put_(mask, g / count)
            hit = np.isnan(x) if out.dtype.kind in "fV" and np.isnan(out) else x == out
            gx = np.zeros(x.shape, g.dtype)
            gx[hit] = g / np.count_nonzero(hit)
            return (gx,)

        return record(out, "MedianBackward0", (a,), backward)
    axis = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        idx = np.zeros((), np.int64)
        out = x.copy()
    else:
        if x.shape[axis] == 0:
            raise IndexError(f"median(): Expected reduction dim {axis} to have non-zero size.")
        idx = np.expand_dims(_median_index(x, axis), axis)
        out = np.take_along_axis(x, idx, axis)
        if not keepdim:
            out, idx = np.squeeze(out, axis), np.squeeze(idx, axis)

    def backward_dim(g: np.ndarray) -> tuple:
        if x.ndim == 0:
            return (g,)
        gx = np.zeros(x.shape, g.dtype)
        np.put_along_axis(gx, idx if keepdim else np.expand_dims(idx, axis),
                          g if keepdim else np.expand_dims(g, axis), axis)
        return (gx,)

    values = record(out, "MedianBackward1", (a,), backward_dim)
    return values_indices["median"](values, _make(np.asarray(idx, dtype=np.int64)))


def _median_index(x: np.ndarray, axis: int) -> np.ndarray:
    """Along ``axis``: the index of the lower median (PyTorch's order: by value, then by index),
    or of the first NaN."""
    n = x.shape[axis]
    order = np.argsort(x, axis=axis, kind="stable")  # NaN last
    k = np.take(order, (n - 1) // 2, axis=axis)
    if x.dtype.kind in "fV":
        nan = np.isnan(x)
        has = nan.any(axis=axis)
        if has.any():
            k = np.where(has, np.argmax(nan, axis=axis), k)
    return k


def _c_type(t: Tensor) -> str:
    """The C type PyTorch's histogram messages name: float, double, long int..."""
    return {"long": "long int"}.get(t.dtype.c_name, t.dtype.c_name)


def _number(v: float) -> str:
    """A bound as PyTorch's messages print it: 2, 0.5, inf."""
    return f"{v:g}"


def histogram(a: Tensor, bins: Any = 100, *, range: Any = None, weight: Tensor | None = None,  # noqa: A002
              density: bool = False) -> Any:
    r"""The histogram of ``a``'s elements: ``bins`` equal bins between ``range`` (by default the
    smallest and largest element; a single value v gets :math:`[v - 0.5, v + 0.5]`) or the bins
    whose edges the 1-D tensor ``bins`` gives. Element x falls in bin i when
    :math:`e_i \le x < e_{i+1}`, the last bin including its right edge; elements outside are
    ignored. ``weight``: each element counts its weight; ``density``: the counts divided by their
    sum and by each bin's width, so that the histogram integrates to 1. Floats only; not
    differentiable.

    Returns ``(hist, bin_edges)``: ``bins`` counts and ``bins + 1`` edges, in ``a``'s dtype.

    Example::

        >>> torch.histogram(torch.tensor([1., 2., 1.]), bins=4, range=(0., 3.))
        torch.return_types.histogram(hist=tensor([0., 2., 1., 0.]), bin_edges=tensor([0.0000, 0.7500, 1.5000, 2.2500, 3.0000]))
    """
    x = a._data
    if x.dtype.kind not in "fV":
        raise NotImplementedError(f'"histogramdd" not implemented for {a.dtype.scalar_name!r}')
    if isinstance(bins, Tensor):
        edges = bins._data
        if edges.dtype != x.dtype:
            raise RuntimeError("torch.histogramdd: input tensor and bins tensors should have the same dtype, but got "
                               f"input with dtype {_c_type(a)} and bins for dimension 0 with dtype {_c_type(bins)}")
        edges = edges.reshape(-1)
    else:
        if bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif x.size:
            lo, hi = float(x.min()), float(x.max())
        else:
            lo, hi = 0.0, 1.0
        if lo > hi:
            raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {_number(lo)} max "
                               f"{_number(hi)} for dimension 0")
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(f"torch.histogramdd: dimension 0's range [{_number(lo)}, {_number(hi)}] is not finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        from .creation import linspace

        edges = linspace(lo, hi, bins + 1, dtype=a.dtype)._data
    if weight is not None and tuple(weight.shape) != tuple(a.shape):
        raise RuntimeError("torch.histogramdd: if weight tensor is provided it should have the same shape as the "
                           f"input tensor excluding its innermost dimension, but got input with shape "
                           f"{list(a.shape) + [1]} and weight with shape {list(weight.shape)}")
    n = edges.size - 1
    values = x.reshape(-1)
    inside = (values >= edges[0]) & (values <= edges[-1]) if n >= 0 else np.zeros(values.shape, bool)
    pos = np.minimum(np.searchsorted(edges, values[inside], side="right") - 1, n - 1)
    if weight is None:
        hist = np.bincount(pos, minlength=max(n, 0)).astype(x.dtype)
    else:  # the weights summed in the dtype, in order, as PyTorch's kernel adds them
        hist = np.zeros(max(n, 0), x.dtype)
        np.add.at(hist, pos, weight._data.reshape(-1)[inside].astype(x.dtype))
    if density:
        hist = hist / hist.sum(dtype=x.dtype)
        hist = hist / np.diff(edges)
    return histogram_result(_make(hist.astype(x.dtype, copy=False)), _make(edges.copy()))


def _pytorch_order(x: np.ndarray, idx: np.ndarray, axis: int, k: int, largest: bool, sorted: bool) -> np.ndarray:  # noqa: A002
    """The ``k`` indices of ``topk`` in PyTorch's order. ``idx`` holds the first ``k + 1`` of a
    stable sort: where those values are distinct and ``sorted``, that is the answer; otherwise
    (ties, several NaN, ``sorted=False``) the row goes through the C++ library's selection steps
    as PyTorch's kernel runs them (``_selection.py``)."""
    n = x.shape[axis]
    if k == 0 or x.size == 0:
        return np.take(idx, np.arange(k), axis=axis)
    rows_x = np.moveaxis(x, axis, -1).reshape(-1, n)
    rows_i = np.moveaxis(idx, axis, -1).reshape(-1, idx.shape[axis])
    top = np.take_along_axis(rows_x, rows_i, 1)
    if x.dtype.kind in "fcV":
        same = (top[:, 1:] == top[:, :-1]) | (np.isnan(top[:, 1:]) & np.isnan(top[:, :-1]))
    else:
        same = top[:, 1:] == top[:, :-1]
    redo = np.ones(len(rows_x), bool) if not sorted else same.any(axis=1)
    result = rows_i[:, :k].copy()
    for r in np.flatnonzero(redo):
        result[r] = _selection.topk_row(_ranks(rows_x[r], largest), k, sorted)
    shape = list(np.moveaxis(idx, axis, -1).shape)
    shape[-1] = k
    return np.moveaxis(result.reshape(shape), -1, axis)


def _ranks(row: np.ndarray, largest: bool) -> list:
    """Integers that order ``row`` as PyTorch's comparison does: equal values equal, NaN above
    all; negated for ``largest=False`` (a larger key comes first)."""
    order = np.argsort(row, kind="stable")  # NaN last
    v = row[order]
    step = np.ones(len(v), np.int64)
    if len(v):
        step[0] = 0
        eq = v[1:] == v[:-1]
        if v.dtype.kind in "fcV":
            eq |= np.isnan(v[1:]) & np.isnan(v[:-1])
        step[1:][eq] = 0
    rank = np.empty(len(v), np.int64)
    rank[order] = np.cumsum(step)
    return (rank if largest else -rank).tolist()


def _no_derivative(name: str) -> Any:
    def backward(g: np.ndarray) -> tuple:
        raise NotImplementedError(f"the derivative for '{name}' is not implemented.")

    return backward


def unique(a: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct values of ``a``, sorted (of the flattened tensor, or the distinct slices
    along ``dim``); optionally where each element went (``return_inverse``, in ``a``'s shape or
    along ``dim``) and how often each value occurs (``return_counts``). No derivative, as in
    PyTorch (backward raises).

    Example::

        >>> torch.unique(torch.tensor([2, 1, 2]), return_counts=True)
        (tensor([1, 2]), tensor([1, 2]))
    """
    x = a._data
    if dim is None:
        values, inverse, counts = np.unique(x.reshape(-1), return_inverse=True, return_counts=True)
        inverse = inverse.reshape(x.shape)
        name = "_unique2"
    else:
        axis = _wrap_dim(dim, x.ndim)
        values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=axis)
        inverse = inverse.reshape(-1)
        name = "unique_dim"
    out = record(values, "Unique2Backward0" if dim is None else "UniqueDimBackward0", (a,), _no_derivative(name))
    extra = []
    if return_inverse:
        extra.append(_make(inverse.astype(np.int64)))
    if return_counts:
        extra.append(_make(counts.astype(np.int64)))
    return (out, *extra) if extra else out


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """For each element of ``elements``, whether it is in ``test_elements`` (either may be a
    number). A bool tensor of ``elements``' shape.

    Example::

        >>> torch.isin(torch.tensor([1, 2, 3]), torch.tensor([2, 5]))
        tensor([False,  True, False])
    """
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments: at least one of "
                        "elements and test_elements must be a Tensor")
    x = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    y = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return _make(np.asarray(np.isin(x, y, assume_unique=assume_unique, invert=invert)))


def bincount(a: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How many times each value 0, 1, ..., max(a) occurs in the 1-D tensor of non-negative
    integers ``a`` (at least ``minlength`` counts); with ``weights``, the sum of the weights of
    each value (float64 unless the weights are float32 or float16). Not differentiable.

    Example::

        >>> torch.bincount(torch.tensor([0, 2, 2]))
        tensor([1, 0, 2])
    """
    x = a._data
    if x.dtype.kind not in "iu" and x.dtype != np.bool_:
        raise NotImplementedError(f'"bincount_cpu" not implemented for {a.dtype.scalar_name!r}')
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return _make(np.bincount(x, minlength=minlength).astype(np.int64))
    weights = ensure_tensor(weights)
    w = weights._data
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out_dtype = w.dtype if w.dtype in (np.float32, np.float16) else np.float64
    out = np.bincount(x, weights=w.astype(np.float64), minlength=minlength).astype(out_dtype)
    return record(out, "NotImplemented", (weights,), _no_derivative_aten("aten::bincount"))  # as PyTorch


def histc(a: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """The histogram of ``a``: ``bins`` equal bins between ``min`` and ``max`` (both 0: the
    smallest and largest element); elements outside are ignored, the last bin includes ``max``.
    Floats only; not differentiable.

    Example::

        >>> torch.histc(torch.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
        tensor([0., 2., 1., 0.])
    """
    x = a._data
    if x.dtype.kind not in "fV":
        raise NotImplementedError(f'"histogram_cpu" not implemented for {a.dtype.scalar_name!r}')
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
    values = x.reshape(-1).astype(np.float64)
    inside = values[(values >= lo) & (values <= hi)]
    # the bin of v: floor((v - lo) * bins / (hi - lo)), the maximum in the last bin
    pos = ((inside - lo) * bins / (hi - lo)).astype(np.int64)
    pos = np.minimum(pos, bins - 1)
    return _make(np.bincount(pos, minlength=bins).astype(x.dtype))

