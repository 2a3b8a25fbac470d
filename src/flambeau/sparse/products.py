"""Products of sparse COO tensors: sparse @ dense and its gradients, dense @ sparse,
sparse @ sparse (``torch.mm``, ``spmm``, ``sparse.mm``, ``matmul``, ``mv``).

Each works on the stored elements only (``nnz`` of them), never on a dense copy of the sparse
operand. The key kernel, :func:`_spmm`, computes ``S @ D`` as: each stored element
``S[i, j] = v`` adds ``v * D[j]`` to row ``i`` of the result; its transpose ``S^T @ G`` (the
gradient of ``D``) is the same kernel with the roles of ``i`` and ``j`` swapped. The order in
which it visits the elements is planned once per sparse tensor (:func:`_plan`).
Results, dtypes, layouts and ``grad_fn`` names are PyTorch's.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from ..autograd.grad_mode import _state as _grad_state
from ..ops._core import record
from ..tensor import Tensor
from .coo import SparseTensor, _new, coalesced

# ---------------------------------------------------------------------------- the kernel


def _plan(s: SparseTensor, transpose: bool) -> tuple:
    """How ``S @ D`` (or ``S^T @ D``) gathers and sums, made once per sparse tensor and kept (its
    indices and values never change): the stored elements ordered by output row, the rows that
    receive something, where each one's elements start, and their columns and values."""
    plans = s._plans
    if plans is None:
        plans = s._plans = {}
    plan = plans.get(transpose)
    if plan is None:
        rows, cols = s._ix[::-1] if transpose else s._ix
        vals = s._vx
        if transpose or not s._coal:
            order = np.argsort(rows, kind="stable")
            rows, cols, vals = rows[order], cols[order], vals[order]
        starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1]))) if rows.size else rows
        plan = plans[transpose] = (rows[starts], starts, cols, vals)
    return plan


def _spmm(s: SparseTensor, d: np.ndarray, transpose: bool = False) -> np.ndarray:
    """``S @ d`` (``S^T @ d`` with ``transpose``): each stored ``S[i, j] = v`` adds ``v d[j]``
    to row ``i``: a gather, a product, and a sum per row."""
    out_rows, starts, cols, vals = _plan(s, transpose)
    n = s._sz[1 if transpose else 0]
    out = np.zeros((n,) + d.shape[1:], np.result_type(vals, d))
    if cols.size:
        contrib = d[cols] * (vals[:, None] if d.ndim == 2 else vals)
        out[out_rows] = np.add.reduceat(contrib, starts, axis=0)
    return out


# ---------------------------------------------------------------------------- products


def _check_dtypes(expected: np.dtype, found: np.dtype) -> None:
    if expected != found:
        raise RuntimeError(f"expected scalar type {dt.scalar_name(expected)} but found "
                           f"{dt.scalar_name(found)}")


def _check_sparse_matrix(s: SparseTensor) -> None:
    if s.dense_dim() != 0:
        raise RuntimeError(f"addmm: scalar values expected, got {s.dense_dim()}D values")
    if s.sparse_dim() != 2:
        raise RuntimeError(f"addmm: matrices expected, got {s.sparse_dim()}D tensor")


def sparse_dense(s: SparseTensor, b: Tensor, name: str = "MmBackward0", sparse_grad: bool = False) -> Tensor:
    r"""Sparse matrix times dense matrix (or vector): a dense result.

    .. math::
        C = S D, \qquad \frac{\partial L}{\partial D} = S^\top G, \qquad
        \frac{\partial L}{\partial S} = G D^\top

    ``dL/dS`` is dense for ``mm``/``matmul`` (PyTorch's ``MmBackward0``), sparse on the stored
    positions for ``flambeau.sparse.mm`` (``sparse_grad=True``: ``SparseAddmmBackward0``).
    """
    _check_sparse_matrix(s)
    d = b._data
    if d.ndim not in (1, 2) or (d.ndim == 1 and name != "MvBackward0"):
        raise RuntimeError(f"addmm: matrices expected, got {d.ndim}D tensor")
    n, k = s._sz
    if d.shape[0] != k:
        raise RuntimeError(f"addmm: Argument #3 (dense): Expected dim 0 size {k}, got {d.shape[0]}")
    _check_dtypes(s._vx.dtype, d.dtype)
    out = _spmm(s, d)

    def backward(g: np.ndarray) -> tuple:
        gs = None
        if s._requires_grad:
            if sparse_grad:  # the gradient at the stored positions only: <G[i], D[j]>
                cix = coalesced(s._ix, s._vx, s._sz)[0]
                r, c = cix
                gv = np.einsum("ij,ij->i", g[r], d[c]) if d.ndim == 2 else g[r] * d[c]
                gs = _new(cix, gv, s._sz, False)  # (not flagged coalesced, as PyTorch's)
            else:
                gs = np.outer(g, d) if d.ndim == 1 else g @ d.T
        gd = _spmm(s, g, transpose=True) if b._requires_grad else None
        return gs, gd

    return record(out, name, (s, b), backward, saved=(b,) if s._requires_grad else ())


