"""Linear algebra on tensors seen as matrices: ``linalg.tensorinv`` and ``linalg.tensorsolve``
reshape their operand into a square matrix, invert or solve, and reshape back; ``linalg.vander``
builds the Vandermonde matrix of powers. Built from the ops they use (reshape, inv, solve,
cumprod, cat), so their gradients and graph nodes are those ops'."""

from __future__ import annotations

import math
from typing import Any

from ._core import Tensor


def _square_split(shape: tuple, k: int, what: str) -> int:
    """The size of the square matrix made of ``shape[:k]`` by ``shape[k:]``, or PyTorch's error
    (``what`` names k)."""
    rows, cols = math.prod(shape[:k]), math.prod(shape[k:])
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[{what}:]) == "
                           f"prod(self.shape[:{what}]), but got {cols} != {rows}")
    return rows


def tensorinv(A: Tensor, ind: int = 2) -> Tensor:  # noqa: N803
    r"""The inverse of ``A`` for ``tensordot``: X with ``tensordot(A, X, ind)`` the identity, where
    ``A``, reshaped to prod(shape[:ind]) x prod(shape[ind:]), is a square invertible matrix.

    Shape:
        A: (*front, *back) with prod(front) = prod(back), front = A.shape[:ind]; the result:
        (*back, *front).

    Example::

        >>> torch.linalg.tensorinv(torch.eye(4).reshape(4, 2, 2), ind=1).shape
        torch.Size([2, 2, 4])
    """
    from .linalg_solve import inverse_node
    from .shape import reshape

    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = tuple(A._data.shape)
    n = _square_split(shape, ind, "ind")
    return reshape(inverse_node(reshape(A, (n, n)), "inv"), shape[ind:] + shape[:ind])


def tensorsolve(A: Tensor, B: Tensor, dims: Any = None) -> Tensor:  # noqa: N803
    r"""X with ``tensordot(A, X, X.ndim) = B``: ``A`` reshaped to a square matrix
    (prod(B.shape) rows), ``B`` to a vector. ``dims``: dimensions of ``A`` moved to the end first.

    Shape:
        A: (*B.shape, *X.shape), B: any; the result: A.shape[B.ndim:].

    Example::

        >>> torch.linalg.tensorsolve(torch.eye(6).reshape(2, 3, 6), torch.ones(2, 3)).shape
        torch.Size([6])
    """
    from .linalg_solve import solve
    from .shape import movedim, reshape

    if dims is not None:
        dims = [dims] if isinstance(dims, int) else list(dims)
        A = movedim(A, dims, list(range(A._data.ndim - len(dims), A._data.ndim)))
    shape, k = tuple(A._data.shape), B._data.ndim
    n = _square_split(shape, k, "other.ndim")
    return reshape(solve(reshape(A, (n, n)), reshape(B, (n,))), shape[k:])


def vander(x: Tensor, N: int | None = None) -> Tensor:  # noqa: N803
    r"""The Vandermonde matrix of ``x``: column j holds :math:`x^j`, j = 0 .. N-1 (N = len(x) by
    default), made as PyTorch makes it: ones, then running products of ``x``.

    Shape:
        x: (*, n); the result: (*, n, N).

    Example::

        >>> torch.linalg.vander(torch.tensor([1., 2., 3.]))
        tensor([[1., 1., 1.],
                [1., 2., 4.],
                [1., 3., 9.]])
    """
    from .creation import ones_like
    from .cumulative import cumprod
    from .shape import cat, expand, unsqueeze

    n = N if N is not None else (x._data.shape[-1] if x._data.ndim else 1)
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    column = unsqueeze(x, -1)
    powers = cumprod(expand(column, *column.shape[:-1], n - 1), -1)
    return cat([ones_like(column, dtype=powers.dtype), powers], -1)
