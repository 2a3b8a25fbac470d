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
(``area`` is adaptive average pooling, in ``pool.py``; uint8 images are resized in fixed-point
arithmetic, in ``interpolate_uint8.py``.)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._dtype import scalar_name
from ._core import Tensor, _make, ensure_tensor, record
from .pool import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

# (mode, spatial dims): PyTorch's node name and the kernel its dtype error names
_KERNELS = {
    ("nearest", 1): ("UpsampleNearest1D", "compute_indices_weights_nearest"),
    ("nearest", 2): ("UpsampleNearest2D", "upsample_nearest2d_channels_last"),
    ("nearest", 3): ("UpsampleNearest3D", "compute_indices_weights_nearest"),
    ("nearest-exact", 1): ("UpsampleNearestExact1D", "compute_indices_weights_nearest"),
    ("nearest-exact", 2): ("UpsampleNearestExact2D", "upsample_nearest2d_channels_last"),
    ("nearest-exact", 3): ("UpsampleNearestExact3D", "compute_indices_weights_nearest"),
    ("linear", 1): ("UpsampleLinear1D", "compute_indices_weights_linear"),
    ("bilinear", 2): ("UpsampleBilinear2D", "upsample_bilinear2d_channels_last"),
    ("trilinear", 3): ("UpsampleTrilinear3D", "compute_indices_weights_linear"),
    ("bicubic", 2): ("UpsampleBicubic2D", "compute_indices_weights_cubic"),
    ("lanczos", 2): ("UpsampleLanczos2D", "compute_index_ranges_weights"),
}
_WANTS = {"linear": 3, "bilinear": 4, "trilinear": 5}
_AXES = {1: "W", 2: "HW", 3: "DHW"}

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
# the arguments, checked as PyTorch does


def _is_integer(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) or isinstance(v, Tensor) and v.dtype.category < 2


def _output_size(shape: tuple, nd: int, size: Any, scale_factor: Any,
                 recompute: bool | None, mode: str) -> tuple[tuple[int, ...], Sequence[float | None]]:
    """The output's spatial size and the scales the source coordinates use (None: recomputed from
    the sizes)."""
    spatial = list(shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != nd:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got input with "
                    f"spatial dimensions of {spatial} and output size of {size}. Please provide input tensor "
                    "in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
            if not all(_is_integer(v) for v in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                                f"Tuple[int, int, int], but got size with types {[type(v) for v in size]}")
            sizes = tuple(int(v) for v in size)
        else:
            sizes = (int(size),) * max(nd, 0)
        if recompute:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        return sizes, (None,) * len(sizes)
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != nd:
            raise ValueError(
                "Input and scale_factor must have the same number of spatial dimensions, but got input with "
                f"spatial dimensions of {spatial} and scale_factor of shape {scale_factor}. Please provide "
                "input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
        factors = tuple(float(f) for f in scale_factor)
    else:
        factors = (float(scale_factor),) * max(nd, 0)
    sizes = tuple(int(s * f) for s, f in zip(spatial, factors))
    # the given factors place the samples unless asked to recompute them ('area' always does)
    return sizes, (None,) * len(sizes) if recompute or mode == "area" else factors


def _mode_error(mode: str, ndim: int) -> Exception:
    if mode in _WANTS and ndim in (3, 4, 5):
        return NotImplementedError(f"Got {ndim}D input, but {mode} mode needs {_WANTS[mode]}D input")
    return NotImplementedError(
        f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {ndim}D) for the modes: nearest | "
        f"linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact (got {mode})")


def _op_name(mode: str, nd: int, antialias: bool) -> str:
    if mode.startswith("nearest"):
        return f"{'_upsample_nearest_exact' if mode == 'nearest-exact' else 'upsample_nearest'}{nd}d"
    if antialias:
        return f"_upsample_{mode}2d_aa"
    return f"upsample_{mode}{nd}d"


def _check_int_sizes(size: Any, mode: str, nd: int, antialias: bool) -> None:
    """PyTorch's argument parser's error for a size that is not made of ints."""
    values = list(size) if isinstance(size, (list, tuple)) else [size] * nd
    if all(isinstance(v, (int, np.integer, Tensor)) and not isinstance(v, bool) for v in values):
        return
    kind = type(size).__name__ if isinstance(size, (list, tuple)) else "list"
    names = ", ".join(type(v).__name__ for v in values)
    shown = f"{kind} of ({names})" if kind == "tuple" else f"{kind} of [{names}]"
    corners = "" if mode.startswith("nearest") else "bool align_corners, "
    flag = "" if mode.startswith("nearest") else "bool, "
    scales = "float scales = None" if nd == 1 else ", ".join(f"float scales_{d} = None" for d in _AXES[nd].lower())
    raise TypeError(
        f"{_op_name(mode, nd, antialias)}() received an invalid combination of arguments - got (Tensor, {kind}, "
        f"{flag}NoneType), but expected one of:\n * (Tensor input, tuple of ints output_size, {corners}tuple of "
        f"floats scale_factors)\n      didn't match because some of the arguments have invalid types: (Tensor, "
        f"!{shown}!, {flag}!NoneType!)\n * (Tensor input, tuple of ints output_size, {corners}{scales}, *, "
        "Tensor out = None)\n")


def _check_sizes(shape: tuple, sizes: tuple, kernel: str, dtype: np.dtype, mode: str) -> None:
    nd = len(sizes)
    if min(shape[2:]) <= 0 or min(sizes) <= 0:
        names = _AXES[nd]
        given = ", ".join(f"{n}: {s}" for n, s in zip(names, shape[2:]))
        wanted = ", ".join(f"{n}: {s}" for n, s in zip(names, sizes))
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({given})"
                           f"{' and' if nd == 1 else ''} output ({wanted})")
    if shape[1] == 0:
        raise RuntimeError(f"Non-empty {nd + 2}D data tensor expected but got a tensor with sizes {list(shape)}")
    half = dtype.kind in "fV" and dtype not in (np.float32, np.float64)
    if dtype.kind not in "fV" or half and kernel == "compute_index_ranges_weights":  # antialias: not in half
        if dtype != np.uint8 or mode in ("linear", "trilinear"):
            raise NotImplementedError(f'"{kernel}" not implemented for \'{scalar_name(dtype)}\'')


# ---------------------------------------------------------------------------------------------


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
