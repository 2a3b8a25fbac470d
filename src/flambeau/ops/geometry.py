"""Vectors in space: the cross product (``cross``) and the distances between two sets of
points (``cdist``), each with its gradient as the local derivative times the gradient from
above."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ._core import Tensor, _wrap_dim, record, unbroadcast


def _type_name(x: np.ndarray) -> str:
    """PyTorch's name of the element type in its messages: 'Float', 'Long'..."""
    from .arith import _type_name as name

    return name(x)


def cross(a: Tensor, b: Tensor, dim: int | None = None) -> Tensor:
    r"""The cross product of 3-vectors along ``dim``: :math:`c = a \times b`.

    .. math:: \frac{\partial L}{\partial a} = b \times g, \qquad
              \frac{\partial L}{\partial b} = g \times a

    Without ``dim``, the first dimension of size 3 (deprecated in PyTorch, which warns).
    Shape: ``a`` and ``b`` have the same number of dimensions and broadcast together.

    Example::

        >>> torch.cross(torch.tensor([1.0, 0, 0]), torch.tensor([0.0, 1, 0]), dim=0)
        tensor([0., 0., 1.])
    """
    x, y = a._data, b._data
    if x.dtype != y.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(x)} but found {_type_name(y)}")
    if x.ndim != y.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either "
                      "pass the dim explicitly or simply use torch.linalg.cross.\nThe default value of "
                      "dim will change to agree with that of linalg.cross in a future release.",
                      UserWarning, stacklevel=2)
        found = [i for i, n in enumerate(x.shape) if n == 3]
        if not found:
            raise RuntimeError("no dimension of size 3 in input")
        axis = found[0]
    else:
        axis = _wrap_dim(dim, x.ndim)
    if x.shape[axis] != 3 or y.shape[axis] != 3:
        shown = dim if dim is not None else axis
        raise RuntimeError(f"linalg.cross: inputs dimension {shown} must have length 3. Got "
                           f"{x.shape[axis]} and {y.shape[axis]}")
    try:
        out = np.cross(x, y, axis=axis)
    except ValueError:
        from .arith import _mismatch

        raise _mismatch(x, y) from None
    return record(out, "LinalgCrossBackward0", (a, b), lambda g: (
        unbroadcast(np.cross(y, g, axis=axis), x.shape) if a._requires_grad else None,
        unbroadcast(np.cross(g, x, axis=axis), y.shape) if b._requires_grad else None,
    ))


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: Any = None) -> Tensor:
    r"""The p-norm distance between each row of ``x1`` and each row of ``x2``:
    :math:`d_{ij} = \lVert x1_i - x2_j \rVert_p`.

    .. math:: \frac{\partial d_{ij}}{\partial x1_{ik}} =
              \frac{\operatorname{sign}(u_k) |u_k|^{p-1}}{d_{ij}^{p-1}}, \quad u = x1_i - x2_j

    (``p = inf``: the sign at the largest coordinate; ``p = 0`` counts differing coordinates and
    has no gradient.) ``dL/dx2`` is minus the same sum over ``i``.

    Shape: ``x1`` (B, P, M) and ``x2`` (B, R, M) give (B, P, R); the batch dimensions broadcast.

    Example::

        >>> torch.cdist(torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0], [1.0, 0.0]]))
        tensor([[5., 1.]])
    """
    a, b = x1._data, x2._data
    if a.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {a.ndim}D")
    if b.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {b.ndim}D")
    if a.dtype.kind not in "fV":
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {_type_name(a)}")
    if b.dtype.kind not in "fV":
        raise RuntimeError(f"cdist only supports floating-point dtypes, X2 got: {_type_name(b)}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(a)} but found {_type_name(b)}")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} X2: {b.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if p == 2:
        return _euclidean(x1, x2, a, b)
    u = a[..., :, None, :] - b[..., None, :, :]  # (B, P, R, M): every difference
    m = np.abs(u)
    if p == 0:
        d = (m != 0).sum(-1).astype(a.dtype)
    elif p == 1:
        d = m.sum(-1)
    elif math.isinf(p):
        d = m.max(-1) if m.shape[-1] else m.sum(-1)
    else:
        d = (m ** p).sum(-1) ** (1 / p)

    def backward(g: np.ndarray) -> tuple:
        dd = _distance_grad(u, m, d, p)  # d d_ij / d x1_i, per coordinate
        gu = g[..., None] * dd
        return (unbroadcast(gu.sum(-2), a.shape) if x1._requires_grad else None,
                unbroadcast(-gu.sum(-3), b.shape) if x2._requires_grad else None)

    return record(d, "CdistBackward0", (x1, x2), backward)


def _euclidean(x1: Tensor, x2: Tensor, a: np.ndarray, b: np.ndarray) -> Tensor:
    """cdist for p = 2 without the (P, R, M) array of differences. As PyTorch, more than 25 rows
    use |a|^2 + |b|^2 - 2 a.b (matrix products); the gradient is
    dL/da_i = sum_j w_ij (a_i - b_j) with w = g / d (0 where d = 0), also as matrix products."""
    bt = np.swapaxes(b, -1, -2)
    if a.shape[-2] > 25 or b.shape[-2] > 25:
        sq = (a * a).sum(-1)[..., :, None] + (b * b).sum(-1)[..., None, :] - 2 * (a @ bt)
        d = np.sqrt(np.maximum(sq, 1e-30))
        zero = sq <= 1e-30
    else:
        u = a[..., :, None, :] - b[..., None, :, :]
        d = np.sqrt((u * u).sum(-1))
        zero = d == 0

    def backward(g: np.ndarray) -> tuple:
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(zero, 0, g / d).astype(g.dtype, copy=False)
        ga = a * w.sum(-1)[..., None] - w @ b if x1._requires_grad else None
        gb = b * w.sum(-2)[..., None] - np.swapaxes(w, -1, -2) @ a if x2._requires_grad else None
        return (None if ga is None else unbroadcast(ga, a.shape),
                None if gb is None else unbroadcast(gb, b.shape))

    return record(d.astype(a.dtype, copy=False), "CdistBackward0", (x1, x2), backward)


def _distance_grad(u: np.ndarray, m: np.ndarray, d: np.ndarray, p: float) -> np.ndarray:
    """d(||u||_p)/du for every difference u (zero where the distance or the coordinate is 0)."""
    dist = d[..., None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if p == 0:
            return np.zeros_like(u)
        if p == 1:
            return np.sign(u)
        if math.isinf(p):
            out = np.sign(u) * (m == dist)
        else:
            out = np.sign(u) * m ** (p - 1) / dist ** (p - 1)
    return np.where((dist == 0) | (u == 0), 0, out).astype(u.dtype, copy=False)
