"""Attach the operations to :class:`Tensor` as methods and operators, with PyTorch's names."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtype as dt
from . import _legacy
from ._device import check_to, device
from ._keywords import accept_pytorch_keywords
from .ops import (
    arith,
    cumulative,
    diagonal,
    geometry,
    index,
    inplace,
    linalg,
    linalg_decomp,
    linalg_exp,
    linalg_norms,
    linalg_products,
    linalg_solve,
    linalg_svd,
    linalg_triangular,
    pointwise,
    random,
    rearrange,
    reduce,
    select,
    shape,
    sorting,
    unary,
)
from .tensor import Tensor

_METHODS = {
    # arithmetic
    "add": arith.add, "sub": arith.sub, "subtract": arith.sub, "mul": arith.mul,
    "multiply": arith.mul, "div": arith.div, "divide": arith.div, "true_divide": arith.div,
    "floor_divide": arith.floor_divide, "remainder": arith.remainder, "pow": arith.pow,
    "neg": arith.neg, "negative": arith.neg, "maximum": arith.maximum, "minimum": arith.minimum,
    "fmax": arith.fmax, "fmin": arith.fmin,
    "clamp": arith.clamp, "clip": arith.clamp, "where": lambda self, cond, other: arith.where(cond, self, other),
    "eq": arith.eq, "ne": arith.ne, "lt": arith.lt, "le": arith.le, "gt": arith.gt, "ge": arith.ge,
    "greater": arith.gt, "less": arith.lt, "logical_and": arith.logical_and,
    "logical_or": arith.logical_or, "logical_xor": arith.logical_xor,
    "logical_not": arith.logical_not, "bitwise_not": arith.bitwise_not, "equal": arith.equal,
    "allclose": arith.allclose, "isclose": arith.isclose,
    # pointwise
    "abs": unary.abs, "exp": unary.exp, "log": unary.log, "log1p": unary.log1p,
    "expm1": unary.expm1, "sqrt": unary.sqrt, "rsqrt": unary.rsqrt,
    "reciprocal": unary.reciprocal, "square": unary.square, "sin": unary.sin, "cos": unary.cos,
    "tanh": unary.tanh, "sigmoid": unary.sigmoid, "relu": unary.relu, "sign": unary.sign,
    "floor": unary.floor, "ceil": unary.ceil, "round": unary.round, "trunc": unary.trunc,
    "tan": unary.tan, "asin": unary.asin, "acos": unary.acos, "atan": unary.atan,
    "arcsin": unary.asin, "arccos": unary.acos, "arctan": unary.atan, "sinh": unary.sinh,
    "cosh": unary.cosh, "log2": unary.log2, "log10": unary.log10, "erf": unary.erf,
    "frac": unary.frac, "atan2": pointwise.atan2, "arctan2": pointwise.atan2,
    "fmod": pointwise.fmod, "lerp": pointwise.lerp, "clamp_min": pointwise.clamp_min,
    "clamp_max": pointwise.clamp_max,
    # sorting, counting, running products, rearranging
    "sort": sorting.sort, "argsort": sorting.argsort, "msort": sorting.msort, "topk": sorting.topk,
    "unique": sorting.unique, "bincount": sorting.bincount, "histc": sorting.histc, "histogram": sorting.histogram,
    "cumprod": cumulative.cumprod, "cummax": cumulative.cummax, "cummin": cumulative.cummin,
    "median": sorting.median, "unfold": select.unfold, "diff": cumulative.diff, "roll": rearrange.roll,
    "cross": geometry.cross,
    "bernoulli": lambda self, p=None, *, generator=None: random.bernoulli(self, p, generator=generator),
    "isnan": unary.isnan, "isinf": unary.isinf, "isfinite": unary.isfinite,
    # reductions
    "sum": reduce.sum, "nansum": reduce.nansum, "mean": reduce.mean, "max": reduce.max,
    "min": reduce.min, "amax": reduce.amax, "amin": reduce.amin, "var": reduce.var,
    "std": reduce.std, "prod": reduce.prod, "logsumexp": reduce.logsumexp, "norm": reduce.norm,
    "cumsum": reduce.cumsum, "softmax": reduce.softmax, "log_softmax": reduce.log_softmax,
    "argmax": reduce.argmax, "argmin": reduce.argmin, "all": reduce.all, "any": reduce.any,
    "count_nonzero": reduce.count_nonzero,
    # shapes
    "reshape": shape.reshape, "view": shape.view, "view_as": shape.view_as,
    "reshape_as": shape.reshape_as, "flatten": shape.flatten, "unflatten": shape.unflatten,
    "transpose": shape.transpose, "swapaxes": shape.transpose, "swapdims": shape.transpose,
    "t": shape.t, "permute": shape.permute, "movedim": shape.movedim, "squeeze": shape.squeeze,
    "unsqueeze": shape.unsqueeze, "expand": shape.expand, "expand_as": shape.expand_as,
    "broadcast_to": shape.broadcast_to, "repeat": shape.repeat, "contiguous": shape.contiguous,
    "clone": shape.clone, "chunk": shape.chunk, "split": shape.split, "unbind": shape.unbind,
    "flip": shape.flip, "tril": shape.tril, "triu": shape.triu,
    "narrow": select.narrow, "repeat_interleave": select.repeat_interleave,
    "tile": lambda self, *dims: select.tile(self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list))
                                            else dims),
    "take_along_dim": select.take_along_dim, "diag": diagonal.diag, "trace": diagonal.trace,
    "addcmul": diagonal.addcmul, "addcdiv": diagonal.addcdiv,
    "select": shape.select, "diagonal": shape.diagonal,
    # indexing
    "gather": index.gather, "index_select": index.index_select, "masked_fill": index.masked_fill,
    "index_fill": index.index_fill,
    "masked_select": index.masked_select, "nonzero": index.nonzero, "scatter_add": index.scatter_add,
    # linear algebra
    "matmul": linalg.matmul, "mm": linalg.mm, "bmm": linalg.bmm, "mv": linalg.mv,
    "dot": linalg.dot, "outer": linalg.outer,
    "inverse": linalg_solve.inverse, "det": linalg_solve.det, "logdet": linalg_solve.logdet,
    "slogdet": linalg_solve.slogdet_old, "matrix_power": linalg_solve.matrix_power,
    "svd": linalg_svd.svd_old, "pinverse": linalg_svd.pinverse, "qr": linalg_decomp.qr_old,
    "cholesky": linalg_decomp.cholesky_old, "dist": linalg_norms.dist, "kron": linalg_products.kron,
    "triangular_solve": linalg_triangular.triangular_solve, "cholesky_solve": linalg_triangular.cholesky_solve,
    "cholesky_inverse": linalg_triangular.cholesky_inverse, "matrix_exp": linalg_exp.matrix_exp,
    # in place
    "add_": inplace.add_, "sub_": inplace.sub_, "mul_": inplace.mul_, "div_": inplace.div_,
    "pow_": inplace.pow_, "clamp_": inplace.clamp_, "zero_": inplace.zero_,
    "fill_": inplace.fill_, "copy_": inplace.copy_, "masked_fill_": inplace.masked_fill_,
    "index_fill_": inplace.index_fill_,
    "uniform_": inplace.uniform_, "normal_": inplace.normal_, "bernoulli_": inplace.bernoulli_,
    "exponential_": inplace.exponential_, "random_": inplace.random_,
    # random
    "multinomial": random.multinomial,
}
def _to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """``to(dtype)``, ``to('cpu')``, ``to(device, dtype)`` or ``to(other_tensor)``; this tensor
    itself when nothing changes (unless ``copy=True``). Another device than the CPU raises
    PyTorch's error."""
    target = kwargs.get("dtype")
    copy = kwargs.get("copy", False)
    for a in args:
        if isinstance(a, dt.dtype):
            target = a
        elif isinstance(a, Tensor):
            target = a.dtype
        elif isinstance(a, (str, device, int)) and not isinstance(a, bool):
            check_to(device(a))
        elif a is None or isinstance(a, bool):  # non_blocking, given by position
            continue
        else:
            raise TypeError(f"to() received an invalid combination of arguments - got "
                            f"({type(a).__name__})")
    if kwargs.get("device") is not None:
        check_to(device(kwargs["device"]))
    if target is None:
        return shape.clone(self) if copy else self
    return shape.to_dtype(self, dt.to_dtype(target), copy=copy)


