"""The ops on sparse COO tensors: products with dense matrices, sums, scaling.

Each works on the stored elements only (``nnz`` of them), never on a dense copy of the sparse
operand. The key kernel, :func:`_spmm`, computes ``S @ D`` as: each stored element
``S[i, j] = v`` adds ``v * D[j]`` to row ``i`` of the result; its transpose ``S^T @ G`` (the
gradient of ``D``) is the same kernel with the roles of ``i`` and ``j`` swapped. The order in
which it visits the elements is planned once per sparse tensor (:func:`_plan`).
Results, dtypes, layouts and ``grad_fn`` names are PyTorch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as dt
from ..ops._core import record
from ..tensor import Tensor, _make, _wrap_dim
from .coo import SparseTensor, _new, attach, coalesced

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
    from ..autograd.grad_mode import _state

    return _state.enabled


# ---------------------------------------------------------------------------- sums, scaling


def add_dense_sparse(d: Tensor, s: SparseTensor, alpha: Any = 1, name: str = "AddBackward0") -> Tensor:
    r"""Dense + alpha * sparse: a dense tensor (no broadcasting, as PyTorch). Backward: ``g``
    for the dense operand, ``alpha * g`` (dense) for the sparse one."""
    x = d._data
    if x.shape != tuple(s._sz):
        raise RuntimeError(
            f"add: expected 'self' and 'other' to have same size, but self has size {list(x.shape)} "
            f"while other has size {list(s._sz)} (FYI: dense-sparse addition does not currently "
            "support broadcasting)")
    npd = dt.promote_types(dt._FROM_NUMPY[x.dtype], s.dtype).np
    out = x.astype(npd, copy=True)
    np.add.at(out, tuple(s._ix), s._vx * alpha if alpha != 1 else s._vx)
    dd, sd = x.dtype, s._vx.dtype
    return record(out, name, (d, s), lambda g: (
        g.astype(dd, copy=False) if d._requires_grad else None,
        (g * alpha if alpha != 1 else g).astype(sd, copy=False) if s._requires_grad else None),
        saved=())


def add_sparse(a: SparseTensor, b: SparseTensor, alpha: Any = 1, name: str = "AddBackward0") -> SparseTensor:
    r"""Sparse + alpha * sparse: the two sets of stored elements side by side (coalesced when
    both operands are). Backward: ``g`` and ``alpha * g``."""
    if tuple(a._sz) != tuple(b._sz):
        raise RuntimeError(f"add: expected sizes of 'self' and 'other' to match, but "
                           f"{list(a._sz)} != {list(b._sz)}")
    npd = dt.promote_types(a.dtype, b.dtype).np
    bv = b._vx * alpha if alpha != 1 else b._vx
    if a._ix is b._ix:  # the same indices (``s + 3 * s``): the values added, as PyTorch does
        out = _new(a._ix, a._vx.astype(npd, copy=False) + bv.astype(npd, copy=False), a._sz, a._coal)
        return attach(out, name, (a, b), lambda g: (g, g * alpha if alpha != 1 else g))
    ix = np.concatenate([a._ix, b._ix], axis=1)
    vx = np.concatenate([a._vx.astype(npd, copy=False), bv.astype(npd, copy=False)])
    if a._coal and b._coal:
        ix, vx = coalesced(ix, vx, a._sz)
    out = _new(ix, vx, a._sz, a._coal and b._coal)
    return attach(out, name, (a, b),
                  lambda g: (g, g * alpha if alpha != 1 else g))


def add(a: Any, b: Any, *, alpha: Any = 1, _name: str = "AddBackward0") -> Tensor:
    """``torch.add`` with a sparse operand: dense + sparse is dense, sparse + sparse sparse;
    sparse + dense raises PyTorch's error."""
    sa, sb = isinstance(a, SparseTensor), isinstance(b, SparseTensor)
    if sa and sb:
        return add_sparse(a, b, alpha, _name)
    if sb and isinstance(a, Tensor):
        return add_dense_sparse(a, b, alpha, _name)
    if isinstance(b if sa else a, (Tensor, int, float, bool, np.generic)):  # a number too
        raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
    raise TypeError(f"add(): a sparse tensor and a {type(b if sa else a).__name__} cannot be added")


def sub(a: Any, b: Any, *, alpha: Any = 1) -> Tensor:
    """``a - alpha * b`` with a sparse operand (the rules of :func:`add`)."""
    return add(a, b, alpha=-alpha, _name="SubBackward0")


def _number(c: Any) -> Any:
    """``c`` as a number when it is one (or a 0-d dense tensor without gradient), else None."""
    if isinstance(c, (int, float, bool, np.generic)):
        return c
    if isinstance(c, Tensor) and not isinstance(c, SparseTensor) and c.dim() == 0 and not c.requires_grad:
        return c.item()
    return None


