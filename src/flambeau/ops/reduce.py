"""Reductions over dimensions: sum, mean, max, var... Each takes ``dim`` (an int, a tuple, or None
for all) and ``keepdim``. The gradient of a reduction is the gradient from above spread back over
the dimensions it removed."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .. import _dtype as dt
from ._core import Tensor, _make, dims, float_data, record

values_indices = {
    name: namedtuple(name, ["values", "indices"]) for name in ("max", "min", "sort", "topk", "mode", "median", "kthvalue", "cummax", "cummin")
}


def _expand(g: np.ndarray, shape: tuple, axes: tuple | None, keepdim: bool) -> np.ndarray:
    """Put back the reduced dimensions of ``g`` (as size 1), then broadcast to ``shape``."""
    if axes is not None and not keepdim:
        g = np.expand_dims(g, axes)
    elif axes is None and not keepdim:
        g = np.reshape(g, (1,) * len(shape))
    return np.broadcast_to(g, shape)


def _count(shape: tuple, axes: tuple | None) -> int:
    if axes is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(np.prod([shape[i] for i in axes], dtype=np.int64))


def sum(a: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A001
    """Sum of elements.  d/da_i = 1: the gradient is copied to every summed element."""
    x = a._data
    axes = dims(dim, x.ndim) if dim != () else None
    if dtype is not None:
        x = x.astype(dt.to_dtype(dtype).np, copy=False)
    elif x.dtype.kind in "biu":
        x = x.astype(np.int64, copy=False)
    out = np.sum(x, axis=axes, keepdims=keepdim)
    shape = x.shape
    return record(out, "SumBackward1" if axes is not None else "SumBackward0", (a,),
                  lambda g: (_expand(g, shape, axes, keepdim),))


def nansum(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    x = a._data
    axes = dims(dim, x.ndim)
    out = np.nansum(x, axis=axes, keepdims=keepdim)
    return record(out, "NansumBackward0", (a,),
                  lambda g: (np.where(np.isnan(x), 0, _expand(g, x.shape, axes, keepdim)),))


def mean(a: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Average of elements.  d/da_i = 1/N."""
    x = a._data
    if dtype is not None:
        x = x.astype(dt.to_dtype(dtype).np, copy=False)
    if x.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {a.dtype.name.capitalize()}"
        )
    axes = dims(dim, x.ndim) if dim != () else None
    out = np.mean(x, axis=axes, keepdims=keepdim)
    shape = x.shape
    n = _count(shape, axes)
    return record(out, "MeanBackward1" if axes is not None else "MeanBackward0", (a,),
                  lambda g: (_expand(g / n, shape, axes, keepdim),))