def _iter(self: Tensor) -> Any:
    """Iterating over a tensor gives its slices along dimension 0 (``unbind``, as PyTorch)."""
    if self._data.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return iter(shape.unbind(self, 0))


def _caster(d: dt.dtype) -> Any:
    def cast(self: Tensor) -> Tensor:
        return shape.to_dtype(self, d)

    return cast


_OPERAND = (Tensor, int, float, bool, np.generic, np.ndarray)


def _op(fn: Any) -> Any:
    """An operator: other operand types get NotImplemented (so ``t == None`` is False and
    ``t + "a"`` a TypeError), as Python expects."""
    def op(self: Tensor, other: Any) -> Any:
        if not isinstance(other, _OPERAND):
            return NotImplemented
        return fn(self, other)

    return op


def _reflect(fn: Any) -> Any:
    def op(self: Tensor, other: Any) -> Any:
        if not isinstance(other, _OPERAND):
            return NotImplemented
        return fn(other, self)

    return op


def _iop(fn: Any) -> Any:
    def iop(self: Tensor, other: Any) -> Tensor:
        return fn(self, other)

    return iop


def _setitem(self: Tensor, idx: Any, value: Any) -> None:
    index.setitem(self, idx, value)


def _invert(self: Tensor) -> Tensor:
    if self._data.dtype.kind in "fV":
        raise TypeError("~ (bitwise not) is only defined for integer and boolean tensors, "
                        f"not {self.dtype}")
    return arith.bitwise_not(self)


