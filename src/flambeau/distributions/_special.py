"""The special functions the distributions need and flambeau's ops lack, each a graph node
(value and local derivative side by side): ``softplus``, ``lgamma``, ``digamma`` (its
derivative, and ``trigamma``, digamma's), ``erfinv``, ``xlogy``."""

from __future__ import annotations

import math

import numpy as np

from ..ops._core import float_data, record
from ..tensor import Tensor

_erf = np.frompyfunc(math.erf, 1, 1)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def softplus(a: Tensor) -> Tensor:
    r""":math:`\log(1 + e^a)` (``a`` itself beyond 20, as PyTorch).  d/da = :math:`\sigma(a)`."""
    x = a._data
    out = np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20)))).astype(x.dtype, copy=False)
    return record(out, "SoftplusBackward0", (a,), lambda g: (g * np.where(x > 20, 1, _sigmoid(x)).astype(x.dtype),))


def _safe_lgamma(v: float) -> float:
    try:
        return math.lgamma(v)
    except ValueError:  # the poles 0, -1, -2...
        return math.inf


_lgamma = np.frompyfunc(_safe_lgamma, 1, 1)


def _lgamma_np(x: np.ndarray) -> np.ndarray:
    """log|Gamma(x)| element by element, in float64, rounded to x's dtype."""
    with np.errstate(all="ignore"):
        return np.asarray(_lgamma(x.astype(np.float64)), np.float64).astype(x.dtype)


def _digamma_np(x: np.ndarray) -> np.ndarray:
    r"""The digamma function :math:`\psi = \Gamma' / \Gamma` (NumPy in, NumPy out): reflection
    below 1/2, the recurrence :math:`\psi(x) = \psi(x + 1) - 1/x` up to 10, then the asymptotic
    series. :math:`\psi(0) = -\infty`, NaN at the negative integers, as PyTorch."""
    v = x.astype(np.float64)
    with np.errstate(all="ignore"):
        reflect = v < 0.5
        z = np.where(reflect, 1 - v, v)
        acc = np.zeros_like(z)
        while np.any(z < 10):
            small = z < 10
            acc = acc - np.where(small, 1 / z, 0)
            z = np.where(small, z + 1, z)
        r = 1 / (z * z)
        series = np.log(z) - 0.5 / z - r * (1 / 12 - r * (1 / 120 - r * (1 / 252 - r * (1 / 240 - r * (1 / 132)))))
        out = acc + series
        out = np.where(reflect, out - math.pi / np.tan(math.pi * v), out)
        out = np.where(v == 0, -np.inf, np.where((v < 0) & (v == np.floor(v)), np.nan, out))
    return out.astype(x.dtype)


def _trigamma_np(x: np.ndarray) -> np.ndarray:
    r"""The trigamma function :math:`\psi'` (NumPy in, NumPy out): reflection below 1/2
    (:math:`\psi'(1 - x) + \psi'(x) = \pi^2 / \sin^2 \pi x`), the recurrence
    :math:`\psi'(x) = \psi'(x + 1) + 1/x^2` up to 10, then the asymptotic series."""
    v = x.astype(np.float64)
    with np.errstate(all="ignore"):
        reflect = v < 0.5
        z = np.where(reflect, 1 - v, v)
        acc = np.zeros_like(z)
        while np.any(z < 10):
            small = z < 10
            acc = acc + np.where(small, 1 / (z * z), 0)
            z = np.where(small, z + 1, z)
        r = 1 / (z * z)
        series = 1 / z + r / 2 + r / z * (1 / 6 - r * (1 / 30 - r * (1 / 42 - r * (1 / 30 - r * 5 / 66))))
        out = acc + series
        out = np.where(reflect, (math.pi / np.sin(math.pi * v)) ** 2 - out, out)
        out = np.where((v <= 0) & (v == np.floor(v)), np.inf, out)
    return out.astype(x.dtype)


def digamma(a: Tensor) -> Tensor:
    r"""The digamma function :math:`\psi(a) = \frac{d}{da}\log\Gamma(a)`.  d/da = :math:`\psi'(a)`."""
    x = float_data(a)
    return record(_digamma_np(x), "DigammaBackward0", (a,), lambda g: (g * _trigamma_np(x),))


def lgamma(a: Tensor) -> Tensor:
    r""":math:`\log|\Gamma(a)|` (integers give the default float dtype).  d/da = :math:`\psi(a)`."""
    x = float_data(a)
    return record(_lgamma_np(x), "LgammaBackward0", (a,), lambda g: (g * _digamma_np(x),))


def _erfinv_np(y: np.ndarray) -> np.ndarray:
    """erf's inverse: Giles' approximation, polished by Newton's steps on ``erf`` in float64."""
    v = y.astype(np.float64)
    with np.errstate(all="ignore"):
        w = -np.log((1 - v) * (1 + v))
        c = w - 2.5
        central = 2.81022636e-08
        for k in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                  -0.00417768164, 0.246640727, 1.50140941):
            central = central * c + k
        t = np.sqrt(w) - 3
        tail = -0.000200214257
        for k in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                  0.00943887047, 1.00167406, 2.83297682):
            tail = tail * t + k
        x = np.where(w < 5, central, tail) * v
        for _ in range(3):
            err = np.asarray(_erf(x), np.float64) - v
            x = x - err / (2 / math.sqrt(math.pi) * np.exp(-x * x))
        x = np.where(np.abs(v) == 1, np.copysign(np.inf, v), x)
        x = np.where(np.abs(v) > 1, np.nan, x)
    return x.astype(y.dtype)


def erfinv(a: Tensor) -> Tensor:
    r"""The inverse error function.  d/da = :math:`\frac{\sqrt\pi}{2} e^{\operatorname{erfinv}(a)^2}`."""
    out = _erfinv_np(float_data(a))
    return record(out, "ErfinvBackward0", (a,),
                  lambda g: (g * (math.sqrt(math.pi) / 2 * np.exp(out * out)).astype(out.dtype),))


def xlogy(x: Tensor, y: Tensor) -> Tensor:
    r""":math:`x \log y`, 0 where :math:`x = 0` (unless :math:`y` is NaN), for ``x`` and ``y``
    of one shape.  d/dx = :math:`\log y` (0 where :math:`x = 0` and :math:`y \le 0`),
    d/dy = :math:`x / y`."""
    a, b = x._data, y._data
    with np.errstate(all="ignore"):
        log_b = np.log(b)
        out = np.where((a == 0) & ~np.isnan(b), 0, a * log_b).astype(b.dtype, copy=False)

    def backward(g: np.ndarray) -> tuple:
        with np.errstate(all="ignore"):  # 0 / 0 at x = y = 0: NaN, as PyTorch
            gx = np.where((g == 0) & ~np.isnan(b), 0, g * log_b)
            return np.where((a == 0) & (b <= 0), 0, gx).astype(g.dtype), g * a / b

    return record(out, "XlogyBackward0", (x, y), backward)