def _extreme(a: Tensor, dim: Any, keepdim: bool, kind: str) -> Any:
    x = a._data
    pick, arg = (np.max, np.argmax) if kind == "max" else (np.min, np.argmin)
    if dim is None:
        if x.size == 0:
            raise RuntimeError(
                f"{kind}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        out = pick(x)
        return record(out, f"{kind.capitalize()}Backward1", (a,), lambda g: (_share_ties(g, x, out),))
    if isinstance(dim, Tensor):  # max(a, b) is the elementwise maximum
        from .arith import maximum, minimum

        return (maximum if kind == "max" else minimum)(a, dim)
    (axis,) = dims(dim, x.ndim)
    if x.ndim == 0:
        idx = np.zeros((), np.int64)
        out = x.copy()
    else:
        if x.shape[axis] == 0:
            raise IndexError(f"{kind}(): Expected reduction dim {axis} to have non-zero size.")
        idx = np.expand_dims(arg(x, axis=axis), axis)
        out = np.take_along_axis(x, idx, axis)
        if not keepdim:
            out = np.squeeze(out, axis)
            idx = np.squeeze(idx, axis)

    def backward(g: np.ndarray) -> tuple:
        if x.ndim == 0:
            return (g,)
        gi = np.zeros(x.shape, g.dtype)
        ii = idx if keepdim else np.expand_dims(idx, axis)
        np.put_along_axis(gi, ii, g if keepdim else np.expand_dims(g, axis), axis)
        return (gi,)

    values = record(out, f"{kind.capitalize()}Backward0", (a,), backward)
    return values_indices[kind](values, _make(np.asarray(idx, dtype=np.int64)))


def max(a: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """The largest element; with ``dim``, ``(values, indices)`` along it. The gradient goes to
    the chosen element (split evenly among ties when reducing everything)."""
    return _extreme(a, dim, keepdim, "max")


def min(a: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """The smallest element; with ``dim``, ``(values, indices)`` along it."""
    return _extreme(a, dim, keepdim, "min")


def _share_ties(g: np.ndarray, x: np.ndarray, out: np.ndarray, axes: tuple | None = None,
                keepdim: bool = True) -> np.ndarray:
    """Split the gradient evenly among the elements equal to the extreme value."""
    o = _expand(out, x.shape, axes, keepdim)
    hit = (x == o)
    count = np.sum(hit, axis=axes, keepdims=True)
    gg = _expand(g, x.shape, axes, keepdim)
    return np.where(hit, gg / count, 0).astype(g.dtype, copy=False)


def amax(a: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """The largest values over ``dim`` (all dims by default); ties share the gradient."""
    return _amaxmin(a, dim, keepdim, np.max, "AmaxBackward0")


def amin(a: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """The smallest values over ``dim`` (all dims by default); ties share the gradient."""
    return _amaxmin(a, dim, keepdim, np.min, "AminBackward0")


def _amaxmin(a: Tensor, dim: Any, keepdim: bool, fn: Any, name: str) -> Tensor:
    x = a._data
    axes = None if dim == () or dim is None else dims(dim, x.ndim)
    out = fn(x, axis=axes, keepdims=keepdim)
    return record(out, name, (a,), lambda g: (_share_ties(g, x, out, axes, keepdim),))


def _correction(unbiased: Any, correction: Any) -> float:
    if correction is not None:
        return float(correction)
    if unbiased is None:
        return 1.0
    return 1.0 if unbiased else 0.0


def var(a: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Variance, unbiased (divides by N - 1) by default.  d/da_i = 2 (a_i - mean) / (N - c)."""
    if isinstance(dim, bool):  # var(unbiased) in the old positional form
        dim, unbiased = None, dim
    x = float_data(a)
    axes = dims(dim, x.ndim)
    c = _correction(unbiased, correction)
    n = _count(x.shape, axes)
    centered = x - np.mean(x, axis=axes, keepdims=True)
    denom = np.maximum(n - c, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.sum(centered * centered, axis=axes, keepdims=keepdim) / denom
    return record(out.astype(x.dtype, copy=False), "VarBackward0", (a,),
                  lambda g: (_expand(g, x.shape, axes, keepdim) * (2 / denom) * centered,))


def std(a: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Standard deviation, sqrt(var).  d/da_i = (a_i - mean) / ((N - c) std)."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    x = float_data(a)
    axes = dims(dim, x.ndim)
    c = _correction(unbiased, correction)
    n = _count(x.shape, axes)
    centered = x - np.mean(x, axis=axes, keepdims=True)
    denom = np.maximum(n - c, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.sqrt(np.sum(centered * centered, axis=axes, keepdims=keepdim) / denom).astype(x.dtype, copy=False)

    def backward(g: np.ndarray) -> tuple:
        with np.errstate(divide="ignore", invalid="ignore"):
            s = _expand(out, x.shape, axes, keepdim)
            gi = _expand(g, x.shape, axes, keepdim) * centered / (denom * s)
            return (np.where(s == 0, 0, gi).astype(x.dtype, copy=False),)

    return record(out, "StdBackward0", (a,), backward)


def var_mean(a: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple[Tensor, Tensor]:
    return var(a, dim, unbiased, keepdim, correction=correction), mean(a, dim, keepdim)


def std_mean(a: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple[Tensor, Tensor]:
    return std(a, dim, unbiased, keepdim, correction=correction), mean(a, dim, keepdim)


def prod(a: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Product of elements.  d/da_i = product of all the other elements (exact with zeros)."""
    x = a._data
    if dtype is not None:
        x = x.astype(dt.to_dtype(dtype).np, copy=False)
    elif x.dtype.kind in "biu":
        x = x.astype(np.int64, copy=False)
    if dim is None:
        flat = x.reshape(-1)
        out = np.prod(flat)
        return record(out, "ProdBackward0", (a,),
                      lambda g: ((g * _others_product(flat, 0)).reshape(x.shape),))
    (axis,) = dims(dim, x.ndim)
    out = np.prod(x, axis=axis, keepdims=keepdim)
    return record(out, "ProdBackward1", (a,), lambda g: (
        _expand(g, x.shape, (axis,), keepdim) * _others_product(x, axis),))


def _others_product(x: np.ndarray, axis: int) -> np.ndarray:
    """For each element, the product of the others along ``axis``: the product of everything
    before it times everything after it (no division, so zeros are fine)."""
    if x.ndim == 0:
        return np.ones_like(x)
    ones = np.ones_like(np.take(x, [0], axis=axis))
    before = np.cumprod(np.concatenate([ones, x], axis=axis), axis=axis)
    before = np.delete(before, -1, axis=axis)
    rev = np.flip(x, axis=axis)
    after = np.cumprod(np.concatenate([ones, rev], axis=axis), axis=axis)
    after = np.flip(np.delete(after, -1, axis=axis), axis=axis)
    return before * after


def logsumexp(a: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """log(sum(exp(a))), computed stably.  d/da_i = softmax(a)_i."""
    x = float_data(a)
    axes = dims(dim, x.ndim)
    m = np.max(x, axis=axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
    m = np.where(np.isfinite(m), m, 0)
    s = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
    out = s if keepdim else np.squeeze(s, axis=axes)
    return record(out, "LogsumexpBackward0", (a,),
                  lambda g: (_expand(g, x.shape, axes, keepdim) * np.exp(x - s),))


def softmax(a: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """e^a_i / sum_j e^a_j along ``dim``.  Backward: s * (g - sum(g * s))."""
    x = float_data(a) if dtype is None else a._data.astype(dt.to_dtype(dtype).np)
    (axis,) = dims(dim, x.ndim) if x.ndim else (None,)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    out = e / np.sum(e, axis=axis, keepdims=True)
    return record(out, "SoftmaxBackward0", (a,),
                  lambda g: (out * (g - np.sum(g * out, axis=axis, keepdims=True)),))


def log_softmax(a: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """a_i - logsumexp(a) along ``dim``.  Backward: g - softmax * sum(g)."""
    x = float_data(a) if dtype is None else a._data.astype(dt.to_dtype(dtype).np)
    (axis,) = dims(dim, x.ndim) if x.ndim else (None,)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    out = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return record(out, "LogSoftmaxBackward0", (a,),
                  lambda g: (g - np.exp(out) * np.sum(g, axis=axis, keepdims=True),))


def norm(a: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """The p-norm (2 by default; 'fro' is 2 over all elements; also 1, inf, -inf, 0, any p)."""
    x = float_data(a)
    axes = dims(dim, x.ndim)
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        raise RuntimeError("flambeau's norm does not support the nuclear norm")
    p = float(p)
    ax = np.abs(x)
    if p == 2:
        out = np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdim))

        def backward(g: np.ndarray) -> tuple:
            n = _expand(out, x.shape, axes, keepdim)
            with np.errstate(divide="ignore", invalid="ignore"):
                return (np.where(n == 0, 0, _expand(g, x.shape, axes, keepdim) * x / n).astype(x.dtype),)
    elif p == 1:
        out = np.sum(ax, axis=axes, keepdims=keepdim)

        def backward(g: np.ndarray) -> tuple:
            return (_expand(g, x.shape, axes, keepdim) * np.sign(x),)
    elif np.isinf(p):
        out = (np.max if p > 0 else np.min)(ax, axis=axes, keepdims=keepdim)

        def backward(g: np.ndarray) -> tuple:
            return (_share_ties(g, ax, out, axes, keepdim) * np.sign(x),)
    elif p == 0:
        out = np.sum(x != 0, axis=axes, keepdims=keepdim).astype(x.dtype)

        def backward(g: np.ndarray) -> tuple:
            return (np.zeros_like(x),)
    else:
        out = np.sum(ax ** p, axis=axes, keepdims=keepdim) ** (1 / p)

        def backward(g: np.ndarray) -> tuple:
            n = _expand(out, x.shape, axes, keepdim)
            with np.errstate(divide="ignore", invalid="ignore"):
                gi = _expand(g, x.shape, axes, keepdim) * x * ax ** (p - 2) / n ** (p - 1)
            return (np.where(n == 0, 0, gi).astype(x.dtype),)
    return record(np.asarray(out, dtype=x.dtype), "NormBackward1", (a,), backward)


def cumsum(a: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sum along ``dim``.  The gradient is the running sum of g taken backwards."""
    x = a._data
    if dtype is not None:
        x = x.astype(dt.to_dtype(dtype).np)
    elif x.dtype.kind in "biu":
        x = x.astype(np.int64)
    (axis,) = dims(dim, x.ndim) if x.ndim else (0,)
    if x.ndim == 0:
        return record(x.copy(), "CumsumBackward0", (a,), lambda g: (g,))
    out = np.cumsum(x, axis=axis)
    return record(out, "CumsumBackward0", (a,),
                  lambda g: (np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis),))


# ---------------------------------------------------------------- not differentiable
def argmax(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Index of the largest value (of the flattened tensor when ``dim`` is None)."""
    return _argext(a, dim, keepdim, np.argmax)


def argmin(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value (of the flattened tensor when ``dim`` is None)."""
    return _argext(a, dim, keepdim, np.argmin)


def _argext(a: Tensor, dim: Any, keepdim: bool, fn: Any) -> Tensor:
    x = a._data
    if dim is None:
        out = np.asarray(fn(x), dtype=np.int64)
        if keepdim:
            out = out.reshape((1,) * x.ndim)
        return _make(out)
    (axis,) = dims(dim, x.ndim)
    if x.ndim == 0:
        return _make(np.zeros((), np.int64))
    return _make(np.asarray(fn(x, axis=axis, keepdims=keepdim), dtype=np.int64))


def all(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return _make(np.asarray(np.all(a._data, axis=dims(dim, a._data.ndim), keepdims=keepdim)))


def any(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return _make(np.asarray(np.any(a._data, axis=dims(dim, a._data.ndim), keepdims=keepdim)))


def count_nonzero(a: Tensor, dim: Any = None) -> Tensor:
    return _make(np.asarray(np.count_nonzero(a._data, axis=dims(dim, a._data.ndim)), dtype=np.int64))
