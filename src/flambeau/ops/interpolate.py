r"""Resizing signals, images and volumes: ``interpolate`` (``nn.Upsample``), with PyTorch's modes.

Every mode is *separable* and *linear in the input*: along each spatial axis, output index
:math:`i` is a weighted sum of a few input indices,

.. math:: y_i = \sum_k w_{ik}\, x_{j_{ik}},

and a 2-D or 3-D resize applies that rule along each axis in turn. A mode is only a way to choose
the taps :math:`(j_{ik}, w_{ik})` from the source coordinate of output :math:`i`
(:math:`s_i = r\,(i + \tfrac12) - \tfrac12` with :math:`r = L_{in} / L_{out}`, or
:math:`r\, i` with ``align_corners=True`` and :math:`r = (L_{in} - 1) / (L_{out} - 1)`):

- ``nearest``: one tap, :math:`\lfloor i\, r \rfloor`, weight 1 (``nearest-exact``:
  :math:`\lfloor (i + \tfrac12)\, r \rfloor`);
- ``linear``, ``bilinear``, ``trilinear``: two taps, :math:`\lfloor s \rfloor` and the next one,
  weights :math:`1 - t` and :math:`t` with :math:`t = s - \lfloor s \rfloor`;
- ``bicubic``: four taps around :math:`s` (indices clamped to the border), Keys' cubic
  convolution weights with :math:`A = -0.75`;
- ``antialias=True`` (bilinear, bicubic, and ``lanczos``, which needs it): when shrinking, the
  filter is stretched by the scale so that every input pixel counts (PIL's resampling); the
  weights are normalised to sum to 1.

Because the output is linear in the input, the local gradient is the same weighting,
transposed: input pixel :math:`j` receives :math:`\sum_{i,k:\, j_{ik} = j} w_{ik}\, g_i`.
(``area`` is adaptive average pooling, in ``pool_adaptive.py``; uint8 images are resized in fixed-point
arithmetic, in ``interpolate_uint8.py``.)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._core import Tensor, _make, ensure_tensor, record
from .interpolate_args import _KERNELS, _check_int_sizes, _check_sizes, _mode_error, _output_size
from .pool_adaptive import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

# ---------------------------------------------------------------------------------------------
# the taps of one axis: (out, K) source indices and weights


def _ratio(size: int, out: int, align_corners: bool, scale: float | None, t: type) -> Any:
    r"""Input pixels per output pixel, PyTorch's ``area_pixel_compute_scale`` in the compute type:
    :math:`(L-1)/(L_{out}-1)` with ``align_corners``, else 1/scale_factor when one was given,
    else :math:`L / L_{out}`."""
    if align_corners:
        return t(size - 1) / t(out - 1) if out > 1 else t(0)
    if scale is not None and scale > 0:
        return t(1.0 / scale)
    return t(size) / t(out)


def _source(r: Any, out: int, align_corners: bool, cubic: bool, t: type) -> np.ndarray:
    """The (fractional) source coordinate of each output index; below 0 is clamped except for
    the cubic taps, which clamp their indices instead."""
    i = np.arange(out, dtype=t)
    if align_corners:
        return r * i
    src = r * (i + t(0.5)) - t(0.5)
    return src if cubic else np.maximum(src, t(0))


def _floor_frac(src: np.ndarray, size: int, t: type) -> tuple[np.ndarray, np.ndarray]:
    """Integer part (at most L - 1) and fraction (within [0, 1]) of each source coordinate."""
    j = np.minimum(np.floor(src).astype(np.int64), size - 1)
    return j, np.clip(src - j.astype(t), t(0), t(1))


def _nearest_taps(size: int, out: int, scale: float | None, exact: bool, shortcut: bool) -> np.ndarray:
    r"""PyTorch's nearest rule, in float32 whatever the dtype: :math:`\min(\lfloor i\, r \rfloor,
    L - 1)` (``nearest-exact``: at the pixel centres, :math:`(i + \tfrac12)\, r`). Its 2-D
    kernel copies when the size is kept and halves the index when it is doubled."""
    if shortcut and out == size:
        return np.arange(out)[:, None]
    if shortcut and out == 2 * size:
        return (np.arange(out) >> 1)[:, None]
    r = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(size) / np.float32(out)
    i = np.arange(out, dtype=np.float32)
    src = np.floor((i + np.float32(0.5)) * r if exact else i * r)
    return np.minimum(src.astype(np.int64), size - 1)[:, None]


def _linear_taps(size: int, out: int, scale: float | None, align_corners: bool, t: type) -> tuple:
    if out == size:  # PyTorch copies, whatever the scale_factor
        j = np.arange(out)
        return np.stack([j, j], 1), np.stack([np.ones(out, t), np.zeros(out, t)], 1)
    j0, frac = _floor_frac(_source(_ratio(size, out, align_corners, scale, t), out, align_corners, False, t), size, t)
    j1 = j0 + (j0 < size - 1)
    return np.stack([j0, j1], 1), np.stack([t(1) - frac, frac], 1)


def _cubic(x: np.ndarray, a: float) -> np.ndarray:
    r"""Keys' cubic convolution kernel: :math:`((a+2)|x| - (a+3))x^2 + 1` for :math:`|x| \le 1`,
    :math:`((a|x| - 5a)|x| + 8a)|x| - 4a` for :math:`1 < |x| < 2`, 0 beyond."""
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x <= 1, near, np.where(x < 2, far, 0 * x))


def _cubic_taps(size: int, out: int, scale: float | None, align_corners: bool, t: type) -> tuple:
    j0, frac = _floor_frac(_source(_ratio(size, out, align_corners, scale, t), out, align_corners, True, t), size, t)
    a = t(-0.75)
    w = np.stack([_cubic(frac + t(1), a), _cubic(frac, a), _cubic(t(1) - frac, a), _cubic(t(2) - frac, a)], 1)
    return np.clip(j0[:, None] + np.arange(-1, 3), 0, size - 1), w.astype(t)


def _lanczos(x: np.ndarray) -> np.ndarray:
    r"""Lanczos-3: :math:`\operatorname{sinc}(x) \operatorname{sinc}(x / 3)` for :math:`|x| < 3`."""
    return np.where(np.abs(x) < 3, np.sinc(x) * np.sinc(x / 3), 0 * x)


_FILTERS = {  # mode: (half-width of the filter, the filter)
    "bilinear": (1.0, lambda x: np.maximum(1 - np.abs(x), 0)),
    "bicubic": (2.0, lambda x: _cubic(x, -0.5)),
    "lanczos": (3.0, _lanczos),
}


def _antialias_taps(size: int, out: int, scale: float | None, align_corners: bool, mode: str,
                    t: type) -> tuple:
    r"""PIL's resampling: the filter (triangle, Keys' cubic with :math:`a = -1/2`, or Lanczos-3)
    centred on :math:`r (i + \tfrac12)` and, when shrinking (:math:`r > 1`), stretched by
    :math:`r`; the taps are the input pixels under it, weights normalised to sum to 1."""
    r = float(_ratio(size, out, align_corners, scale, t))
    half, filt = _FILTERS[mode]
    support = half * r if r >= 1 else half
    k = int(math.ceil(support)) * 2 + 1
    centre = r * (np.arange(out) + 0.5)
    first = np.maximum((centre - support + 0.5).astype(np.int64), 0)
    count = np.clip(np.minimum((centre + support + 0.5).astype(np.int64), size) - first, 0, k)
    j = np.arange(k)
    x = (j + first[:, None] - centre[:, None] + 0.5) * (1 / r if r >= 1 else 1.0)
    w = np.where(j < count[:, None], filt(x), 0.0)
    total = w.sum(1, keepdims=True)
    w = np.divide(w, total, out=w, where=total != 0)
    return np.minimum(first[:, None] + j, size - 1), w.astype(t)


def _plan(mode: str, shape: tuple, sizes: tuple, scales: Sequence[float | None], align_corners: bool,
          antialias: bool, t: type) -> tuple[list, list]:
    """The taps of each axis for the forward, and those the backward uses (PyTorch's backward
    kernels do not always take its forward's)."""
    nd = len(sizes)
    taps, back = [], []
    for size, out, scale in zip(shape, sizes, scales):
        if mode.startswith("nearest"):
            exact = mode == "nearest-exact"
            taps.append((_nearest_taps(size, out, scale, exact, not exact and nd == 2), None))
            # PyTorch's 1-D and 3-D backward kernels take the 2-D kernel's shortcuts, its forward not
            back.append((_nearest_taps(size, out, scale, exact, not exact), None))
        elif antialias:
            taps.append(_antialias_taps(size, out, scale, align_corners, mode, t))
        elif mode == "bicubic":
            taps.append(_cubic_taps(size, out, scale, align_corners, t))
        else:
            taps.append(_linear_taps(size, out, scale, align_corners, t))
    if mode == "bicubic" and not antialias and tuple(sizes) == tuple(shape):
        # PyTorch's bicubic backward copies the gradient when the size is kept, whatever the scale
        back = [(np.arange(s)[:, None], None) for s in sizes]
    return taps, back or taps


# ---------------------------------------------------------------------------------------------
# one axis at a time, forward and transposed


def _along(a: np.ndarray, axis: int, index: np.ndarray, weight: np.ndarray | None) -> np.ndarray:
    r""":math:`y_i = \sum_k w_{ik}\, x_{j_{ik}}` along ``axis`` (a copy when there is no weight)."""
    shape = [1] * a.ndim
    shape[axis] = -1
    out = None
    for k in range(index.shape[1]):
        term = np.take(a, index[:, k], axis=axis)
        if weight is not None:
            term *= weight[:, k].reshape(shape)
        out = term if out is None else np.add(out, term, out=out)
    return out


def _transposed(index: np.ndarray, weight: np.ndarray | None, size: int) -> tuple:
    r"""The taps of the transposed weighting: for each input index j, the outputs i that read it
    and their weights :math:`w_{ik}`, padded with index ``len(index)`` (a zero appended to the
    gradient) where an input has fewer than the most."""
    out, k = index.shape
    src = index.ravel()
    order = np.argsort(src, kind="stable")
    src, dst = src[order], np.repeat(np.arange(out), k)[order]
    counts = np.bincount(src, minlength=size)
    slot = np.arange(src.size) - (np.cumsum(counts) - counts)[src]
    back = np.full((size, max(int(counts.max(initial=0)), 1)), out)
    back[src, slot] = dst
    if weight is None:
        return back, None, bool((counts < back.shape[1]).any())
    w = np.zeros(back.shape, weight.dtype)
    w[src, slot] = weight.ravel()[order]
    return back, w, bool((counts < back.shape[1]).any())


def _along_transposed(g: np.ndarray, axis: int, index: np.ndarray, weight: np.ndarray | None,
                      size: int) -> np.ndarray:
    r"""The gradient of :func:`_along`: input index j gets :math:`\sum_{j_{ik} = j} w_{ik} g_i`,
    gathered as the forward is, with the transposed taps."""
    back, w, padded = _transposed(index, weight, size)
    if padded:
        zero = list(g.shape)
        zero[axis] = 1
        g = np.concatenate([g, np.zeros(zero, g.dtype)], axis=axis)
    return _along(g, axis, back, w)


# ---------------------------------------------------------------------------------------------
# the function


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,  # noqa: A002
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    r"""Resize a batch of signals (N, C, L), images (N, C, H, W) or volumes (N, C, D, H, W) to
    ``size``, or by ``scale_factor``, each output value a weighted sum of nearby input values:

    - ``'nearest'``, ``'nearest-exact'`` (3-D to 5-D): copy the nearest input pixel;
    - ``'linear'`` (3-D), ``'bilinear'`` (4-D), ``'trilinear'`` (5-D): weights :math:`1-t, t`
      along each axis, :math:`t` the fractional part of the source coordinate;
    - ``'bicubic'`` (4-D): four neighbours per axis, cubic convolution (:math:`A = -0.75`);
      values may overshoot the input's range;
    - ``'area'``: adaptive average pooling to the output size;
    - ``'lanczos'`` (4-D, with ``antialias=True``): the Lanczos-3 filter.

    The source coordinate of output index :math:`i` is :math:`r(i + \tfrac12) - \tfrac12`, with
    :math:`r = 1/\text{scale\_factor}` when one is given (and ``recompute_scale_factor`` is not
    True), else :math:`L_{in}/L_{out}`; with ``align_corners=True`` it is :math:`i (L_{in}-1) /
    (L_{out}-1)`, so that the corner pixels match. ``antialias=True`` (bilinear, bicubic,
    lanczos) widens the filter when shrinking, as PIL does. The gradient is the same weighting,
    transposed. uint8 images are resized in PyTorch's fixed-point arithmetic (same bytes).

    Shape:
        - Input: :math:`(N, C, L)`, :math:`(N, C, H, W)` or :math:`(N, C, D, H, W)`.
        - Output: the same with each spatial size :math:`\lfloor L \cdot \text{scale\_factor}
          \rfloor` or taken from ``size``.

    Example::

        >>> x = torch.tensor([[[[1., 2.], [3., 4.]]]])
        >>> F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)[0, 0, 0]
        tensor([1.0000, 1.3333, 1.6667, 2.0000])
    """
    x = ensure_tensor(input)
    a = x._data
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    nd = a.ndim - 2
    sizes, scales = _output_size(a.shape, nd, size, scale_factor, recompute_scale_factor, mode)
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and a.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and "
                         "requires a 4-D tensor as input")
    if mode == "area" and nd in (1, 2, 3):
        if size is not None and not isinstance(size, (list, tuple)):  # PyTorch passes [size] * nd on:
            sizes = [size] * nd  # a float is refused there, with the adaptive pooling's TypeError
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[nd - 1](x, sizes)
    if mode == "lanczos" and nd == 2:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    if (mode, nd) not in _KERNELS:
        raise _mode_error(mode, a.ndim)
    name, kernel = _KERNELS[mode, nd]
    kernel = "compute_index_ranges_weights" if antialias else kernel
    if size is not None:
        _check_int_sizes(size, mode, nd, antialias)
    _check_sizes(a.shape, sizes, kernel, a.dtype, mode)
    if a.dtype == np.uint8 and not mode.startswith("nearest"):
        from .interpolate_uint8 import resize_uint8  # fixed-point, as PyTorch (no gradient)

        return _make(resize_uint8(a, sizes, scales, mode, bool(align_corners), antialias))
    t = np.float64 if a.dtype == np.float64 else np.float32  # PyTorch's opmath type
    taps, back = _plan(mode, a.shape[2:], sizes, scales, bool(align_corners), antialias, t)
    name += "Aa" if antialias else ""
    src = a if taps[0][1] is None or a.dtype == t else a.astype(t)
    out = src
    for k in reversed(range(nd)):  # the last axis first, as PyTorch's kernels nest
        out = _along(out, 2 + k, *taps[k])

    shape, dtype = a.shape, a.dtype

    def backward(g: np.ndarray) -> tuple:
        g = g.astype(t, copy=False)  # accumulated in float32 for float16 and bfloat16
        for k in range(nd):
            g = _along_transposed(g, 2 + k, *back[k], shape[2 + k])
        return (g.astype(dtype, copy=False),)

    # the backward reads no input (PyTorch saves only the sizes): changing x in place is allowed
    return record(out.astype(a.dtype, copy=False), f"{name}Backward0", (x,), backward, saved=())


def _deprecated(name: str) -> None:
    warnings.warn(f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=3)


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
             align_corners: bool | None = None) -> Tensor:
    """:func:`interpolate`'s old name (deprecated, with PyTorch's warning)."""
    _deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:  # noqa: A002
    """``interpolate(input, size, scale_factor, mode='nearest')`` (deprecated, with PyTorch's warning)."""
    _deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:  # noqa: A002
    """``interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)`` (deprecated,
    with PyTorch's warning)."""
    _deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]
