"""Inverses, determinants and linear systems: ``inv``, ``det``, ``slogdet``, ``logdet``, ``solve``,
``matrix_power``. For C = A^{-1} the local gradient is dA = -A^{-T} g A^{-T}; for d = det A it is
g d A^{-T} (Jacobi's formula); for X = A^{-1} B, dB = A^{-T} g and dA = -dB X^T."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import OUT, Tensor, _make, broadcast_error, record, unbroadcast
from .linalg_common import (
    LinAlgError,
    batch_prefix,
    batches,
    check_float,
    check_matrix,
    check_square,
    float_square,
    mT,
    record_outputs,
    result_type,
)

slogdet_result = result_type("linalg_slogdet", "sign logabsdet")
inv_ex_result = result_type("linalg_inv_ex", "inverse info")
solve_ex_result = result_type("linalg_solve_ex", "result info")


def lu_info(m: np.ndarray) -> int:
    """LAPACK's ``info`` for the LU factorisation with partial pivoting of the square matrix
    ``m``: the 1-based index of the first zero pivot (0 if there is none): the number PyTorch
    names in its message for a singular matrix."""
    u = np.array(m, dtype=m.dtype)
    n = u.shape[0]
    for j in range(n):
        p = j + int(np.argmax(np.abs(u[j:, j])))
        if u[p, j] == 0:
            return j + 1
        u[[j, p]] = u[[p, j]]
        u[j + 1:, j] /= u[j, j]
        u[j + 1:, j + 1:] -= np.multiply.outer(u[j + 1:, j], u[j, j + 1:])
    return 0


def _infos(x: np.ndarray) -> np.ndarray:
    """``lu_info`` of each matrix of the batch ``x``, in the batch's shape."""
    return np.array([lu_info(m) for m in batches(x)], dtype=np.int32).reshape(x.shape[:-2])


def _singular(x: np.ndarray, name: str) -> LinAlgError:
    """PyTorch's error for the first singular matrix of ``x``, naming its zero pivot."""
    infos = _infos(x).reshape(-1)
    bad = np.flatnonzero(infos)
    k = int(bad[0]) if bad.size else 0
    info = int(infos[k]) if bad.size else x.shape[-1]  # (rounded to no zero pivot here: the last)
    return LinAlgError(
        f"{name}: {batch_prefix(x, k)}The diagonal element {info} is zero, the inversion could "
        "not be completed because the input matrix is singular.")


def _inverse(x: np.ndarray, name: str = "linalg.inv") -> np.ndarray:
    try:
        return np.linalg.inv(x)
    except np.linalg.LinAlgError:
        raise _singular(x, name) from None


def _inv_backward(out: np.ndarray) -> Any:
    # C = A^{-1}: dC = -C dA C, so dA = -C^T g C^T
    return lambda g: (-(mT(out) @ g @ mT(out)),)


def inv(A: Tensor) -> Tensor:
    r"""The inverse of a square matrix (or of each matrix of a batch).

    .. math:: A^{-1} A = I, \qquad \frac{\partial L}{\partial A} = -A^{-T}\, G\, A^{-T}

    Raises ``LinAlgError`` for a singular matrix, naming its zero pivot as LAPACK finds it.

    Shape:
        A: (*, n, n) float; the result has its shape.

    Example::

        >>> torch.linalg.inv(torch.tensor([[2., 0.], [0., 4.]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    return inverse_node(A, "linalg.inv")


def inverse_node(A: Tensor, name: str) -> Tensor:
    """``inv``'s node, its messages prefixed with ``name`` (``tensorinv`` says ``inv``)."""
    x = float_square(A, name)
    out = _inverse(x, name)
    return record(out, "LinalgInvExBackward0", (A,), _inv_backward(out), (OUT,))


