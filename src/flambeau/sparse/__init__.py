"""Sparse tensors in the COO layout (``torch.sparse``): :func:`flambeau.sparse_coo_tensor`,
``dense.to_sparse()``, and the ops that work on them: ``mm`` (sparse @ dense, with the
gradients of both operands), additions, scaling, sums.

``coo.py`` holds the tensor, ``create.py`` makes it, ``refuse.py`` refuses the ops without a
sparse kernel, ``products.py`` and ``arith.py`` are the ops that have one. Here: ``flambeau.sparse``'s
public functions, the methods and operators of sparse tensors, and the public ``flambeau`` ops
that accept a sparse operand (:func:`sparse_aware`); every other op refuses a sparse tensor with
PyTorch's ``NotImplementedError`` when it reads its (absent) dense array.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import arith, products
from .coo import SparseTensor
from .create import sparse_coo_tensor, to_sparse

__all__ = ["mm", "sum", "spmm", "sparse_coo_tensor", "SparseTensor"]

mm = products.sparse_mm


def sum(input: Tensor, dim: Any = None, dtype: Any = None) -> Tensor:  # noqa: A001, A002
    """``torch.sparse.sum``: see :func:`flambeau.sparse.arith.sparse_sum` (a dense input is summed
    as ``flambeau.sum`` does)."""
    if not isinstance(input, SparseTensor):
        from ..arith.reduce import sum as dense_sum

        return dense_sum(input, dim, dtype=dtype) if dim is not None else dense_sum(input, dtype=dtype)
    return arith.sparse_sum(input, dim, dtype)


def spmm(a: Tensor, b: Tensor) -> Tensor:
    """``torch.spmm``: the matrix product ``a @ b`` where ``a`` may be sparse (dense result)."""
    if isinstance(a, SparseTensor) or isinstance(b, SparseTensor):
        return products.mm(a, b)
    from ..arith.linalg import mm as dense_mm

    return dense_mm(a, b)


def sparse_aware(dense: Any, sparse: Any) -> Any:
    """``dense``, except that a call with a sparse tensor among its arguments goes to ``sparse``
    (which takes the same parameters)."""
    @functools.wraps(dense)
    def op(*args: Any, **kwargs: Any) -> Any:
        for a in args:
            if a.__class__ is SparseTensor:
                return sparse(*args, **kwargs)
        if kwargs:
            for a in kwargs.values():
                if a.__class__ is SparseTensor:
                    return sparse(*args, **kwargs)
        return dense(*args, **kwargs)

    return op


#: the public ``flambeau`` functions that accept a sparse operand, and their sparse versions
SPARSE_AWARE = {"mm": products.mm, "matmul": products.matmul, "mv": products.mv, "add": arith.add, "sub": arith.sub,
                "subtract": arith.sub, "mul": arith.mul, "multiply": arith.mul, "sum": arith.sum}


def bind_public(space: dict) -> None:
    """Make the functions of :data:`SPARSE_AWARE` in ``space`` (``flambeau``'s namespace)
    accept sparse operands."""
    for name, sparse in SPARSE_AWARE.items():
        space[name] = sparse_aware(space[name], sparse)


_NUMBER = (int, float, bool, np.generic)


def _binary(fn: Any, reflected: bool = False) -> Any:
    """An operator of a sparse tensor: other operand types get NotImplemented (Python's rule)."""
    def op(self: Tensor, other: Any) -> Any:
        if not isinstance(other, (Tensor,) + _NUMBER):
            return NotImplemented
        return fn(other, self) if reflected else fn(self, other)

    return op


def _bind_methods() -> None:
    """The methods and operators of sparse tensors (the strided ones they override refuse)."""
    S = SparseTensor
    S.mm = products.mm
    S.matmul = products.matmul
    S.mv = products.mv
    S.__matmul__ = _binary(products.matmul)
    S.__rmatmul__ = _binary(products.matmul, reflected=True)
    S.add = arith.add
    S.sub = arith.sub
    S.__add__ = _binary(arith.add)
    S.__radd__ = _binary(arith.add, reflected=True)
    S.__sub__ = _binary(arith.sub)
    S.__rsub__ = _binary(arith.sub, reflected=True)
    S.mul = arith.mul
    S.__mul__ = _binary(arith.mul)
    S.__rmul__ = _binary(arith.mul, reflected=True)
    S.div = arith.div
    S.__truediv__ = _binary(arith.div)
    S.__rtruediv__ = _binary(arith.div, reflected=True)
    S.neg = arith.neg
    S.__neg__ = arith.neg
    S.sum = arith.sum
    S.t = arith.t
    for name in ("mm", "matmul", "mv", "add", "sub", "mul"):  # dense.mm(sparse)...
        setattr(Tensor, name, sparse_aware(getattr(Tensor, name), SPARSE_AWARE[name]))
    Tensor.to_sparse = to_sparse
    Tensor.to_dense = _dense_to_dense


def _dense_to_dense(self: Tensor, dtype: Any = None, *, masked_grad: bool | None = None) -> Tensor:
    """A strided tensor is dense already: itself (converted to ``dtype`` if given)."""
    return self if dtype is None else self.to(dtype)


_bind_methods()
