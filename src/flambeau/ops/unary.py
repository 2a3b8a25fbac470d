"""Elementwise functions of one tensor. Each line pairs the forward with its local derivative,
which backward multiplies by the gradient from above ``g`` (the chain rule)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .._quiet import quiet, quietly
from . import _vec32
from ._core import ONES, OUT, Tensor, _make, float_data, keep_where, record


def _quietly(fn: Callable) -> Callable:
    """Run ``fn`` (a forward or a backward) without NumPy's warnings: like PyTorch, log(0) is
    -inf, sqrt(-1) nan and exp(1000) inf, silently."""
    return quietly(fn)


def _not_for(a: Tensor, kernel: str, kinds: str = "b") -> None:
    """Refuse the element kinds (NumPy's letters) that PyTorch has no kernel for."""
    if a._data.dtype.kind in kinds:
        raise NotImplementedError(f'"{kernel}" not implemented for {a.dtype.scalar_name!r}')


def abs(a: Tensor) -> Tensor:  # noqa: A001
    """|a|.  d/da = sign(a) (0 at 0)."""
    _not_for(a, "abs_cpu")
    x = a._data
    return record(np.abs(x), "AbsBackward0", (a,), quiet(lambda g: (g * np.sign(x),)))


@_quietly
def exp(a: Tensor) -> Tensor:
    """e^a.  d/da = e^a."""
    out = np.exp(float_data(a))
    return record(out, "ExpBackward0", (a,), lambda g: (g * out,), (OUT,))


@_quietly
def log(a: Tensor) -> Tensor:
    """ln a.  d/da = 1/a."""
    x = float_data(a)
    return record(np.log(x), "LogBackward0", (a,), quiet(lambda g: (g / x,)))


@_quietly
def log1p(a: Tensor) -> Tensor:
    """ln(1 + a).  d/da = 1/(1 + a)."""
    x = float_data(a)
    return record(np.log1p(x), "Log1PBackward0", (a,), quiet(lambda g: (g / (1 + x),)))


@_quietly
def log2(a: Tensor) -> Tensor:
    """log base 2.  d/da = 1 / (a ln 2)."""
    x = float_data(a)
    return record(np.log2(x), "Log2Backward0", (a,), quiet(lambda g: (g / (x * math.log(2)),)))


@_quietly
def log10(a: Tensor) -> Tensor:
    """log base 10.  d/da = 1 / (a ln 10)."""
    x = float_data(a)
    return record(np.log10(x), "Log10Backward0", (a,), quiet(lambda g: (g / (x * math.log(10)),)))


@_quietly
def expm1(a: Tensor) -> Tensor:
    """e^a - 1.  d/da = e^a."""
    out = np.expm1(float_data(a))
    return record(out, "Expm1Backward0", (a,), quiet(lambda g: (g * (out + 1),)), (OUT,))


@_quietly
def sqrt(a: Tensor) -> Tensor:
    """a^(1/2).  d/da = 1 / (2 sqrt(a))."""
    out = np.sqrt(float_data(a))
    return record(out, "SqrtBackward0", (a,), quiet(lambda g: (g / (2 * out),)), (OUT,))


@_quietly
def rsqrt(a: Tensor) -> Tensor:
    """a^(-1/2).  d/da = -1/2 a^(-3/2)."""
    x = float_data(a)
    out = (1 / np.sqrt(opmath(x))).astype(x.dtype, copy=False)
    return record(out, "RsqrtBackward0", (a,), quiet(lambda g: (g * -0.5 * out * out * out,)), (OUT,))


@_quietly
def reciprocal(a: Tensor) -> Tensor:
    """1/a.  d/da = -1/a^2."""
    out = 1 / float_data(a)
    return record(out, "ReciprocalBackward0", (a,), quiet(lambda g: (-g * (out * out),)), (OUT,))


def square(a: Tensor) -> Tensor:
    """a^2 (booleans give int64, as a ** 2).  d/da = 2a."""
    x = a._data if a._data.dtype != np.bool_ else a._data.astype(np.int64)
    return record(x * x, "PowBackward0", (a,), lambda g: (2 * g * x,))


@_quietly
def sin(a: Tensor) -> Tensor:
    """sin a.  d/da = cos a."""
    x = float_data(a)
    return record(np.sin(x), "SinBackward0", (a,), lambda g: (g * np.cos(x),))


@_quietly
def cos(a: Tensor) -> Tensor:
    """cos a.  d/da = -sin a."""
    x = float_data(a)
    return record(np.cos(x), "CosBackward0", (a,), lambda g: (-g * np.sin(x),))


@_quietly
def tan(a: Tensor) -> Tensor:
    """tan a.  d/da = 1 + tan(a)^2."""
    out = np.tan(float_data(a))
    return record(out, "TanBackward0", (a,), lambda g: (g * (1 + out * out),))


@_quietly
def asin(a: Tensor) -> Tensor:
    """arcsin a (nan outside [-1, 1]).  d/da = 1 / sqrt(1 - a^2)."""
    x = float_data(a)
    return record(np.arcsin(x), "AsinBackward0", (a,), quiet(lambda g: (g / np.sqrt(1 - x * x),)))


@_quietly
def acos(a: Tensor) -> Tensor:
    """arccos a (nan outside [-1, 1]).  d/da = -1 / sqrt(1 - a^2)."""
    x = float_data(a)
    return record(np.arccos(x), "AcosBackward0", (a,), quiet(lambda g: (-g / np.sqrt(1 - x * x),)))


def atan(a: Tensor) -> Tensor:
    """arctan a.  d/da = 1 / (1 + a^2)."""
    x = float_data(a)
    return record(np.arctan(x), "AtanBackward0", (a,), lambda g: (g / (1 + x * x),))


@_quietly
def sinh(a: Tensor) -> Tensor:
    """sinh a.  d/da = cosh a."""
    x = float_data(a)
    return record(np.sinh(x), "SinhBackward0", (a,), quiet(lambda g: (g * np.cosh(x),)))


@_quietly
def cosh(a: Tensor) -> Tensor:
    """cosh a.  d/da = sinh a."""
    x = float_data(a)
    return record(np.cosh(x), "CoshBackward0", (a,), quiet(lambda g: (g * np.sinh(x),)))


def tanh(a: Tensor) -> Tensor:
    """tanh a.  d/da = 1 - tanh(a)^2."""
    out = np.tanh(float_data(a))
    return record(out, "TanhBackward0", (a,), lambda g: (g * (ONES.get(out.dtype, 1) - out * out),), (OUT,))


def sigmoid(a: Tensor) -> Tensor:
    """1 / (1 + e^-a).  d/da = s (1 - s)."""
    x = float_data(a)
    out = _sigmoid(x)
    return record(out, "SigmoidBackward0", (a,), lambda g: (g * out * (1 - out),), (OUT,))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # exp of -|x| never overflows: for x < 0 use e^x / (1 + e^x).
    w = opmath(x)
    e = np.exp(-np.abs(w))
    return np.where(w >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def opmath(x: np.ndarray) -> np.ndarray:
    """``x`` in the type PyTorch's CPU kernels compute in: float32 for float16 and bfloat16
    (then one rounding of the result), ``x`` itself otherwise."""
    return x.astype(np.float32) if x.dtype.itemsize == 2 and x.dtype.kind in "fV" else x


def relu(a: Tensor) -> Tensor:
    """max(a, 0), the lecture's transfer function.  d/da = 1 if a > 0 else 0."""
    if a._data.dtype == np.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    x = a._data
    out = np.maximum(x, 0)
    return record(out, "ReluBackward0", (a,), quiet(lambda g: (_relu_backward(g, out),)), (OUT,))


def _relu_backward(g: np.ndarray, out: np.ndarray) -> np.ndarray:
    """g where out > 0, else +0 (PyTorch's threshold_backward: a select, also for an inf, a
    nan or a negative g)."""
    return keep_where(g, out > 0)


def sign(a: Tensor) -> Tensor:
    """-1, 0 or 1 (0 for nan; booleans are their own sign).  The gradient is 0."""
    x = a._data
    if x.dtype == np.bool_:
        out = x.copy()
    else:
        out = np.sign(x)
        if x.dtype.kind in "fV":
            out = np.where(np.isnan(out), 0, out).astype(x.dtype)
    return record(out, "SignBackward0", (a,), lambda g: (np.zeros_like(g),), ())


def floor(a: Tensor) -> Tensor:
    """Round down (integers are unchanged).  The gradient is 0."""
    _not_for(a, "floor_vml_cpu")
    return record(np.floor(a._data), "FloorBackward0", (a,), lambda g: (np.zeros_like(g),), ())


def ceil(a: Tensor) -> Tensor:
    """Round up (integers are unchanged).  The gradient is 0."""
    _not_for(a, "ceil_vml_cpu")
    return record(np.ceil(a._data), "CeilBackward0", (a,), lambda g: (np.zeros_like(g),), ())


def round(a: Tensor, *, decimals: int | None = None) -> Tensor:  # noqa: A001
    """Round half to even, to ``decimals`` places (floats only).  The gradient is 0."""
    _not_for(a, "round_vml_cpu" if decimals is None else "round_cpu", "b" if decimals is None else "biu")
    out = np.round(a._data, decimals or 0)
    return record(out, "RoundBackward0" if decimals is None else "RoundBackward1", (a,),
                  lambda g: (np.zeros_like(g),), ())


def trunc(a: Tensor) -> Tensor:
    """Round towards zero (integers are unchanged).  The gradient is 0."""
    _not_for(a, "trunc_vml_cpu")
    return record(np.trunc(a._data), "TruncBackward0", (a,), lambda g: (np.zeros_like(g),), ())


@_quietly
def frac(a: Tensor) -> Tensor:
    """The fractional part, a - trunc(a), with a's sign (floats only).  d/da = 1."""
    _not_for(a, "frac_cpu", "biu")
    x = a._data
    return record(x - np.trunc(x), "FracBackward0", (a,), lambda g: (g,))


_erf = np.frompyfunc(math.erf, 1, 1)


@_quietly
def erf(a: Tensor) -> Tensor:
    """The error function 2/sqrt(pi) * integral of e^(-t^2) from 0 to a.
    d/da = 2/sqrt(pi) e^(-a^2)."""
    x = float_data(a)
    if opmath(x) is not x:  # float16, bfloat16: PyTorch's float32 kernels, each step rounded once
        return record(_vec32.erf(opmath(x)).astype(x.dtype), "ErfBackward0", (a,), lambda g: (_erf_grad(x, g),))
    out = np.asarray(_erf(x), dtype=x.dtype)
    return record(out, "ErfBackward0", (a,), lambda g: (g * (2 / math.sqrt(math.pi)) * np.exp(-x * x),))


def _erf_grad(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """PyTorch's ``2/sqrt(pi) * exp(-x.pow(2)) * g`` on float16/bfloat16 tensors: each of the
    four ops computed in float32 and rounded to the dtype."""
    def rounded(v: np.ndarray) -> np.ndarray:
        return v.astype(x.dtype).astype(np.float32)

    with np.errstate(over="ignore"):  # x^2 beyond the dtype: inf, e^-inf = 0
        e = rounded(_vec32.exp(-rounded(opmath(x) * opmath(x))))
    return (rounded(e * np.float32(2 / math.sqrt(math.pi))) * opmath(g)).astype(x.dtype)


arcsin, arccos, arctan = asin, acos, atan


def isnan(a: Tensor) -> Tensor:
    return _make(np.asarray(np.isnan(a._data)))


def isinf(a: Tensor) -> Tensor:
    return _make(np.asarray(np.isinf(a._data)))


def isfinite(a: Tensor) -> Tensor:
    return _make(np.asarray(np.isfinite(a._data)))