def inv_ex(A: Tensor, *, check_errors: bool = False) -> tuple:
    """``inv`` that reports a singular matrix in ``info`` (LAPACK's index of its zero pivot, 0 when
    it is invertible) instead of raising, unless ``check_errors``. The inverse of a singular
    matrix is not meaningful (here: NaN).

    Shape:
        A: (*, n, n); inverse: (*, n, n), info: (*) int32.

    Example::

        >>> torch.linalg.inv_ex(torch.tensor([[1., 2.], [2., 4.]])).info
        tensor(2, dtype=torch.int32)
    """
    x = float_square(A, "linalg.inv")
    try:
        out = np.linalg.inv(x)
        info = np.zeros(x.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        if check_errors:
            raise _singular(x, "linalg.inv_ex") from None
        out, infos = np.full(batches(x).shape, np.nan, x.dtype), []
        for k, m in enumerate(batches(x)):  # matrix by matrix: NaN where singular
            try:
                out[k] = np.linalg.inv(m)
                infos.append(0)
            except np.linalg.LinAlgError:
                infos.append(lu_info(m) or m.shape[-1])
        out, info = out.reshape(x.shape), np.array(infos, np.int32).reshape(x.shape[:-2])
    back = _inv_backward(out)
    return inv_ex_result(*record_outputs([out, info], "LinalgInvExBackward0", (A,),
                                         lambda gs: back(gs[0]), [True, False], [0]))


def inverse(A: Tensor) -> Tensor:
    """``torch.inverse``: ``torch.linalg.inv``."""
    if not isinstance(A, Tensor):
        raise TypeError(f"inverse(): argument 'input' (position 1) must be Tensor, not {type(A).__name__}")
    return inv(A)


def _cofactors(x: np.ndarray, d: np.ndarray) -> np.ndarray:
    """d det(A) / dA = det(A) A^{-T} (the matrix of cofactors). Where det(A) is 0, PyTorch's
    gradient is 0 (its formula, det(A) A^{-T}, computed from the LU factors): so is this one."""
    cof = np.zeros_like(x)
    ok = d != 0
    if np.any(ok):
        cof[ok] = d[ok][..., None, None] * mT(np.linalg.inv(x[ok]))
    return cof


def det(A: Tensor) -> Tensor:
    r"""The determinant of a square matrix (or of each matrix of a batch).

    .. math:: \frac{\partial \det A}{\partial A} = \det(A)\, A^{-T} \quad\text{(Jacobi)}

    which is 0 where det(A) is 0 (as PyTorch's, though the cofactors of a matrix of rank n - 1
    are not).

    Shape:
        A: (*, n, n) float; the result: (*).

    Example::

        >>> torch.det(torch.tensor([[1., -1.], [2., 3.]]))
        tensor(5.)
    """
    x = float_square(A, "linalg.det", "lu_cpu")
    d = np.asarray(np.linalg.det(x), x.dtype)
    return record(d, "LinalgDetBackward0", (A,), lambda g: (np.asarray(g)[..., None, None] * _cofactors(x, d),),
                  (A, OUT))


def slogdet(A: Tensor) -> tuple:
    r"""The sign and the logarithm of the absolute value of the determinant:
    ``det A = sign * exp(logabsdet)``, without overflow for a large matrix.

    .. math:: \frac{\partial \log|\det A|}{\partial A} = A^{-T}

    Shape:
        A: (*, n, n) float; ``sign`` and ``logabsdet``: (*).

    Example::

        >>> torch.linalg.slogdet(torch.tensor([[2., 0.], [0., -3.]]))
        torch.return_types.linalg_slogdet(
        sign=tensor(-1.),
        logabsdet=tensor(1.7918))
    """
    x = float_square(A, "linalg.slogdet")
    sign, logabs = np.linalg.slogdet(x)
    sign, logabs = np.asarray(sign, x.dtype), np.asarray(logabs, x.dtype)

    def backward(grads: list) -> tuple:
        g = grads[1]  # the sign of a real matrix is piecewise constant
        if g is None:
            return (np.zeros_like(x),)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.asarray(g)[..., None, None] * mT(_inverse_or_inf(x)),)

    return slogdet_result(*record_outputs([sign, logabs], "LinalgSlogdetBackward0", (A,), backward,
                                                saved=[A]))


def _inverse_or_inf(x: np.ndarray) -> np.ndarray:
    """A^{-1}, or, for a singular matrix, the infinities PyTorch's LU solve gives (its gradient
    of ``logabsdet = -inf`` is not finite)."""
    try:
        return np.linalg.inv(x)
    except np.linalg.LinAlgError:
        return np.stack([np.linalg.inv(m) if np.linalg.matrix_rank(m) == m.shape[-1]
                         else np.full(m.shape, np.inf, m.dtype) for m in batches(x)]).reshape(x.shape)


def logdet(A: Tensor) -> Tensor:
    """The natural logarithm of the determinant: NaN where it is negative, -inf where it is 0
    (PyTorch's ``where`` on ``slogdet``'s sign); its gradient is A^{-T}.

    Shape:
        A: (*, n, n); the result: (*).

    Example::

        >>> torch.logdet(torch.tensor([[4., 0.], [0., 0.25]]))
        tensor(0.)
    """
    from .arith import where

    x = float_square(A, "logdet")
    sign, logabs = slogdet(A)
    return where(_make(sign._data < 0), _make(np.array(np.nan, x.dtype)), logabs)


