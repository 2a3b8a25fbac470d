r"""PyTorch's resizing of ``uint8`` images (``bilinear``, ``bicubic``, ``lanczos``): in fixed-point
arithmetic, as PIL does, so that the results are PyTorch's to the last unit.

Along each axis whose size changes (the last one first), output pixel :math:`i` is

.. math:: y_i = \operatorname{clamp}\Big(\Big\lfloor \big(2^{p-1} + \sum_k W_{ik}\, x_{m_i + k}\big)
          / 2^p \Big\rfloor, 0, 255\Big), \qquad W_{ik} = \operatorname{round}(w_{ik}\, 2^p),

the weights :math:`w` being those of the float modes (computed in float64), and :math:`p` the
most fractional bits (at most 22) that keep the largest weight within int16. Without
``antialias``, the taps that fall outside the image are added to the border pixel's weight
(bicubic with :math:`A = -0.75`, as the float mode); with it, PIL's normalised filters.
The intermediate image is rounded to uint8 between the two passes. There is no gradient:
integer tensors never require one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .interpolate import _antialias_taps, _cubic, _floor_frac, _ratio, _source


def _border_taps(size: int, out: int, scale: float | None, align_corners: bool, cubic: bool) -> tuple:
    """The float mode's taps, starting at the first pixel inside the image, the weights of the
    taps outside it added to the border pixels; and the largest partial sum, which sets the
    precision."""
    k = 4 if cubic else 2
    r = _ratio(size, out, align_corners, scale, np.float64)
    j0, frac = _floor_frac(_source(r, out, align_corners, cubic, np.float64), size, np.float64)
    unbounded = j0[:, None] + (np.arange(k) + 1 - k // 2)
    x = (np.arange(k) + 1 - k // 2) - frac[:, None]
    w = _cubic(x, -0.75) if cubic else np.maximum(1 - np.abs(x), 0)
    first = np.maximum(unbounded[:, 0], 0)
    where = np.clip(unbounded, 0, size - 1) - first[:, None]
    weights = np.zeros((out, k))
    rows = np.arange(out)
    largest = 0.0
    for j in range(k):
        weights[rows, where[:, j]] += w[:, j]
        largest = max(largest, float(weights[rows, where[:, j]].max(initial=0.0)))
    return first, weights, largest


def _fixed_point(weights: np.ndarray, largest: float) -> tuple[np.ndarray, int]:
    """The weights as integers with ``p`` fractional bits, rounded half away from zero."""
    p = 0
    while p < 22 and int(0.5 + largest * (1 << (p + 1))) < (1 << 15):
        p += 1
    v = weights * (1 << p)
    return np.trunc(v + np.where(v < 0, -0.5, 0.5)).astype(np.int64), p


def _pass(a: np.ndarray, axis: int, first: np.ndarray, weights: np.ndarray, p: int) -> np.ndarray:
    size = a.shape[axis]
    index = np.minimum(first[:, None] + np.arange(weights.shape[1]), size - 1)
    shape = [1] * a.ndim
    shape[axis] = -1
    acc: Any = 1 << (p - 1)  # rounds the division below to the nearest
    for k in range(weights.shape[1]):
        acc = acc + np.take(a, index[:, k], axis=axis).astype(np.int64) * weights[:, k].reshape(shape)
    return np.clip(acc >> p, 0, 255).astype(np.uint8)


def resize_uint8(a: np.ndarray, sizes: tuple, scales: Any, mode: str, align_corners: bool,
                 antialias: bool) -> np.ndarray:
    """``a`` (N, C, H, W) uint8 resized to ``sizes`` as PyTorch does."""
    out = a
    for k in reversed(range(len(sizes))):
        size = a.shape[2 + k]
        if sizes[k] == size:
            continue
        if antialias:
            index, w = _antialias_taps(size, sizes[k], scales[k], align_corners, mode, np.float64)
            first, largest = index[:, 0], float(w.max(initial=0.0))
        else:
            first, w, largest = _border_taps(size, sizes[k], scales[k], align_corners, mode == "bicubic")
        out = _pass(out, 2 + k, first, *_fixed_point(w, largest))
    return out.copy() if out is a else out


__all__: list[str] = []
