"""PyTorch's vectorized float32 kernels (CPU, AVX2), bit for bit, for float16 and bfloat16.

PyTorch computes an op on a float16 or bfloat16 tensor in float32 (its "opmath" type) and rounds
the result once; the float32 functions it calls there are not the correctly rounded ones but its
vectorized approximations, whose last bit then decides the rounding. They are written here with
NumPy, each step rounded as the kernel rounds it:

- :func:`fma`: a fused multiply-add (one rounding), the kernels' building block;
- :func:`exp`: SLEEF's ``expf`` (1-ulp): Cody-Waite reduction by ln 2 and a degree-5 polynomial;
- :func:`erf`: the Abramowitz-Stegun formula 7.1.26,
  ``erf(x) = sign(x) (1 - t (p1 + p2 t + ... + p5 t^4) e^(-x^2))``, ``t = 1 / (1 + p |x|)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

f32, f64 = np.float32, np.float64

_LOG2E = f32(1.442695040888963407359924681001892137426645954152985934135449406931)
_LN2_HI, _LN2_LO = f32(0.693145751953125), f32(1.428606765330187045e-06)  # ln 2 = HI + LO
_EXP_POLY = [f32(c) for c in (0.000198527617612853646278381, 0.00139304355252534151077271,
                              0.00833336077630519866943359, 0.0416664853692054748535156,
                              0.166666671633720397949219, 0.5)]
_ERF_P = f32(0.3275911)
_ERF_POLY = [f32(c) for c in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)]


def fma(a: Any, b: Any, c: Any) -> np.ndarray:
    """float32 ``a * b + c`` rounded once. The product of two float32 is exact in float64; the
    sum is rounded to odd in float64 (its error, from a two-sum, decides the last bit), so that
    rounding it to float32 is the one rounding of the exact result."""
    p = np.multiply(a, b, dtype=f64)
    c = np.asarray(c, f64)
    with np.errstate(invalid="ignore", over="ignore"):
        s = p + c
        v = s - p
        err = (p - (s - v)) + (c - v)
        inexact = (err != 0) & ((s.view(np.int64) & 1) == 0)
        s = np.where(inexact, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)
        return s.astype(f32)


def exp(d: np.ndarray) -> np.ndarray:
    """SLEEF's float32 ``expf`` (``Sleef_expf8_u10``): ``e^d = 2^q e^s``, ``q`` the nearest
    integer to ``d / ln 2``, ``s = d - q ln 2`` (in two fused steps), ``e^s`` a polynomial."""
    d = np.asarray(d, f32)
    with np.errstate(all="ignore"):
        q = np.clip(np.rint(d * _LOG2E), -256, 256)  # beyond: the result is 0 or inf below
        qf = q.astype(f32)
        s = fma(qf, -_LN2_HI, d)
        s = fma(qf, -_LN2_LO, s)
        u = _EXP_POLY[0]
        for c in _EXP_POLY[1:]:
            u = fma(u, s, c)
        u = f32(1) + fma(s * s, u, s)
        # times 2^q as two powers of two (each a float32 exponent field), as SLEEF's ldexp2
        k = q.astype(np.int64)
        half = k >> 1
        u = u * _pow2(half) * _pow2(k - half)
    u = np.where(d < f32(-104), f32(0), u)
    return np.where(d > f32(100), f32(np.inf), u).astype(f32, copy=False)


def _pow2(k: np.ndarray) -> np.ndarray:
    return ((np.clip(k, -127, 128) + 127).astype(np.uint32) << np.uint32(23)).view(f32)


def erf(x: np.ndarray) -> np.ndarray:
    """PyTorch's ``Vectorized<float>::erf``: Abramowitz-Stegun 7.1.26 (absolute error below
    1.5e-7), its polynomial in Horner's form with fused multiply-adds."""
    x = np.asarray(x, f32)
    t = f32(1) / fma(_ERF_P, np.abs(x), f32(1))
    r = _ERF_POLY[0]
    for c in _ERF_POLY[1:]:
        r = fma(r, t, c)
    with np.errstate(over="ignore"):
        y = fma(-exp(-(x * x)) * t, r, f32(1))
    return np.copysign(y, x)


