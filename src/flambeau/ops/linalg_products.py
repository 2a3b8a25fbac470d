"""Products of several tensors: ``linalg.multi_dot`` (a chain of matrix products in the cheapest
order), ``tensordot`` (a sum over paired dimensions), ``kron`` (the Kronecker product) and
``linalg.vecdot``. The gradient of a product with respect to one factor is the gradient from
above contracted with the other factors."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as dt
from ._core import Tensor, record
from .linalg import _C_NAMES


def _chain_order(sizes: list[int]) -> list[list[int]]:
    """The cheapest split of the matrix chain with dimensions ``sizes`` (matrix i is
    sizes[i] x sizes[i+1]): split[i][j], the k where product i..j is cut in two (dynamic
    programming on the number of multiplications)."""
    n = len(sizes) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = -1
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + sizes[i] * sizes[k + 1] * sizes[j + 1]
                if cost[i][j] < 0 or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(tensors: Any) -> Tensor:
    r"""The product of matrices :math:`A_1 A_2 \cdots A_k`, multiplied in the order that costs
    the fewest operations. The first may be a vector (a row), the last a vector (a column).

    Shape:
        (n,) or (m, n), then (n, p), ..., then (q, r) or (q,).

    Example::

        >>> torch.linalg.multi_dot([torch.ones(2), torch.ones(2, 3), torch.ones(3)])
        tensor(6.)
    """
    from .linalg import matmul
    from .shape import reshape, unsqueeze

    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    last = len(ts) - 1
    for i, t in enumerate(ts):
        d = t._data.ndim
        if i == 0 and d not in (1, 2):
            raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {d}D")
        if i == last and d not in (1, 2):
            raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {d}D")
        if 0 < i < last and d != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {d}D")
        if t._data.dtype != ts[0]._data.dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{_C_NAMES.get(ts[0]._data.dtype.name, ts[0]._data.dtype.name)} and tensor "
                               f"{i} {_C_NAMES.get(t._data.dtype.name, t._data.dtype.name)}")
    for i in range(last):
        a, b = ts[i]._data.shape, ts[i + 1]._data.shape
        if a[-1] != b[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(a)} and {list(b)} "
                               "cannot be multiplied")
    out_shape = ts[0]._data.shape[:-1] + ts[-1]._data.shape[1:]
    mats = list(ts)
    if mats[0]._data.ndim == 1:
        mats[0] = unsqueeze(mats[0], 0)
    if mats[-1]._data.ndim == 1:
        mats[-1] = unsqueeze(mats[-1], -1)
    split = _chain_order([m._data.shape[0] for m in mats] + [mats[-1]._data.shape[1]])

    def product(i: int, j: int) -> Tensor:
        if i == j:
            return mats[i]
        k = split[i][j]
        return matmul(product(i, k), product(k + 1, j))

    return reshape(product(0, len(mats) - 1), out_shape)


def _tensordot_axes(x: np.ndarray, y: np.ndarray, dims: Any) -> tuple[list[int], list[int]]:
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        k = int(dims)
        if k < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={k}")
        if k > min(x.ndim, y.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={k}")
        shown_a, shown_b = list(range(-k, 0)), list(range(k))
    else:
        shown_a, shown_b = ([d] if isinstance(d, (int, np.integer)) else list(d) for d in dims)
        if len(shown_a) != len(shown_b):
            raise RuntimeError("both dimension lists should have same length")
    ax = [int(d) % x.ndim for d in shown_a] if x.ndim else []
    bx = [int(d) % y.ndim for d in shown_b] if y.ndim else []
    for da, db, sa, sb in zip(ax, bx, shown_a, shown_b):
        if x.shape[da] != y.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {x.shape[da]} in "
                               f"dim {sa} and second has size {y.shape[db]} in dim {sb}")
    return ax, bx


def tensordot(a: Tensor, b: Tensor, dims: Any = 2, out: Any = None) -> Tensor:
    r"""The sum of products over paired dimensions: ``dims`` an int k pairs the last k of ``a``
    with the first k of ``b``; a pair of lists names them.

    .. math:: c_{i\,j} = \sum_k a_{i\,k}\, b_{k\,j}, \qquad
              \frac{\partial L}{\partial a} = G \cdot_j b, \qquad \frac{\partial L}{\partial b} = a \cdot_i G

    Shape:
        the free dimensions of ``a``, then those of ``b``.

    Example::

        >>> torch.tensordot(torch.ones(2, 3), torch.ones(3, 4), dims=1).shape
        torch.Size([2, 4])
    """
    x, y = a._data, b._data
    if x.dtype != y.dtype:
        raise RuntimeError("both inputs should have same dtype")
    ax, bx = _tensordot_axes(x, y, dims)
    fa = [d for d in range(x.ndim) if d not in ax]
    fb = [d for d in range(y.ndim) if d not in bx]
    res = np.tensordot(x, y, (ax, bx))

    def backward(g: np.ndarray) -> tuple:
        na = len(fa)
        ga = gb = None
        if a.requires_grad:  # its dims: fa, then the axes of a paired with b's, in b's order
            t = np.tensordot(g, y, (list(range(na, g.ndim)), fb))
            ga = np.transpose(t, np.argsort(fa + [ax[bx.index(d)] for d in sorted(bx)]))
        if b.requires_grad:  # its dims: the axes of b paired with a's, in a's order, then fb
            t = np.tensordot(x, g, (fa, list(range(na))))
            gb = np.transpose(t, np.argsort([bx[ax.index(d)] for d in sorted(ax)] + fb))
        return ga, gb

    return record(res, "ViewBackward0", (a, b), backward, (a, b))


def kron(a: Tensor, b: Tensor) -> Tensor:
    r"""The Kronecker product: the blocks :math:`a_{ij} B`, in any number of dimensions
    (the shorter shape padded with leading ones): out[i*p + k] = a[i] b[k].

    Shape:
        a: (a_0, ..., a_n), b: (b_0, ..., b_n); the result: (a_0 b_0, ..., a_n b_n).

    Example::

        >>> torch.kron(torch.eye(2), torch.ones(2, 2))
        tensor([[1., 1., 0., 0.],
                [1., 1., 0., 0.],
                [0., 0., 1., 1.],
                [0., 0., 1., 1.]])
    """
    x, y = a._data, b._data
    common = dt.promote_types(a.dtype, b.dtype).np
    n = max(x.ndim, y.ndim)
    xs, ys = (1,) * (n - x.ndim) + x.shape, (1,) * (n - y.ndim) + y.shape
    # interleave: a on the even dimensions, b on the odd ones, then merge each pair
    xe = x.astype(common, copy=False).reshape([v for s in xs for v in (s, 1)])
    ye = y.astype(common, copy=False).reshape([v for s in ys for v in (1, s)])
    res = (xe * ye).reshape([p * q for p, q in zip(xs, ys)])

    def backward(g: np.ndarray) -> tuple:
        gi = g.reshape([v for p, q in zip(xs, ys) for v in (p, q)])
        ga = gb = None
        if a.requires_grad:
            ga = np.sum(gi * ye, axis=tuple(range(1, 2 * n, 2))).reshape(x.shape).astype(x.dtype, copy=False)
        if b.requires_grad:
            gb = np.sum(gi * xe, axis=tuple(range(0, 2 * n, 2))).reshape(y.shape).astype(y.dtype, copy=False)
        return ga, gb

    return record(res, "UnsafeViewBackward0", (a, b), backward, (a, b))


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    r"""The dot products of the vectors of ``x`` and ``y`` along ``dim`` (they broadcast):
    :math:`\sum_i x_i y_i`.

    Shape:
        x, y: broadcastable; the result drops ``dim``.

    Example::

        >>> torch.linalg.vecdot(torch.ones(2, 3), torch.ones(3))
        tensor([3., 3.])
    """
    from .arith import mul
    from .reduce import sum as total

    for v in (x._data, y._data):
        if v.dtype.kind not in "fV":
            raise RuntimeError("linalg.vecdot: Expected a floating point or complex tensor as input. "
                               f"Got {dt.scalar_name(v.dtype)}")
    if x._data.dtype != y._data.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{dt.scalar_name(x._data.dtype)} and y of type {dt.scalar_name(y._data.dtype)} "
                           "instead")
    return total(mul(x, y), dim)
