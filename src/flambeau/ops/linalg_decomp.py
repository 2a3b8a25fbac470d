"""Decompositions of a matrix and their gradients: ``cholesky`` (A = L L^T), ``qr`` (A = Q R),
``eigh`` (A = V diag(L) V^T, A symmetric) and ``svd`` (A = U diag(S) V^T), each one node of the
graph whose backward is the decomposition's differential solved for dA. ``eig`` needs complex
tensors, which flambeau does not have: it says so."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import OUT, Tensor, _make, needs_grad, record
from .linalg_common import (
    LinAlgError,
    batch_prefix,
    batches,
    check_float,
    check_matrix,
    float_square,
    mT,
    record_outputs,
    result_type,
    zeros_or,
)

qr_result = result_type("linalg_qr", "Q R")
eigh_result = result_type("linalg_eigh", "eigenvalues eigenvectors")
cholesky_ex_result = result_type("linalg_cholesky_ex", "L info")


def _solve_right(b: np.ndarray, r: np.ndarray) -> np.ndarray:
    """B R^{-T} for a triangular R: the solution X of X R^T = B."""
    return mT(np.linalg.solve(r, mT(b)))


# ---------------------------------------------------------------- Cholesky
def _not_positive(x: np.ndarray) -> tuple[int, int]:
    """The first matrix of ``x`` that is not positive-definite, and LAPACK's ``info``: the order
    of its first leading minor that is not."""
    for k, m in enumerate(batches(x)):
        try:
            np.linalg.cholesky(m)
            continue
        except np.linalg.LinAlgError:
            pass
        for order in range(1, m.shape[-1] + 1):
            try:
                np.linalg.cholesky(m[:order, :order])
            except np.linalg.LinAlgError:
                return k, order
        return k, m.shape[-1]
    return 0, 0


def _cholesky_backward(low: np.ndarray, upper: bool) -> Any:
    # A = L L^T: dA = dL L^T + L dL^T, so with Phi(X) = tril(X) with its diagonal halved,
    # gA = L^{-T} Phi(L^T gL) L^{-1}, made symmetric
    def backward(g: np.ndarray) -> tuple:
        gl = mT(g) if upper else g
        p = np.tril(mT(low) @ gl)
        p = 0.5 * (p + mT(np.tril(p, -1)))
        p = np.linalg.solve(mT(low), p)                 # L^{-T} P
        return (mT(np.linalg.solve(mT(low), mT(p))),)  # ... L^{-1}
    return backward


def _cholesky(A: Tensor, upper: bool, name: str, node: str) -> tuple[np.ndarray, Any]:
    x = float_square(A, name, "cholesky_cpu")
    if upper:  # U^T U = A from A's upper triangle: the lower one of A^T
        x = mT(x)
    try:
        low = np.linalg.cholesky(x)
    except np.linalg.LinAlgError:
        k, order = _not_positive(x)
        raise LinAlgError(
            f"{name}: {batch_prefix(x, k)}The factorization could not be completed because the input "
            f"is not positive-definite (the leading minor of order {order} is not positive-definite).") from None
    return low, _cholesky_backward(low, upper)


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    r"""The Cholesky factor of a symmetric positive-definite matrix: :math:`A = L L^T`, L lower
    triangular with a positive diagonal (``upper``: :math:`U = L^T`). Only the lower triangle
    of A is read. Raises ``LinAlgError`` naming the first leading minor that is not positive.

    Shape:
        A: (*, n, n); L has its shape.

    Example::

        >>> torch.linalg.cholesky(torch.tensor([[4., 2.], [2., 5.]]))
        tensor([[2., 0.],
                [1., 2.]])
    """
    low, backward = _cholesky(A, upper, "linalg.cholesky", "LinalgCholeskyExBackward0")
    return record(mT(low).copy() if upper else low, "LinalgCholeskyExBackward0", (A,), backward, (OUT,))


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> tuple:
    """``cholesky`` with ``info`` (0, or the order of the first leading minor that is not
    positive-definite) instead of an error, unless ``check_errors``. Where ``info`` is not 0
    the factor is not meaningful (here: NaN).

    Shape:
        A: (*, n, n); L: (*, n, n), info: (*) int32.

    Example::

        >>> torch.linalg.cholesky_ex(torch.tensor([[1., 2.], [2., 1.]])).info
        tensor(2, dtype=torch.int32)
    """
    x = float_square(A, "linalg.cholesky_ex", "cholesky_cpu")
    try:
        return cholesky_ex_result(cholesky(A, upper=upper), Tensor(np.zeros(x.shape[:-2], np.int32)))
    except LinAlgError:
        if check_errors:
            raise
    if upper:
        x = mT(x)
    info = np.array([_not_positive(m[None])[1] for m in batches(x)], np.int32).reshape(x.shape[:-2])
    low = np.full(x.shape, np.nan, x.dtype)
    low[info == 0] = np.linalg.cholesky(x[info == 0])
    out = mT(low).copy() if upper else low
    return cholesky_ex_result(*record_outputs([out, info], "LinalgCholeskyExBackward0", (A,),
                                              lambda gs: _cholesky_backward(low, upper)(gs[0]), [True, False], [0]))


# ---------------------------------------------------------------- QR
def _qr_backward_tall(q: np.ndarray, r: np.ndarray, gq: np.ndarray, gr: np.ndarray) -> np.ndarray:
    # m >= n: with M = R gR^T - gQ^T Q, gA = (gQ + Q copyltu(M)) R^{-T}, where copyltu(M)
    # copies M's lower triangle onto its upper one
    m = r @ mT(gr) - mT(gq) @ q
    m = np.tril(m) + mT(np.tril(m, -1))
    return _solve_right(gq + q @ m, r)


def qr(A: Tensor, mode: str = "reduced") -> tuple:
    r"""The QR decomposition :math:`A = QR`, Q with orthonormal columns and R upper triangular
    (Householder reflections, LAPACK's signs). ``mode``: ``'reduced'`` (Q: m x k, R: k x n,
    k = min(m, n)), ``'complete'`` (Q: m x m, R: m x n), ``'r'`` (R only; Q is empty).

    Shape:
        A: (*, m, n).

    Example::

        >>> Q, R = torch.linalg.qr(torch.tensor([[3., 1.], [4., 2.]]))
        >>> torch.allclose(Q @ R, torch.tensor([[3., 1.], [4., 2.]]))
        True
    """
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' "
                           "(default), 'r', or 'complete'")
    x = check_float(A, "linalg.qr", kernel="geqrf_cpu")
    check_matrix(x, "linalg.qr")
    m, n = x.shape[-2:]
    q, r = np.linalg.qr(x, mode="complete" if mode == "complete" else "reduced")
    if mode == "r":
        q_out = np.zeros(0, x.dtype)
    else:
        q_out = q

    def backward(grads: list) -> tuple:
        if mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when "
                               "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                               "differentiate through linalg.qr.")
        if mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                               "nrows > ncols.")
        gq, gr = zeros_or(grads[0], q), zeros_or(grads[1], r)
        if m >= n:
            return (_qr_backward_tall(q, r, gq, gr),)
        # m < n: A = [X | Y], R = [U | V], X = Q U and Y = Q V
        u, gu, gv = r[..., :m], gr[..., :m], gr[..., m:]
        y = q @ r[..., m:]
        gy = q @ gv
        gx = _qr_backward_tall(q, u, gq + y @ mT(gv), gu)
        return (np.concatenate([gx, gy], axis=-1),)

    return qr_result(*record_outputs([q_out, r], "LinalgQrBackward0", (A,), backward, saved=[0, 1]))


# ---------------------------------------------------------------- symmetric eigenproblem
def _check_uplo(uplo: str) -> None:
    if uplo not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")


def _eigh_input(A: Tensor, uplo: str) -> np.ndarray:
    _check_uplo(uplo)
    x = A._data
    if x.dtype.kind != "f":
        from .. import _dtype as dt
        raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for '{dt.scalar_name(x.dtype)}'")
    return float_square(A, "linalg.eigh", "linalg_eigh_cpu")


def _eigh_backward(w: np.ndarray, v: np.ndarray, gw: Any, gv: Any) -> np.ndarray:
    # A = V diag(w) V^T: gA = V (diag(gw) + skew(V^T gV) / E) V^T, E_ij = w_j - w_i (i != j)
    inner = np.zeros(v.shape, v.dtype)
    if gv is not None:
        vg = mT(v) @ gv
        vg = 0.5 * (vg - mT(vg))
        e = w[..., None, :] - w[..., :, None]
        idx = np.arange(w.shape[-1])
        e[..., idx, idx] = 1
        with np.errstate(divide="ignore", invalid="ignore"):  # repeated eigenvalues: inf, NaN
            inner = vg / e
    if gw is not None:
        inner = inner + np.einsum("...i,ij->...ij", gw, np.eye(w.shape[-1], dtype=w.dtype))
    return v @ inner @ mT(v)


def eigh(A: Tensor, UPLO: str = "L") -> tuple:  # noqa: N803 - PyTorch's name
    r"""The eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix:
    :math:`A = V \operatorname{diag}(L) V^T`; only the triangle ``UPLO`` of A is read.
    An eigenvector is defined up to its sign: a loss should not depend on it.

    Shape:
        A: (*, n, n); eigenvalues: (*, n); eigenvectors: (*, n, n) (one per column).

    Example::

        >>> torch.linalg.eigh(torch.tensor([[2., 0.], [0., 1.]])).eigenvalues
        tensor([1., 2.])
    """
    x = _eigh_input(A, UPLO)
    w, v = np.linalg.eigh(x, UPLO=UPLO)
    return eigh_result(*record_outputs([w, v], "LinalgEighBackward0", (A,),
                                       lambda gs: (_eigh_backward(w, v, gs[0], gs[1]),), saved=[0, 1]))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:  # noqa: N803
    """The eigenvalues of a symmetric matrix, ascending: ``eigh(A).eigenvalues``. Its gradient is
    V diag(g) V^T.

    Shape:
        A: (*, n, n); the result: (*, n).

    Example::

        >>> torch.linalg.eigvalsh(torch.tensor([[2., 1.], [1., 2.]]))
        tensor([1., 3.])
    """
    x = _eigh_input(A, UPLO)
    if not needs_grad(A):  # the values alone, without the vectors
        return _make(np.linalg.eigvalsh(x, UPLO=UPLO))
    w, v = np.linalg.eigh(x, UPLO=UPLO)
    return record(w, "LinalgEighBackward0", (A,), lambda g: (_eigh_backward(w, v, g, None),), (OUT,))


def eig(A: Tensor) -> tuple:
    """``torch.linalg.eig`` returns complex eigenvalues and eigenvectors (complex64/complex128):
    flambeau has no complex dtype, so it refuses. For a symmetric matrix use ``eigh``."""
    raise NotImplementedError(
        "torch.linalg.eig returns complex tensors (complex64/complex128), and flambeau has no complex "
        "dtypes: for a symmetric (or Hermitian) matrix use torch.linalg.eigh / torch.linalg.eigvalsh, "
        "which return real tensors")


def eigvals(A: Tensor) -> Tensor:
    """``torch.linalg.eigvals``: complex, so refused as ``eig`` is."""
    raise NotImplementedError(
        "torch.linalg.eigvals returns a complex tensor (complex64/complex128), and flambeau has no "
        "complex dtypes: for a symmetric matrix use torch.linalg.eigvalsh, which returns a real tensor")


# ---------------------------------------------------------------- the old API (torch.qr, torch.cholesky)
old_qr_result = result_type("qr", "Q R")


def qr_old(A: Tensor, some: bool = True) -> tuple:
    """``torch.qr``: ``linalg.qr`` with ``some`` for ``mode='reduced'`` (else ``'complete'``)."""
    return old_qr_result(*qr(A, "reduced" if some else "complete"))


def cholesky_old(A: Tensor, upper: bool = False) -> Tensor:
    """``torch.cholesky``: ``linalg.cholesky`` under its old name (node ``CholeskyBackward0``)."""
    low, backward = _cholesky(A, upper, "cholesky", "CholeskyBackward0")
    return record(mT(low).copy() if upper else low, "CholeskyBackward0", (A,), backward, (OUT,))
