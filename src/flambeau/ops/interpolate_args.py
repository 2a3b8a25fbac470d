r"""The arguments of :func:`~flambeau.nn.functional.interpolate`, checked as PyTorch checks them:
the output size (``size`` or ``scale_factor``, and which scales place the samples), the modes
each number of dimensions allows, and the messages, word for word, of PyTorch's Python layer,
of its argument parser and of its kernels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._dtype import scalar_name
from ._core import Tensor

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