# in-place forms ``x.op_(...)``: the out-of-place op, written back into x (inplace.py's rules)
_IN_PLACE = {
    "abs_": unary.abs, "exp_": unary.exp, "expm1_": unary.expm1, "log_": unary.log,
    "log1p_": unary.log1p, "log2_": unary.log2, "log10_": unary.log10, "sqrt_": unary.sqrt,
    "rsqrt_": unary.rsqrt, "reciprocal_": unary.reciprocal, "square_": unary.square,
    "sin_": unary.sin, "cos_": unary.cos, "tan_": unary.tan, "asin_": unary.asin,
    "acos_": unary.acos, "atan_": unary.atan, "arcsin_": unary.asin, "arccos_": unary.acos,
    "arctan_": unary.atan, "sinh_": unary.sinh, "cosh_": unary.cosh, "tanh_": unary.tanh,
    "sigmoid_": unary.sigmoid, "relu_": unary.relu, "erf_": unary.erf, "sign_": unary.sign,
    "floor_": unary.floor, "ceil_": unary.ceil, "round_": unary.round, "trunc_": unary.trunc,
    "frac_": unary.frac, "neg_": arith.neg, "negative_": arith.neg,
    "atan2_": pointwise.atan2, "arctan2_": pointwise.atan2, "fmod_": pointwise.fmod,
    "remainder_": arith.remainder, "lerp_": pointwise.lerp, "clamp_min_": pointwise.clamp_min,
    "clamp_max_": pointwise.clamp_max, "cumprod_": cumulative.cumprod, "cumsum_": reduce.cumsum,
    "tril_": shape.tril, "triu_": shape.triu, "addcmul_": diagonal.addcmul, "addcdiv_": diagonal.addcdiv,
}


# the in-place ops where an element's result depends on others; the rest are elementwise
_ALONG = {"cumprod_": inplace.cumulative_, "cumsum_": inplace.cumulative_, "tril_": inplace.triangle_,
          "triu_": inplace.triangle_}


def _in_place(op: Any, name: str) -> Any:
    run = _ALONG.get(name, inplace.unary_)

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return run(self, op, *args, **kwargs)

    method.__name__ = op.__name__ + "_"
    return method


