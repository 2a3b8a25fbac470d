"""Systems with a triangular matrix: ``linalg.solve_triangular`` (and the old
``triangular_solve``), and the ones given by a Cholesky factor, ``cholesky_solve`` and
``cholesky_inverse``. Solving with a triangular T is substitution, row after row; for X = T^{-1} B
the gradients are dB = T^{-T} g and dT = -dB X^T, kept on T's triangle (the only part read)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as dt
from ._core import OUT, Tensor, broadcast_error, record, unbroadcast
from .linalg_common import check_matrix, check_square, mT, record_outputs, result_type

triangular_solve_result = result_type("triangular_solve", "solution cloned_coefficient")


def substitute(t: np.ndarray, b: np.ndarray, upper: bool, unit: bool = False) -> np.ndarray:
    """X with T X = B for the (batches of) triangular T (its ``upper`` or lower triangle; ones on
    the diagonal if ``unit``), by substitution as LAPACK's trsm: a zero on the diagonal gives
    inf/NaN, not an error."""
    n = t.shape[-1]
    batch = np.broadcast_shapes(t.shape[:-2], b.shape[:-2])
    t = np.broadcast_to(t, batch + t.shape[-2:])
    x = np.array(np.broadcast_to(b, batch + b.shape[-2:]), dtype=np.result_type(t, b))
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in (range(n - 1, -1, -1) if upper else range(n)):
            known = slice(i + 1, n) if upper else slice(0, i)
            row = x[..., i, :] - np.einsum("...j,...jk->...k", t[..., i, known], x[..., known, :])
            x[..., i, :] = row if unit else row / t[..., i, i, None]
    return x


def _triangle(g: np.ndarray, upper: bool, unit: bool) -> np.ndarray:
    """The part of a gradient that falls on the triangle that was read."""
    k = 1 if unit else 0
    return np.triu(g, k) if upper else np.tril(g, -k)


def _solve_triangular(a: np.ndarray, b: np.ndarray, upper: bool, left: bool, unit: bool) -> tuple:
    """X (T X = B, or X T = B if not ``left``) and its local gradients (dT, dB)."""
    x = substitute(a, b, upper, unit) if left else mT(substitute(mT(a), mT(b), not upper, unit))

    def grads(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if left:  # X = T^{-1} B: dB = T^{-T} g, dT = -dB X^T
            gb = substitute(mT(a), g, not upper, unit)
            ga = -gb @ mT(x)
        else:     # X = B T^{-1}: dB = g T^{-T}, dT = -X^T dB
            gb = mT(substitute(a, mT(g), upper, unit))
            ga = -mT(x) @ gb
        return _triangle(ga, upper, unit), gb

    return x, grads


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,  # noqa: N803
                     unitriangular: bool = False) -> Tensor:
    r"""The solution X of ``A X = B`` (``X A = B`` if not ``left``) for a triangular A: only its
    ``upper`` (or lower) triangle is read, with ones on the diagonal if ``unitriangular``.

    .. math:: \frac{\partial L}{\partial B} = A^{-T} G, \qquad
              \frac{\partial L}{\partial A} = -\operatorname{tri}\Big(\frac{\partial L}{\partial B} X^T\Big)

    Shape:
        A: (*, n, n), B: (*, n, k) (``left``) or (*, k, n); batch dimensions broadcast.

    Example::

        >>> torch.linalg.solve_triangular(torch.tensor([[2., 0.], [1., 1.]]), torch.tensor([[2.], [3.]]),
        ...                               upper=False)
        tensor([[1.],
                [2.]])
    """
    name = "linalg.solve_triangular"
    x, b = A._data, B._data
    for v in (x, b):
        if v.dtype.kind != "f" or v.dtype.itemsize < 4:
            raise NotImplementedError(f"\"triangular_solve_cpu\" not implemented for '{dt.scalar_name(v.dtype)}'")
    check_matrix(x, name)
    check_square(x, name)
    check_matrix(b, name, "B")
    rows = b.shape[-2] if left else b.shape[-1]
    if rows != x.shape[-1]:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'} "
                           f"({x.shape[-2]}x{x.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})")
    try:
        np.broadcast_shapes(x.shape[:-2], b.shape[:-2])
    except ValueError:
        raise broadcast_error(b.shape[:-2], x.shape[:-2]) from None
    out, grads = _solve_triangular(x, b, upper, left, unitriangular)

    def backward(g: np.ndarray) -> tuple:
        ga, gb = grads(g)
        return (unbroadcast(ga, x.shape).astype(x.dtype, copy=False) if A.requires_grad else None,
                unbroadcast(gb, b.shape).astype(b.dtype, copy=False) if B.requires_grad else None)

    return record(out, "LinalgSolveTriangularBackward0", (A, B), backward, (A, OUT))


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,  # noqa: N803
                     unitriangular: bool = False) -> tuple:
    """``torch.triangular_solve`` (the old API, ``b`` first): the solution of ``A X = b`` (of
    ``A^T X = b`` with ``transpose``) and a copy of A, as ``(solution, cloned_coefficient)``."""
    x, bb = A._data, b._data
    t = mT(x) if transpose else x
    out, grads = _solve_triangular(t, bb, upper != transpose, True, unitriangular)

    def backward(gs: list) -> tuple:
        g, g_clone = gs
        ga = gb = None
        if g is not None:
            ga, gb = grads(g)
            ga = mT(ga) if transpose else ga
            gb = unbroadcast(gb, bb.shape)
        if g_clone is not None:
            ga = g_clone if ga is None else ga + g_clone
        return (gb, None if ga is None else unbroadcast(ga, x.shape))

    clone = np.broadcast_to(x, out.shape[:-2] + x.shape[-2:]).copy()  # A, broadcast to the batch
    return triangular_solve_result(*record_outputs([out, clone], "TriangularSolveBackward0", (b, A), backward,
                                                   saved=[A, 0]))


def _cholesky_operands(B: Tensor, L: Tensor) -> tuple[np.ndarray, np.ndarray]:
    b, low = B._data, L._data
    for v in (b, low):
        if v.dtype.kind != "f" or v.dtype.itemsize < 4:
            raise NotImplementedError(f"\"cholesky_solve_cpu\" not implemented for '{dt.scalar_name(v.dtype)}'")
    if b.dtype != low.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {dt.scalar_name(b.dtype)} "
                           f"and A of type {dt.scalar_name(low.dtype)} instead.")
    if b.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {b.ndim} dimensions instead")
    if low.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {low.ndim} dimensions instead")
    if low.shape[-1] != low.shape[-2] or b.shape[-2] != low.shape[-1]:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {low.shape[-2]} by "
                           f"{low.shape[-1]} but each b matrix is {b.shape[-2]} by {b.shape[-1]}")
    return b, low


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False) -> Tensor:  # noqa: N803
    r"""The solution X of ``A X = B`` given the Cholesky factor of A (A = L L^T, or U^T U with
    ``upper``): two triangular solves.

    .. math:: \frac{\partial L}{\partial B} = A^{-1} G, \qquad
              \frac{\partial L}{\partial L} = -(C + C^T) L, \quad C = \frac{\partial L}{\partial B} X^T

    Shape:
        B: (*, n, k), L: (*, n, n); batch dimensions broadcast.

    Example::

        >>> torch.cholesky_solve(torch.tensor([[4.], [1.]]), torch.tensor([[2., 0.], [0., 1.]]))
        tensor([[1.],
                [1.]])
    """
    b, low = _cholesky_operands(B, L)
    t = np.triu(low) if upper else np.tril(low)
    lower = mT(t) if upper else t  # A = lower lower^T

    def solve(rhs: np.ndarray) -> np.ndarray:
        return substitute(mT(lower), substitute(lower, rhs, False), True)

    out = solve(b)

    def backward(g: np.ndarray) -> tuple:
        gb = solve(g)
        c = gb @ mT(out)
        c = c + mT(c)
        gl = -(low @ c) if upper else -(c @ low)
        return (unbroadcast(gb, b.shape) if B.requires_grad else None,
                unbroadcast(gl, low.shape) if L.requires_grad else None)

    return record(out, "CholeskySolveBackward0", (B, L), backward, (L, OUT))


def cholesky_inverse(L: Tensor, upper: bool = False) -> Tensor:  # noqa: N803
    r"""The inverse of A = L L^T (U^T U with ``upper``) from its Cholesky factor.

    .. math:: \frac{\partial L}{\partial L} = -A^{-1} (G + G^T) A^{-1} L

    Shape:
        L: (*, n, n); the result has its shape.

    Example::

        >>> torch.cholesky_inverse(torch.tensor([[2., 0.], [0., 1.]]))
        tensor([[0.2500, 0.0000],
                [0.0000, 1.0000]])
    """
    low = L._data
    if low.dtype.kind != "f" or low.dtype.itemsize < 4:
        raise NotImplementedError(f"\"cholesky_inverse_out_cpu\" not implemented for '{dt.scalar_name(low.dtype)}'")
    check_matrix(low, "cholesky_inverse")
    check_square(low, "cholesky_inverse")
    t = np.triu(low) if upper else np.tril(low)
    lower = mT(t) if upper else t
    eye = np.broadcast_to(np.eye(low.shape[-1], dtype=low.dtype), low.shape)
    out = substitute(mT(lower), substitute(lower, eye, False), True)

    def backward(g: np.ndarray) -> tuple[Any]:
        c = out @ (g + mT(g)) @ out
        return (-(low @ c) if upper else -(c @ low),)

    return record(out, "CholeskyInverseBackward0", (L,), backward, (L, OUT))
