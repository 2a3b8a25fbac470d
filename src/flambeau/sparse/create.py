"""Making sparse tensors: :func:`sparse_coo_tensor` from indices and values, and
``dense.to_sparse()``, with their gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as dt
from .._layout import sparse_coo
from ..tensor import Tensor
from .coo import SparseTensor, _new, attach, gather


def _as_array(x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return x._data
    return np.asarray(x)


def sparse_coo_tensor(indices: Any, values: Any, size: Any = None, *, dtype: Any = None,
                      device: Any = None, pin_memory: bool = False, requires_grad: bool = False,
                      check_invariants: bool | None = None, is_coalesced: bool | None = None) -> SparseTensor:
    r"""Construct a sparse tensor in COO format: ``values[k]`` at position ``indices[:, k]``.

    .. math::
        \text{dense}[i_0, \dots, i_{d-1}] = \sum_{k:\ \text{indices}[:, k] = (i_0, \dots)} \text{values}[k]

    Args:
        indices: ``(sparse_dim, nnz)`` integer array-like (converted to int64).
        values: ``(nnz, *dense dims)`` array-like; a repeated index sums its values.
        size: the shape; by default the largest index plus one along each sparse dimension,
            then the values' trailing dimensions.
        dtype: the values' dtype (default: the values').
        requires_grad: make a leaf that requires grad.

    Shape:
        - indices: :math:`(S, N)`, values: :math:`(N, *D)`, result: ``size`` with
          ``len(size) == S + len(D)``.

    Example::

        >>> i = flambeau.tensor([[0, 1, 1], [2, 0, 2]])
        >>> s = flambeau.sparse_coo_tensor(i, flambeau.tensor([3., 4., 5.]), (2, 3))
        >>> s.to_dense()
        tensor([[0., 0., 3.],
                [4., 0., 5.]])
    """
    from .._device import check

    check(device)
    from ..ops.creation import tensor

    vin = values
    ix = _as_array(indices)
    vx = values._data if isinstance(values, Tensor) else tensor(values)._data
    if dtype is not None:
        vx = vx.astype(dt.to_dtype(dtype).np, copy=False)
    ix = ix.astype(np.int64, copy=False)
    if ix.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(ix.shape)}")
    if vx.ndim == 0:
        raise RuntimeError("values must be at least 1-dimensional (one value per stored element)")
    nnz = ix.shape[1]
    if vx.shape[0] != nnz:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: {nnz}, "
                           f"nnz from values: {vx.shape[0]}")
    sd = ix.shape[0]
    if size is None:
        sz = tuple(int(m) + 1 for m in ix.max(axis=1)) if nnz else (0,) * sd
        sz += vx.shape[1:]
    else:
        sz = tuple(int(s) for s in (size if isinstance(size, (tuple, list)) else tuple(size)))
        if len(sz) != sd + vx.ndim - 1:
            raise RuntimeError(f"'len(size) == sparse_dim + dense_dim' is not satisfied: len(size) = "
                               f"{len(sz)}, sparse_dim = {sd}, dense_dim = {vx.ndim - 1}")
        if tuple(sz[sd:]) != vx.shape[1:]:
            raise RuntimeError(f"values has incorrect size, expected {[nnz, *sz[sd:]]}, got {list(vx.shape)}")
    if nnz:
        lo, hi = ix.min(axis=1), ix.max(axis=1)
        for d in range(sd):
            if lo[d] < 0:
                raise RuntimeError(f"found negative index {lo[d]} for dim {d}")
            if hi[d] >= sz[d]:
                raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {sz[d]} "
                                   f"but found index {hi[d]}")
    out = _new(ix, vx, sz, nnz <= 1 if is_coalesced is None else is_coalesced)
    if requires_grad:
        out.requires_grad = True
    elif isinstance(vin, Tensor) and vin._requires_grad:
        src = vin._data.dtype
        out = attach(out, "SparseCooTensorWithDimsAndTensorsBackward0", (vin,),
                     lambda g: (gather(g, ix, sz).astype(src, copy=False),))
    return out



def to_sparse(t: Tensor, sparse_dim: int | None = None, *, layout: Any = None, **_: Any) -> SparseTensor:
    r"""``t`` in the COO layout: the positions of its non-zero elements and their values
    (coalesced). With ``sparse_dim``, only the first ``sparse_dim`` dimensions are sparse: a stored
    value is then a whole non-zero slice.

    Backward: the (sparse) gradient made dense, for ``t``.

    Example::

        >>> flambeau.tensor([[0., 2.], [3., 0.]]).to_sparse()._values()
        tensor([2., 3.])
    """
    if layout is not None and layout is not sparse_coo:
        raise RuntimeError(f"to_sparse: layout {layout} is not supported by flambeau (only torch.sparse_coo)")
    a = t._data
    sd = a.ndim if sparse_dim is None else int(sparse_dim)
    if not 0 <= sd <= a.ndim:
        raise RuntimeError(f"sparse_dim must be in [0, {a.ndim}] (got {sd})")
    if a.ndim == 0:
        nnz = int(a != 0)
        ix, vx = np.zeros((0, nnz), np.int64), a.reshape(1)[:nnz].copy()
    else:
        nz = a != 0
        if sd < a.ndim:
            nz = nz.reshape(a.shape[:sd] + (-1,)).any(axis=-1)
        ix = np.array(np.nonzero(nz), dtype=np.int64).reshape(sd, -1)
        vx = np.ascontiguousarray(a[tuple(ix)])
    out = _new(ix, vx, a.shape, True)

    def backward(g: Any) -> tuple:
        return (g.to_dense()._data if isinstance(g, SparseTensor) else g,)

    return attach(out, "ToSparseBackward1", (t,), backward)

