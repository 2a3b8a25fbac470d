"""Norms of vectors and matrices: ``linalg.vector_norm``, ``linalg.matrix_norm``, ``linalg.norm``
(which picks one of them from its arguments), ``dist`` and ``linalg.cond``. The vector norms are
``reduce.norm``'s; a matrix norm is built, as in PyTorch, from a vector norm or the singular
values and a max/min/sum, so its graph shows the same nodes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _dtype as dt
from ._core import OUT, Tensor, _wrap_dim, broadcast_error, record, unbroadcast
from .linalg_common import check_float, check_matrix

_MATRIX_ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None) -> Tensor:
    r"""The ``ord``-norm of ``x`` seen as one vector (``dim=None``) or of its vectors along ``dim``.

    .. math:: \|x\|_p = \Big(\sum_i |x_i|^p\Big)^{1/p}, \qquad \|x\|_\infty = \max_i |x_i|,
              \qquad \|x\|_0 = \#\{i : x_i \ne 0\}

    The gradient of the 2-norm at 0 is 0 (a subgradient), as in PyTorch.

    Shape:
        x: any shape; the result drops ``dim`` (keeps it as size 1 with ``keepdim``).

    Example::

        >>> torch.linalg.vector_norm(torch.tensor([3., 4.]))
        tensor(5.)
    """
    from .reduce import norm

    if isinstance(ord, str):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not "
                        f"{type(ord).__name__}")
    return norm(x, ord, dim, keepdim, dtype)


def _matrix_dims(x: np.ndarray, dim: Any) -> tuple[int, int]:
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        shown = " ".join(str(int(v)) for v in (dim if isinstance(dim, (tuple, list)) else [dim]))
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {shown}")
    d0, d1 = (_wrap_dim(int(v), x.ndim) for v in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    return d0, d1


def matrix_norm(A: Tensor, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None) -> Tensor:
    r"""A matrix norm of ``A`` (of each matrix of a batch, the matrices on ``dim``).

    ``'fro'``: :math:`\sqrt{\sum_{ij} a_{ij}^2}`; ``'nuc'``: the sum of the singular values;
    ``2`` / ``-2``: the largest / smallest singular value; ``1`` / ``-1``: the largest /
    smallest sum of absolute values of a column; ``inf`` / ``-inf``: of a row.

    Shape:
        A: (*, m, n); the result: (*) (``keepdim``: (*, 1, 1)).

    Example::

        >>> torch.linalg.matrix_norm(torch.tensor([[1., -2.], [3., 4.]]), 1)
        tensor(6.)
    """
    from .reduce import amax, amin
    from .reduce import sum as total
    from .shape import movedim, to_dtype, unsqueeze

    x = check_float(A, "linalg.matrix_norm", low=True)
    check_matrix(x, "linalg.matrix_norm")
    d0, d1 = _matrix_dims(x, dim)
    if not any(ord == o and type(ord) is not bool for o in _MATRIX_ORDS) or (
            isinstance(ord, str) and ord not in ("fro", "nuc")):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if dtype is not None:
        A = to_dtype(A, dt.to_dtype(dtype))
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord == "nuc" or abs(ord) == 2:
        if x.dtype.itemsize == 2:
            raise RuntimeError(f"linalg.matrix_norm: Low precision dtypes not supported. Got "
                               f"{dt.scalar_name(x.dtype)}")
        from .linalg_svd import svdvals

        if ord == 2 and 0 in (x.shape[d0], x.shape[d1]):  # no singular value: PyTorch's 0
            return vector_norm(A, 2, (d0, d1), keepdim)
        s = svdvals(movedim(A, (d0, d1), (-2, -1)))
        out = total(s, -1) if ord == "nuc" else (amax if ord == 2 else amin)(s, -1)
        if keepdim:
            out = unsqueeze(unsqueeze(out, min(d0, d1)), max(d0, d1))
        return out
    # 1, -1: the largest/smallest column sum of |a_ij|; inf, -inf: the same of the rows
    if abs(ord) == math.inf:
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1
    sums = vector_norm(A, 1, d0, keepdim)
    return (amax if ord > 0 else amin)(sums, d1, keepdim)


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
         dtype: Any = None) -> Tensor:
    r"""``torch.linalg.norm``: a vector norm (``dim`` an int, or a 1-D input) or a matrix norm
    (``dim`` a 2-tuple, or a 2-D input with ``ord`` given); with neither ``ord`` nor ``dim``,
    the 2-norm of all the elements (the Frobenius norm of a matrix).

    Shape:
        A: any shape (1-D or 2-D when ``ord`` is given without ``dim``).

    Example::

        >>> torch.linalg.norm(torch.ones(4, 9))
        tensor(6.)
    """
    x = A._data
    if dim is not None:
        if not isinstance(dim, (int, np.integer)) and len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got "
                               f"{[int(d) for d in dim]}")
        if isinstance(ord, str):
            return matrix_norm(A, ord, dim, keepdim, dtype=dtype)
        if isinstance(dim, (int, np.integer)) or len(dim) == 1:
            return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is not None:
        if isinstance(ord, str) or x.ndim == 2:
            return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
        if x.ndim != 1:
            raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be 1D "
                               f"or 2D. Got {x.ndim}D.")
    return vector_norm(A, 2 if ord is None else ord, None, keepdim, dtype=dtype)


def dist(x: Tensor, y: Tensor, p: float = 2) -> Tensor:
    r"""The ``p``-norm of ``x - y`` (the two broadcast together), as one node.

    .. math:: \operatorname{dist}(x, y) = \|x - y\|_p

    Shape:
        x, y: broadcastable shapes; the result is a scalar.

    Example::

        >>> torch.dist(torch.tensor([1., 1.]), torch.tensor([4., 5.]))
        tensor(5.)
    """
    from .reduce import vector_norm_parts

    a, b = x._data, y._data
    for v in (a, b):
        if v.dtype.kind not in "fV":
            raise RuntimeError("norm(): input dtype should be either floating point or complex. "
                               f"Got {dt.scalar_name(v.dtype)} instead.")
    common = dt.promote_types(x.dtype, y.dtype).np
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise broadcast_error(a.shape, b.shape) from None
    diff = a.astype(common, copy=False) - b.astype(common, copy=False)
    out, local = vector_norm_parts(diff, p, None, False)

    def backward(g: np.ndarray) -> tuple:
        gd = local(g)[0]
        return (unbroadcast(gd, a.shape).astype(a.dtype, copy=False) if x.requires_grad else None,
                unbroadcast(-gd, b.shape).astype(b.dtype, copy=False) if y.requires_grad else None)

    return record(out, "DistBackward0", (x, y), backward, (x, y, OUT))


def cond(A: Tensor, p: Any = None) -> Tensor:
    r"""The condition number of ``A`` for the norm ``p``: :math:`\|A\|_p \|A^{-1}\|_p`; for
    ``p`` None or ``±2``, the ratio of the largest and smallest singular values.

    Shape:
        A: (*, m, n) (square unless ``p`` is None or ±2); the result: (*).

    Example::

        >>> torch.linalg.cond(torch.tensor([[4., 0.], [0., 2.]]))
        tensor(2.)
    """
    from .arith import div
    from .linalg_solve import inv
    from .linalg_svd import svdvals
    from .reduce import amax, amin

    if p is None or p in (2, -2):
        x = check_float(A, "linalg.svd")
        check_matrix(x, "linalg.cond")
        s = svdvals(A)
        big, small = amax(s, -1), amin(s, -1)
        return div(small, big) if p == -2 else div(big, small)
    if not any(p == o and type(p) is not bool for o in _MATRIX_ORDS if o not in (2, -2)):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    x = check_float(A, "linalg.inv")
    check_matrix(x, "linalg.cond")
    if x.shape[-1] != x.shape[-2]:
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but they are "
                           f"{x.shape[-2]} by {x.shape[-1]} matrices")
    return matrix_norm(A, p) * matrix_norm(inv(A), p)
