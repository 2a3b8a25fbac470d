r"""Diagonals: ``diag`` (a vector onto a diagonal, or a matrix's diagonal out) and ``trace``
(the sum of the diagonal), and the fused forms ``addcmul`` / ``addcdiv``.

Backward, local gradient times the gradient from above: ``diag`` of a vector takes the gradient's
diagonal back; ``diag`` of a matrix puts the gradient on the diagonal of zeros; ``trace`` gives
:math:`g \, I`. For :math:`y = x + v \, t_1 t_2`: :math:`\partial y / \partial t_1 = v \, t_2`;
for :math:`y = x + v \, t_1 / t_2`: :math:`\partial y / \partial t_2 = -v \, t_1 / t_2^2`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.grad_mode import no_grad
from ._core import Tensor, record, unbroadcast


def _diagonal_index(rows: int, cols: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The (row, column) positions of diagonal ``k`` of a rows x cols matrix."""
    n = max(0, min(rows, cols - k) if k >= 0 else min(rows + k, cols))
    i = np.arange(n)
    return (i, i + k) if k >= 0 else (i - k, i)


def diag(a: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D input goes onto diagonal ``diagonal`` of a square matrix of zeros (above the main
    one when positive, below when negative); a 2-D input gives its diagonal ``diagonal``.

    Shape: :math:`(n) \\to (n + |k|, n + |k|)`; :math:`(m, n) \\to` the diagonal's length.

    Example::

        >>> torch.diag(torch.tensor([1.0, 2.0]), 1)
        tensor([[0., 1., 0.],
                [0., 0., 2.],
                [0., 0., 0.]])
    """
    x = a._data
    if x.ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")
    k = int(diagonal)
    if x.ndim == 1:
        n = x.shape[0] + abs(k)
        where = _diagonal_index(n, n, k)
        out = np.zeros((n, n), x.dtype)
        out[where] = x
        return record(out, "DiagEmbedBackward0", (a,), lambda g: (g[where],), ())
    where = _diagonal_index(x.shape[0], x.shape[1], k)

    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros(x.shape, g.dtype)
        gx[where] = g
        return (gx,)

    return record(x[where], "DiagonalBackward0_copy", (a,), backward, ())


def trace(a: Tensor) -> Tensor:
    """The sum of the main diagonal of a matrix.

    Example::

        >>> torch.trace(torch.eye(3))
        tensor(3.)
    """
    x = a._data
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    where = _diagonal_index(x.shape[0], x.shape[1], 0)
    out = x[where].sum()
    if x.dtype.kind in "biu":
        out = out.astype(np.int64)

    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros(x.shape, g.dtype)
        gx[where] = g
        return (gx,)

    return record(np.asarray(out, out.dtype), "TraceBackward0", (a,), backward, ())


def _fused(name: str, a: Tensor, t1: Tensor, t2: Tensor, value: Any) -> Tensor:
    from .arith import add, div, mul

    combine = mul if name == "Addcmul" else div
    if name == "Addcdiv" and all(t.dtype.is_floating_point is False for t in (t1, t2)):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform "
            "a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as "
            "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
            "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter "
            "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
    with no_grad():  # PyTorch's order, value * t1 then * or / t2, its dtype and broadcast checks
        y = add(a, combine(mul(t1, value), t2))
    x, u, w = a._data, t1._data, t2._data
    v = y._data.dtype.type(value)

    def backward(g: np.ndarray) -> tuple:
        if name == "Addcmul":
            g1, g2 = g * v * w, g * v * u
        else:
            g1, g2 = g * v / w, -g * v * u / (w * w)
        return (unbroadcast(g, x.shape) if a._requires_grad else None,
                unbroadcast(g1, u.shape) if t1._requires_grad else None,
                unbroadcast(g2, w.shape) if t2._requires_grad else None)

    return record(y._data, f"{name}Backward0", (a, t1, t2), backward)


def addcmul(a: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 * tensor2``, broadcast.

    Example::

        >>> torch.addcmul(torch.zeros(2), torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]), value=0.5)
        tensor([1.5000, 4.0000])
    """
    return _fused("Addcmul", a, tensor1, tensor2, value)


def addcdiv(a: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``input + value * tensor1 / tensor2``, broadcast (floating point only).

    Example::

        >>> torch.addcdiv(torch.zeros(2), torch.tensor([1.0, 2.0]), torch.tensor([4.0, 4.0]), value=2)
        tensor([0.5000, 1.0000])
    """
    return _fused("Addcdiv", a, tensor1, tensor2, value)


__all__ = ["diag", "trace", "addcmul", "addcdiv"]