# ---------------------------------------------------------------- GELU's kernels
# PyTorch's GELU on float16/bfloat16 runs its vectorized kernel over blocks of 32 elements (two
# AVX2 vectors of 16) and its scalar kernel (the C library's erf, exp, tanh in float32) over the
# last ``numel % 32`` (one block of work: tensors under 32768 elements; a bigger one is split among
# PyTorch's threads, each with its own tail, which is not followed here). The C library's tanhf is
# not always correctly rounded: in that tail, 4 float16 values in 63488 differ by one ulp.
_SQRT1_2 = f32(0.70710678118654752440)
_GELU_BETA = f32(1.12837916709551257390 * 0.70710678118654752440 * 0.5)  # 1 / sqrt(2 pi)
_TANH_BETA, _KAPPA = f32(0.79788456080286535588), f32(0.044715)  # sqrt(2 / pi)


def _blocks(vector: Any, scalar: Any, *arrays: np.ndarray) -> np.ndarray:
    """``vector`` on the leading multiple of 32 elements (C order), ``scalar`` on the rest."""
    flat = [a.reshape(-1) for a in arrays]
    k = flat[0].size - flat[0].size % 32
    with np.errstate(all="ignore"):
        out = np.concatenate([vector(*[a[:k] for a in flat]), scalar(*[a[k:] for a in flat])])
    return out.reshape(arrays[0].shape)


def _libm(fn: Any, v: np.ndarray) -> np.ndarray:
    """The C library's float32 ``fn`` (correctly rounded but in rare cases)."""
    return fn(v.astype(f64)).astype(f32)


_erf64 = np.frompyfunc(math.erf, 1, 1)


def _erf_libm(v: np.ndarray) -> np.ndarray:
    return np.asarray(_erf64(v.astype(f64)), dtype=f64).astype(f32)


def _tanh_sleef(z: np.ndarray) -> np.ndarray:
    """SLEEF's ``tanhf`` (1-ulp, computed in double-float: the correctly rounded value here), which
    is exactly +-1 beyond 8.664339742."""
    return np.where(np.abs(z) > f32(8.664339742), np.sign(z), _libm(np.tanh, z)).astype(f32)


def gelu(x: np.ndarray, approximate: str) -> np.ndarray:
    """PyTorch's GELU kernel on the float32 values ``x`` of a float16/bfloat16 tensor (to be
    rounded once to the dtype): ``x/2 (1 + erf(x/sqrt 2))`` or ``x/2 (1 + tanh(inner))``."""
    if approximate == "tanh":
        def kernel(tanh: Any) -> Any:
            return lambda w: f32(0.5) * w * (f32(1) + tanh(_TANH_BETA * fma(_KAPPA, w * w * w, w)))

        return _blocks(kernel(_tanh_sleef), kernel(lambda z: _libm(np.tanh, z)), x)

    def kernel_none(erf_: Any) -> Any:
        return lambda w: (w * f32(0.5)) * (f32(1) + erf_(w * _SQRT1_2))

    return _blocks(kernel_none(erf), kernel_none(_erf_libm), x)


