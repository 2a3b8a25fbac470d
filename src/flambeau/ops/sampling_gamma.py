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


_C = np.array([  # the rational correction's coefficients [numerator/denominator][u^i][a^j][b^k], PyTorch's
    [[[1.003668233, -0.01061107488, -0.0657888334, 0.01201642863],
      [0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033],
      [-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013]],
     [[0.221950385, -0.3187676331, 0.01799915743, 0.01074823814],
      [-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057],
      [0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05]],
     [[-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565],
      [0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181],
      [0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05]]],
    [[[1, -0.02924021934, -0.04438342661, 0.007285809825],
      [0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521],
      [-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149]],
     [[0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273],
      [0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956],
      [-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05]],
     [[0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05],
      [0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05],
      [-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06]]]])


def _beta_grad_alpha_small(x: np.ndarray, a: np.ndarray, b: np.ndarray, digamma: Callable) -> np.ndarray:
    """d x / d alpha of a Beta(alpha, beta) draw x near 0: a Taylor series of the CDF."""
    factor = digamma(a) - digamma(a + b) - np.log(x)
    numer = np.ones_like(x)
    series = numer / a * (factor + 1 / a)
    for i in range(1, 11):
        numer = numer * (x.dtype.type(i) - b) * x / x.dtype.type(i)
        denom = a + x.dtype.type(i)
        series = series + numer / denom * (factor + 1 / denom)
    out = x * np.power(1 - x, -b) * series
    return np.where(np.isnan(out), 0.0, out)


def _beta_grad_beta_small(x: np.ndarray, a: np.ndarray, b: np.ndarray, digamma: Callable) -> np.ndarray:
    """d x / d beta of a Beta(alpha, beta) draw x near 0: a Taylor series of the CDF."""
    factor = digamma(a + b) - digamma(b)
    numer, betas, dbetas = np.ones_like(x), np.ones_like(x), np.zeros_like(x)
    series = factor / a
    for k in range(1, 9):
        i = x.dtype.type(k)
        numer = numer * (-x / i)
        dbetas = dbetas * (b - i) + betas
        betas = betas * (b - i)
        series = series + numer / (a + i) * (dbetas + factor * betas)
    out = -np.power(1 - x, 1 - b) * series
    return np.where(np.isnan(out), 0.0, out)


def _beta_grad_alpha_mid(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """d x / d alpha for large alpha and beta: Rice's saddle point expansion (a polynomial
    near the mean, where the expansion is singular)."""
    total = a + b
    mean = a / total
    std = np.sqrt(a * b / (total + 1)) / total
    poly = 47 * x * (b * b) * (b * b) + a * (
        (43 + 20 * (16 + 27 * b) * x) * (b * b) * b + a * (
            3 * (59 + 180 * b - 90 * x) * (b * b) + a * (
                (453 + 1620 * b * (1 - x) - 455 * x) * b + a * (8 * (1 - x) * (135 * b - 11)))))
    near = (1 + 12 * a) * (1 + 12 * b) / (total * total) / (1 - x) * poly / (
        12960 * a * a * a * b * b * (1 + 12 * total))
    prefactor = -x / np.sqrt(2 * a * b / total)
    stirling = ((1 + 1 / (12 * a) + 1 / (288 * a * a)) * (1 + 1 / (12 * b) + 1 / (288 * b * b))
                / (1 + 1 / (12 * total) + 1 / (288 * total * total)))
    axbx = a * (x - 1) + b * x
    term1 = (2 * (a * a) * (x - 1) + a * b * (x - 1) - x * (b * b)) / (
        np.sqrt(2 * a / b) * np.power(total, 1.5) * axbx * axbx)
    term2 = 0.5 * np.log(a / (total * x))
    term3 = np.sqrt(8 * a * b / total) / (b * x + a * (x - 1))
    term4 = np.power(b * np.log(b / (total * (1 - x))) + a * np.log(a / (total * x)), -1.5)
    far = stirling * prefactor * (term1 + term2 * (term3 + np.where(x < mean, term4, -term4)))
    return np.where((mean - 0.1 * std <= x) & (x <= mean + 0.1 * std), near, far)


def dirichlet_grad(x: np.ndarray, alpha: np.ndarray, total: np.ndarray, digamma: Callable) -> np.ndarray:
    r"""PyTorch's ``_dirichlet_grad``: for a Dirichlet draw ``x`` of concentration ``alpha``
    (``total`` the concentrations' sum), :math:`-\partial_\alpha F / p / (1 - x)` of the Beta
    marginal, by the approximation that fits where ``x`` lies (series near 0 and 1, Rice's
    expansion for large concentrations, a rational correction elsewhere), in float64."""
    xd, ad, td = (v.astype(np.float64) for v in (x, alpha, total))
    bd = td - ad
    with np.errstate(all="ignore"):
        boundary = td * xd * (1 - xd)
        # the series in the draws' dtype (PyTorch's scalar_t), digamma in float64
        t = x.dtype.type
        xs, as_, bs = x, alpha, (total - alpha).astype(x.dtype)

        def psi(v: np.ndarray) -> np.ndarray:
            return digamma(v.astype(np.float64)).astype(x.dtype)

        near0 = _beta_grad_alpha_small(xs, as_, bs, psi).astype(np.float64)
        near1 = -_beta_grad_beta_small(t(1) - xs, bs, as_, psi).astype(np.float64)
        mid = _beta_grad_alpha_mid(xd, ad, bd)
        u = np.log(xd)
        la = np.log(ad) - u
        lb = np.log(td) - la
        p = np.zeros_like(xd)
        q = np.zeros_like(xd)
        for i in range(3):
            for j in range(3):
                ua = u ** i * la ** j
                cp, cq = _C[0, i, j], _C[1, i, j]
                p = p + ua * (cp[0] + lb * (cp[1] + lb * (cp[2] + lb * cp[3])))
                q = q + ua * (cq[0] + lb * (cq[1] + lb * (cq[2] + lb * cq[3])))
        rational = p / q * (xd * (digamma(td) - digamma(ad)) / bd)
    out = np.where((xd <= 0.5) & (boundary < 2.5), near0,
                   np.where((xd >= 0.5) & (boundary < 0.75), near1,
                            np.where((ad > 6) & (bd > 6), mid, rational)))
    return out.astype(x.dtype)
