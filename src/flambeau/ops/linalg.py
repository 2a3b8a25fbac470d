"""Matrix products. For C = A @ B the local gradients are dL/dA = g @ B^T and dL/dB = A^T @ g:
the lecture's layer H = relu(XW + b) is built on them."""

from __future__ import annotations

import numpy as np

from .. import _dtype as dt
from ._core import Tensor, record, unbroadcast


def _mismatch(a: np.ndarray, b: np.ndarray) -> RuntimeError:
    if a.ndim == 1 and b.ndim == 1:
        return RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to "
            f"have the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements "
            "respectively")
    ra = a.shape[-2] if a.ndim > 1 else 1
    cb = b.shape[-1] if b.ndim > 1 else 1
    return RuntimeError(
        f"mat1 and mat2 shapes cannot be multiplied ({ra}x{a.shape[-1]} and "
        f"{b.shape[-2] if b.ndim > 1 else b.shape[0]}x{cb}) (shapes {list(a.shape)} and {list(b.shape)})")


def _promote(a: Tensor, b: Tensor) -> tuple[np.ndarray, np.ndarray]:
    x, y = a._data, b._data
    if x.dtype != y.dtype:
        d = dt.promote_types(a.dtype, b.dtype).np
        x, y = x.astype(d), y.astype(d)
    return x, y


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product with NumPy's rules: 1-D x 1-D is a dot product, 1-D operands are treated
    as a row (left) or column (right) vector, and leading batch dimensions broadcast."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul(): argument 'other' must be Tensor")
    x, y = _promote(a, b)
    if x.ndim == 0 or y.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {x.ndim}D and {y.ndim}D")
    try:
        out = np.matmul(x, y)
    except ValueError:
        raise _mismatch(x, y) from None
    if x.ndim == 2 and y.ndim == 2:
        return record(out, "MmBackward0", (a, b), lambda g: (
            g @ y.T if a._requires_grad else None,
            x.T @ g if b._requires_grad else None,
        ))

    def backward(g: np.ndarray) -> tuple:
        # View 1-D operands as matrices, then undo: the batch dims of each gradient are summed
        # back to that operand's own batch shape.
        xm = x[None, :] if x.ndim == 1 else x
        ym = y[:, None] if y.ndim == 1 else y
        gm = g
        if x.ndim == 1:
            gm = np.expand_dims(gm, -2)
        if y.ndim == 1:
            gm = np.expand_dims(gm, -1)
        ga = gb = None
        if a._requires_grad:
            ga = unbroadcast(gm @ np.swapaxes(ym, -1, -2), xm.shape).reshape(x.shape)
        if b._requires_grad:
            gb = unbroadcast(np.swapaxes(xm, -1, -2) @ gm, ym.shape).reshape(y.shape)
        return ga, gb

    return record(out, "MmBackward0" if x.ndim <= 2 and y.ndim <= 2 else "UnsafeViewBackward0",
                  (a, b), backward)


def mm(a: Tensor, b: Tensor) -> Tensor:
    """Product of two matrices (2-D only)."""
    if a._data.ndim != 2:
        raise RuntimeError(f"self must be a matrix (got a {a._data.ndim}-D tensor of shape {list(a._data.shape)})")
    if b._data.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix (got a {b._data.ndim}-D tensor of shape {list(b._data.shape)})")
    return matmul(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched product of 3-D tensors (b, n, m) @ (b, m, p)."""
    if a._data.ndim != 3 or b._data.ndim != 3:
        raise RuntimeError(f"batch1 and batch2 must be 3D tensors (got shapes {list(a._data.shape)} and {list(b._data.shape)})")
    if a._data.shape[0] != b._data.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {a._data.shape[0]} and {b._data.shape[0]}")
    return matmul(a, b)


def mv(a: Tensor, v: Tensor) -> Tensor:
    if a._data.ndim != 2 or v._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {a._data.ndim}, {v._data.ndim}")
    return matmul(a, v)


def dot(a: Tensor, b: Tensor) -> Tensor:
    """Dot product of two 1-D tensors."""
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D tensors")
    return matmul(a, b)


def outer(a: Tensor, b: Tensor) -> Tensor:
    """Outer product of two 1-D tensors: out[i, j] = a[i] * b[j]."""
    from .shape import unsqueeze

    return matmul(unsqueeze(a, 1), unsqueeze(b, 0))


def addmm(bias: Tensor, x: Tensor, w: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * bias + alpha * (x @ w) in one node."""
    xa, wa = _promote(x, w)
    try:
        prod = xa @ wa
    except ValueError:
        raise _mismatch(xa, wa) from None
    c = bias._data
    out = beta * c + alpha * prod if (alpha != 1 or beta != 1) else c + prod
    cshape = c.shape
    return record(out, "AddmmBackward0", (bias, x, w), lambda g: (
        unbroadcast(g * beta if beta != 1 else g, cshape) if bias._requires_grad else None,
        (g @ wa.T) * alpha if x._requires_grad else None,
        (xa.T @ g) * alpha if w._requires_grad else None,
    ))


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b, as one graph node (the fully connected layer). x: (*, in), W: (out, in),
    b: (out,)."""
    xa, w = x._data, weight._data
    if xa.dtype != w.dtype:
        xa, w = _promote(x, weight)
    if xa.shape[-1:] != w.shape[-1:]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({int(np.prod(xa.shape[:-1]))}x"
            f"{xa.shape[-1] if xa.ndim else 1} and {w.shape[-1]}x{w.shape[0]}) (input of shape "
            f"{list(xa.shape)}, weight of shape {list(w.shape)})")
    out = xa @ w.T
    if bias is not None:
        out += bias._data
    flat = xa.ndim != 2

    def backward(g: np.ndarray) -> tuple:
        g2 = g.reshape(-1, g.shape[-1]) if flat else g
        x2 = xa.reshape(-1, xa.shape[-1]) if flat else xa
        gx = (g2 @ w).reshape(xa.shape) if x._requires_grad else None
        gw = g2.T @ x2 if weight._requires_grad else None
        gb = g2.sum(axis=0) if bias is not None and bias._requires_grad else None
        return gx, gw, gb

    return record(out, "AddmmBackward0", (x, weight, bias), backward)
