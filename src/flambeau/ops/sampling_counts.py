"""PyTorch's samplers of counts, ``torch.poisson`` and ``torch.binomial``, written over the
generator's float64 uniforms (PyTorch's ``uniform_real_distribution<double>``: 53 bits of one
64-bit draw). Each element is drawn in turn, in memory order, by a loop that takes as many
uniforms as it needs (a rejection method), so the stream moves on exactly as PyTorch's does.

The scalar arithmetic follows the C++ kernel's types: in float32, the products that PyTorch
computes in ``float`` (``count * prob``...) are rounded to float32 here too. ``math``'s ``log``,
``exp``, ``sqrt`` are the C library's, PyTorch's; ``lgamma`` is CPython's own, which may differ
from the C library's in the last bit (it only decides a rejection test at its boundary)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .generator import Generator
from .sampling import unit

# log(k!) - Stirling's approximation of it, for k = 0..9 (PyTorch's table for BTRS)
_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
         0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
         0.00925546218271273, 0.00833056343336287)


def _uniforms(gen: Generator) -> Callable[[], float]:
    def draw() -> float:
        return float(unit(gen, 1, np.float64)[0])

    return draw


def _poisson_one(lam: float, u: Callable[[], float]) -> int:
    """One Poisson count: Hoermann's transformed rejection (PTRS) from a rate of 10, else
    the product of uniforms until it falls below :math:`e^{-\\lambda}`."""
    if lam >= 10:
        slam, loglam = math.sqrt(lam), math.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            U = u() - 0.5
            V = u()
            us = 0.5 - math.fabs(U)
            k = math.floor((2 * a / us + b) * U + lam + 0.43)
            if us >= 0.07 and V <= vr:
                return k
            if k < 0 or (us < 0.013 and V > us):
                continue
            if math.log(V) + math.log(inv_alpha) - math.log(a / (us * us) + b) <= \
                    -lam + k * loglam - math.lgamma(k + 1.0):
                return k
    if lam == 0:
        return 0
    limit, prod, x = math.exp(-lam), 1.0, 0
    while True:
        prod *= u()
        if prod <= limit:
            return x
        x += 1


def poisson(gen: Generator, rate: np.ndarray) -> np.ndarray:
    """``torch.poisson(rate)``: one count per element, of ``rate``'s dtype."""
    u = _uniforms(gen)
    flat = np.ascontiguousarray(rate).reshape(-1)
    out = np.array([_poisson_one(float(r), u) for r in flat], dtype=np.float64)
    return out.astype(rate.dtype).reshape(rate.shape)


def _stirling_tail(k: float) -> float:
    if k <= 9:
        return _TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _inversion(count: np.floating, prob: np.floating, u: Callable[[], float]) -> np.floating:
    """The number of geometric waiting times that fit in ``count`` trials."""
    log_q = float(np.log1p(-prob))  # in the dtype, as C++'s log1p(float)
    total, n = 0.0, count.dtype.type(0)
    while True:
        total += math.ceil(math.log(u()) / log_q)
        if total > count:
            return n
        n = n + 1


def _btrs(count: np.floating, prob: np.floating, u: Callable[[], float]) -> np.floating:
    """Hormann's BTRS (transformed rejection with squeeze), PyTorch's variant of its test."""
    t = count.dtype.type
    stddev = float(np.sqrt(count * prob * (t(1) - prob)))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * float(prob)
    c = float(count * prob) + 0.5
    v_r = 0.92 - 4.2 / b
    r = float(prob / (t(1) - prob))
    alpha = (2.83 + 5.1 / b) * stddev
    m = float(np.floor((count + t(1)) * prob))
    n = float(count)
    while True:
        U = u() - 0.5
        V = u()
        us = 0.5 - math.fabs(U)
        k = float(t(math.floor((2 * a / us + b) * U + c)))
        if k < 0 or k > n:
            continue
        if us >= 0.07 and V <= v_r:
            return t(k)
        V = math.log(V * alpha / (a / (us * us) + b))
        bound = ((m + 0.5) * math.log((m + 1) / (r * (n - m + 1)))
                 + (n + 1) * math.log((n - m + 1) / (n - k + 1))
                 + (k + 0.5) * math.log(r * (n - k + 1) / (k + 1))
                 + _stirling_tail(m) + _stirling_tail(n - m) - _stirling_tail(k) - _stirling_tail(n - k))
        if V <= bound:
            return t(k)


def _binomial_one(count: np.floating, prob: np.floating, u: Callable[[], float]) -> np.floating:
    t = count.dtype.type
    if count <= 0 or prob <= 0:
        return t(0)
    if prob >= 1:
        return count
    if prob <= 0.5:
        return _btrs(count, prob, u) if count * prob >= 10 else _inversion(count, prob, u)
    if prob > 0.5:
        q = t(1.0 - float(prob))
        return count - (_btrs(count, q, u) if count * q >= 10 else _inversion(count, q, u))
    return t(math.nan)


def binomial(gen: Generator, count: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """``torch.binomial(count, prob)`` (arrays of one shape and floating dtype)."""
    u = _uniforms(gen)
    c = np.ascontiguousarray(count).reshape(-1)
    p = np.ascontiguousarray(prob).reshape(-1)
    out = np.array([_binomial_one(ci, pi, u) for ci, pi in zip(c, p)], dtype=count.dtype)
    return out.reshape(count.shape)