def mul_scalar(s: SparseTensor, c: Any, name: str = "MulBackward0") -> SparseTensor:
    r"""Sparse tensor times a number (or a 0-d tensor): the values scaled, ``dL/ds = c g``.
    The dtype follows PyTorch's promotion (an int64 tensor times 2.5 is float32)."""
    npd = dt.result_type(_make(np.zeros(1, s._vx.dtype)), c).np
    c = _number(c)
    out = _new(s._ix, (s._vx * c).astype(npd, copy=False), s._sz, s._coal)
    src = s._vx.dtype
    return attach(out, name, (s, None), lambda g: (_scaled(g, c, src), None))


def _scaled(g: Any, c: Any, npd: np.dtype) -> Any:
    if isinstance(g, SparseTensor):
        return _new(g._ix, (g._vx * c).astype(npd, copy=False), g._sz, g._coal)
    return (g * c).astype(npd, copy=False)


def mul_dense(s: SparseTensor, d: Tensor) -> SparseTensor:
    r"""Sparse tensor times dense tensor (which broadcasts to the sparse one's shape): a sparse
    tensor with the same indices, ``values * d[indices]``.

    .. math::
        \frac{\partial L}{\partial s} = g \odot d, \qquad \frac{\partial L}{\partial d} = g \odot s
        \text{ (sparse, on the stored positions)}
    """
    x = d._data
    sz = tuple(s._sz)
    try:
        full = np.broadcast_to(x, sz)
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({sz[-1]}) must match the size of tensor b "
                           f"({x.shape[-1]}) at non-singleton dimension {len(sz) - 1}") from None
    if s.dense_dim():
        raise RuntimeError("flambeau: a sparse tensor with dense dimensions times a dense tensor "
                           "is not supported (call .to_dense() first)")
    if d.requires_grad and x.shape != sz and _grad_enabled():
        raise RuntimeError("flambeau: the gradient of a dense operand broadcast against a sparse "
                           "tensor is not supported")
    npd = dt.promote_types(s.dtype, dt._FROM_NUMPY[x.dtype]).np
    ix = s._ix
    at = full[tuple(ix)]
    out = _new(ix, (s._vx * at).astype(npd, copy=False), sz, s._coal)
    sv, sd, xd = s._vx, s._vx.dtype, x.dtype
    cix = coalesced(ix, np.zeros(ix.shape[1]), sz)[0] if s._requires_grad else None

    def backward(g: Any) -> tuple:
        from .coo import gather

        gs = None
        if s._requires_grad:  # g * d: dense for a dense g (as PyTorch), else on the stored positions
            gs = (g * full).astype(sd, copy=False) if not isinstance(g, SparseTensor) else \
                _new(cix, (gather(g, cix, sz) * full[tuple(cix)]).astype(sd, copy=False), sz, True)
        gd = _new(ix, (gather(g, ix, sz) * sv).astype(xd, copy=False), sz, s._coal) \
            if d._requires_grad else None
        return gs, gd

    return attach(out, "MulBackward0", (s, d), backward)


def mul(a: Any, b: Any) -> Tensor:
    """``torch.mul`` with a sparse operand: times a number or a dense tensor (sparse results);
    sparse times sparse is not supported by flambeau."""
    s, c = (a, b) if isinstance(a, SparseTensor) else (b, a)
    if _number(c) is not None:
        return mul_scalar(s, c)
    if isinstance(c, Tensor) and not isinstance(c, SparseTensor):
        return mul_dense(s, c)
    raise NotImplementedError(
        "Could not run 'aten::mul.out' with arguments from the 'SparseCPU' backend in flambeau: "
        "sparse * sparse is not supported (call .to_dense() on one of them)")


def div(s: SparseTensor, c: Any) -> SparseTensor:
    """A sparse tensor divided by a number (true division: a float result)."""
    if not isinstance(s, SparseTensor):
        raise NotImplementedError(
            "Could not run 'aten::div.out' with arguments from the 'SparseCPU' backend in flambeau: "
            "a sparse divisor (call .to_dense() first)")
    if _number(c) is None:
        shape = list(c.shape) if isinstance(c, Tensor) else []
        raise RuntimeError(f"Sparse division requires a scalar or zero-dim dense tensor divisor (got "
                           f"shape {shape} for divisor)")
    c = _number(c)
    npd = s._vx.dtype if s._vx.dtype.kind == "f" else dt.get_default_dtype().np
    out = _new(s._ix, (s._vx / c).astype(npd, copy=False), s._sz, s._coal)
    src = s._vx.dtype
    return attach(out, "DivBackward0", (s, None), lambda g: (_scaled(g, 1 / c, src), None))


def neg(s: SparseTensor) -> SparseTensor:
    """``-s``: the values negated."""
    return mul_scalar(s, -1, "NegBackward0")


def _sum_dtype(npd: np.dtype) -> np.dtype:
    return np.dtype(np.int64) if npd.kind in "biu" else npd


