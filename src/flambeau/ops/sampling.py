"""PyTorch's CPU distributions, written in NumPy over the generator's raw draws.

Each function turns draws of :class:`~flambeau.ops.generator.Generator` into values exactly as
PyTorch 2.13 does on a CPU, so a seed gives the same tensors in both libraries:

- uniform: a float32 (float16, bfloat16) takes 24 (11, 8) bits of one 32-bit draw, a float64 53
  bits of a 64-bit draw: ``x = bits * 2**-digits``, then ``x * (to - from) + from``;
- normal: Box-Muller. A contiguous tensor of 16 values or more is filled with uniforms, then
  transformed 16 at a time (the first 8 give the radii, the next 8 the angles; a tail shorter than
  16 is redrawn as a last block of 16 ending at the end). float32 follows PyTorch's AVX2 kernel
  (a Cephes-style ``log`` and ``sincos`` in single precision with fused multiply-adds, emulated
  here); float64 uses double precision. Fewer than 16 values are drawn one by one from two
  float64 uniforms each, the second value of every pair kept in the generator for the next call;
- integers in ``[low, high)``: ``draw % (high - low) + low`` with a 32-bit draw, or a 64-bit one
  when the range needs it; ``randperm``: a Fisher-Yates shuffle, ``random() % (n - i)``;
- bernoulli, exponential and multinomial: from float64 uniforms (float32 for a float32 ``p``).

Where PyTorch itself differs between machines (the float32 normal kernel of a CPU without AVX2, as
Apple's M-series, uses the C library's ``logf``/``cosf``), flambeau follows the AVX2 kernel: that
is where the two may disagree in the last bit of some values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .generator import Generator

_U64 = np.uint64
f32 = np.float32
f64 = np.float64
_BLOCK = 4096  # rows of 16 values transformed per block of the normal kernel
_DIGITS = {np.dtype(np.float64): 53, np.dtype(np.float32): 24, np.dtype(np.float16): 11}


def _shape(size: Any) -> tuple[int, ...]:
    if size is None:
        return ()
    if isinstance(size, (int, np.integer)):
        return (int(size),)
    return tuple(int(s) for s in size)


def _digits(dtype: np.dtype) -> int:
    if dtype in _DIGITS:
        return _DIGITS[dtype]
    if dtype.name == "bfloat16":
        return 8
    raise TypeError(f"uniform numbers need a floating point dtype, got {dtype}")


def unit(gen: Generator, n: int, dtype: Any) -> np.ndarray:
    """``n`` uniform numbers in [0, 1) with PyTorch's bits for ``dtype`` (as float64 when
    ``dtype`` is float64, float32 otherwise: exact either way)."""
    dtype = np.dtype(dtype)
    d = _digits(dtype)
    if d == 53:
        return (gen.random64(n) & _U64((1 << 53) - 1)).astype(np.float64) * (2.0 ** -53)
    bits = gen.random32(n).astype(np.uint32)  # (the draws are 32-bit: nothing lost)
    bits &= np.uint32((1 << d) - 1)
    x = bits.astype(np.float32)
    x *= f32(2.0 ** -d)
    return x


def uniform(gen: Generator, low: float, high: float, size: Any, dtype: Any) -> np.ndarray:
    """``torch.empty(size, dtype=dtype).uniform_(low, high)``."""
    dtype = np.dtype(dtype)
    shape = _shape(size)
    n = int(np.prod(shape, dtype=np.int64))
    x = unit(gen, n, dtype)
    if dtype == np.float64:  # x * (to - from) + from with one rounding (PyTorch's kernel fuses it)
        lo, hi = float(low), float(high)
        out = x if (lo, hi) == (0.0, 1.0) else _fma64(x, hi - lo, lo)
    else:  # in float32 (PyTorch's accumulate type for float, half and bfloat16), fused
        lo, hi = f32(np.array(low, dtype=dtype)), f32(np.array(high, dtype=dtype))
        out = x if (lo, hi) == (0.0, 1.0) else _fma32(x, hi - lo, lo)
    return out.astype(dtype, copy=False).reshape(shape)


# ---------------------------------------------------------------------- normal
def _two_sum(a: np.ndarray, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """``s + e == a + b`` exactly, ``s`` the rounded sum (Knuth's TwoSum)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _round_to_odd(s: np.ndarray, err: np.ndarray) -> np.ndarray:
    """``s + err`` rounded to odd: ``s`` if exact or already odd, else its neighbour toward
    ``err`` (the odd one). Rounding that to fewer bits then rounds ``s + err`` correctly."""
    odd = (s.view(np.int64) & 1) == 1
    fix = (err != 0) & ~odd
    if np.any(fix):
        s = np.where(fix, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)
    return s


def _fma32(a: Any, b: Any, c: Any) -> np.ndarray:
    """float32 ``a * b + c`` rounded once, as a fused multiply-add: the float32 product is exact
    in float64, and so is the sum wherever the terms are within 2**29 of each other, as in the
    polynomials here (then rounding to float32 is the only rounding)."""
    prod = np.multiply(a, b, dtype=np.float64)
    return np.add(prod, c, dtype=np.float64).astype(np.float32)


def _fma64(a: np.ndarray, b: float, c: float) -> np.ndarray:
    """float64 ``a * b + c`` rounded once (PyTorch's compiled kernels fuse it): the exact product
    as two doubles (Dekker), the sum of the three terms rounded to odd, then to nearest."""
    a = np.asarray(a, np.float64)
    p = a * b
    split = 134217729.0  # 2**27 + 1
    ah = a * split
    ah = ah - (ah - a)
    al = a - ah
    bh = b * split
    bh = bh - (bh - b)
    bl = b - bh
    perr = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # a * b == p + perr exactly
    uh, ul = _two_sum(p, np.float64(c))
    v, verr = _two_sum(ul, perr)
    return uh + _round_to_odd(np.asarray(v, np.float64), verr)


_LOG_P = (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
          -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1)
_SIN_P = (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)
_COS_P = (2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2)


# The float32 kernel works on blocks of float32 arrays with each fused multiply-add done in float64
# (``_horner``): same-dtype NumPy calls only (a call mixing float32 and float64 costs four times
# as much), arrays of a block that stay in the cache, choices made on the bits (``np.where`` on
# random masks is slow). Checked against the straightforward version on all 2**24 inputs.
def _horner(x: np.ndarray, coefs: tuple) -> np.ndarray:
    """The float32 polynomial ``coefs`` (highest degree first) at ``x`` (float64 holding float32
    values), each step a fused multiply-add ``y * x + c``: the product is exact in float64, one
    rounding to float32 per step."""
    t = x * f64(f32(coefs[0]))
    t += f64(f32(coefs[1]))
    y = t.astype(f32)
    for c in coefs[2:]:
        np.multiply(y.astype(f64), x, out=t)
        t += f64(f32(c))
        y = t.astype(f32)
    return y


def _log_avx(x: np.ndarray) -> np.ndarray:
    """Natural log in float32 as PyTorch's AVX2 kernel computes it: mantissa m in [sqrt(1/2),
    sqrt(2)), a degree-9 polynomial in m - 1, plus the exponent times log(2) in two parts."""
    bits = x.view(np.uint32)
    m = bits & np.uint32(0x807FFFFF)
    m |= np.uint32(0x3F000000)
    m = m.view(f32)
    e = (bits >> np.uint32(23)).astype(f32)
    small = (m < f32(0.707106781186547524)).astype(f32)
    e -= f32(126)
    e -= small
    small *= m  # m where small, else 0
    m = m - f32(1)
    m += small
    z = m * m
    z64 = z.astype(f64)
    y = _horner(m.astype(f64), _LOG_P)
    y *= m
    t = y.astype(f64)  # fma(y m, z, e * -2.12194440e-4)
    t *= z64
    t += (e * f32(-2.12194440e-4)).astype(f64)
    y = t.astype(f32)
    # the last two products are exact in float32 (z / 2; e, a small integer, times a constant
    # of 9 bits): the fused steps round once, as plain float32 additions
    y -= z * f32(0.5)
    y += m
    y += e * f32(0.693359375)
    return y


def _sincos_avx(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sin and cos in float32 as PyTorch's AVX2 kernel computes them (x >= 0 here): reduction by
    multiples of pi/4 in three parts, then the Cephes polynomials."""
    j = (x * f32(1.27323954473516)).astype(np.int32)
    j += 1
    j &= ~1
    jf = j.astype(f32)
    # fma(j, -part, x) for the three parts of pi/4; j (at most 8) times the first two (8 and 11
    # bits) is exact in float32: plain float32 steps round once as the fused ones
    x32 = x - jf * f32(0.78515625)
    x32 -= jf * f32(2.4187564849853515625e-4)
    t = x32.astype(f64)
    t += jf.astype(f64) * f64(f32(-3.77489497744594108e-8))
    x32 = t.astype(f32)
    t = x32.astype(f64)
    z = x32 * x32
    z64 = z.astype(f64)
    c = _horner(z64, _COS_P)
    c *= z
    u = c.astype(f64)  # fma(c z, z, -z/2) + 1
    u *= z64
    u += (z * f32(-0.5)).astype(f64)
    c = u.astype(f32)
    c += f32(1)
    s = _horner(z64, _SIN_P)
    s *= z
    u = s.astype(f64)  # fma(s z, x, x)
    u *= t
    u += t
    s = u.astype(f32)
    # the octant: sine and cosine polynomials swapped where j & 2, then the signs, on the bits
    sb, cb = s.view(np.uint32), c.view(np.uint32)
    swap = ((j & 2) >> 1).astype(np.uint32)
    swap *= np.uint32(0xFFFFFFFF)
    swap &= sb ^ cb
    sin, cos = sb ^ swap, cb ^ swap
    sin ^= (j & 4).astype(np.uint32) << np.uint32(29)
    cos ^= ((~(j - 2)) & 4).astype(np.uint32) << np.uint32(29)
    return sin.view(f32), cos.view(f32)


def _box_muller16_f32(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Rows of 16 float32 uniforms -> 16 normals: radius from the first 8, angle from the last 8."""
    radius = _log_avx((f32(1) - u[:, :8]).ravel())
    radius *= f32(-2)
    np.sqrt(radius, out=radius)
    sin, cos = _sincos_avx((f32(2.0 * math.pi) * u[:, 8:]).ravel())
    pair = np.empty(u.shape, f32)
    pair[:, :8] = (radius * cos).reshape(-1, 8)
    pair[:, 8:] = (radius * sin).reshape(-1, 8)
    return pair if (mean, std) == (0.0, 1.0) else _fma32(pair, f32(std), f32(mean))


def _box_muller16_f64(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    radius = np.sqrt(-2 * np.log(1 - u[:, :8]))
    theta = 2.0 * math.pi * u[:, 8:]
    pair = np.concatenate([radius * np.cos(theta), radius * np.sin(theta)], axis=1)
    return pair if (mean, std) == (0.0, 1.0) else _fma64(pair, std, mean)


def _fill16(gen: Generator, n: int, dtype: np.dtype, mean: float, std: float) -> np.ndarray:
    """PyTorch's ``normal_fill``: n >= 16 uniforms transformed 16 at a time, the tail redone."""
    single = dtype != np.float64
    work = np.float32 if single else np.float64
    transform = _box_muller16_f32 if single else _box_muller16_f64
    out = unit(gen, n, dtype).astype(work, copy=False)  # transformed where it lies
    k = n // 16
    rows = out[:k * 16].reshape(k, 16)
    for start in range(0, k, _BLOCK):  # blocks that stay in the CPU's cache
        rows[start:start + _BLOCK] = transform(rows[start:start + _BLOCK], mean, std)
    if n % 16:
        out[n - 16:] = transform(unit(gen, 16, dtype).astype(work, copy=False).reshape(1, 16), mean, std).reshape(-1)
    return out


def _one_by_one(gen: Generator, n: int, mean: float, std: float) -> np.ndarray:
    """PyTorch's ``normal_distribution<double>``: pairs from two float64 uniforms (angle from the
    first, radius from the second), the second value of a pair cached in the generator."""
    out = np.empty(n, dtype=np.float64)
    i = 0
    if n and gen.next_double_normal is not None:
        out[0] = gen.next_double_normal
        gen.next_double_normal = None
        i = 1
    pairs = (n - i + 1) // 2
    if pairs:
        u = unit(gen, 2 * pairs, np.float64).reshape(pairs, 2)
        r = np.sqrt(-2.0 * np.log1p(-u[:, 1]))
        theta = 2.0 * math.pi * u[:, 0]
        values = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1).reshape(-1)
        take = n - i
        out[i:] = values[:take]
        if take < len(values):
            gen.next_double_normal = float(values[-1])
    return out if (mean, std) == (0.0, 1.0) else _fma64(out, std, mean)


def normal(gen: Generator, mean: float, std: float, size: Any, dtype: Any, contiguous: bool = True) -> np.ndarray:
    """``torch.empty(size, dtype=dtype).normal_(mean, std)``."""
    dtype = np.dtype(dtype)
    shape = _shape(size)
    n = int(np.prod(shape, dtype=np.int64))
    mean, std = float(mean), float(std)
    if n >= 16 and contiguous:
        values = _fill16(gen, n, dtype, mean, std)
    else:
        values = _one_by_one(gen, n, mean, std)
    return values.astype(dtype).reshape(shape)


# ---------------------------------------------------------------------- integers
def integers(gen: Generator, low: int, high: int, size: Any, dtype: Any = np.int64) -> np.ndarray:
    """``torch.randint(low, high, size)``: ``draw % (high - low) + low``."""
    shape = _shape(size)
    n = int(np.prod(shape, dtype=np.int64))
    span = int(high) - int(low)
    wide = span >= 1 << 32 and np.dtype(dtype) in (np.dtype(np.int64), np.dtype(np.float64), np.dtype(np.float32))
    draws = gen.random64(n) if wide else gen.random32(n)
    values = (draws % _U64(span)).astype(np.int64) + int(low)
    return values.astype(dtype).reshape(shape)


def full_range_int64(gen: Generator, n: int) -> np.ndarray:
    """``torch.empty(n, dtype=torch.int64).random_()``: 63 bits of a 64-bit draw."""
    return (gen.random64(n) & _U64((1 << 63) - 1)).astype(np.int64)


def permutation(gen: Generator, n: int) -> np.ndarray:
    """``torch.randperm(n)``: Fisher-Yates, swapping i with i + random() % (n - i)."""
    n = int(n)
    if n < 0xFFFFFFFF // 20:
        if n <= 1:
            return np.arange(n, dtype=np.int64)
        draws = (gen.random32(n - 1) % np.arange(n, 1, -1, dtype=_U64)).astype(np.int64)
        draws += np.arange(n - 1)
        return swapped(np.append(draws, n - 1))
    perm = np.arange(n, dtype=np.int64)
    draws = gen.random64(n) % np.arange(1, n + 1, dtype=_U64)  # inside-out, for huge n
    p = perm.tolist()
    for i, z in enumerate(draws.astype(np.int64).tolist()):
        p[i] = p[z]
        p[z] = i
    return np.array(p, dtype=np.int64)


def swapped(k: np.ndarray) -> np.ndarray:
    """``0, 1, ..., n-1`` after swapping positions ``i`` and ``k[i] >= i`` for i = 0, 1, ...,
    n-1 in turn (``k[n-1] = n-1``), without a Python loop over i.

    Position i is final after swap i. Before swap i, a position p >= i holds what the last swap
    j < i with ``k[j] == p`` moved there: ``held[j]``, what position j held before swap j; or p
    itself if no swap touched it yet. So ``out[i]`` is ``held[j]`` for the last j < i with
    ``k[j] == k[i]``, else ``k[i]``; and ``held[j]`` is ``held[j']`` for the last j' < j with
    ``k[j'] == j``, else j: a chain back to its first index, followed by pointer jumping."""
    n = len(k)
    idx = np.arange(n, dtype=np.int64)
    if n <= 1 << 16:  # by value, then index: a radix sort on 16 bits
        order = np.argsort(k.astype(np.uint16), kind="stable")
        value = k[order]
    else:
        key = np.sort(k * n + idx)
        value, order = np.divmod(key, n)
    same = value[1:] == value[:-1]
    prev = np.full(n, -1, dtype=np.int64)  # the last earlier index with the same k
    prev[order[1:][same]] = order[:-1][same]
    ends = np.append(~same, True)
    last = np.full(n, -1, dtype=np.int64)  # the last index with each value
    last[value[ends]] = order[ends]
    back = np.where(k == idx, prev, last)  # the last j' < j with k[j'] == j
    back = np.where(back < 0, idx, back)
    while True:
        further = back[back]
        if np.array_equal(further, back):
            break
        back = further
    return np.where(prev >= 0, back[prev], k)


# ---------------------------------------------------------------------- others
def bernoulli_scalar(gen: Generator, p: float, size: Any) -> np.ndarray:
    """``torch.empty(size).bernoulli_(p)``: a float64 uniform below ``p`` gives 1."""
    shape = _shape(size)
    n = int(np.prod(shape, dtype=np.int64))
    return (unit(gen, n, np.float64) < float(p)).reshape(shape)


def bernoulli_array(gen: Generator, p: np.ndarray) -> np.ndarray:
    """``torch.bernoulli(p)``: a uniform of ``p``'s precision below ``p`` gives 1."""
    work = np.float64 if p.dtype == np.float64 else np.float32
    u = unit(gen, p.size, work).reshape(p.shape)
    return u < p.astype(work, copy=False)


def exponential(gen: Generator, lambd: float, size: Any) -> np.ndarray:
    """``torch.empty(size).exponential_(lambd)``: ``-1/lambd * log1p(-u)``, u a float64 uniform."""
    shape = _shape(size)
    n = int(np.prod(shape, dtype=np.int64))
    return (-1.0 / float(lambd) * np.log1p(-unit(gen, n, np.float64))).reshape(shape)


def multinomial_with_replacement(gen: Generator, probs: np.ndarray, num_samples: int) -> np.ndarray:
    """Each row: the cumulative distribution in the probabilities' precision, normalised, its last
    entry set to 1; each sample is the first index whose cumulative value reaches a float64
    uniform (a binary search), row after row."""
    rows = probs.reshape(-1, probs.shape[-1])
    out = np.empty((rows.shape[0], num_samples), dtype=np.int64)
    for i, row in enumerate(rows):
        cum = np.cumsum(row, dtype=row.dtype)
        cum = cum / cum[-1]
        cum[-1] = 1
        out[i] = np.searchsorted(cum, unit(gen, num_samples, np.float64), side="left")
    return out.reshape(probs.shape[:-1] + (num_samples,))