def bind() -> None:
    for name, fn in _METHODS.items():
        setattr(Tensor, name, accept_pytorch_keywords(fn, method=True))
    for name, fn in _IN_PLACE.items():
        if not hasattr(Tensor, name):  # an in-place op written out in inplace.py wins
            setattr(Tensor, name, _in_place(accept_pytorch_keywords(fn), name))
    Tensor.to = _to
    Tensor.size = accept_pytorch_keywords(Tensor.size, method=True)
    Tensor.stride = accept_pytorch_keywords(Tensor.stride, method=True)
    Tensor.type_as = lambda self, other: _to(self, other.dtype)
    for name, d in (("float", dt.float32), ("double", dt.float64), ("half", dt.float16),
                    ("bfloat16", dt.bfloat16), ("long", dt.int64), ("int", dt.int32), ("short", dt.int16), ("bool", dt.bool),
                    ("byte", dt.uint8), ("char", dt.int8)):
        setattr(Tensor, name, _caster(d))
    _legacy.bind()  # new_zeros, new_ones, new_full, new_empty, new_tensor, type
    Tensor.get_device = lambda self: -1  # PyTorch's answer for a CPU tensor
    Tensor.is_cpu = property(lambda self: True)
    for name in ("is_mps", "is_meta", "is_xpu", "is_sparse", "is_quantized"):
        setattr(Tensor, name, property(lambda self: False))
    Tensor.T = property(shape.T)
    Tensor.mT = property(shape.mT)
    Tensor.__iter__ = _iter
    Tensor.__getitem__ = index.getitem
    Tensor.__setitem__ = _setitem
    # the hot operators go straight to their op (an unsupported operand raises TypeError there);
    # + and * commute, so their reflected forms are the same function
    Tensor.__add__ = arith.add
    Tensor.__radd__ = arith.add
    Tensor.__sub__ = arith.sub
    Tensor.__rsub__ = _reflect(arith.sub)
    Tensor.__mul__ = arith.mul
    Tensor.__rmul__ = arith.mul
    Tensor.__truediv__ = arith.div
    Tensor.__rtruediv__ = _op(arith.rdiv)  # number / t is t.reciprocal() * number in PyTorch
    Tensor.__floordiv__ = _op(arith.floor_divide)
    Tensor.__rfloordiv__ = _reflect(arith.floor_divide)
    Tensor.__mod__ = _op(arith.remainder)
    Tensor.__rmod__ = _reflect(arith.remainder)
    Tensor.__pow__ = _op(arith.pow)
    Tensor.__rpow__ = _reflect(arith.pow)
    Tensor.__matmul__ = _op(linalg.matmul)
    Tensor.__rmatmul__ = _reflect(linalg.matmul)
    Tensor.__neg__ = arith.neg
    Tensor.__pos__ = lambda self: self
    Tensor.__abs__ = unary.abs
    Tensor.__eq__ = _op(arith.eq)
    Tensor.__ne__ = _op(arith.ne)
    Tensor.__lt__ = _op(arith.lt)
    Tensor.__le__ = _op(arith.le)
    Tensor.__gt__ = _op(arith.gt)
    Tensor.__ge__ = _op(arith.ge)
    Tensor.__and__ = _op(arith.bitwise_and)
    Tensor.__rand__ = _reflect(arith.bitwise_and)
    Tensor.__or__ = _op(arith.bitwise_or)
    Tensor.__ror__ = _reflect(arith.bitwise_or)
    Tensor.__xor__ = _op(arith.bitwise_xor)
    Tensor.__rxor__ = _reflect(arith.bitwise_xor)
    Tensor.__invert__ = _invert
    Tensor.__iadd__ = _iop(inplace.add_)
    Tensor.__isub__ = _iop(inplace.sub_)
    Tensor.__imul__ = _iop(inplace.mul_)
    Tensor.__itruediv__ = _iop(inplace.div_)
    Tensor.__hash__ = lambda self: id(self)
