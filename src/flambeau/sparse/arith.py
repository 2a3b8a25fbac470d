"""Sums and scalings of sparse COO tensors: dense + sparse, sparse + sparse, sparse times a
number or a dense tensor, division by a number, ``sum`` and ``sparse.sum``, the transpose.

Each works on the stored elements only; results, dtypes, layouts and ``grad_fn`` names are
PyTorch's (a gradient may be sparse, or dense, where PyTorch's is).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as dt
from ..autograd.grad_mode import _state as _grad_state
from ..ops._core import record
from ..tensor import Tensor, _make, _wrap_dim
from .coo import SparseTensor, _new, attach, coalesced, gather


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
    if d.requires_grad and x.shape != sz and _grad_state.enabled:
        raise RuntimeError("flambeau: the gradient of a dense operand broadcast against a sparse "
                           "tensor is not supported")
    npd = dt.promote_types(s.dtype, dt._FROM_NUMPY[x.dtype]).np
    ix = s._ix
    at = full[tuple(ix)]
    out = _new(ix, (s._vx * at).astype(npd, copy=False), sz, s._coal)
    sv, sd, xd = s._vx, s._vx.dtype, x.dtype
    cix = coalesced(ix, np.zeros(ix.shape[1]), sz)[0] if s._requires_grad else None

    def backward(g: Any) -> tuple:
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