def gelu_backward(g: np.ndarray, x: np.ndarray, approximate: str) -> np.ndarray:
    """PyTorch's GELU backward kernel on float32 values (then rounded once to the dtype):
    ``g (Phi(x) + x phi(x))``, or the derivative of the tanh form."""
    if approximate == "tanh":
        def kernel(tanh: Any) -> Any:
            def local(dy: np.ndarray, w: np.ndarray) -> np.ndarray:
                sq = w * w
                t = tanh(_TANH_BETA * fma(_KAPPA, sq * w, w))  # the compiler fuses x + k x^3
                inner_d = _TANH_BETA * (f32(1) + f32(3) * _KAPPA * sq)
                left_tanh_d = f32(0.5) * w * fma(-t, t, f32(1))  # 1 - t^2, fused
                return dy * fma(left_tanh_d, inner_d, f32(0.5) * (f32(1) + t))
            return local

        return _blocks(kernel(_tanh_sleef), kernel(lambda z: _libm(np.tanh, z)), g, x)

    def kernel_none(erf_: Any, exp_: Any) -> Any:
        def local(dy: np.ndarray, w: np.ndarray) -> np.ndarray:
            cdf = f32(0.5) * (f32(1) + erf_(w * _SQRT1_2))
            pdf = _GELU_BETA * exp_((w * w) * f32(-0.5))
            return dy * (cdf + w * pdf)
        return local

    return _blocks(kernel_none(erf, exp), kernel_none(_erf_libm, lambda z: _libm(np.exp, z)), g, x)


# ---------------------------------------------------------------- log_softmax's kernels
def _vector_sum(e: np.ndarray) -> np.ndarray:
    """The sums of the rows of ``e`` (float32, shape (R, L)) in the order of PyTorch's vectorized
    reduction of a 16-bit row: 16 lanes at a time as two float32 vectors of 8, the last partial
    block into the first lanes, the two vectors added, then their 8 lanes pairwise
    (i + 4, i + 2, i + 1); a row under 9 is summed in order."""
    length = e.shape[1]
    if length <= 8:
        acc = e[:, :1].copy()
        for i in range(1, length):
            acc += e[:, i:i + 1]
        return acc
    if length < 16:
        lanes = e[:, :8].copy()
        lanes[:, :length - 8] += e[:, 8:]
    else:
        lanes, high = e[:, :8].copy(), e[:, 8:16].copy()
        d = 16
        while d < length - length % 16:
            lanes += e[:, d:d + 8]
            high += e[:, d + 8:d + 16]
            d += 16
        rest = length - d
        if rest > 8:
            lanes += e[:, d:d + 8]
            high[:, :rest - 8] += e[:, d + 8:]
        elif rest > 0:
            lanes[:, :rest] += e[:, d:]
        lanes += high
    lanes = lanes[:, :4] + lanes[:, 4:]
    lanes = lanes[:, :2] + lanes[:, 2:]
    return lanes[:, :1] + lanes[:, 1:]


def _sums(e: np.ndarray, axis: int) -> np.ndarray:
    """Sums along ``axis`` (kept) as PyTorch's kernels add: vectorized along a row when ``axis`` is
    the last, else one element after the other (the kernel runs along the inner dimensions)."""
    if axis == e.ndim - 1:
        return _vector_sum(e.reshape(-1, e.shape[-1])).reshape(e.shape[:-1] + (1,))
    acc = np.zeros_like(np.take(e, [0], axis=axis))
    for i in range(e.shape[axis]):
        acc += np.take(e, [i], axis=axis)
    return acc


def log_softmax(x: np.ndarray, axis: int, rounded: Any) -> np.ndarray:
    """PyTorch's log_softmax kernel on the float32 values ``x`` of a float16/bfloat16 tensor (to
    be rounded once to the dtype): ``(x - max) - log(sum(e^(x - max)))``. Along the last dimension
    the sum, then its log, are stored in the dtype (``rounded``); along another, kept in float32."""
    if x.size == 0:
        return x.copy()
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        shifted = x - np.max(x, axis=axis, keepdims=True)
        s = _sums(exp(shifted), axis)
        if axis == x.ndim - 1:
            return shifted - rounded(_libm(np.log, rounded(s)))
        return shifted - _libm(np.log, s)


def log_softmax_backward(g: np.ndarray, out: np.ndarray, axis: int) -> np.ndarray:
    """PyTorch's log_softmax backward kernel on float32 values (then rounded once to the dtype):
    ``g - e^out sum(g)``, fused, the sum kept in float32."""
    if g.size == 0:
        return g.copy()
    with np.errstate(invalid="ignore", over="ignore"):
        return fma(-exp(out), _sums(g, axis), g)