def dense_sparse(a: Tensor, s: SparseTensor) -> Tensor:
    r"""Dense matrix times sparse matrix: a dense result, :math:`C = A S = (S^\top A^\top)^\top`.

    .. math::
        \frac{\partial L}{\partial A} = G S^\top, \qquad \frac{\partial L}{\partial S} = A^\top G
    """
    _check_sparse_matrix(s)
    x = a._data
    if x.ndim != 2:
        raise RuntimeError(f"addmm: matrices expected, got {x.ndim}D tensor")
    n, k = s._sz
    if x.shape[1] != n:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({x.shape[0]}x{x.shape[1]} "
                           f"and {n}x{k})")
    _check_dtypes(s._vx.dtype, x.dtype)
    out = _spmm(s, x.T, transpose=True).T  # (S^T A^T)^T

    def backward(g: np.ndarray) -> tuple:
        ga = _spmm(s, g.T).T if a._requires_grad else None
        return ga, (x.T @ g if s._requires_grad else None)

    return record(np.ascontiguousarray(out), "MmBackward0", (a, s), backward,
                  saved=(a,) if s._requires_grad else ())


def sparse_sparse(a: SparseTensor, b: SparseTensor) -> SparseTensor:
    r"""Sparse matrix times sparse matrix: a sparse (coalesced) result. Each stored
    ``A[i, j]`` meets the stored ``B[j, l]`` of row ``j`` of ``B``: ``C[i, l] += A[i, j] B[j, l]``.
    No gradient (flambeau refuses it)."""
    _check_sparse_matrix(a)
    _check_sparse_matrix(b)
    (n, k), (k2, p) = a._sz, b._sz
    if k != k2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{p})")
    _check_dtypes(a._vx.dtype, b._vx.dtype)
    if (a._requires_grad or b._requires_grad) and _grad_enabled():
        raise RuntimeError("flambeau: the gradient of a sparse @ sparse product is not supported; "
                           "multiply under flambeau.no_grad() or make one operand dense")
    bix, bvx = coalesced(b._ix, b._vx, b._sz)
    brow = bix[0]
    first = np.searchsorted(brow, np.arange(k + 1))  # row j of B: entries first[j]:first[j+1]
    arow, acol = a._ix
    count = first[acol + 1] - first[acol]
    ka = np.repeat(np.arange(acol.size), count)
    # the position in B of each pair: the start of its row, plus its rank within the row
    offset = np.arange(ka.size) - np.repeat(np.cumsum(count) - count, count)
    kb = first[acol][ka] + offset
    ix = np.stack([arow[ka], bix[1][kb]]).astype(np.int64).reshape(2, -1)
    cix, cvx = coalesced(ix, a._vx[ka] * bvx[kb], (n, p))
    return _new(cix, cvx, (n, p), True)


def mm(a: Tensor, b: Tensor) -> Tensor:
    """``torch.mm`` / ``torch.spmm`` / ``a @ b`` with a sparse operand: sparse @ dense and
    dense @ sparse give a dense matrix, sparse @ sparse a sparse one."""
    sa, sb = isinstance(a, SparseTensor), isinstance(b, SparseTensor)
    if sa and sb:
        return sparse_sparse(a, b)
    if sa:
        return sparse_dense(a, b)
    return dense_sparse(a, b)


def mv(a: Tensor, v: Tensor) -> Tensor:
    """Sparse matrix times dense vector: a dense vector."""
    if v.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {a.dim()}, {v.dim()}")
    return sparse_dense(a, v, "MvBackward0")


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` with a sparse operand: :func:`mm`, or sparse matrix @ dense vector (``mv``)."""
    if isinstance(a, SparseTensor) and not isinstance(b, SparseTensor) and b.dim() == 1:
        return sparse_dense(a, b, "MvBackward0")
    return mm(a, b)


def sparse_mm(s: Tensor, b: Tensor) -> Tensor:
    r"""``torch.sparse.mm``: sparse @ dense (a dense result) whose gradient for the sparse
    operand is sparse (on its stored positions); sparse @ sparse is sparse.

    .. math::
        C = S D, \qquad \frac{\partial L}{\partial S_{ij}} = \langle G_i, D_j \rangle
        \text{ at the stored } (i, j)

    Shape:
        - s: :math:`(n, k)` sparse, b: :math:`(k, p)`, result: :math:`(n, p)`.

    Example::

        >>> s = flambeau.eye(2).to_sparse()
        >>> flambeau.sparse.mm(s, flambeau.ones(2, 3)).shape
        torch.Size([2, 3])
    """
    if isinstance(s, SparseTensor) and not isinstance(b, SparseTensor):
        return sparse_dense(s, b, "SparseAddmmBackward0", sparse_grad=True)
    return mm(s, b)


def _grad_enabled() -> bool:
    return _grad_state.enabled
