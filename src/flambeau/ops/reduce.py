"""Reductions over dimensions: sum, mean, max, var... Each takes ``dim`` (an int, a tuple, or None
for all) and ``keepdim``. The gradient of a reduction is the gradient from above spread back over
the dimensions it removed."""

from __future__ import annotations

import builtins
import math
from collections import namedtuple
from typing import Any

import numpy as np

from .. import _dtype as dt
from . import _vec32
from ._core import OUT, Tensor, _make, dims, float_data, record

values_indices = {
    name: namedtuple(name, ["values", "indices"]) for name in ("max", "min", "sort", "topk", "mode", "median", "kthvalue", "cummax", "cummin")
}


def trailing_sums(a: np.ndarray, k: int, keepdims: bool) -> np.ndarray | None:
    """Sums of ``a`` over its last ``k`` dimensions as one matrix-vector product (a third of
    the time of ``np.sum`` along a short last axis), or over the others (``keepdims=False``: one
    value per position of the last ``k``). None where NumPy's sums are used instead (float16,
    empty arrays)."""
    if a.dtype.kind != "f" or a.dtype.itemsize < 4 or a.size == 0:
        return None
    n = math.prod(a.shape[a.ndim - k:])
    rows = a.reshape(-1, n)
    if keepdims:
        return (rows @ np.ones(n, a.dtype)).reshape(a.shape[:a.ndim - k] + (1,) * k)
    return (np.ones(rows.shape[0], a.dtype) @ rows).reshape(a.shape[a.ndim - k:])


def column_sums(g: np.ndarray) -> np.ndarray:
    """``g.sum(axis=0)`` of a matrix: a bias's gradient. In float32 from 32 rows on, one
    matrix-vector product (``trailing_sums``, a third to two thirds faster than NumPy's sum down
    the columns); below, and in float64 (whose sums stay as close to PyTorch's as NumPy's pairwise
    sums keep them: an L-BFGS fit amplifies the difference), NumPy's sum."""
    s = trailing_sums(g, 1, False) if g.shape[0] >= 32 and g.dtype.itemsize == 4 else None
    return np.add.reduce(g, axis=0) if s is None else s


def _axes(dim: Any, ndim: int) -> tuple | None:
    """The NumPy axes of ``dim``: None (all) for None or an empty list of dims, and for any valid
    dim of a 0-d tensor, whose one element is everything there is to reduce."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None
    axes = dims(dim, ndim)
    return axes if ndim else None


def _axis(dim: Any, ndim: int) -> int | None:
    """The NumPy axis of a single ``dim`` (an int, as PyTorch requires); None for a 0-d tensor."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"argument 'dim' must be int, not {type(dim).__name__}")
    (axis,) = dims(dim, ndim)
    return axis if ndim else None


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


def _nonempty(x: np.ndarray, axes: tuple | None, name: str) -> None:
    """PyTorch's errors for max-like reductions over nothing."""
    if axes is None and x.size == 0:
        msg = f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
        if name.startswith("arg"):
            raise IndexError(msg)
        raise RuntimeError(msg + " Specify the reduction dim with the 'dim' argument.")
    for i in axes or ():
        if x.shape[i] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {i} to have non-zero size.")


def _grad_as(a: Tensor, backward: Any) -> Any:
    """``backward`` with its gradient converted to ``a``'s dtype: an op given ``dtype=`` computes in
    another type, but a tensor's gradient has the tensor's dtype."""
    return lambda g: tuple(gi.astype(a._data.dtype, copy=False) for gi in backward(g))


def _in_float32(fn: Any, a: Tensor, *args: Any, **kwargs: Any) -> Any:
    """``fn(a, ...)`` for a float16 or bfloat16 ``a``, computed in float32 and rounded once to
    ``a``'s dtype, as PyTorch's CPU kernels do (a long sum in 16 bits would lose digits)."""
    from .shape import to_dtype

    out = fn(to_dtype(a, dt.float32), *args, **kwargs)
    return to_dtype(out, a.dtype)


def _low(a: Tensor) -> bool:
    """True for a float16 or bfloat16 tensor."""
    d = a._data.dtype
    return d.itemsize == 2 and d.kind in "fV"


