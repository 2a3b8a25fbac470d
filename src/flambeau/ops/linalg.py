"""Matrix products. For C = A @ B the local gradients are dL/dA = g @ B^T and dL/dB = A^T @ g:
the lecture's layer H = relu(XW + b) is built on them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtype as dt
from ..amp.autocast_mode import _state as _autocast
from ..amp.autocast_mode import cast_inputs
from ..autograd.graph import fuse
from . import _parallel
from ._core import Tensor, broadcast_error, from_array, record, unbroadcast
from .reduce import column_sums

_F32 = np.dtype(np.float32)


def _mat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x @ y``. float16 and bfloat16 multiply in float32 and round once at the end, as
    PyTorch's CPU kernels do (a sum of many products would lose digits in 16 bits)."""
    if x.dtype.itemsize == 2 and x.dtype.kind in dt.FLOAT_KINDS:
        return np.matmul(x.astype(_F32), y.astype(_F32)).astype(x.dtype)
    return np.matmul(x, y)


def _mm(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x @ y`` of two float32 or float64 matrices: NumPy's ``dot`` where it makes the call to
    BLAS that ``matmul`` makes (both operands laid out by rows or by columns: the same bits),
    a third faster on a small layer's matrices; ``matmul`` otherwise (``dot`` would copy a
    strided operand first, and sum in another order)."""
    fx, fy = x.flags, y.flags
    if (fx.c_contiguous or fx.f_contiguous) and (fy.c_contiguous or fy.f_contiguous):
        return np.dot(x, y)
    return np.matmul(x, y)


def _mismatch(a: np.ndarray, b: np.ndarray) -> RuntimeError:
    """The error for operands whose shapes do not multiply, naming both shapes."""
    shapes = f"(shapes {list(a.shape)} and {list(b.shape)})"
    if a.ndim == 1 and b.ndim == 1:
        return RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to "
            f"have the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements "
            f"respectively {shapes}")
    inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if a.shape[-1] != inner_b:
        ra = a.shape[-2] if a.ndim > 1 else 1
        cb = b.shape[-1] if b.ndim > 1 else 1
        return RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({ra}x{a.shape[-1]} and {inner_b}x{cb}) "
            f"{shapes}")
    # the matrices fit: it is the batch dimensions that do not broadcast
    err = broadcast_error(a.shape[:-2], b.shape[:-2])
    return RuntimeError(f"matmul: the batch dimensions do not broadcast: {err} {shapes}")


def _operand(v: object, what: str) -> Tensor:
    if isinstance(v, Tensor):
        return v
    if isinstance(v, np.ndarray):
        return from_array(v)
    raise TypeError(f"{what} must be Tensor, not {type(v).__name__}")


def _same_dtype(a: Tensor, b: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch multiplies matrices of one dtype only: it does not promote."""
    x, y = a._data, b._data
    if x.dtype != y.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype}")
    return x, y


def _promote(a: Tensor, b: Tensor) -> tuple[np.ndarray, np.ndarray]:
    x, y = a._data, b._data
    if x.dtype != y.dtype:
        d = dt.promote_types(a.dtype, b.dtype).np
        x, y = x.astype(d), y.astype(d)
    return x, y


def _grad_fn_name(xd: int, yd: int) -> str:
    """PyTorch's name for the node of a matmul of an xd-D and a yd-D tensor."""
    return {(1, 1): "DotBackward0", (2, 1): "MvBackward0", (1, 2): "SqueezeBackward4",
            (2, 2): "MmBackward0"}.get((xd, yd), "UnsafeViewBackward0")


def matmul(a: Tensor, b: Tensor, *, _name: str | None = None) -> Tensor:
    """Matrix product with NumPy's rules: 1-D x 1-D is a dot product, 1-D operands are treated
    as a row (left) or column (right) vector, and leading batch dimensions broadcast."""
    if _autocast.enabled:
        a, b = cast_inputs(a, b)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        x, y = a._data, b._data
        if x.ndim == 2 and y.ndim == 2 and x.dtype == y.dtype and x.shape[1] == y.shape[0] \
                and x.dtype.itemsize > 2:
            # two matrices, the usual case: C = A B, dA = g B^T, dB = A^T g
            return record(x @ y, _name or "MmBackward0", (a, b), lambda g: (
                g @ y.T if a._requires_grad else None,
                x.T @ g if b._requires_grad else None,
            ), (a if b._requires_grad else None, b if a._requires_grad else None))
    a, b = _operand(a, "matmul(): argument 'input'"), _operand(b, "matmul(): argument 'other'")
    x, y = _same_dtype(a, b)
    if x.ndim == 0 or y.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {x.ndim}D and {y.ndim}D")
    try:
        out = _mat(x, y)
    except ValueError:
        raise _mismatch(x, y) from None

    def backward(g: np.ndarray) -> tuple:
        # View a 1-D operand as a matrix: a row (1, n) on the left, a column (n, 1) on the
        # right; g gets the matching unit dimension back. Then dA = g B^T and dB = A^T g, summed
        # over the batch dimensions that broadcasting added to each operand.
        xm = x[None, :] if x.ndim == 1 else x
        ym = y[:, None] if y.ndim == 1 else y
        gm = g
        if y.ndim == 1:
            gm = gm[..., None]
        if x.ndim == 1:
            gm = gm[..., None, :]
        ga = gb = None
        if a._requires_grad:
            ga = unbroadcast(_mat(gm, np.swapaxes(ym, -1, -2)), xm.shape).reshape(x.shape)
        if b._requires_grad:
            gb = unbroadcast(_mat(np.swapaxes(xm, -1, -2), gm), ym.shape).reshape(y.shape)
        return ga, gb

    return record(out, _name or _grad_fn_name(x.ndim, y.ndim), (a, b), backward,
                  (a if b._requires_grad else None, b if a._requires_grad else None))