def _solve_shapes(x: np.ndarray, b: np.ndarray, left: bool) -> tuple[bool, tuple]:
    """Whether ``B`` is a (batch of) vector(s), and the batch shape of the result."""
    vector = b.ndim == 1 or (b.ndim == x.ndim - 1 and b.shape == x.shape[:-1])
    # a vector is a column: n x 1
    rows = (b.shape[-1] if left else 1) if vector else (b.shape[-2] if left else b.shape[-1])
    if rows != x.shape[-1]:
        bshape = f"{b.shape[-1]}x1" if vector else f"{b.shape[-2]}x{b.shape[-1]}"
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {eq} "
                           f"({x.shape[-2]}x{x.shape[-1]} and {bshape})")
    if vector and not left:
        raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not supported "
                           "for left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)")
    bb = b.shape[:-1] if vector else b.shape[:-2]
    try:
        batch = np.broadcast_shapes(x.shape[:-2], bb)
    except ValueError:
        raise broadcast_error(bb, x.shape[:-2]) from None
    return vector, batch


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    r"""The solution X of the linear system ``A X = B`` (``X A = B`` if not ``left``).

    .. math:: X = A^{-1} B, \qquad \frac{\partial L}{\partial B} = A^{-T} G, \qquad
              \frac{\partial L}{\partial A} = -\frac{\partial L}{\partial B} X^T

    ``B`` is a (batch of) vector(s) when it has one dimension less than ``A`` and the same
    leading sizes; otherwise matrices. Batch dimensions broadcast.

    Shape:
        A: (*, n, n), B: (*, n, k) or (*, n); X has B's shape (after broadcasting).

    Example::

        >>> torch.linalg.solve(torch.tensor([[2., 0.], [0., 4.]]), torch.tensor([2., 2.]))
        tensor([1.0000, 0.5000])
    """
    x = check_float(A, "linalg.solve", kernel="lu_cpu")
    check_square(x, "linalg.solve")
    b = B._data
    if b.dtype != x.dtype:
        from .. import _dtype as dt
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{dt.scalar_name(x.dtype)} and B of type {dt.scalar_name(b.dtype)} instead")
    if b.ndim == 0:
        raise RuntimeError("linalg.solve: The input tensor B must have at least 2 dimensions.")
    vector, batch = _solve_shapes(x, b, left)
    a_ = x if left else mT(x)
    bm = b[..., None] if vector else (b if left else mT(b))
    a_b = np.broadcast_to(a_, batch + a_.shape[-2:])
    b_b = np.broadcast_to(bm, batch + bm.shape[-2:])
    try:
        out = np.linalg.solve(a_b, b_b)
    except np.linalg.LinAlgError:
        bad = np.flatnonzero(_infos(a_b).reshape(-1))
        k = int(bad[0]) if bad.size else 0  # (LAPACK's LU may round to no zero pivot: the first)
        raise LinAlgError(f"torch.linalg.solve: {batch_prefix(a_b, k)}The solver failed because the "
                          "input matrix is singular.") from None
    res = out[..., 0] if vector else (out if left else mT(out))

    def backward(g: np.ndarray) -> tuple:
        gm = g[..., None] if vector else (g if left else mT(g))
        gb = np.linalg.solve(mT(a_b), gm)  # A^{-T} g
        ga = -gb @ mT(out)
        if not left:
            ga = mT(ga)
        gb = gb[..., 0] if vector else (gb if left else mT(gb))
        return (unbroadcast(ga, x.shape) if A.requires_grad else None,
                unbroadcast(gb, b.shape) if B.requires_grad else None)

    return record(res, "LinalgSolveExBackward0", (A, B), backward, (A, OUT))


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False) -> tuple:
    """``solve`` with an ``info`` (0: solved). A singular matrix raises here too: NumPy's
    solver gives no partial result to return."""
    x = solve(A, B, left=left)
    return solve_ex_result(x, _make(np.zeros(A._data.shape[:-2], np.int32)))


def matrix_power(A: Tensor, n: int) -> Tensor:
    r"""The matrix A^n for an integer n: products of A by itself (by repeated squaring);
    ``n = 0`` gives the identity, a negative ``n`` the power of the inverse. Each product is a
    node of the graph, as in PyTorch.

    Shape:
        A: (*, m, m); the result has its shape.

    Example::

        >>> torch.linalg.matrix_power(torch.tensor([[1., 1.], [0., 1.]]), 3)
        tensor([[1., 3.],
                [0., 1.]])
    """
    from .linalg import matmul
    from .shape import clone

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not "
                        f"{type(n).__name__}")
    x = A._data
    check_matrix(x, "linalg.matrix_power")
    check_square(x, "linalg.matrix_power")
    if n == 0:
        eye = np.broadcast_to(np.eye(x.shape[-1], dtype=x.dtype), x.shape).copy()
        return record(eye, "torch::autograd::CopyBackwards", (A,), lambda g: (np.zeros_like(x),), ())
    if n < 0:
        A, n = inv(A), -n
        if n == 1:
            return A
    if n == 1:
        return clone(A)
    if n == 2:
        return matmul(A, A)
    if n == 3:
        return matmul(matmul(A, A), A)
    z = result = None
    while n > 0:  # the bits of n from the lowest: z runs through A, A^2, A^4...
        bit, n = n % 2, n // 2
        z = A if z is None else matmul(z, z)
        if bit:
            result = z if result is None else matmul(result, z)
    return result


old_slogdet_result = result_type("slogdet", "sign logabsdet")


def slogdet_old(A: Tensor) -> tuple:
    """``torch.slogdet``: ``linalg.slogdet`` as ``torch.return_types.slogdet``."""
    return old_slogdet_result(*slogdet(A))
