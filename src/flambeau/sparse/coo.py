"""Sparse COO tensors: the coordinates of the non-zero elements and their values.

A sparse tensor of shape ``size`` keeps ``indices``, an int64 array of shape
``(sparse_dim, nnz)`` (column ``k`` gives the position of the ``k``-th stored element along the
first ``sparse_dim`` dimensions), and ``values``, of shape ``(nnz, *size[sparse_dim:])``.
Elements not listed are zero; an index listed twice stands for the sum of its values (the tensor
is then *uncoalesced*: :meth:`SparseTensor.coalesce` sums them and sorts the indices). No dense
array of the whole tensor is ever made, except by :meth:`SparseTensor.to_dense`.

:class:`SparseTensor` is a :class:`~flambeau.Tensor` (``isinstance`` holds) whose ``_data``,
the dense array every strided op reads, refuses with PyTorch's ``NotImplementedError``: an op not
written for sparse tensors cannot give a wrong result, it raises there (``refuse.py``), in one
place. Making sparse tensors: ``create.py``; the ops written for them: ``products.py``, ``arith.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as dt
from .._device import check_to, device
from .._format import _add_suffixes, format_array
from .._layout import sparse_coo
from ..ops._core import record
from ..tensor import Size, Tensor, _make, _wrap_dim
from .refuse import op_name, refuse

_NO_STORAGE = "Cannot access data pointer of Tensor that doesn't have storage"


class SparseTensor(Tensor):
    """A tensor in the ``sparse_coo`` layout (see the module's description). Made by
    :func:`sparse_coo_tensor` or ``dense.to_sparse()``."""

    __slots__ = ("_ix", "_vx", "_sz", "_coal", "_plans")  # _plans: flambeau.sparse.products._plan
    layout = sparse_coo
    is_sparse = True

    @property
    def _data(self) -> np.ndarray:  # the one place where strided ops meet a sparse tensor
        raise refuse(op_name())

    # ------------------------------------------------------------------ attributes
    @property
    def shape(self) -> Size:
        return Size(self._sz)

    def size(self, dim: int | None = None) -> Size | int:
        if dim is None:
            return Size(self._sz)
        return self._sz[_wrap_dim(dim, len(self._sz))]

    def dim(self) -> int:
        return len(self._sz)

    ndimension = dim

    @property
    def ndim(self) -> int:
        return len(self._sz)

    def numel(self) -> int:
        return int(np.prod(self._sz, dtype=np.int64))

    nelement = numel

    def element_size(self) -> int:
        return int(self._vx.itemsize)

    @property
    def dtype(self) -> dt.dtype:
        return dt._FROM_NUMPY[self._vx.dtype]

    def is_floating_point(self) -> bool:
        return self._vx.dtype.kind in "fV"

    def is_contiguous(self) -> bool:
        return False

    def data_ptr(self) -> int:
        raise RuntimeError(_NO_STORAGE)

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self._grad_fn is not None and not flag:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if flag and self._vx.dtype.kind not in "fV":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(flag)

    @property
    def data(self) -> SparseTensor:
        return _new(self._ix, self._vx, self._sz, self._coal)

    # ------------------------------------------------------------------ the COO parts
    def sparse_dim(self) -> int:
        """How many leading dimensions the indices address."""
        return self._ix.shape[0]

    def dense_dim(self) -> int:
        """How many trailing dimensions each stored value has."""
        return self._vx.ndim - 1

    def _nnz(self) -> int:
        """How many elements are stored (duplicates counted, when uncoalesced)."""
        return self._ix.shape[1]

    def is_coalesced(self) -> bool:
        """Whether the indices are sorted and unique."""
        return self._coal

    def _indices(self) -> Tensor:
        """The indices as stored, coalesced or not (no gradient flows through them)."""
        return _make(self._ix)

    def _values(self) -> Tensor:
        """The values as stored, coalesced or not, detached from the graph."""
        return _make(self._vx)

    def indices(self) -> Tensor:
        """The indices, ``(sparse_dim, nnz)`` int64; the tensor must be coalesced."""
        if not self._coal:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return _make(self._ix)

    def values(self) -> Tensor:
        """The values, ``(nnz, *dense dims)``; the tensor must be coalesced. Differentiable:
        the gradient of the values comes back as a sparse gradient with these indices."""
        if not self._coal:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        ix, sz = self._ix, self._sz
        return record(self._vx, "ValuesBackward0", (self,),
                      lambda g: (_new(ix, g, sz, True),), saved=())

    def coalesce(self) -> SparseTensor:
        """This tensor with its duplicate indices summed and its indices sorted (itself when it
        is coalesced already). The gradient passes through unchanged."""
        if self._coal:
            return self
        ix, vx = coalesced(self._ix, self._vx, self._sz)
        return attach(_new(ix, vx, self._sz, True), "CoalesceBackward0", (self,), lambda g: (g,))

    def to_dense(self, dtype: Any = None, *, masked_grad: bool | None = None) -> Tensor:
        """The dense tensor these indices and values stand for (duplicates summed).

        Backward: the gradient at the stored positions, as a sparse gradient (coalesced)."""
        if dtype is not None:
            raise RuntimeError("dtype argument is not supported by sparse_to_dense")
        vx = self._vx
        out = np.zeros(self._sz, vx.dtype)
        np.add.at(out, tuple(self._ix), vx)
        sz = self._sz
        cix = coalesced(self._ix, np.zeros(self._ix.shape[1]), sz)[0] if self._requires_grad else None

        def backward(g: np.ndarray) -> tuple:
            return (_new(cix, np.ascontiguousarray(g[tuple(cix)]), sz, True),)

        return record(out, "ToDenseBackward0", (self,), backward, saved=())

    def to_sparse(self, sparse_dim: int | None = None, *, layout: Any = None, **_: Any) -> SparseTensor:
        """This tensor (already sparse)."""
        if sparse_dim is not None and sparse_dim != self.sparse_dim():
            raise RuntimeError(f"to_sparse: conversion from Sparse to Sparse with sparse_dim argument "
                               f"!=self.sparse_dim() is not supported (got {sparse_dim}, "
                               f"sparse_dim is {self.sparse_dim()})")
        return self

    # ------------------------------------------------------------------ copies, conversions
    def detach(self) -> SparseTensor:
        return _new(self._ix, self._vx, self._sz, self._coal)

    def clone(self, *, memory_format: Any = None) -> SparseTensor:
        out = _new(self._ix.copy(), self._vx.copy(), self._sz, self._coal)
        return attach(out, "CloneBackward0", (self,), lambda g: (g,))

    def to(self, *args: Any, **kwargs: Any) -> SparseTensor:
        """``to(dtype)``, ``to('cpu')``, ``to(device, dtype)``: the values converted (the
        gradient converted back), or this tensor when nothing changes."""
        target = kwargs.get("dtype")
        for a in args:
            if isinstance(a, dt.dtype):
                target = a
            elif isinstance(a, Tensor):
                target = a.dtype
            elif isinstance(a, (str, device, int)) and not isinstance(a, bool):
                check_to(device(a))
        if kwargs.get("device") is not None:
            check_to(device(kwargs["device"]))
        if target is None or dt.to_dtype(target).np == self._vx.dtype:
            return self
        npd = dt.to_dtype(target).np
        src = self._vx.dtype
        out = _new(self._ix, self._vx.astype(npd), self._sz, self._coal)
        return attach(out, "ToCopyBackward0", (self,), lambda g: (_cast(g, src),))

    def float(self) -> SparseTensor:
        return self.to(dt.float32)

    def double(self) -> SparseTensor:
        return self.to(dt.float64)

    def long(self) -> SparseTensor:
        return self.to(dt.int64)

    def int(self) -> SparseTensor:
        return self.to(dt.int32)

    def numpy(self, *, force: bool = False) -> np.ndarray:
        raise TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first.")

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        raise TypeError("can't convert Sparse layout tensor to numpy. Use Tensor.to_dense() first.")

    def tolist(self) -> Any:
        raise RuntimeError(_NO_STORAGE)

    def item(self) -> Any:
        n = self.numel()
        if n != 1:
            raise RuntimeError(f"a Tensor with {n} elements cannot be converted to Scalar")
        return self._vx.sum().item()

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._vx.sum())

    def __len__(self) -> int:
        if not self._sz:
            raise TypeError("len() of a 0-d tensor")
        return self._sz[0]

    def __repr__(self) -> str:
        return format_sparse(self)

    def __format__(self, spec: str) -> str:
        return repr(self)


def accumulate(leaf: Tensor, g: Any) -> None:
    """``backward`` sums ``g`` into ``leaf.grad`` where either is sparse (the leaf, or the
    gradient: ``dense * sparse`` gives a dense leaf a sparse gradient, as PyTorch). Two sparse
    gradients are kept side by side (uncoalesced); a dense and a sparse one are added densely."""
    npd = (leaf._vx if isinstance(leaf, SparseTensor) else leaf._data).dtype
    old = leaf._grad
    if isinstance(g, SparseTensor):
        vx = g._vx.astype(npd, copy=False)
        if old is None:
            leaf._grad = _new(g._ix, vx, g._sz, g._coal)
        elif isinstance(old, SparseTensor):
            leaf._grad = _new(np.concatenate([old._ix, g._ix], axis=1), np.concatenate([old._vx, vx]),
                              g._sz, False)
        else:
            dense = old._data.copy()
            np.add.at(dense, tuple(g._ix), vx)
            leaf._grad = _make(dense)
        return
    dense = np.array(np.broadcast_to(g, leaf.shape), dtype=npd)
    if isinstance(old, SparseTensor):
        np.add.at(dense, tuple(old._ix), old._vx)
    elif old is not None:
        dense += old._data
    leaf._grad = _make(dense)


SparseTensor._accumulate = staticmethod(accumulate)  # what backward calls (it imports no sparse)


def _cast(g: Any, npd: np.dtype) -> Any:
    """A gradient (sparse or dense) converted back to ``npd``."""
    if isinstance(g, SparseTensor):
        return _new(g._ix, g._vx.astype(npd), g._sz, g._coal)
    return g.astype(npd)


_alloc = object.__new__


def _new(ix: np.ndarray, vx: np.ndarray, sz: tuple, coal: bool) -> SparseTensor:
    """A sparse tensor (not in the graph) from its parts, taken as they are."""
    t = _alloc(SparseTensor)
    t._ix = ix
    t._vx = vx
    t._sz = tuple(int(s) for s in sz)
    t._coal = bool(coal)
    t._plans = None
    t._grad = None
    t._grad_fn = None
    t._nr = 0
    t._vc = None
    t._view = None
    t._acc = None
    t._requires_grad = False
    t._name = None
    return t


_NOTHING = np.empty(0)


def attach(out: SparseTensor, name: str, inputs: tuple, backward: Any) -> SparseTensor:
    """Give ``out``, a sparse result, the graph node ``record`` makes for it (``backward(g)``
    receives the gradient of ``out``: sparse, or a dense array)."""
    node = record(_NOTHING, name, inputs, backward, saved=())._grad_fn
    if node is not None:
        out._grad_fn = node
        out._requires_grad = True
    return out


def coalesced(ix: np.ndarray, vx: np.ndarray, sz: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Indices sorted (row-major order of the positions) and unique, values of a repeated index
    summed."""
    sd = ix.shape[0]
    if ix.shape[1] == 0:
        return ix, vx
    if sd == 0:
        return ix[:, :1], vx.sum(axis=0, keepdims=True)
    flat = np.ravel_multi_index(tuple(ix), sz[:sd])
    order = np.argsort(flat, kind="stable")
    flat = flat[order]
    starts = np.flatnonzero(np.concatenate(([True], flat[1:] != flat[:-1])))
    values = vx[order]
    if starts.size != flat.size:
        values = np.add.reduceat(values, starts, axis=0) if values.size else values[starts]
    return ix[:, order[starts]], np.ascontiguousarray(values)


def gather(g: Any, ix: np.ndarray, sz: tuple) -> np.ndarray:
    """The entries of ``g`` (a sparse gradient, or a dense array) at the positions ``ix``
    (duplicates included): the gradient of the values stored there."""
    if not isinstance(g, SparseTensor):
        return np.ascontiguousarray(g[tuple(ix)])
    gix, gvx = coalesced(g._ix, g._vx, sz)
    sd = ix.shape[0]
    out = np.zeros((ix.shape[1],) + gvx.shape[1:], gvx.dtype)
    if gix.shape[1] == 0 or ix.shape[1] == 0:
        return out
    want = np.ravel_multi_index(tuple(ix), sz[:sd])
    have = np.ravel_multi_index(tuple(gix), sz[:sd])
    pos = np.minimum(np.searchsorted(have, want), have.size - 1)
    hit = have[pos] == want
    out[hit] = gvx[pos[hit]]
    return out


def format_sparse(t: SparseTensor) -> str:
    """``repr`` of a sparse tensor, as PyTorch prints it: indices, values, then the size,
    ``nnz``, the dtype (unless the default float, int64 or bool), the layout, and autograd."""
    indent = len("tensor(")
    parts = []
    for name, a in (("indices", t._ix), ("values", t._vx)):
        prefix = f"{name}=tensor("
        body = format_array(a, indent + len(prefix))
        if a.size == 0:
            body += f", size={tuple(a.shape)}"
        parts.append(prefix + body + ")")
    suffixes = [f"size={tuple(t._sz)}", f"nnz={t._nnz()}"]
    d = t.dtype
    if d not in (dt.get_default_dtype(), dt.int64, dt.bool):
        suffixes.append(f"dtype={d!r}")
    suffixes.append(f"layout={sparse_coo!r}")
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{t._grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    text = "tensor(" + parts[0] + ",\n" + " " * indent + parts[1]
    first, rest = suffixes[0], suffixes[1:]
    return _add_suffixes(text + ",\n" + " " * indent + first, rest, indent)