def _check_matrix(t: Tensor, what: str) -> None:
    if t._data.ndim != 2:
        raise RuntimeError(f"{what} must be a matrix, got {t._data.ndim}-D tensor of shape "
                           f"{list(t._data.shape)}")


def mm(a: Tensor, b: Tensor) -> Tensor:
    """Product of two matrices (2-D only)."""
    _check_matrix(a, "self")
    _check_matrix(b, "mat2")
    return matmul(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched product of 3-D tensors (b, n, m) @ (b, m, p): no broadcasting."""
    sa, sb = a._data.shape, b._data.shape
    if len(sa) != 3 or len(sb) != 3:
        raise RuntimeError(f"batch1 and batch2 must be 3D tensors (got shapes {list(sa)} and {list(sb)})")
    if sa[0] != sb[0] or sa[2] != sb[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{sa[0]}, {sa[2]}] but "
            f"got: [{sb[0]}, {sb[1]}] (shapes {list(sa)} and {list(sb)})")
    return matmul(a, b, _name="BmmBackward0")


def mv(a: Tensor, v: Tensor) -> Tensor:
    """Matrix times vector."""
    if a._data.ndim != 2 or v._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {a._data.ndim}, {v._data.ndim}")
    return matmul(a, v)


def dot(a: Tensor, b: Tensor) -> Tensor:
    """Dot product of two 1-D tensors."""
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D tensors")
    return matmul(a, b)


def outer(a: Tensor, b: Tensor) -> Tensor:
    """Outer product of two 1-D tensors: out[i, j] = a[i] * b[j], so dA[i] = sum_j g[i, j] b[j]
    and dB[j] = sum_i a[i] g[i, j]. (PyTorch computes it as a broadcast product: the dtypes
    promote.)"""
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"outer: 1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D tensors")
    x, y = _promote(a, b)
    return record(np.multiply.outer(x, y), "MulBackward0", (a, b), lambda g: (
        (g @ y).astype(a._data.dtype, copy=False) if a._requires_grad else None,
        (x @ g).astype(b._data.dtype, copy=False) if b._requires_grad else None,
    ), (b if a._requires_grad else None, a if b._requires_grad else None))


def addmm(bias: Tensor, x: Tensor, w: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:
    """beta * bias + alpha * (x @ w) in one node; ``bias`` broadcasts to the product's shape.
    With beta = 0 the bias is ignored (a NaN in it does not spread), as in PyTorch."""
    if _autocast.enabled:
        bias, x, w = cast_inputs(bias, x, w)
    _check_matrix(x, "mat1")
    _check_matrix(w, "mat2")
    xa, wa = _same_dtype(x, w)
    if xa.shape[1] != wa.shape[0]:
        raise _mismatch(xa, wa)
    prod = _mat(xa, wa)
    c = bias._data
    try:
        np.broadcast_shapes(c.shape, prod.shape)
    except ValueError:
        raise broadcast_error(c.shape, prod.shape) from None
    if np.broadcast_shapes(c.shape, prod.shape) != prod.shape:
        raise RuntimeError(f"addmm: the bias of shape {list(c.shape)} does not broadcast to the "
                           f"product's shape {list(prod.shape)}")
    if beta == 0:
        out = alpha * prod
    else:
        out = beta * c + alpha * prod if (alpha != 1 or beta != 1) else c + prod
    out = out.astype(prod.dtype, copy=False)
    cshape = c.shape
    return record(out, "AddmmBackward0", (bias, x, w), lambda g: (
        unbroadcast(g * beta if beta != 1 else g, cshape).astype(c.dtype, copy=False)
        if bias._requires_grad else None,
        _mat(g, wa.T) * alpha if x._requires_grad else None,
        _mat(xa.T, g) * alpha if w._requires_grad else None,
    ), (x if w._requires_grad else None, w if x._requires_grad else None))


# PyTorch's names for element types in matmul's messages (C++'s "long int")
_C_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int",
            "int32": "int", "int64": "long int", "float16": "c10::Half", "float32": "float", "float64": "double"}


def _linear_args_error(x: Any, weight: Any, bias: Any) -> None:
    """PyTorch's errors for ``linear`` on something that is not a tensor (a NumPy array, a list)
    or on tensors of different dtypes (int64 data into a float32 layer): nothing is converted."""
    for name, position, value in (("input", 1, x), ("weight", 2, weight), ("bias", 3, bias)):
        if value is not None and not isinstance(value, Tensor):
            kind = type(value)
            shown = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
            raise TypeError(f"linear(): argument '{name}' (position {position}) must be Tensor, not {shown}")
    a, w = x._data.dtype.name, weight._data.dtype.name
    if bias is not None and bias._data.dtype.name != w and a == w:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {bias.dtype.scalar_name} "
                           f"and {weight.dtype.scalar_name}")
    if a != w:
        if bias is None:
            raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_C_NAMES[a]} != {_C_NAMES[w]}")
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {x.dtype.scalar_name} and "
                           f"{weight.dtype.scalar_name}")


_SPLIT = 1 << 20  # outputs from which the bias is added in two halves, on two threads (a split
# costs some 20-60 µs: a language model's decoder, 700 x 10,000, gains 1 ms)


def _plus_bias(y: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = y + b``, ``b`` added to every row: a large output's rows in two halves on two
    threads (``_parallel.split``), as PyTorch spreads its element-wise kernels."""
    rows, res = y.reshape(-1, y.shape[-1]), out.reshape(-1, out.shape[-1])

    def job(lo: int, hi: int) -> None:
        np.add(rows[lo:hi], b, out=res[lo:hi])

    _parallel.split(job, len(rows))
    return out


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b, as one graph node (the fully connected layer). x: (*, in), W: (out, in),
    b: (out,)."""
    if _autocast.enabled:
        x, weight, bias = cast_inputs(x, weight, bias)
    if not (isinstance(x, Tensor) and isinstance(weight, Tensor) and x._data.dtype == weight._data.dtype
            and (bias is None or isinstance(bias, Tensor) and bias._data.dtype == weight._data.dtype)):
        _linear_args_error(x, weight, bias)
    xa, w = x._data, weight._data
    if xa.shape[-1:] != w.shape[-1:]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({int(np.prod(xa.shape[:-1]))}x"
            f"{xa.shape[-1] if xa.ndim else 1} and {w.shape[-1]}x{w.shape[0]}) (input of shape "
            f"{list(xa.shape)}, weight of shape {list(w.shape)})")
    # float16/bfloat16: _mat multiplies in float32; float32/float64 matrices: _mm
    mat = _mat if xa.dtype.itemsize == 2 else _mm if xa.dtype.char in "fd" else np.matmul
    if xa.ndim > 2 and xa.shape[-1]:  # one product of all rows: 11% faster than a stack of them
        out = mat(xa.reshape(-1, xa.shape[-1]), w.T).reshape(xa.shape[:-1] + w.shape[:1])
    elif xa.ndim == 2:
        out = mat(xa, w.T)
    else:  # one input vector (or none of its features)
        out = (_mat if mat is _mat else np.matmul)(xa, w.T)
    if bias is not None:
        if out.size >= _SPLIT and out.ndim:
            _parallel.one_call(_plus_bias, out, bias._data, out=out)
        else:
            np.add(out, bias._data, out=out)
    flat = xa.ndim != 2

    def backward(g: np.ndarray) -> tuple:
        if flat:
            g2 = g.reshape(-1, g.shape[-1])
            x2 = xa.reshape(g2.shape[0], xa.shape[-1])  # (-1 cannot be inferred with 0 features)
            gx = mat(g2, w).reshape(xa.shape) if x._requires_grad else None
        else:
            g2, x2 = g, xa
            gx = mat(g, w) if x._requires_grad else None
        gw = mat(g2.T, x2) if weight._requires_grad else None
        if bias is None:
            return gx, gw
        return (column_sums(g2) if bias._requires_grad else None), gx, gw

    # PyTorch's node and edge order (its addmm/mm on weight.t()): (bias, input, weight), or
    # (input, weight) as MmBackward0 without a bias; PyTorch's TBackward0 of the weight is shown
    # (in next_functions, in drawings) but computed here
    saved = (x if weight._requires_grad else None, weight if x._requires_grad else None)
    if bias is None:
        return fuse(record(out, "MmBackward0" if xa.ndim == 2 else "AddmmBackward0", (x, weight), backward,
                           saved, fresh=True), _WEIGHT_T_NO_BIAS)
    return fuse(record(out, "AddmmBackward0", (bias, x, weight), backward, saved, fresh=True), _WEIGHT_T)


_WEIGHT_T = ((2, ("TBackward0",)),)
_WEIGHT_T_NO_BIAS = ((1, ("TBackward0",)),)