_type_name = dt.scalar_name


def sum(a: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A001
    """Sum of elements.  d/da_i = 1: the gradient is copied to every summed element."""
    if dtype is None and _low(a):
        return _in_float32(sum, a, dim, keepdim)
    x = a._data
    axes = _axes(dim, x.ndim)
    if dtype is not None:
        x = x.astype(dt.to_dtype(dtype).np, copy=False)
    elif x.dtype.kind in "biu":
        x = x.astype(np.int64, copy=False)
    out = x.sum(axis=axes, keepdims=keepdim)
    shape = x.shape
    def backward(g: np.ndarray) -> tuple:
        return (_expand(g, shape, axes, keepdim),)

    return record(out, "SumBackward1" if dim is not None else "SumBackward0", (a,),
                  backward if dtype is None else _grad_as(a, backward), ())


def nansum(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Sum of the elements that are not nan.  d/da_i = 1, or 0 where a_i is nan."""
    x = a._data
    axes = _axes(dim, x.ndim)
    if x.dtype.kind in "biu":
        x = x.astype(np.int64, copy=False)
    out = np.nansum(x, axis=axes, keepdims=keepdim)
    return record(out, "NansumBackward0", (a,),
                  lambda g: (np.where(np.isnan(x), 0, _expand(g, x.shape, axes, keepdim)),))


def mean(a: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Average of elements.  d/da_i = 1/N."""
    if dtype is None and _low(a):
        return _in_float32(mean, a, dim, keepdim)
    x = a._data
    if dtype is not None:
        want = dt.to_dtype(dtype).np
        if want.kind not in "fV":
            raise RuntimeError(
                "mean(): could not infer output dtype. Optional dtype must be either a floating point "
                f"or complex dtype. Got: {_type_name(want)}")
        x = x.astype(want, copy=False)
    if x.dtype.kind not in "fV":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_type_name(x.dtype)}"
        )
    axes = _axes(dim, x.ndim)
    shape = x.shape
    n = _count(shape, axes)
    with np.errstate(divide="ignore", invalid="ignore"):  # the mean of nothing is nan
        out = np.sum(x, axis=axes, keepdims=keepdim) / n
    return record(np.asarray(out, dtype=x.dtype), "MeanBackward1" if dim is not None else "MeanBackward0",
                  (a,), _grad_as(a, lambda g: (_expand(g / builtins.max(n, 1), shape, axes, keepdim),)), ())


def _extreme(a: Tensor, dim: Any, keepdim: bool, kind: str) -> Any:
    x = a._data
    pick, arg = (np.max, np.argmax) if kind == "max" else (np.min, np.argmin)
    if dim is None:
        _nonempty(x, None, kind)
        out = pick(x)
        return record(np.asarray(out), f"{kind.capitalize()}Backward1", (a,), lambda g: (_share_ties(g, x, out),))
    if isinstance(dim, Tensor):  # max(a, b) is the elementwise maximum
        from .arith import maximum, minimum

        return (maximum if kind == "max" else minimum)(a, dim)
    axis = _axis(dim, x.ndim)
    if axis is None:  # a 0-d tensor is its own max, at index 0
        idx = np.zeros((), np.int64)
        out = x.copy()
    else:
        _nonempty(x, (axis,), kind)
        idx = np.expand_dims(arg(x, axis=axis), axis)
        out = np.take_along_axis(x, idx, axis)
        if not keepdim:
            out = np.squeeze(out, axis)
            idx = np.squeeze(idx, axis)

    def backward(g: np.ndarray) -> tuple:
        if axis is None:
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


