"""The singular value decomposition A = U diag(S) V^T and what is built on it: ``svd``,
``svdvals``, the pseudo-inverse ``pinv``, ``matrix_rank`` and least squares ``lstsq``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import OUT, Tensor, _make, needs_grad, record
from .linalg_common import (
    check_float,
    check_matrix,
    mT,
    record_outputs,
    result_type,
)

svd_result = result_type("linalg_svd", "U S Vh")
old_svd_result = result_type("svd", "U S V")
lstsq_result = result_type("linalg_lstsq", "solution residuals rank singular_values")


def _svd_backward(u: np.ndarray, s: np.ndarray, vh: np.ndarray, gu: Any, gs: Any, gvh: Any) -> np.ndarray:
    """The gradient of A from those of its reduced SVD (k = min(m, n) singular values):
    gA = U [(skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS)] V^T + the parts of gU, gV outside
    the spans of U, V, where E_jk = S_k^2 - S_j^2. Repeated singular values make it infinite."""
    m, n, k = u.shape[-2], vh.shape[-1], s.shape[-1]
    if gu is None and gvh is None:
        return (u * gs[..., None, :]) @ vh
    v = mT(vh)
    gv = None if gvh is None else mT(gvh)
    inner = np.zeros(s.shape + (k,), s.dtype)
    if gu is not None:
        ug = mT(u) @ gu
        inner = inner + (ug - mT(ug)) * s[..., None, :]
    if gv is not None:
        vg = mT(v) @ gv
        inner = inner + s[..., :, None] * (vg - mT(vg))
    e = s[..., None, :] ** 2 - s[..., :, None] ** 2
    idx = np.arange(k)
    e[..., idx, idx] = 1
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = inner / e
        if gs is not None:
            inner[..., idx, idx] += gs
        if m > n and gu is not None:  # the part of gU outside U's columns
            ga = u @ inner
            gus = gu / s[..., None, :]
            ga = ga + gus - u @ (mT(u) @ gus)
            return ga @ vh
        if m < n and gv is not None:  # the part of gV outside V's columns
            ga = inner @ vh
            gvs = mT(gv / s[..., None, :])
            ga = ga + gvs - (gvs @ v) @ vh
            return u @ ga
        return u @ inner @ vh


def _svd_input(A: Tensor, driver: Any) -> np.ndarray:
    x = check_float(A, "linalg.svd", kernel="linalg_svd_cpu")
    check_matrix(x, "linalg.svd")
    if driver is not None:
        raise RuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs "
                           "with cuSOLVER backend.")
    return x


def svd(A: Tensor, full_matrices: bool = True, *, driver: Any = None) -> tuple:
    r"""The singular value decomposition :math:`A = U \operatorname{diag}(S) V^H`: U and V with
    orthonormal columns, S descending and non-negative. ``full_matrices``: U is m x m and Vh
    n x n (else m x k and k x n, k = min(m, n)). A singular vector is defined up to its sign:
    a loss should not depend on it; repeated singular values make the gradient of U and Vh
    infinite, as in PyTorch.

    Shape:
        A: (*, m, n); U: (*, m, m or k), S: (*, k), Vh: (*, n or k, n).

    Example::

        >>> torch.linalg.svd(torch.tensor([[3., 0.], [0., 4.]])).S
        tensor([4., 3.])
    """
    x = _svd_input(A, driver)
    u, s, vh = np.linalg.svd(x, full_matrices=full_matrices)
    k = s.shape[-1]

    def backward(grads: list) -> tuple:
        gu, gs, gvh = grads
        ur, vr = u[..., :k], vh[..., :k, :]
        gu = None if gu is None else gu[..., :k]
        gvh = None if gvh is None else gvh[..., :k, :]
        return (_svd_backward(ur, s, vr, gu, gs, gvh),)

    return svd_result(*record_outputs([u, s, vh], "LinalgSvdBackward0", (A,), backward, saved=[0, 1, 2]))


def svdvals(A: Tensor, *, driver: Any = None) -> Tensor:
    """The singular values of A, descending; their gradient is U diag(g) V^T.

    Shape:
        A: (*, m, n); the result: (*, min(m, n)).

    Example::

        >>> torch.linalg.svdvals(torch.tensor([[0., 2.], [3., 0.]]))
        tensor([3., 2.])
    """
    x = _svd_input(A, driver)
    if not needs_grad(A):  # the values alone: a third of the time of the whole SVD
        return _make(np.linalg.svd(x, compute_uv=False))
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    return record(s, "LinalgSvdBackward0", (A,), lambda g: ((u * g[..., None, :]) @ vh,), ())


def svd_old(A: Tensor, some: bool = True, compute_uv: bool = True) -> tuple:
    """``torch.svd`` (the old API): ``(U, S, V)`` with V, not V^T; ``some`` is the opposite of
    ``full_matrices``; without ``compute_uv``, U and V are zeros (m x m, n x n)."""
    from .shape import transpose

    if not compute_uv:
        x = A._data
        s = svdvals(A)
        m, n = x.shape[-2:]
        return old_svd_result(_make(np.zeros(x.shape[:-2] + (m, m), x.dtype)), s,
                              _make(np.zeros(x.shape[:-2] + (n, n), x.dtype)))
    u, s, vh = svd(A, full_matrices=not some)
    return old_svd_result(u, s, transpose(vh, -2, -1))


# ---------------------------------------------------------------- pseudo-inverse and rank
def _tolerance(s: np.ndarray, shape: tuple, atol: Any, rtol: Any) -> np.ndarray:
    """PyTorch's threshold on the singular values: max(atol, rtol * S_max); rtol defaults to
    eps * max(m, n) when atol is not given (or is 0), to 0 otherwise."""
    atol_v = 0.0 if atol is None else (atol._data if isinstance(atol, Tensor) else atol)
    if rtol is None:
        rtol_v = np.finfo(s.dtype).eps * max(shape[-2:]) if atol is None or np.all(np.asarray(atol_v) <= 0) \
            else 0.0
    else:
        rtol_v = rtol._data if isinstance(rtol, Tensor) else rtol
    smax = s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)
    return np.maximum(np.asarray(atol_v)[..., None] if np.ndim(atol_v) else atol_v,
                      (np.asarray(rtol_v)[..., None] if np.ndim(rtol_v) else rtol_v) * smax)


def _pinv_backward(x: np.ndarray, p: np.ndarray) -> Any:
    # dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P, so
    # gA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)
    def backward(g: np.ndarray) -> tuple:
        pt, gt = mT(p), mT(g)
        ap, pa = x @ p, p @ x
        ga = -(pt @ g @ pt) + (gt @ p @ pt - ap @ (gt @ p @ pt)) + (pt @ p @ gt - (pt @ p @ gt) @ pa)
        return (ga,)
    return backward


def pinv(A: Tensor, rcond: Any = None, hermitian: bool = False, *, atol: Any = None, rtol: Any = None) -> Tensor:
    r"""The Moore-Penrose pseudo-inverse: :math:`A^+ = V \operatorname{diag}(1/S) U^T` over the
    singular values above max(atol, rtol * S_max) (``rcond``, the old name of ``rtol``).

    Shape:
        A: (*, m, n); the result: (*, n, m).

    Example::

        >>> torch.linalg.pinv(torch.tensor([[2., 0.], [0., 0.]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.0000]])
    """
    x = A._data if isinstance(A, Tensor) else None
    if x is None or x.ndim < 2 or x.dtype.kind != "f" or x.dtype.itemsize < 4:
        from .. import _dtype as dt
        shown = f"{dt.scalar_name(x.dtype)}{{{list(x.shape)}}}" if x is not None else type(A).__name__
        raise RuntimeError(f"linalg.pinv({shown}): expected a tensor with 2 or more dimensions of float, "
                           "double, cfloat or cdouble types")
    if rcond is not None:
        rtol = rcond
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    keep = s > _tolerance(s, x.shape, atol, rtol)
    with np.errstate(divide="ignore"):
        inv_s = np.where(keep, 1 / np.where(keep, s, 1), 0).astype(x.dtype)
    p = (mT(vh) * inv_s[..., None, :]) @ mT(u)
    return record(p, "LinalgPinvBackward0", (A,), _pinv_backward(x, p), (A, OUT))


def pinverse(A: Tensor, rcond: float = 1e-15) -> Tensor:
    """``torch.pinverse``: ``linalg.pinv`` with ``rtol=rcond``."""
    return pinv(A, rtol=rcond)


def matrix_rank(A: Tensor, tol: Any = None, hermitian: bool = False, *, atol: Any = None,
                rtol: Any = None) -> Tensor:
    """The number of singular values above max(atol, rtol * S_max) (``tol``: the old name of
    ``atol``, with ``rtol`` 0). An int64 tensor; not differentiable.

    Shape:
        A: (*, m, n); the result: (*).

    Example::

        >>> torch.linalg.matrix_rank(torch.tensor([[1., 2.], [2., 4.]]))
        tensor(1)
    """
    x = A._data
    if x.dtype.kind != "f" or x.dtype.itemsize < 4:
        raise RuntimeError("This function doesn't handle types other than float and double")
    check_matrix(x, "torch.linalg.matrix_rank", "input")
    if tol is not None:
        atol, rtol = tol, 0.0
    s = np.abs(np.linalg.eigvalsh(x)[..., ::-1]) if hermitian else np.linalg.svd(x, compute_uv=False)
    if hermitian:
        s = -np.sort(-s, axis=-1)
    return _make(np.sum(s > _tolerance(s, x.shape, atol, rtol), axis=-1).astype(np.int64))


# ---------------------------------------------------------------- least squares
_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A: Tensor, B: Tensor, rcond: Any = None, *, driver: str | None = None) -> tuple:
    r"""The least-squares solution of ``A X = B``: :math:`X = \arg\min \|AX - B\|_F`, the one of
    smallest norm if A is rank deficient (X = A^+ B). ``residuals``: the squared residuals per
    column, given when m > n, A has full rank, and the driver is not ``'gelsy'``; ``rank``
    (not for ``'gels'``) and ``singular_values`` (``'gelsd'``, ``'gelss'``) as in PyTorch.

    Shape:
        A: (*, m, n), B: (*, m, k) or (*, m); solution: (*, n, k) or (*, n).

    Example::

        >>> torch.linalg.lstsq(torch.tensor([[1., 0.], [0., 1.], [0., 0.]]), torch.tensor([1., 2., 3.])).solution
        tensor([1., 2.])
    """
    x, b = A._data, B._data
    for v in (x, b):
        if v.dtype.kind != "f" or v.dtype.itemsize < 4:
            raise RuntimeError("This function doesn't handle types other than float and double")
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    if x.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    vector = b.ndim == x.ndim - 1
    bm = b[..., None] if vector else b
    if bm.shape[-2] != x.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    batch = np.broadcast_shapes(x.shape[:-2], bm.shape[:-2])
    xb = np.broadcast_to(x, batch + x.shape[-2:])
    bb = np.broadcast_to(bm, batch + bm.shape[-2:])
    m, n = x.shape[-2:]
    u, s, vh = np.linalg.svd(xb, full_matrices=False)
    rtol = np.finfo(x.dtype).eps * max(m, n) if rcond is None or rcond < 0 else rcond
    keep = s > rtol * (s[..., :1] if s.shape[-1] else 0)
    inv_s = np.where(keep, 1 / np.where(keep, s, 1), 0).astype(x.dtype)
    p = (mT(vh) * inv_s[..., None, :]) @ mT(u)
    sol = p @ bb
    rank = np.sum(keep, axis=-1).astype(np.int64)
    full = bool(np.all(rank == n))
    resid_m = bb - xb @ sol
    residuals = np.sum(resid_m ** 2, axis=-2) if (m > n and full and driver != "gelsy") \
        else np.zeros(0, x.dtype)
    rank_out = rank if driver != "gels" else np.zeros(0, np.int64)
    sv = s if driver in ("gelsd", "gelss") else np.zeros(0, x.dtype)
    has_res = residuals.size > 0

    def backward(grads: list) -> tuple:
        gx, gr = grads[0], grads[1] if has_res else None
        gsol = np.zeros_like(sol) if gx is None else (gx[..., None] if vector else gx)
        ga = _pinv_backward(xb, p)(gsol @ mT(bb))[0]
        gb = mT(p) @ gsol
        if gr is not None:  # r = |B - AX|^2 per column, at the optimum: dB = 2 (B - AX), dA = -dB X^T
            w = 2 * resid_m * gr[..., None, :]
            gb, ga = gb + w, ga - w @ mT(sol)
        from ._core import unbroadcast
        gb = gb[..., 0] if vector else gb
        return (unbroadcast(ga, x.shape) if A.requires_grad else None,
                unbroadcast(gb, b.shape) if B.requires_grad else None)

    outs = record_outputs([sol[..., 0] if vector else sol, residuals, rank_out, sv], "LinalgLstsqBackward0",
                          (A, B), backward, [True, True, False, False], [A, B, 0])
    return lstsq_result(*outs)
