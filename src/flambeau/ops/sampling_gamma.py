"""PyTorch's Gamma and Dirichlet samplers (``torch._standard_gamma``,
``torch._sample_dirichlet``) over the generator's float64 uniforms and normals (PyTorch's
``normal_distribution<double>``, the second Box-Muller value cached in the generator).

Marsaglia and Tsang's method, element by element in memory order, with the C++ kernel's
constants and roundings: ``1.0f / 3.0f`` and ``0.0331f`` are float32 constants there, and a
float32 concentration is boosted (``alpha + 1``) in float32."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .generator import Generator
from .sampling import _one_by_one, unit

_THIRD = float(np.float32(1.0) / np.float32(3.0))
_SQUEEZE = float(np.float32(0.0331))


def _gamma_one(alpha: np.floating, u: Callable[[], float], n: Callable[[], float]) -> float:
    """One standard Gamma(alpha) draw (before the cast to alpha's dtype)."""
    t = alpha.dtype.type
    scale = 1.0
    if alpha < 1:
        if alpha == 0:
            return 0.0
        scale *= math.pow(1 - u(), float(t(1) / alpha))
        alpha = alpha + t(1)
    d = float(alpha - t(_THIRD)) if t is np.float32 else float(alpha) - _THIRD
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        while True:
            x = n()
            y = 1.0 + c * x
            if y > 0:
                break
        v = y * y * y
        w = 1 - u()
        xx = x * x
        if w < 1.0 - _SQUEEZE * xx * xx:
            return scale * d * v
        if math.log(w) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def _samplers(gen: Generator) -> tuple[Callable[[], float], Callable[[], float]]:
    def u() -> float:
        return float(unit(gen, 1, np.float64)[0])

    def n() -> float:
        return float(_one_by_one(gen, 1, 0.0, 1.0)[0])

    return u, n


def standard_gamma(gen: Generator, alpha: np.ndarray) -> np.ndarray:
    """``torch._standard_gamma(alpha)``: Gamma(alpha, 1) draws of alpha's dtype, at least the
    dtype's smallest normal number."""
    u, n = _samplers(gen)
    t = alpha.dtype.type
    flat = np.ascontiguousarray(alpha).reshape(-1)
    out = np.array([_gamma_one(a, u, n) for a in flat], dtype=np.float64).astype(alpha.dtype)
    return np.maximum(out, np.finfo(t).tiny).reshape(alpha.shape)


def _row_sum(g: np.ndarray) -> np.ndarray:
    """The sums of the last dimension in PyTorch's order (its AVX2 inner reduction, up to 31
    values): four lanes over the groups of four, the rest summed apart and added to lane 0,
    then the lanes left to right."""
    k = g.shape[-1]
    full = k - k % 4
    lanes = [np.zeros(g.shape[:-1]) for _ in range(4)]
    for i in range(full):
        lanes[i % 4] = lanes[i % 4] + g[..., i]
    rest = np.zeros(g.shape[:-1])
    for i in range(full, k):
        rest = rest + g[..., i]
    lanes[0] = lanes[0] + rest
    total = ((lanes[0] + lanes[1]) + lanes[2]) + lanes[3]
    return total[..., None]


def dirichlet(gen: Generator, alpha: np.ndarray) -> np.ndarray:
    """``torch._sample_dirichlet(alpha)``: float64 Gamma draws normalised along the last
    dimension, cast to alpha's dtype and kept inside (0, 1)."""
    u, n = _samplers(gen)
    flat = np.ascontiguousarray(alpha).reshape(-1).astype(np.float64)
    g = np.array([_gamma_one(a, u, n) for a in flat], dtype=np.float64)
    g = np.maximum(g, np.finfo(np.float64).tiny).reshape(alpha.shape)
    total = _row_sum(g)
    t = alpha.dtype.type
    out = (g / total).astype(alpha.dtype)
    return np.minimum(np.nextafter(t(1), t(0)), np.maximum(np.finfo(t).tiny, out))


_F = np.float32  # the C++ kernel's float constants (0.8f...), as float64 values
_UV = np.array([  # the rational approximation's coefficients, PyTorch's
    [0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084],
    [0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915,
     -0.00058392623],
    [0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326,
     0.00085092367, -1.5247877e-07]])


def standard_gamma_grad(alpha: np.ndarray, x: np.ndarray, digamma: Callable) -> np.ndarray:
    r"""The derivative of a Gamma(alpha) draw ``x`` with respect to ``alpha`` (implicit
    reparameterisation: :math:`-\partial_\alpha F(x; \alpha) / p(x; \alpha)`), computed in
    float64 as PyTorch does: a Taylor series of the CDF below 0.8, Rice's saddle point
    expansion for alpha above 8, a fitted rational function of ``log(x / alpha)`` and
    ``log(alpha)`` between."""
    a, v = alpha.astype(np.float64), x.astype(np.float64)
    with np.errstate(all="ignore"):
        # small x: the CDF's series and its derivative in alpha
        numer, denom = np.ones_like(v), a.copy()
        s1, s2 = numer / denom, numer / (denom * denom)
        for i in range(1, 6):
            numer = numer * (-v / i)
            denom = denom + 1
            s1, s2 = s1 + numer / denom, s2 + numer / (denom * denom)
        pow_xa = np.power(v, a)
        pdf = np.power(v, a - 1) * np.exp(-v)
        cdf_alpha = (np.log(v) - digamma(a)) * pow_xa * s1 - pow_xa * s2
        small = -cdf_alpha / pdf
        small = np.where(np.isnan(small), 0.0, small)
        # large alpha: Rice's saddle point expansion, its singular middle by a polynomial
        n1 = 1 + 24 * a * (1 + 12 * a)
        n2 = 1440 * (a * a) + 6 * v * (53 - 120 * v) - 65 * v * v / a + a * (107 + 3600 * v)
        middle = n1 * n2 / (1244160 * (a * a) * (a * a))
        den = np.sqrt(8 * a)
        t2 = den / (a - v)
        t3 = np.power(v - a - a * np.log(v / a), -1.5)
        t23 = np.where(v < a, t2 - t3, t2 + t3)
        t1 = np.log(v / a) * t23 - np.sqrt(2 / a) * (a + v) / ((a - v) * (a - v))
        stirling = 1 + 1 / (12 * a) * (1 + 1 / (24 * a))
        rice = -stirling * (v * t1) / den
        rice = np.where((float(_F(0.9)) * a <= v) & (v <= float(_F(1.1)) * a), middle, rice)
        # between: the fitted rational function
        lu, lv = np.log(v / a), np.log(a)
        c = [_UV[0, i] + lu * (_UV[1, i] + lu * _UV[2, i]) for i in range(8)]
        p = c[0] + lv * (c[1] + lv * (c[2] + lv * c[3]))
        q = c[4] + lv * (c[5] + lv * (c[6] + lv * c[7]))
        fitted = np.exp(p / q)
    out = np.where(v < float(_F(0.8)), small, np.where(a > 8, rice, fitted))
    return out.astype(x.dtype)