def _share_ties(g: np.ndarray, x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``max()``/``min()`` of everything: the gradient split evenly among the elements equal to
    the extreme value (the NaN ones, if it is NaN), the others +0 whatever ``g`` is (PyTorch
    puts ``g / count`` into zeros)."""
    hit = np.isnan(x) if out.dtype.kind in "fV" and np.isnan(out) else x == out
    gx = np.zeros(x.shape, g.dtype)
    gx[hit] = g / g.dtype.type(np.count_nonzero(hit))
    return gx


def amax(a: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """The largest values over ``dim`` (all dims by default); ties share the gradient."""
    return _amaxmin(a, dim, keepdim, np.max, "amax")


def amin(a: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """The smallest values over ``dim`` (all dims by default); ties share the gradient."""
    return _amaxmin(a, dim, keepdim, np.min, "amin")


def _amaxmin(a: Tensor, dim: Any, keepdim: bool, fn: Any, name: str) -> Tensor:
    x = a._data
    axes = _axes(dim, x.ndim)
    _nonempty(x, axes, name)
    out = fn(x, axis=axes, keepdims=keepdim)

    return record(out, f"{name.capitalize()}Backward0", (a,),
                  lambda g: (_scale_by_count(g, x == _expand(out, x.shape, axes, keepdim), axes, keepdim),))


def _scale_by_count(g: np.ndarray, hit: np.ndarray, axes: tuple | None, keepdim: bool) -> np.ndarray:
    """PyTorch's ``(g / count) * mask`` for ``amax``/``amin`` and the inf-norms: a product, so
    the elements that are not the extreme get 0 times g (nan for an infinite g, -0 for a
    negative one)."""
    count = np.sum(hit, axis=axes, keepdims=True).astype(g.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = _expand(g, hit.shape, axes, keepdim) / count
    share *= hit
    return share


def _correction(unbiased: Any, correction: Any) -> float:
    if correction is not None:
        return float(correction)
    if unbiased is None:
        return 1.0
    return 1.0 if unbiased else 0.0


def _moments(a: Tensor, dim: Any, unbiased: Any, keepdim: bool, correction: Any, name: str) -> tuple:
    """What var and std share: the values, the axes, the sum of squared deviations from the mean
    (``ss``), the deviations, and N - correction (the divisor; <= 0 gives inf or nan)."""
    x = a._data
    if x.dtype.kind not in "fV":
        raise RuntimeError(f"{name} only support floating point and complex dtypes")
    axes = _axes(dim, x.ndim)
    n = _count(x.shape, axes)
    dof = n - _correction(unbiased, correction)
    with np.errstate(divide="ignore", invalid="ignore"):
        centered = x - np.sum(x, axis=axes, keepdims=True) / n
    ss = np.sum(centered * centered, axis=axes, keepdims=keepdim)
    return x, axes, ss, centered, dof


def _ratio(num: float, den: float) -> float:
    """num / den as floats divide: inf (or nan) for den = 0, as PyTorch's kernels give."""
    if den == 0:
        return math.nan if num == 0 else math.copysign(math.inf, num)
    return num / den


def var(a: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Variance, unbiased (divides by N - 1) by default.  d/da_i = 2 (a_i - mean) / (N - c)."""
    if _low(a):
        return _in_float32(var, a, dim, unbiased, keepdim, correction=correction)
    if isinstance(dim, bool):  # var(unbiased) in the old positional form
        dim, unbiased = None, dim
    x, axes, ss, centered, dof = _moments(a, dim, unbiased, keepdim, correction, "std and var")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = ss / builtins.max(dof, 0.0)
    return record(out.astype(x.dtype, copy=False), "VarBackward0", (a,),
                  lambda g: (_var_backward(g, x, axes, keepdim, centered, dof),))


def _var_backward(g: np.ndarray, x: np.ndarray, axes: tuple | None, keepdim: bool,
                  centered: np.ndarray, dof: float) -> np.ndarray:
    """d var / d a_i = 2 (a_i - mean) / (N - c). As in PyTorch, N - c <= 0 over all the elements
    gives nan where a_i is the mean and inf elsewhere; over some dims, 2 / (N - c) is taken as is."""
    g = _expand(g, x.shape, axes, keepdim)
    with np.errstate(divide="ignore", invalid="ignore"):
        if axes is None and dof <= 0:
            return g * np.where(centered == 0, np.nan, np.inf).astype(x.dtype)
        return g * _ratio(2.0, dof) * centered


def std(a: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Standard deviation, sqrt(var).  d/da_i = (a_i - mean) / ((N - c) std) (0 where std is 0)."""
    if _low(a):
        return _in_float32(std, a, dim, unbiased, keepdim, correction=correction)
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    x, axes, ss, centered, dof = _moments(a, dim, unbiased, keepdim, correction, "std and var")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.sqrt(ss / builtins.max(dof, 0.0)).astype(x.dtype, copy=False)

    def backward(g: np.ndarray) -> tuple:
        with np.errstate(divide="ignore", invalid="ignore"):
            g_var = np.where(out == 0, 0, g / (2 * out))  # d std = d var / (2 std)
        return (_var_backward(g_var, x, axes, keepdim, centered, dof),)

    return record(out, "StdBackward0", (a,), backward)


def var_mean(a: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple[Tensor, Tensor]:
    if a._data.dtype.kind not in "fV":
        raise RuntimeError("var_mean only support floating point and complex dtypes")
    return var(a, dim, unbiased, keepdim, correction=correction), mean(a, dim, keepdim)


def std_mean(a: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple[Tensor, Tensor]:
    if a._data.dtype.kind not in "fV":
        raise RuntimeError("std_mean only support floating point and complex dtypes")
    return std(a, dim, unbiased, keepdim, correction=correction), mean(a, dim, keepdim)


def prod(a: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Product of elements.  d/da_i = product of all the other elements (exact with zeros)."""
    if dtype is None and _low(a):
        return _in_float32(prod, a, dim, keepdim)
    x = a._data
    if dtype is not None:
        x = x.astype(dt.to_dtype(dtype).np, copy=False)
    elif x.dtype.kind in "biu":
        x = x.astype(np.int64, copy=False)
    axis = None if dim is None else _axis(dim, x.ndim)
    if axis is None:  # everything (a 0-d tensor with a dim too)
        flat = x.reshape(-1)
        out = np.prod(flat)
        return record(out, "ProdBackward0" if dim is None else "ProdBackward1", (a,),
                      _grad_as(a, lambda g: ((g * _others_product(flat, 0)).reshape(x.shape),)))
    out = np.prod(x, axis=axis, keepdims=keepdim)
    return record(out, "ProdBackward1", (a,), _grad_as(a, lambda g: (
        _expand(g, x.shape, (axis,), keepdim) * _others_product(x, axis),)))


def _others_product(x: np.ndarray, axis: int) -> np.ndarray:
    """For each element, the product of the others along ``axis``: the product of everything
    before it times everything after it (no division, so zeros are fine)."""
    if x.ndim == 0:
        return np.ones_like(x)
    ones = np.ones(x.shape[:axis] + (1,) + x.shape[axis + 1:], x.dtype)
    before = np.cumprod(np.concatenate([ones, x], axis=axis), axis=axis)
    before = np.delete(before, -1, axis=axis)
    rev = np.flip(x, axis=axis)
    after = np.cumprod(np.concatenate([ones, rev], axis=axis), axis=axis)
    after = np.flip(np.delete(after, -1, axis=axis), axis=axis)
    return before * after


def logsumexp(a: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """log(sum(exp(a))), computed stably.  d/da_i = softmax(a)_i = exp(a_i - logsumexp(a))."""
    if _low(a):
        return _in_float32(logsumexp, a, dim, keepdim)
    x = float_data(a)
    axes = _axes(dim, x.ndim)
    m = np.max(x, axis=axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
    out = s if keepdim else np.squeeze(s, axis=axes)

    def backward(g: np.ndarray) -> tuple:
        with np.errstate(invalid="ignore", over="ignore"):
            return (_expand(g, x.shape, axes, keepdim) * np.exp(x - s),)

    return record(out, "LogsumexpBackward0", (a,), backward)


def _softmax_input(a: Tensor, dim: Any, dtype: Any, name: str) -> tuple[np.ndarray, int | None]:
    """The values to normalise (converted to ``dtype``; integers need one) and the axis."""
    axis = _axis(dim, a._data.ndim)
    if dtype is not None:
        return a._data.astype(dt.to_dtype(dtype).np), axis
    if a._data.dtype.kind not in "fV":
        last = axis is None or axis == a._data.ndim - 1
        raise NotImplementedError(
            f'"{name}_{"lastdim_" if last else ""}kernel_impl" not implemented for {_type_name(a._data.dtype)!r}')
    return a._data, axis


def _shifted(x: np.ndarray, axis: int | None) -> np.ndarray:
    """x minus its max along ``axis``: exp of it never overflows (an infinite max gives nan)."""
    return x - np.max(x, axis=axis, keepdims=True) if x.size else x


def softmax(a: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """e^a_i / sum_j e^a_j along ``dim``.  Backward: s * (g - sum(g * s))."""
    if dtype is None and _low(a):
        return _in_float32(softmax, a, dim)
    x, axis = _softmax_input(a, dim, dtype, "softmax")
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(_shifted(x, axis))
        out = e / np.sum(e, axis=axis, keepdims=True)
    return record(out, "SoftmaxBackward0", (a,),
                  _grad_as(a, lambda g: (out * (g - np.sum(g * out, axis=axis, keepdims=True)),)), (OUT,))


def log_softmax(a: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """a_i - logsumexp(a) along ``dim``.  Backward: g - softmax * sum(g)."""
    if dtype is None and _low(a):
        return _log_softmax_low(a, dim)
    x, axis = _softmax_input(a, dim, dtype, "log_softmax")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        shifted = _shifted(x, axis)
        out = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return record(out, "LogSoftmaxBackward0", (a,),
                  _grad_as(a, lambda g: (g - np.exp(out) * np.sum(g, axis=axis, keepdims=True),)), (OUT,))


def _log_softmax_low(a: Tensor, dim: int) -> Tensor:
    """log_softmax of a float16/bfloat16 tensor as PyTorch's kernels compute it, bit for bit: in
    float32 with SLEEF's exp, in their order of summation, with their roundings to the dtype (see
    :func:`._vec32.log_softmax`); the backward likewise."""
    x, axis = _softmax_input(a, dim, None, "log_softmax")
    w = x.astype(np.float32).reshape(x.shape or (1,))
    axis = w.ndim - 1 if axis is None else axis

    def rounded(v: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return v.astype(x.dtype).astype(np.float32)

    with np.errstate(over="ignore"):  # beyond the dtype: -inf, as PyTorch
        out = _vec32.log_softmax(w, axis, rounded).astype(x.dtype)

    def backward(g: np.ndarray) -> tuple:
        gw = g.astype(np.float32).reshape(w.shape)
        with np.errstate(over="ignore"):
            return (_vec32.log_softmax_backward(gw, out.astype(np.float32), axis).astype(x.dtype).reshape(x.shape),)

    return record(out.reshape(x.shape), "LogSoftmaxBackward0", (a,), backward)


def norm(a: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """The p-norm (2 by default; 'fro' is 2 over all elements; also 1, inf, -inf, 0, any p);
    'nuc', the nuclear norm of a matrix, is ``linalg.matrix_norm``'s."""
    if p == "nuc":
        from .linalg_norms import matrix_norm

        return matrix_norm(a, "nuc", tuple(range(a._data.ndim)) if dim is None else dim, keepdim,
                           dtype=dtype)
    if dtype is None and _low(a):
        return _in_float32(norm, a, p, dim, keepdim)
    if a._data.dtype.kind not in "fV":  # even with a float ``dtype``, as PyTorch
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {_type_name(a._data.dtype)}")
    x = a._data if dtype is None else a._data.astype(dt.to_dtype(dtype).np)
    out, backward = vector_norm_parts(x, p, _axes(dim, x.ndim), keepdim)
    return record(out, "LinalgVectorNormBackward0", (a,), _grad_as(a, backward))


def vector_norm_parts(x: np.ndarray, p: Any, axes: tuple | None, keepdim: bool) -> tuple:
    """The ``p``-norm of ``x`` over ``axes`` and its local gradient: ``backward(g)`` gives the
    gradient of ``x`` (a 1-tuple). At 0 the 2-norm's subgradient is 0, as in PyTorch."""
    if p == "fro" or p is None:
        p = 2
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
        for i in range(x.ndim) if axes is None else axes:
            if x.shape[i] == 0:
                where = "an empty tensor because" if axes is None else f"the dimension {i}because this dimension is empty and"
                raise RuntimeError(f"linalg.vector_norm cannot compute the {'' if p > 0 else '-'}inf norm on "
                                   f"{where} the operation does not have an identity")
        out = (np.max if p > 0 else np.min)(ax, axis=axes, keepdims=keepdim)

        def backward(g: np.ndarray) -> tuple:  # PyTorch: sgn(x) ((g / count) mask), NaN a hit too
            hit = ax == _expand(out, x.shape, axes, keepdim)
            hit |= np.isnan(ax)
            return (np.sign(x) * _scale_by_count(g, hit, axes, keepdim),)
    elif p == 0:
        out = np.sum(x != 0, axis=axes, keepdims=keepdim).astype(x.dtype)

        def backward(g: np.ndarray) -> tuple:
            return (np.zeros_like(x),)
    else:
        with np.errstate(divide="ignore"):
            out = np.sum(ax ** p, axis=axes, keepdims=keepdim) ** (1 / p)

        def backward(g: np.ndarray) -> tuple:
            n = _expand(out, x.shape, axes, keepdim)
            with np.errstate(divide="ignore", invalid="ignore"):
                gi = _expand(g, x.shape, axes, keepdim) * x * ax ** (p - 2) / n ** (p - 1)
            return (np.where(n == 0, 0, gi).astype(x.dtype),)
    return np.asarray(out, dtype=x.dtype), backward


def cumsum(a: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sum along ``dim``.  The gradient is the running sum of g taken backwards."""
    if dtype is None and _low(a):
        return _in_float32(cumsum, a, dim)
    x = a._data
    if dtype is not None:
        x = x.astype(dt.to_dtype(dtype).np)
    elif x.dtype.kind in "biu":
        x = x.astype(np.int64)
    axis = _axis(dim, x.ndim)
    if axis is None:
        return record(x.copy(), "CumsumBackward0", (a,), _grad_as(a, lambda g: (g,)), ())
    out = np.cumsum(x, axis=axis)
    return record(out, "CumsumBackward0", (a,),
                  _grad_as(a, lambda g: (np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis),)), ())


# ---------------------------------------------------------------- not differentiable
def argmax(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Index of the largest value (of the flattened tensor when ``dim`` is None)."""
    return _argext(a, dim, keepdim, np.argmax, "argmax")


def argmin(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value (of the flattened tensor when ``dim`` is None)."""
    return _argext(a, dim, keepdim, np.argmin, "argmin")


def _argext(a: Tensor, dim: Any, keepdim: bool, fn: Any, name: str) -> Tensor:
    x = a._data
    if x.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        _nonempty(x, None, name)
        out = np.asarray(fn(x), dtype=np.int64)
        if keepdim:
            out = out.reshape((1,) * x.ndim)
        return _make(out)
    axis = _axis(dim, x.ndim)
    if axis is None:
        return _make(np.zeros((), np.int64))
    _nonempty(x, (axis,), name)
    return _make(np.asarray(fn(x, axis=axis, keepdims=keepdim), dtype=np.int64))


def all(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where every element over ``dim`` is nonzero (a uint8 tensor gives uint8)."""
    return _logical(a, dim, keepdim, np.all)


def any(a: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where some element over ``dim`` is nonzero (a uint8 tensor gives uint8)."""
    return _logical(a, dim, keepdim, np.any)


def _logical(a: Tensor, dim: Any, keepdim: bool, fn: Any) -> Tensor:
    x = a._data
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        axes: tuple | None = ()  # PyTorch reduces nothing here, unlike sum
    else:
        axes = _axes(dim, x.ndim)
    out = np.asarray(fn(x, axis=axes, keepdims=keepdim))
    return _make(out.astype(np.uint8) if x.dtype == np.uint8 else out)


def count_nonzero(a: Tensor, dim: Any = None) -> Tensor:
    axes = _axes(dim, a._data.ndim)
    return _make(np.asarray(np.count_nonzero(a._data, axis=axes), dtype=np.int64))