def sparse_sum(s: SparseTensor, dim: Any = None, dtype: Any = None) -> Tensor:
    r"""``torch.sparse.sum``: the sum of the stored values; with ``dim``, along those
    dimensions: a sparse tensor while sparse dimensions remain, else dense.

    Backward: ``g`` at the input's stored positions (a sparse gradient, coalesced).

    Example::

        >>> s = flambeau.tensor([[0., 2.], [3., 4.]]).to_sparse()
        >>> flambeau.sparse.sum(s, dim=1).to_dense()
        tensor([2., 7.])
    """
    npd = _sum_dtype(s._vx.dtype) if dtype is None else dt.to_dtype(dtype).np
    sz, sd = s._sz, s.sparse_dim()
    dims = tuple(range(len(sz))) if dim is None else \
        tuple(sorted({_wrap_dim(d, len(sz)) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))}))
    cix = coalesced(s._ix, np.zeros(s._nnz()), sz)[0] if s._requires_grad else None
    src = s._vx.dtype
    out_sz = tuple(n for i, n in enumerate(sz) if i not in dims)

    def grad_at_stored(gv: np.ndarray) -> SparseTensor:  # gv: one gradient value per stored element
        return _new(cix, gv.astype(src, copy=False), sz, True)

    vals = s._vx.astype(npd, copy=False)
    dense_axes = tuple(1 + d - sd for d in dims if d >= sd)
    if dense_axes:
        vals = vals.sum(axis=dense_axes)
    keep = [d for d in range(sd) if d not in dims]
    if dim is None or not keep:  # every sparse dimension summed: a dense result
        out = vals.sum(axis=0)

        def backward(g: np.ndarray) -> tuple:
            gv = np.broadcast_to(np.expand_dims(g, 0), (cix.shape[1],) + g.shape)
            gv = np.expand_dims(gv, tuple(1 + d - sd for d in dims if d >= sd)) if dense_axes else gv
            return (grad_at_stored(np.broadcast_to(gv, (cix.shape[1],) + tuple(sz[sd:])).copy()),)

        return record(np.asarray(out, npd), "SumBackward0" if dim is None else "SparseSumBackward0",
                      (s,), backward, saved=())
    ix, vx = coalesced(s._ix[keep], vals, tuple(sz[d] for d in keep))
    out = _new(ix, vx, out_sz, True)

    def backward_sparse(g: Any) -> tuple:
        from .coo import gather

        if not isinstance(g, SparseTensor):  # PyTorch's kernel takes a sparse gradient only
            raise RuntimeError("_sparse_sum_backward_cpu: expected grad_ Tensor to be sparse, but got dense")

        gk = gather(g, cix[keep], tuple(sz[d] for d in keep) + tuple(out_sz[len(keep):]))
        if dense_axes:
            gk = np.broadcast_to(np.expand_dims(gk, dense_axes), (gk.shape[0],) + tuple(sz[sd:])).copy()
        return (grad_at_stored(gk),)

    return attach(out, "SparseSumBackward0", (s,), backward_sparse)


def sum(a: SparseTensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A001
    """``torch.sum`` / ``Tensor.sum`` on a sparse tensor: all of it is a dense 0-d tensor whose
    gradient is dense (PyTorch's ``SumBackward0``); along ``dim`` it is :func:`sparse_sum`."""
    s = a
    if keepdim:
        raise RuntimeError("flambeau: sum(keepdim=True) of a sparse tensor is not supported")
    if dim is not None:  # PyTorch's SumBackward1 expands the gradient: refused for sparse
        from ..autograd.grad_mode import no_grad

        with no_grad():
            out = sparse_sum(s, dim, dtype)
        return attach(out, "SumBackward1", (s,), _expand_refused) if isinstance(out, SparseTensor) else \
            record(out._data, "SumBackward1", (s,), _expand_refused, saved=())
    npd = _sum_dtype(s._vx.dtype) if dtype is None else dt.to_dtype(dtype).np
    out = np.asarray(s._vx.astype(npd, copy=False).sum(), npd)
    sz, src = s._sz, s._vx.dtype
    return record(out, "SumBackward0", (s,), lambda g: (np.full(sz, g, src),), saved=())


def _expand_refused(g: Any) -> tuple:
    raise RuntimeError("expand is unsupported for Sparse tensors")


def t(s: SparseTensor) -> SparseTensor:
    """The transpose of a sparse matrix: its two rows of indices swapped."""
    if s.sparse_dim() != 2 or s.dense_dim() != 0:
        raise RuntimeError(f"t() expects a tensor with <= 2 sparse and 0 dense dimensions, but got "
                           f"{s.sparse_dim()} sparse and {s.dense_dim()} dense dimensions")
    out = _new(s._ix[::-1].copy(), s._vx, s._sz[::-1], False)
    return attach(out, "TBackward0", (s,), lambda g: (t(g) if isinstance(g, SparseTensor) else g.T,))
