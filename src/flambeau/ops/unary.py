"""Elementwise functions of one tensor. Each line pairs the forward with its local derivative,
which backward multiplies by the gradient from above ``g`` (the chain rule)."""

from __future__ import annotations

import numpy as np

from ._core import Tensor, _make, float_data, record


def abs(a: Tensor) -> Tensor:  # noqa: A001
    """|a|.  d/da = sign(a) (0 at 0)."""
    x = a._data
    return record(np.abs(x), "AbsBackward0", (a,), lambda g: (g * np.sign(x),))


def exp(a: Tensor) -> Tensor:
    """e^a.  d/da = e^a."""
    out = np.exp(float_data(a))
    return record(out, "ExpBackward0", (a,), lambda g: (g * out,))


def log(a: Tensor) -> Tensor:
    """ln a.  d/da = 1/a."""
    x = float_data(a)
    return record(np.log(x), "LogBackward0", (a,), lambda g: (g / x,))


def log1p(a: Tensor) -> Tensor:
    """ln(1 + a).  d/da = 1/(1 + a)."""
    x = float_data(a)
    return record(np.log1p(x), "Log1PBackward0", (a,), lambda g: (g / (1 + x),))


def expm1(a: Tensor) -> Tensor:
    """e^a - 1.  d/da = e^a."""
    out = np.expm1(float_data(a))
    return record(out, "Expm1Backward0", (a,), lambda g: (g * (out + 1),))


def sqrt(a: Tensor) -> Tensor:
    """a^(1/2).  d/da = 1 / (2 sqrt(a))."""
    out = np.sqrt(float_data(a))
    return record(out, "SqrtBackward0", (a,), lambda g: (g / (2 * out),))


def rsqrt(a: Tensor) -> Tensor:
    """a^(-1/2).  d/da = -1/2 a^(-3/2)."""
    out = 1 / np.sqrt(float_data(a))
    return record(out, "RsqrtBackward0", (a,), lambda g: (g * -0.5 * out * out * out,))


def reciprocal(a: Tensor) -> Tensor:
    """1/a.  d/da = -1/a^2."""
    out = 1 / float_data(a)
    return record(out, "ReciprocalBackward0", (a,), lambda g: (-g * out * out,))


def square(a: Tensor) -> Tensor:
    """a^2.  d/da = 2a."""
    x = a._data
    return record(x * x, "PowBackward0", (a,), lambda g: (2 * g * x,))


def sin(a: Tensor) -> Tensor:
    """sin a.  d/da = cos a."""
    x = float_data(a)
    return record(np.sin(x), "SinBackward0", (a,), lambda g: (g * np.cos(x),))


def cos(a: Tensor) -> Tensor:
    """cos a.  d/da = -sin a."""
    x = float_data(a)
    return record(np.cos(x), "CosBackward0", (a,), lambda g: (-g * np.sin(x),))


def tanh(a: Tensor) -> Tensor:
    """tanh a.  d/da = 1 - tanh(a)^2."""
    out = np.tanh(float_data(a))
    return record(out, "TanhBackward0", (a,), lambda g: (g * (1 - out * out),))


def sigmoid(a: Tensor) -> Tensor:
    """1 / (1 + e^-a).  d/da = s (1 - s)."""
    x = float_data(a)
    out = _sigmoid(x)
    return record(out, "SigmoidBackward0", (a,), lambda g: (g * out * (1 - out),))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # exp of -|x| never overflows: for x < 0 use e^x / (1 + e^x).
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def relu(a: Tensor) -> Tensor:
    """max(a, 0), the lecture's transfer function.  d/da = 1 if a > 0 else 0."""
    x = a._data
    out = np.maximum(x, 0)
    return record(out, "ReluBackward0", (a,), lambda g: (g * (out > 0),))


def sign(a: Tensor) -> Tensor:
    """-1, 0 or 1.  The gradient is 0."""
    return record(np.sign(a._data), "SignBackward0", (a,), lambda g: (np.zeros_like(g),))


def floor(a: Tensor) -> Tensor:
    return record(np.floor(a._data), "FloorBackward0", (a,), lambda g: (np.zeros_like(g),))


def ceil(a: Tensor) -> Tensor:
    return record(np.ceil(a._data), "CeilBackward0", (a,), lambda g: (np.zeros_like(g),))


def round(a: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001
    return record(np.round(a._data, decimals), "RoundBackward0", (a,), lambda g: (np.zeros_like(g),))


def trunc(a: Tensor) -> Tensor:
    return record(np.trunc(a._data), "TruncBackward0", (a,), lambda g: (np.zeros_like(g),))


def isnan(a: Tensor) -> Tensor:
    return _make(np.asarray(np.isnan(a._data)))


def isinf(a: Tensor) -> Tensor:
    return _make(np.asarray(np.isinf(a._data)))


def isfinite(a: Tensor) -> Tensor:
    return _make(np.asarray(np.isfinite(a._data)))
