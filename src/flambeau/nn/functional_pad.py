r"""``pad``: the last dimensions of a tensor grown (or cropped, by negative amounts) with a
constant, their mirror image (``'reflect'``), their edge (``'replicate'``) or their other end
(``'circular'``), with PyTorch's checks, messages and node names.

Every output element copies one input element (or the constant): the gradient of an input
element is the sum of the gradients of its copies. With no cropping, the padding is separable,
one dimension after the other: the forward is NumPy's ``np.pad``, and the gradient folds each
padded dimension back, its margins added onto the elements they copy:

- constant: the middle only, :math:`g_x = g[l : l + n]`;
- reflect: the left margin reversed onto :math:`x_{1..l}`, the right one onto
  :math:`x_{n-1-r..n-2}`;
- replicate: each margin summed onto the edge element;
- circular: the left margin onto the last :math:`l` elements, the right one onto the first
  :math:`r`.

With cropping, the positions each output element copies are computed as an index array
(``-1`` for the constant) and the gradient summed over them with ``np.bincount``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..ops._core import Tensor, record
from ..ops.pool_adaptive import _int_list

_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
# non-constant padding: the number of padded dimensions -> the input dimensions PyTorch accepts
_PAD_DIMS = {1: (2, 3), 2: (3, 4), 3: (4, 5)}


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",  # noqa: A002
        value: float | None = None) -> Tensor:
    r"""Pad the last dimensions: ``pad = (left, right, top, bottom, front, back)``, the last
    dimension first. Negative amounts crop.

    Modes: ``'constant'`` (``value``, 0 by default), ``'reflect'`` (mirror without repeating the
    edge), ``'replicate'`` (repeat the edge), ``'circular'`` (wrap around). As in PyTorch, the last
    three pad 1, 2 or 3 dimensions of a (batched or not) 2-D to 5-D input, and ``'circular'``
    crops before it wraps.

    The gradient of a copied element goes back to its source: the sum over its copies.

    Shape:
        - Input: :math:`(*, D_1, ..., D_k)`.
        - Output: :math:`(*, D_1 + p_1^- + p_1^+, ..., D_k + p_k^- + p_k^+)`.
    """
    a = input._data
    pad = _int_list("pad", pad, None, "pad")  # (a float refused, as PyTorch's argument parser does)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    n = len(pad) // 2
    if n > a.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension "
                           f"but got padding length {len(pad)} and input of dimension {a.ndim}")
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode != "constant":
        if value is not None and value != 0:
            raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
        if a.ndim not in _PAD_DIMS.get(n, ()):
            raise NotImplementedError(
                f"Padding size {len(pad)} is not supported for {a.ndim}D input tensor.\n"
                "Supported combinations for non-constant padding:\n"
                "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    widths = [(0, 0)] * a.ndim
    for i in range(n):
        widths[a.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    for k, (lo, hi) in enumerate(widths):
        if a.shape[k] + lo + hi < 0 or (mode == "circular" and a.shape[k] + min(lo, 0) + min(hi, 0) < 0):
            raise RuntimeError(f"narrow(): length must be non-negative. (padding {(lo, hi)} of dimension "
                               f"{k} of size {a.shape[k]}, input of shape {list(a.shape)})")
    for i in range(n if mode == "reflect" else 0):  # the last dimension first, as PyTorch checks
        k = a.ndim - 1 - i
        lo, hi = widths[k]
        if max(lo, hi) >= a.shape[k]:
            raise RuntimeError(f"Argument #{4 + 2 * i}: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({lo}, {hi}) at dimension {k} of input {list(a.shape)}")
    if all(lo >= 0 and hi >= 0 for lo, hi in widths):
        return _pad_separable(input, widths, mode, value, _pad_node_name(mode, n))
    grow = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
    crop = tuple(slice(max(-lo, 0), a.shape[k] + min(hi, 0)) for k, (lo, hi) in enumerate(widths))
    # The positions in the input that each output element copies (-1: the constant). Circular
    # padding wraps the cropped input; reflect and replicate pad the whole input, then crop.
    index = np.arange(a.size).reshape(a.shape)
    if mode == "circular":
        index = index[crop]
        for k, (lo, hi) in enumerate(grow):
            if max(lo, hi) > index.shape[k]:
                raise RuntimeError("Padding value causes wrapping around more than once.")
        src = np.pad(index, grow, mode="wrap")
    else:
        src = np.pad(index, grow, mode=_PAD_MODES[mode], **({"constant_values": -1} if mode == "constant" else {}))
        src = src[tuple(slice(max(-lo, 0), src.shape[k] - max(-hi, 0)) for k, (lo, hi) in enumerate(widths))]
    src = np.ascontiguousarray(src)
    flat = a.reshape(-1)
    if mode == "constant":
        filler = np.asarray(0 if value is None else value).astype(a.dtype)
        out = np.where(src >= 0, flat[np.maximum(src, 0)] if a.size else filler, filler)
    else:
        out = flat[src]

    def backward(g: np.ndarray) -> tuple:
        copied = src >= 0
        if g.dtype.kind == "f" and g.dtype.itemsize >= 4:  # one pass: each source sums its copies
            gx = np.bincount(src[copied], weights=g[copied], minlength=a.size).astype(g.dtype)
        else:
            gx = np.zeros(a.size, g.dtype)
            np.add.at(gx, src[copied], g[copied])
        return (gx.reshape(a.shape),)

    return record(out.astype(a.dtype, copy=False), _pad_node_name(mode, n), (input,), backward, ())


def _pad_node_name(mode: str, n: int) -> str:
    """PyTorch's ``grad_fn`` of a padding: one kernel per mode and number of padded dimensions
    (circular padding is written with slices there: its node is a ``CopySlices``)."""
    if mode == "constant":
        return "ConstantPadNdBackward0"
    if mode == "circular":
        return "torch::autograd::CopySlices"
    return f"{'Reflection' if mode == 'reflect' else 'Replication'}Pad{n}DBackward0"


def _pad_separable(x: Tensor, widths: list, mode: str, value: float | None, name: str) -> Tensor:
    """``pad`` without cropping: ``np.pad`` forward, each dimension folded back in the gradient."""
    a = x._data
    if mode == "circular":
        for k, (lo, hi) in enumerate(widths):
            if max(lo, hi) > a.shape[k]:
                raise RuntimeError("Padding value causes wrapping around more than once.")
    if mode == "constant":
        out = np.full(tuple(s + lo + hi for s, (lo, hi) in zip(a.shape, widths)),
                      0 if value is None else value, dtype=a.dtype)
        out[tuple(slice(lo, lo + s) for s, (lo, _) in zip(a.shape, widths))] = a
    else:
        out = np.pad(a, widths, mode=_PAD_MODES[mode])
    padded = [k for k, (lo, hi) in enumerate(widths) if lo or hi]

    def backward(g: np.ndarray) -> tuple:
        for k in padded:
            g = _fold(g, k, a.shape[k], *widths[k], mode)
        return (np.ascontiguousarray(g),)

    return record(out, name, (x,), backward, ())


def _fold(g: np.ndarray, axis: int, n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """The gradient of one padded dimension of length ``n`` (margins ``lo``, ``hi``) folded back
    onto the input: the middle, plus each margin added onto the elements it copies."""
    def part(start: int, stop: int, step: int = 1) -> tuple:
        return (slice(None),) * axis + (slice(start, stop, step),)

    gx = g[part(lo, lo + n)].copy()
    if mode == "constant" or not (lo or hi):
        return gx
    left, right = g[part(0, lo)], g[part(lo + n, lo + n + hi)]
    if mode == "reflect":
        gx[part(1, lo + 1)] += left[part(None, None, -1)]
        gx[part(n - 1 - hi, n - 1)] += right[part(None, None, -1)]
    elif mode == "replicate":
        gx[part(0, 1)] += left.sum(axis=axis, keepdims=True)
        gx[part(n - 1, n)] += right.sum(axis=axis, keepdims=True)
    else:  # circular
        gx[part(n - lo, n)] += left
        gx[part(0, hi)] += right
    return gx


__all__ = ["pad"]
