r"""Pooling: ``max_pool2d`` (and ``max_pool1d``), ``avg_pool2d`` (and ``avg_pool1d``); the
adaptive poolings are in ``pool_adaptive.py``, resizing in ``interpolate.py``.

A pooling layer slides a window over each channel, as a convolution does, but summarises the
window with a fixed function instead of learned weights:

- **max pooling** keeps the largest value: :math:`y = \max_{(i, j) \in \text{window}} x_{ij}`.
  Its local gradient is 1 for the element that won and 0 for the others, so the gradient from
  above goes back to the winner only (the first one in reading order when there are ties, as in
  PyTorch);
- **average pooling** keeps the mean: :math:`y = \frac{1}{|\text{window}|} \sum x_{ij}`, and
  each element of the window gets :math:`g / |\text{window}|`.

Both are written as a loop over the :math:`k_h k_w` positions of the window, each one a strided
slice of the (padded) input covering every output at once: a handful of whole-array NumPy
operations, whatever the size of the images.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._core import _SAME_SIZE_INT, Tensor, _make, ensure_tensor, record
from .conv import _scratch

# ---------------------------------------------------------------------------------------------
# shared geometry


def _ntuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    out = tuple(int(v) for v in value)
    if len(out) == 1:
        return out * n
    if len(out) != n:
        raise RuntimeError(f"{name} must either be a single int, or a tuple of {n} ints (got {list(out)})")
    return out


def _pool_out(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    r"""Output length: :math:`\lfloor (L + 2p - d (k - 1) - 1) / s \rfloor + 1` (ceiling with
    ``ceil_mode``, but the last window must start inside the input or its left padding)."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pool_setup(x: Tensor, name: str, nd: int, kernel_size: Any, stride: Any, padding: Any,
                dilation: Any, ceil_mode: bool) -> tuple:
    """Check a pooling's arguments (PyTorch's messages); return the input as (N, C, H, W), the
    2-D kernel, stride, padding, dilation, output size and whether it had a batch."""
    a = x._data
    if a.ndim not in (nd + 1, nd + 2) or a.size == 0 and a.ndim == nd + 1:
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input "
                           f"(got input of size {list(a.shape)})")
    k = _ntuple(kernel_size, nd, "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _ntuple(stride, nd, "stride")
    p = _ntuple(padding, nd, "padding")
    d = _ntuple(dilation, nd, "dilation")
    if min(k) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_size={list(k)}")
    if min(s) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got stride={list(s)}")
    if min(d) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilation={list(d)}")
    for kk, pp, dd in zip(k, p, d):
        if pp < 0 or pp > ((kk - 1) * dd + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                               f"kernel_size={kk} and dilation={dd}")
    batched = a.ndim == nd + 2
    a4 = a if batched else a[None]
    if nd == 1:
        a4 = a4[:, :, None, :]
        k, s, p, d = (1,) + k, (1,) + s, (0,) + p, (1,) + d
    n, c, h, w = a4.shape
    oh = _pool_out(h, k[0], s[0], p[0], d[0], ceil_mode)
    ow = _pool_out(w, k[1], s[1], p[1], d[1], ceil_mode)
    if oh < 1 or ow < 1:
        ins = "x".join(map(str, a4.shape[1:] if nd == 2 else (c, w)))
        outs = "x".join(map(str, (c, oh, ow) if nd == 2 else (c, ow)))
        raise RuntimeError(f"Given input size: ({ins}). Calculated output size: ({outs}). Output size is "
                           "too small")
    return a4, k, s, p, d, (oh, ow), batched


def _padded(a: np.ndarray, k: tuple, s: tuple, p: tuple, d: tuple, out: tuple,
            fill: Any) -> np.ndarray:
    """The input padded with ``fill``: ``p`` before, and after as far as the last window
    reaches (ceil mode may read past the padding)."""
    n, c, h, w = a.shape
    need = [(o - 1) * ss + dd * (kk - 1) + 1 for o, ss, dd, kk in zip(out, s, d, k)]
    after = [max(need[0] - h - p[0], 0), max(need[1] - w - p[1], 0)]
    if not (p[0] or p[1] or after[0] or after[1]):
        return a
    xp = np.full((n, c, h + p[0] + after[0], w + p[1] + after[1]), fill, a.dtype)
    xp[:, :, p[0]:p[0] + h, p[1]:p[1] + w] = a
    return xp


def _window(xp: np.ndarray, i: int, j: int, s: tuple, d: tuple, out: tuple) -> np.ndarray:
    """The elements at kernel position (i, j) of every window: a strided slice (N, C, OH, OW)."""
    r0, c0 = i * d[0], j * d[1]
    return xp[:, :, r0:r0 + (out[0] - 1) * s[0] + 1:s[0], c0:c0 + (out[1] - 1) * s[1] + 1:s[1]]


def _lowest(dtype: np.dtype) -> Any:
    if dtype.kind in "fV":
        return -np.inf
    if dtype.kind == "b":
        return False
    return np.iinfo(dtype).min


def _back_to(g4: np.ndarray, nd: int, batched: bool) -> np.ndarray:
    if nd == 1:
        g4 = g4[:, :, 0, :]
    return g4 if batched else g4[0]


def _from(g: np.ndarray, nd: int, batched: bool) -> np.ndarray:
    if not batched:
        g = g[None]
    return g[:, :, None, :] if nd == 1 else g


# ---------------------------------------------------------------------------------------------
# max pooling


def _max_pool(name: str, nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any,  # noqa: A002
              dilation: Any, ceil_mode: bool, return_indices: bool) -> Any:
    x = ensure_tensor(input)
    a4, k, s, p, d, out, batched = _pool_setup(x, name, nd, kernel_size, stride, padding, dilation,
                                               ceil_mode)
    xp = _padded(a4, k, s, p, d, out, _lowest(a4.dtype))
    kk = k[0] * k[1]
    # Running maximum over the kernel positions, and which position won: the first one on ties
    # (a strict >), and a NaN always (it must propagate, as in PyTorch). Each position's slice
    # is first copied to a contiguous buffer: NumPy is several times faster on those. As the
    # positions come in increasing order, "arg = pos where it won" is max(arg, won * pos).
    best = _window(xp, 0, 0, s, d, out).copy()  # a new array: the running maximum is updated in place
    arg = np.zeros(best.shape, np.uint8 if kk <= 256 else np.int32)
    nan_aware = a4.dtype.kind in "fV" and bool(np.isnan(a4).any())
    v = _scratch.get("pool_value", best.shape, best.dtype)
    wins = _scratch.get("pool_wins", best.shape, np.dtype(bool))
    stamp = _scratch.get("pool_stamp", best.shape, arg.dtype)
    for pos in range(1, kk):
        np.copyto(v, _window(xp, pos // k[1], pos % k[1], s, d, out))
        np.greater(v, best, out=wins)
        if nan_aware:
            wins |= np.isnan(v)
            np.copyto(best, v, where=wins)
        else:
            np.maximum(best, v, out=best)
        np.multiply(wins.view(np.uint8), pos, out=stamp, dtype=stamp.dtype)  # integers: fast
        np.maximum(arg, stamp, out=arg)
    del v, wins, stamp
    # windows that never overlap send each input element at most one gradient
    disjoint = all(ss >= dd * (kk_ - 1) + 1 for ss, dd, kk_ in zip(s, d, k))
    h, w = a4.shape[2:]

    def indices() -> np.ndarray:
        """Where each maximum came from, as a flat index into its (unpadded) input plane."""
        i, j = np.divmod(arg.astype(np.int64), k[1])
        rows = np.arange(out[0]).reshape(-1, 1) * s[0] + i * d[0] - p[0]
        cols = np.arange(out[1]) * s[1] + j * d[1] - p[1]
        return rows * w + cols

    def backward(g: np.ndarray) -> tuple:
        # PyTorch adds g into zeros: a -0 gradient becomes +0 (done here on g, 1/k_h k_w of
        # the input's size), and the losers get +0 whatever g is (inf, NaN, negative): g's
        # bits times the mask (keep_where), not g * mask.
        g4 = np.add(_from(g, nd, batched), 0, order="C")
        bits = g4.view(_SAME_SIZE_INT[g4.dtype.itemsize])
        # windows side by side covering the whole (padded) input write every element once
        tiles = disjoint and d == (1, 1) and s == k and xp.shape[2:] == (out[0] * k[0], out[1] * k[1])
        gxp = np.empty(xp.shape, g.dtype) if tiles else np.zeros(xp.shape, g.dtype)
        won = _scratch.get("pool_wins", arg.shape, np.dtype(bool))
        share = _scratch.get("pool_value", g4.shape, g.dtype)
        for pos in range(kk):
            np.equal(arg, pos, out=won)
            target = _window(gxp, pos // k[1], pos % k[1], s, d, out)
            if disjoint:
                np.multiply(bits, won, out=target.view(bits.dtype), dtype=bits.dtype)
            else:
                np.multiply(bits, won, out=share.view(bits.dtype), dtype=bits.dtype)
                target += share
        gx = gxp[:, :, p[0]:p[0] + h, p[1]:p[1] + w]
        return (_back_to(gx, nd, batched),)

    result = record(_back_to(best, nd, batched), f"MaxPool{nd}DWithIndicesBackward0", (x,), backward)
    if return_indices:
        return result, _make(_back_to(indices(), nd, batched))
    return result


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    r"""2-D max pooling: the largest value of each :math:`k_h \times k_w` window.

    .. math::
        \text{out}(n, c, a, b) = \max_{i < k_h,\, j < k_w}
            \text{input}(n, c,\; a s_h + i d_h - p_h,\; b s_w + j d_w - p_w)

    ``stride`` defaults to ``kernel_size``; padding (at most half the kernel) never wins;
    ``ceil_mode`` keeps a last, partial window. With ``return_indices``, also returns where each
    maximum came from (a flat index into its H x W plane, int64), as ``MaxUnpool2d`` wants.
    The gradient goes to the element that won each window.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: :math:`(N, C, H_{out}, W_{out})`,
          :math:`H_{out} = \lfloor (H + 2p - d (k - 1) - 1) / s \rfloor + 1` (ceiling in ceil mode).
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    r"""1-D max pooling over the last dimension (``max_pool2d`` on a signal one pixel high).

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`.
        - Output: :math:`(N, C, L_{out})`.
    """
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool2d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
                            dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """:func:`max_pool2d`'s output and indices, always both (``return_indices`` is ignored)."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
                            dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """:func:`max_pool1d`'s output and indices, always both (``return_indices`` is ignored)."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ---------------------------------------------------------------------------------------------
# average pooling


def _divisors(size: int, out: int, k: int, s: int, p: int, count_include_pad: bool) -> np.ndarray:
    """How many elements each window averages, along one dimension: the window clipped to the
    padded input (``count_include_pad``) or to the input itself."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, size + p)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


def _avg_pool(name: str, nd: int, input: Tensor, kernel_size: Any, stride: Any, padding: Any,  # noqa: A002
              ceil_mode: bool, count_include_pad: bool, divisor_override: int | None) -> Tensor:
    x = ensure_tensor(input)
    a4, k, s, p, d, out, batched = _pool_setup(x, name, nd, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    xp = _padded(a4, k, s, p, d, out, 0)
    acc = a4.dtype if a4.dtype.kind in "fV" else np.dtype(np.float64)
    total = _window(xp, 0, 0, s, d, out).astype(acc)
    for pos in range(1, k[0] * k[1]):
        total += _window(xp, pos // k[1], pos % k[1], s, d, out)
    h, w = a4.shape[2:]
    if divisor_override is not None:
        div: Any = divisor_override
    else:
        dh = _divisors(h, out[0], k[0], s[0], p[0], count_include_pad)
        dw = _divisors(w, out[1], k[1], s[1], p[1], count_include_pad)
        div = np.outer(dh, dw).astype(acc)
    if a4.dtype.kind in "fV":
        result = total / div
    else:  # integer pooling divides like C (towards zero)
        result = np.trunc(total / div).astype(a4.dtype)
    scale = 1 / np.asarray(div, dtype=acc)

    def backward(g: np.ndarray) -> tuple:
        share = _from(g, nd, batched) * scale.astype(g.dtype, copy=False)
        gxp = np.zeros(xp.shape, g.dtype)
        for pos in range(k[0] * k[1]):
            target = _window(gxp, pos // k[1], pos % k[1], s, d, out)
            target += share
        return (_back_to(gxp[:, :, p[0]:p[0] + h, p[1]:p[1] + w], nd, batched),)

    return record(_back_to(result.astype(a4.dtype, copy=False), nd, batched),
                  f"AvgPool{nd}DBackward0", (x,), backward)


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    r"""2-D average pooling: the mean of each :math:`k_h \times k_w` window.

    .. math::
        \text{out}(n, c, a, b) = \frac{1}{|w_{ab}|} \sum_{i < k_h,\, j < k_w}
            \text{input}(n, c,\; a s_h + i - p_h,\; b s_w + j - p_w)

    The padded zeros count in :math:`|w_{ab}|` with ``count_include_pad`` (the default), not
    otherwise; ``divisor_override`` replaces it. Each input element gets the gradient of every
    window it is in, divided by that window's count.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: :math:`(N, C, H_{out}, W_{out})`,
          :math:`H_{out} = \lfloor (H + 2p - k) / s \rfloor + 1` (ceiling in ceil mode).
    """
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    r"""1-D average pooling over the last dimension.

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`.
        - Output: :math:`(N, C, L_{out})`.
    """
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


__all__ = ["max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices", "avg_pool1d",
           "avg_pool2d"]
