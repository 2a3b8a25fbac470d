"""The matrix exponential ``linalg.matrix_exp``: exp(A) = sum_k A^k / k!, computed by scaling and
squaring with a [13/13] Padé approximant (exp(A) = exp(A / 2^s)^(2^s)). Its gradient is a block
of the exponential of a matrix twice as large:

    exp([[A^T, G], [0, A^T]]) = [[exp(A^T), dL/dA], [0, exp(A^T)]]
"""

from __future__ import annotations

import math

import numpy as np

from ._core import Tensor, record
from .linalg_common import batches, check_float, check_square, mT

# the coefficients of the [13/13] Padé approximant of exp, and the 1-norm up to which it is
# accurate to double precision without scaling
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def _expm(a: np.ndarray) -> np.ndarray:
    """exp of one square matrix, in float64."""
    n = a.shape[-1]
    if n == 0:
        return a.copy()
    norm = np.max(np.sum(np.abs(a), axis=0))
    s = max(0, math.ceil(math.log2(norm / _THETA13))) if norm > _THETA13 else 0
    a = a / 2.0 ** s
    b = _PADE13
    eye = np.eye(n)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    r = np.linalg.solve(v - u, v + u)
    for _ in range(s):
        r = r @ r
    return r


def _expm_batch(x: np.ndarray) -> np.ndarray:
    out = np.stack([_expm(m.astype(np.float64)) for m in batches(x)]) if x.size else np.zeros(x.shape)
    return out.reshape(x.shape).astype(x.dtype, copy=False)


def matrix_exp(A: Tensor) -> Tensor:  # noqa: N803
    r"""The matrix exponential :math:`e^A = \sum_{k \ge 0} A^k / k!` (of each matrix of a batch).

    .. math:: \frac{\partial L}{\partial A} = \Big[\exp\begin{pmatrix} A^T & G \\ 0 & A^T
              \end{pmatrix}\Big]_{12}

    Shape:
        A: (*, n, n); the result has its shape.

    Example::

        >>> torch.linalg.matrix_exp(torch.tensor([[0., 1.], [0., 0.]]))
        tensor([[1., 1.],
                [0., 1.]])
    """
    # float16/bfloat16 are refused: PyTorch 2.13's CPU kernel returns wrong values for them
    # (exp(I) = -20896 in float16), and flambeau gives no silent wrong result
    x = check_float(A, "linalg.matrix_exp")
    check_square(x, "linalg.matrix_exp")
    work = x
    out = _expm_batch(work)

    def backward(g: np.ndarray) -> tuple:
        n = x.shape[-1]
        at = mT(work)
        big = np.zeros(x.shape[:-2] + (2 * n, 2 * n), work.dtype)
        big[..., :n, :n] = at
        big[..., n:, n:] = at
        big[..., :n, n:] = g
        return (_expm_batch(big)[..., :n, n:].astype(x.dtype, copy=False),)

    return record(out, "LinalgMatrixExpBackward0", (A,), backward)
