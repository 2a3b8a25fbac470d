"""``torch.linalg``: norms, inverses and determinants, linear systems, decompositions (Cholesky,
QR, symmetric eigenproblem, SVD), pseudo-inverse, rank and least squares, matrix products. Each is
in ``flambeau/ops`` next to its gradient: ``linalg_norms``, ``linalg_solve``, ``linalg_decomp``,
``linalg_svd``, ``linalg_products``, ``linalg_triangular``.

Example::

    >>> import flambeau as torch
    >>> torch.linalg.norm(torch.tensor([3., 4.]))
    tensor(5.)
"""

from __future__ import annotations

from ._keywords import accept_pytorch_keywords
from .ops.geometry import cross as _cross
from .ops.linalg import matmul as _matmul
from .ops.linalg_common import LinAlgError
from .ops.linalg_decomp import cholesky, cholesky_ex, eig, eigh, eigvals, eigvalsh, qr
from .ops.linalg_exp import matrix_exp
from .ops.linalg_norms import cond, matrix_norm, norm, vector_norm
from .ops.linalg_products import multi_dot, vecdot
from .ops.linalg_solve import det, inv, inv_ex, matrix_power, slogdet, solve, solve_ex
from .ops.linalg_svd import lstsq, matrix_rank, pinv, svd, svdvals
from .ops.linalg_tensor import tensorinv, tensorsolve, vander
from .ops.linalg_triangular import solve_triangular
from .tensor import Tensor

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh",
           "eigvals", "eigvalsh", "inv", "inv_ex", "lstsq", "matmul", "matrix_exp", "matrix_norm", "matrix_power",
           "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_ex", "solve_triangular", "svd",
           "svdvals", "tensorinv", "tensorsolve", "vander", "vecdot", "vector_norm"]


matmul = accept_pytorch_keywords(_matmul)  # linalg.matmul(input=..., other=...)


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (the last by default); ``torch.cross``'s.

    Shape:
        input, other: (*, 3) (broadcast together); the result has their shape.

    Example::

        >>> torch.linalg.cross(torch.tensor([1., 0., 0.]), torch.tensor([0., 1., 0.]))
        tensor([0., 0., 1.])
    """
    return _cross(input, other, dim)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonals of the matrices of ``A`` (a view): ``torch.diagonal`` on the last two
    dimensions by default.

    Shape:
        A: (*, m, n); the result: (*, k).

    Example::

        >>> torch.linalg.diagonal(torch.tensor([[1., 2.], [3., 4.]]))
        tensor([1., 4.])
    """
    from .ops.shape import diagonal as _diagonal

    return _diagonal(A, offset, dim1, dim2)
