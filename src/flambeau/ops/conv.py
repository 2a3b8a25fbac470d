r"""Convolutions: ``conv1d``, ``conv2d``, ``conv_transpose2d``, and the sliding blocks behind them,
``unfold`` (im2col) and ``fold`` (col2im).

A 2-D convolution (a cross-correlation, as in every deep-learning framework) slides each filter
over the image:

.. math::
    \text{out}[n, o, a, b] = \text{bias}[o] + \sum_{c, i, j}
        W[o, c, i, j]\; x_p[n, c,\; a s_h + i d_h,\; b s_w + j d_w]

with :math:`x_p` the zero-padded input, :math:`s` the stride and :math:`d` the dilation (with
``groups`` = g, output channel o only sees the input channels of its group). Gather every window
of the input as a column and the sum is one matrix product, the weights (O, C k_h k_w) times the
columns (C k_h k_w, positions): that is **im2col**. The local gradients are two more products:

- :math:`\partial L / \partial W = G \cdot \text{cols}^T` (the upstream gradient G times the
  columns, summed over the batch by the product itself);
- :math:`\partial L / \partial x`: the columns' gradient :math:`W^T G`, scattered back to the
  pixels each column came from (**col2im**). That is the *transposed convolution*, which is why
  ``conv_transpose2d`` is the same code run the other way.

How it is made fast with NumPy (one node in the graph per convolution):

- the windows are a strided *view* of the padded input (``_view``): nothing is copied until
  the product needs a contiguous matrix;
- the columns are laid out (C k_h k_w, N, rows, width) so that each copied run is a whole image
  row. With stride 1 along the width, the columns are even taken "wide": every output row is
  computed over the full padded width, so a run of the copy is ``rows x width`` contiguous
  values; the few extra columns are thrown away (forward) or carry zero gradient (backward);
- col2im is ``k_h k_w`` in-place additions of shifted slices (one per kernel position), not an
  ``np.add.at`` per element; with stride 1 the backward pass splits the kernel into its rows and
  columns (``conv2d_backward``): ``k_h`` additions, and columns of the input ``k_w`` times
  smaller;
- the batch is cut into chunks so that the columns of a chunk stay under ``_COLS_BUDGET`` bytes:
  the backward pass rebuilds them instead of keeping them, as PyTorch keeps only its inputs;
- the temporary arrays of a chunk (columns, products, padded input) are written into scratch
  buffers kept from call to call (``_scratch``): a fresh multi-megabyte array costs a page
  fault per 4 KiB on first touch, which made a LeNet training step about 1.3 times slower;
- a small convolution (under ``_SMALL_FLOPS``, as LeNet's) runs its products on one BLAS
  thread: sharing a 16 x 150 x 7000 product between two threads gains little on an idle
  machine, and on a busy one each product waits for a helper thread that is not running
  (measured on 2 loaded cores: a LeNet step's median 7 times slower with 2 threads);
- float32 stays float32 from end to end.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import _trace
from .._runtime import one_blas_thread
from ..amp.autocast_mode import _state as _autocast
from ..amp.autocast_mode import cast_inputs
from ._core import Tensor, ensure_tensor, from_array, record

_COLS_BUDGET = 2 << 20  # bytes of im2col columns built at once (the batch is cut into chunks)
_SMALL_FLOPS = 100e6  # a convolution below this runs its matrix products on one BLAS thread



# ---------------------------------------------------------------------------------------------
# arguments


def _ntuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """An int or a sequence of ``n`` ints, as a tuple of ``n`` ints."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * n
    try:
        out = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{name} must be an int or a tuple of {n} ints, got {value!r}") from None
    if len(out) == 1 and n > 1:
        return out * n
    if len(out) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to "
                           f"match the convolution dimensions, but got {name}={list(out)}")
    return out


def _operand(v: Any, what: str) -> Tensor:
    if isinstance(v, Tensor):
        return v
    if isinstance(v, np.ndarray):
        return from_array(v)
    raise TypeError(f"{what} must be Tensor, not {type(v).__name__}")


def _check_dtypes(x: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    xd, wd = x._data.dtype, weight._data.dtype
    if xd != wd:
        raise RuntimeError(f"Input type ({x.dtype.c_name}) and weight type "
                           f"({weight.dtype.c_name}) should be the same (input "
                           f"{x.dtype}, weight {weight.dtype})")
    if bias is not None and bias._data.dtype != xd:
        raise RuntimeError(f"Input type ({x.dtype.c_name}) and bias type "
                           f"({bias.dtype.c_name}) should be the same")
    if xd.kind == "b":
        raise RuntimeError('"conv" not implemented for \'Bool\'')


def _sizes(shape: Sequence[int]) -> str:
    return " x ".join(str(s) for s in shape)


@dataclass(frozen=True)
class Geometry:
    """How a 2-D convolution walks over its (padded) input.

    ``padding`` is (top, bottom, left, right): ``padding='same'`` may pad one more pixel at the
    bottom and right than at the top and left, as PyTorch does.
    """

    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int, int, int] = (0, 0, 0, 0)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1

    def padded(self, h: int, w: int) -> tuple[int, int]:
        pt, pb, pl, pr = self.padding
        return h + pt + pb, w + pl + pr

    def out_size(self, h: int, w: int) -> tuple[int, int]:
        """:math:`\\lfloor (H + p_t + p_b - d (k - 1) - 1) / s \\rfloor + 1` per dimension."""
        hp, wp = self.padded(h, w)
        (kh, kw), (sh, sw), (dh, dw) = self.kernel, self.stride, self.dilation
        return (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1

    def width(self, wp: int, ow: int) -> int:
        """How many columns each output row is computed over: the whole padded width ("wide",
        stride 1, the extra columns being discarded), or just the output's width."""
        return wp if self.stride[1] == 1 and wp - ow <= ow else ow

    def slack(self, ww: int, ow: int) -> int:
        """Values a wide window reads past the end of the padded input (its last row spills into
        the next row): the buffers get that many extra zeros."""
        return (self.kernel[1] - 1) * self.dilation[1] if ww != ow else 0


# ---------------------------------------------------------------------------------------------
# NumPy kernels: no graph, arrays in, arrays out. Images are (N, C, H, W).


def _threads(macs: int) -> Any:
    """One BLAS thread for a small convolution (``macs`` multiply-adds), else BLAS as it is."""
    return one_blas_thread() if 2 * macs < _SMALL_FLOPS else contextlib.nullcontext()


def _chunk(n: int, per_image: int) -> int:
    """Images per chunk so that a chunk's columns stay under the budget."""
    return max(1, min(n, _COLS_BUDGET // max(per_image, 1)))


class _Scratch(threading.local):
    """Reusable work arrays, one per purpose and per thread. ``get`` returns an array of the
    asked shape in memory kept from the previous calls (grown when too small): only for values
    that die before the operation returns."""

    def __init__(self) -> None:
        self.buffers: dict[str, np.ndarray] = {}

    def get(self, slot: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
        dtype = np.dtype(dtype)
        nbytes = math.prod(shape) * dtype.itemsize
        buf = self.buffers.get(slot)
        if buf is None or buf.size < nbytes:
            buf = self.buffers[slot] = np.empty(max(nbytes, 64), np.uint8)
        view = buf[:nbytes].view(dtype).reshape(shape)
        tracer = _trace.active()
        return view if tracer is None else tracer.constant(view)  # flambeau.compile replays use it too

    def clear(self) -> None:
        self.buffers.clear()


_scratch = _Scratch()


def _pad_flat(x: np.ndarray, geo: Geometry, slack: int, slot: str | None = None) -> np.ndarray:
    """The zero-padded images as one flat buffer followed by ``slack`` zeros (read by the wide
    windows of the last row); in the scratch buffer ``slot`` when given. The input itself when
    nothing is to be added."""
    n, c, h, w = x.shape
    pt, pb, pl, pr = geo.padding
    if not (pt or pb or pl or pr or slack) and x.flags.c_contiguous:
        return x.reshape(-1)
    hp, wp = geo.padded(h, w)
    size = n * c * hp * wp
    if slot is None:
        flat = np.zeros(size + slack, x.dtype)
    else:
        flat = _scratch.get(slot, (size + slack,), x.dtype)
        flat.fill(0)
    flat[:size].reshape(n, c, hp, wp)[:, :, pt:pt + h, pl:pl + w] = x
    return flat


def _view(flat: np.ndarray, offset: int, shape: tuple, strides: tuple) -> np.ndarray:
    """A strided view of the contiguous 1-D ``flat``, offset and strides in elements, refusing
    a view that would reach past the buffer (it would read or write memory that is not ours).
    Made by the ``ndarray`` constructor over ``flat``'s buffer, four times quicker than
    ``as_strided``, which is kept for subclasses (the arrays ``flambeau.compile`` follows must
    stay followed)."""
    it = flat.itemsize
    byte_strides = tuple(s * it for s in strides)
    if type(flat) is np.ndarray:
        return np.ndarray(shape, flat.dtype, buffer=flat, offset=offset * it, strides=byte_strides)
    last = offset + sum((s - 1) * st for s, st in zip(shape, strides) if s > 0)
    if last >= flat.size or offset < 0:
        raise ValueError(f"strided view out of bounds: offset {offset}, last {last}, size {flat.size}")
    return as_strided(flat[offset:], shape, byte_strides)


def _padded_rows(rows: int, pad: bool) -> int:
    """``rows`` rounded up to a multiple of 8 when ``pad``: OpenBLAS's float32 kernels take the
    other operand of a product 8 rows at a time, and a product (P, L) @ (L, 6) or (L, 30) costs
    up to a third more than (P, L) @ (L, 8) or (L, 32) (zeros in the extra rows)."""
    return -(-rows // 8) * 8 if pad else rows


def _columns(flat: np.ndarray, dims: tuple, geo: Geometry, n0: int, n1: int, oh: int,
             ww: int, kernel_rows_only: bool = False, pad: bool = False) -> np.ndarray:
    """im2col for images ``n0:n1``: a contiguous (G, C/G k_h k_w, nb oh ww) array whose row
    (c, i, j) holds input channel c shifted by kernel position (i, j), for every output position
    of every image of the chunk. With ``kernel_rows_only``, only the shifts by kernel rows:
    (G, C/G k_h, nb oh ww), row (c, i). With ``pad``, rows of zeros follow up to a multiple of
    8 (``_padded_rows``)."""
    _, c, hp, wp = dims
    g = geo.groups
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    kw = 1 if kernel_rows_only else kw
    plane = hp * wp
    k, length = c // g * kh * kw, (n1 - n0) * oh * ww
    shape = (g, c // g, kh, kw, n1 - n0, oh, ww)
    view = _view(flat, n0 * c * plane, shape, (c // g * plane, plane, dh * wp, dw, c * plane, sh * wp, sw))
    cols = _scratch.get("cols", (g, _padded_rows(k, pad), length), flat.dtype)
    np.copyto(cols[:, :k].reshape(shape), view)
    cols[:, k:] = 0
    return cols


def _grad_rows(g: np.ndarray, n0: int, n1: int, oh: int, ww: int, groups: int,
               pad: bool = False) -> np.ndarray:
    """The upstream gradient of images ``n0:n1`` as (G, O/G, nb oh ww), in the columns' order of
    positions, with zeros in the discarded wide columns (and in rows beyond ``g``'s own, which a
    transposed convolution with output padding may have). With ``pad``, rows of zeros follow
    up to a multiple of 8 (``_padded_rows``)."""
    o, nb, gh, gw = g.shape[1], n1 - n0, g.shape[2], g.shape[3]
    og = o // groups
    gc = g[n0:n1].transpose(1, 0, 2, 3).reshape(groups, og, nb, gh, gw)
    out = _scratch.get("rows", (groups, _padded_rows(og, pad), nb * oh * ww), g.dtype)
    rows = out[:, :og].reshape(groups, og, nb, oh, ww)
    if gh == oh and gw == ww:
        np.copyto(rows, gc)
    else:
        rows.fill(0)
        rows[..., :gh, :gw] = gc
    out[:, og:] = 0
    return out


def conv2d_forward(x: np.ndarray, w: np.ndarray, geo: Geometry, wide: bool = True,
                   bias: np.ndarray | None = None) -> np.ndarray:
    """out[n, o] = bias[o] + sum over (c, i, j) of W[o, c, i, j] * shifted x: one matrix product
    per chunk of images, (G, O/G, C/G k k) @ (G, C/G k k, positions), the bias added while the
    product is copied to its place. Returns (N, O, OH, OW)."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    g = geo.groups
    oh, ow = geo.out_size(h, wd)
    hp, wp = geo.padded(h, wd)
    ww = geo.width(wp, ow) if wide else ow
    flat = _pad_flat(x, geo, geo.slack(ww, ow), "padded")
    w3 = w.reshape(g, o // g, cg * kh * kw)
    out = np.empty((n, o, oh, ow), x.dtype)
    nb = _chunk(n, max(c * kh * kw, o) * oh * ww * x.itemsize)
    with _threads(o * cg * kh * kw * n * oh * ww), np.errstate(invalid="ignore"):
        # (infinities in the discarded wide columns are no error)
        for n0 in range(0, n, nb):
            n1 = min(n, n0 + nb)
            cols = _columns(flat, (n, c, hp, wp), geo, n0, n1, oh, ww)
            res = _scratch.get("product", (g, o // g, cols.shape[2]), x.dtype)
            np.matmul(w3, cols, out=res)
            placed = res.reshape(o, n1 - n0, oh, ww)[..., :ow].transpose(1, 0, 2, 3)
            if bias is None:
                out[n0:n1] = placed
            else:
                np.add(placed, bias.reshape(-1, 1, 1), out=out[n0:n1])
    return out


def _shifted_rows(rows: np.ndarray, kw: int, dw: int) -> np.ndarray:
    """(G, O/G, L) -> (G, O/G k_w, L): row (o, j) is row o of ``rows`` moved ``j d_w`` positions
    to the right (zeros enter on the left)."""
    grp, og, length = rows.shape
    out = _scratch.get("shifted", (grp, og, kw, length), rows.dtype)
    for j in range(kw):
        s = j * dw
        out[:, :, j, :s] = 0
        out[:, :, j, s:] = rows[:, :, :length - s]
    return out.reshape(grp, og * kw, length)


def conv2d_backward(g: np.ndarray, x: np.ndarray | None, x_shape: tuple, w: np.ndarray,
                    geo: Geometry, need_x: bool, need_w: bool,
                    wide: bool = True) -> tuple[np.ndarray | None, np.ndarray | None]:
    r"""The gradients of a convolution with respect to its input (col2im of W^T G: the
    transposed convolution) and to its weight (G cols^T), chunk by chunk; the columns are
    rebuilt from ``x`` rather than kept from the forward pass.

    With stride 1 and wide rows, the kernel is split in its rows and its columns when the
    input's gradient is wanted: the upstream gradient G is shifted by each kernel column j
    (k_w copies, G_j), the input by each kernel row i only (k_h rows per channel instead of
    k_h k_w). Then

    - :math:`\partial L / \partial W[o, c, i, j] = G_j \cdot X_i`, one product
      (O k_w, positions) @ (positions, C k_h);
    - :math:`H = W \cdot G_j`, one product (C k_h, O k_w) @ (O k_w, positions), and the input's
      gradient is H's k_h rows added back, each shifted down by its kernel row: k_h additions
      instead of k_h k_w.

    A shift by j along a wide row moves the row's last values into the discarded columns,
    where G is zero: no value crosses into another row.

    ``g`` may have fewer rows and columns than the convolution's output (a transposed
    convolution with output padding): the missing ones count as zeros.
    """
    n, c, h, wd = x_shape
    o, cg, kh, kw = w.shape
    grp = geo.groups
    og = o // grp
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    oh, ow = geo.out_size(h, wd)
    hp, wp = geo.padded(h, wd)
    # W * 0 must be 0 in the wide columns, and x * 0 too: with infinities, go narrow
    if wide and need_x and not np.isfinite(w).all():
        wide = False
    ww = geo.width(wp, ow) if wide else ow
    split = need_x and wide and ww == wp and geo.stride == (1, 1)
    slack = geo.slack(ww, ow)
    dims = (n, c, hp, wp)
    plane = hp * wp
    xflat = _pad_flat(x, geo, slack, "padded") if need_w else None
    gflat = np.zeros(n * c * plane + slack, g.dtype) if need_x else None
    gw = None
    if need_w:
        gw = np.zeros((grp, og * kw, cg * kh) if split else (grp, og, cg * kh * kw), g.dtype)
    wt = None
    if split:  # W as (C/G k_h, O/G k_w): row (c, i), column (o, j)
        wt = w.reshape(grp, og, cg, kh, kw).transpose(0, 2, 3, 1, 4).reshape(grp, cg * kh, og * kw)
    elif need_x:
        wt = w.reshape(grp, og, cg * kh * kw).transpose(0, 2, 1)
    rows_per_image = max(o * kw, c * kh) if split else max(c * kh * kw, o)
    nb = _chunk(n, rows_per_image * oh * ww * g.itemsize)
    with _threads(o * cg * kh * kw * n * oh * ww * (need_x + need_w)):
        for n0 in range(0, n, nb):
            n1 = min(n, n0 + nb)
            # the weight's gradient: (more rows) @ (fewer rows, padded to a multiple of 8)^T
            pad_rows = need_w and not split and og < cg * kh * kw
            padded = _grad_rows(g, n0, n1, oh, ww, grp, pad=pad_rows)
            rows = _shifted_rows(padded, kw, dw) if split else padded[:, :og]
            if need_w:
                cols = _columns(xflat, dims, geo, n0, n1, oh, ww, kernel_rows_only=split,
                                pad=not pad_rows)
                with np.errstate(invalid="ignore"):  # checked below
                    if pad_rows:
                        gw += np.matmul(cols, padded.transpose(0, 2, 1))[:, :, :og].transpose(0, 2, 1)
                    else:
                        gw += np.matmul(rows, cols.transpose(0, 2, 1))[:, :, :gw.shape[2]]
                del cols
            if split:
                hrows = _scratch.get("product", (grp, cg * kh, rows.shape[2]), g.dtype)
                np.matmul(wt, rows, out=hrows)
                hrows = hrows.reshape(c, kh, n1 - n0, oh * ww)
                # targets[i]: the pixels of kernel row i, oh rows of each image from row i d_h on
                targets = _view(gflat, n0 * c * plane, (kh, c, n1 - n0, oh * ww),
                                (dh * wp, plane, c * plane, 1))
                for i in range(kh):
                    t = targets[i]
                    np.add(t, hrows[:, i], out=t)
                del hrows
            elif need_x:
                gcols = _scratch.get("product", (grp, cg * kh * kw, rows.shape[2]), g.dtype)
                np.matmul(wt, rows, out=gcols)
                gcols = gcols.reshape(c, kh, kw, n1 - n0, oh, ww)
                # targets[i, j]: the pixels that kernel position (i, j) read, for every window
                targets = _view(gflat, n0 * c * plane, (kh, kw, c, n1 - n0, oh, ww),
                                (dh * wp, dw, plane, c * plane, sh * wp, sw))
                for i in range(kh):
                    for j in range(kw):
                        t = targets[i, j]
                        np.add(t, gcols[:, i, j], out=t)
                del gcols
    if need_w and ww != ow and not np.isfinite(gw).all():
        # an infinity outside every real window met a zero of the wide columns: redo it narrow
        return conv2d_backward(g, x, x_shape, w, geo, need_x, need_w, wide=False)
    gx = None
    if need_x:
        pt, _, pl, _ = geo.padding
        gx = gflat[:n * c * plane].reshape(n, c, hp, wp)[:, :, pt:pt + h, pl:pl + wd]
    if need_w and split:  # (G, O/G k_w, C/G k_h) -> (O, C/G, k_h, k_w)
        gw = gw.reshape(grp, og, kw, cg, kh).transpose(0, 1, 3, 4, 2)
    return gx, (gw.reshape(w.shape) if need_w else None)


# ---------------------------------------------------------------------------------------------
# checks shared by the convolutions


def _resolve_padding(padding: Any, nd: int, kernel: tuple, dilation: tuple,
                     stride: tuple) -> tuple[int, ...]:
    """(before_1, after_1, before_2, after_2, ...) from an int, a tuple, 'valid' or 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * (2 * nd)
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            out: list[int] = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                out += [total // 2, total - total // 2]  # the odd pixel goes after, as in PyTorch
            return tuple(out)
        raise RuntimeError(f"Invalid padding string: {padding!r}")
    pads = _ntuple(padding, nd, "padding")
    if any(p < 0 for p in pads):
        raise RuntimeError("negative padding is not supported")
    return tuple(v for p in pads for v in (p, p))


def _conv_setup(name: str, nd: int, x: Tensor, weight: Tensor, bias: Tensor | None,
                stride: Any, padding: Any, dilation: Any, groups: int,
                transposed: bool = False) -> tuple:
    """Check the arguments of conv{nd}d (or its transpose) as PyTorch does, with the shapes in
    the messages; return (stride, padding pairs, dilation, batched)."""
    x = _operand(x, f"{name}(): argument 'input'")
    weight = _operand(weight, f"{name}(): argument 'weight'")
    xs, ws = list(x._data.shape), list(weight._data.shape)
    if x._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, "
                           f"but got input of size: {xs}")
    if weight._data.ndim != nd + 2:
        raise RuntimeError(f"{name} expects a {nd + 2}-D weight ({'in_channels, out_channels/groups' if transposed else 'out_channels, in_channels/groups'}, "
                           f"kernel size), but got weight of size {ws}")
    _check_dtypes(x, weight, bias)
    stride_t = _ntuple(stride, nd, "stride")
    dilation_t = _ntuple(dilation, nd, "dilation")
    if any(s <= 0 for s in stride_t):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation_t):
        raise RuntimeError("non-positive dilation is not supported")
    if not isinstance(groups, (int, np.integer)) or groups <= 0:
        raise RuntimeError(f"non-positive groups is not supported (groups={groups})")
    kernel = tuple(ws[2:])
    pads = _resolve_padding(padding, nd, kernel, dilation_t, stride_t)
    batched = x._data.ndim == nd + 2
    shape = xs if batched else [1] + xs
    if ws[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at "
                           f"dimension 0, but got weight of size {ws} instead")
    expected = ws[0] if transposed else ws[1] * groups
    if shape[1] != expected:
        what = "transposed=1" if transposed else f"groups={groups}"
        raise RuntimeError(f"Given {what}, weight of size {ws}, expected input{shape} to have "
                           f"{expected} channels, but got {shape[1]} channels instead")
    out_channels = ws[1] * groups if transposed else ws[0]
    if bias is not None:
        bias = _operand(bias, f"{name}(): argument 'bias'")
        if bias._data.ndim != 1 or bias._data.shape[0] != out_channels:
            raise RuntimeError(f"Given weight of size {ws}, expected bias to be 1-dimensional with "
                               f"{out_channels} elements, but got bias of size {list(bias._data.shape)} "
                               "instead")
    if not transposed:
        padded = [shape[2 + k] + pads[2 * k] + pads[2 * k + 1] for k in range(nd)]
        eff = [dilation_t[k] * (kernel[k] - 1) + 1 for k in range(nd)]
        if any(p < e for p, e in zip(padded, eff)):
            raise RuntimeError(f"Calculated padded input size per channel: ({_sizes(padded)}). Kernel "
                               f"size: ({_sizes(eff)}). Kernel size can't be greater than actual input "
                               f"size (input of size {xs}, weight of size {ws})")
    return x, weight, bias, stride_t, pads, dilation_t, batched


def _as_2d(nd: int, stride: tuple, pads: tuple, dilation: tuple, kernel: tuple,
           groups: int) -> Geometry:
    """The 2-D geometry of a 1-D or 2-D convolution (a 1-D one is a 2-D one of height 1)."""
    if nd == 1:
        return Geometry((1, kernel[0]), (1, stride[0]), (0, 0, pads[0], pads[1]), (1, dilation[0]),
                        groups)
    return Geometry(tuple(kernel), stride, pads, dilation, groups)


def _to_4d(a: np.ndarray, nd: int, batched: bool) -> np.ndarray:
    if not batched:
        a = a[None]
    return a[:, :, None, :] if nd == 1 else a


def _from_4d(a: np.ndarray, nd: int, batched: bool) -> np.ndarray:
    if nd == 1:
        a = a[:, :, 0, :]
    return a if batched else a[0]


def _convnd(name: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None,  # noqa: A002
            stride: Any, padding: Any, dilation: Any, groups: int) -> Tensor:
    if _autocast.enabled:
        input, weight, bias = cast_inputs(input, weight, bias)  # noqa: A001
    x, weight, bias, stride, pads, dilation, batched = _conv_setup(
        name, nd, input, weight, bias, stride, padding, dilation, groups)
    geo = _as_2d(nd, stride, pads, dilation, weight._data.shape[2:], groups)
    x4 = _to_4d(x._data, nd, batched)
    w4 = weight._data[:, :, None, :] if nd == 1 else weight._data
    out = conv2d_forward(x4, w4, geo, bias=None if bias is None else bias._data)

    def backward(g: np.ndarray) -> tuple:
        g4 = _to_4d(g, nd, batched)
        gx, gw = conv2d_backward(g4, x4, x4.shape, w4, geo, x._requires_grad, weight._requires_grad)
        gb = g4.sum(axis=(0, 2, 3)) if bias is not None and bias._requires_grad else None
        return (_from_4d(gx, nd, batched) if gx is not None else None,
                gw.reshape(weight._data.shape) if gw is not None else None, gb)

    return record(_from_4d(out, nd, batched), "ConvolutionBackward0", (x, weight, bias), backward,
                  (x, weight))


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    r"""2-D convolution (cross-correlation) of a batch of images with a bank of filters:

    .. math::
        \text{out}(N_i, O_j) = \text{bias}(O_j) + \sum_{k=0}^{C_{in}/g - 1}
            \text{weight}(O_j, k) \star \text{input}(N_i, g_j C_{in}/g + k)

    ``padding`` is an int, a pair, ``'valid'`` (none) or ``'same'`` (the output keeps the
    input's size; stride 1 only). ``groups`` splits the channels into independent convolutions
    (``groups = C_in`` is a depthwise convolution). One graph node; its gradients are those of
    the module docstring.

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` or :math:`(C_{in}, H, W)`.
        - Weight: :math:`(C_{out}, C_{in} / \text{groups}, k_H, k_W)`; bias: :math:`(C_{out})`.
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` with
          :math:`H_{out} = \lfloor (H + 2p - d (k_H - 1) - 1) / s \rfloor + 1` (same for W).
    """
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    r"""1-D convolution of a batch of signals: ``conv2d`` on images one pixel high.

    .. math::
        \text{out}[n, o, t] = \text{bias}[o] + \sum_{c, i} W[o, c, i]\, x_p[n, c, t s + i d]

    Shape:
        - Input: :math:`(N, C_{in}, L)` or :math:`(C_{in}, L)`.
        - Weight: :math:`(C_{out}, C_{in} / \text{groups}, k)`; bias: :math:`(C_{out})`.
        - Output: :math:`(N, C_{out}, L_{out})`,
          :math:`L_{out} = \lfloor (L + 2p - d (k - 1) - 1) / s \rfloor + 1`.
    """
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    r"""Transposed 2-D convolution (sometimes called "deconvolution"): the gradient of
    ``conv2d`` with respect to its input, used as a layer that grows images. Each input pixel
    adds a copy of the filter, scaled by its value, to the output, ``stride`` pixels apart:

    .. math::
        \text{out}[n, o, a s_h + i d_h - p_h, b s_w + j d_w - p_w] \mathrel{+}=
            W[c, o, i, j]\, x[n, c, a, b]

    ``output_padding`` adds rows and columns at the bottom and right (it tells apart the input
    sizes a strided convolution maps to the same output size; it must be smaller than the stride
    or the dilation). Its own gradients are a convolution (input) and a correlation of the two
    (weight). One graph node.

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` or :math:`(C_{in}, H, W)`.
        - Weight: :math:`(C_{in}, C_{out} / \text{groups}, k_H, k_W)`; bias: :math:`(C_{out})`.
        - Output: :math:`(N, C_{out}, H_{out}, W_{out})` with
          :math:`H_{out} = (H - 1) s - 2 p + d (k_H - 1) + \text{output\_padding} + 1`.
    """
    if _autocast.enabled:
        input, weight, bias = cast_inputs(input, weight, bias)  # noqa: A001
    x, weight, bias, stride, pads, dilation, batched = _conv_setup(
        "conv_transpose2d", 2, input, weight, bias, stride, padding, dilation, groups, transposed=True)
    if pads[0] != pads[1] or pads[2] != pads[3]:
        raise RuntimeError("conv_transpose2d: padding must be symmetric (an int or a pair of ints)")
    opad = _ntuple(output_padding, 2, "output_padding")
    for k in range(2):
        if opad[k] < 0:
            raise RuntimeError("negative output_padding is not supported")
    if not all(op < s or op < d for op, s, d in zip(opad, stride, dilation)):
        raise RuntimeError(
            f"output padding must be smaller than either stride or dilation, but got "
            f"output_padding_height: {opad[0]} output_padding_width: {opad[1]} stride_height: "
            f"{stride[0]} stride_width: {stride[1]} dilation_height: {dilation[0]} dilation_width: "
            f"{dilation[1]}")
    xa = x._data if batched else x._data[None]
    w = weight._data
    kernel = w.shape[2:]
    geo = Geometry(tuple(kernel), stride, pads, dilation, groups)
    n, _, h, wd = xa.shape
    size = tuple((s_in - 1) * s - 2 * pads[2 * k] + d * (kk - 1) + op + 1
                 for k, (s_in, s, d, kk, op) in enumerate(zip((h, wd), stride, dilation, kernel, opad)))
    if min(size) <= 0:
        raise RuntimeError(f"Given input size per channel: ({h} x {wd}). Calculated output size per "
                           f"channel: ({size[0]} x {size[1]}). Output size is too small")
    out_shape = (n, w.shape[1] * groups, size[0], size[1])
    # a conv2d with this geometry maps out_shape to (at least) the input's size: run it backward
    out, _ = conv2d_backward(xa, None, out_shape, w, geo, need_x=True, need_w=False)
    out = np.ascontiguousarray(out)
    if bias is not None:
        out += bias._data.reshape(-1, 1, 1)

    def backward(g: np.ndarray) -> tuple:
        g4 = g if batched else g[None]
        gx = gw = gb = None
        if x._requires_grad:
            gx = conv2d_forward(g4, w, geo)[:, :, :h, :wd]
            gx = gx if batched else gx[0]
        if weight._requires_grad:
            _, gw = conv2d_backward(xa, g4, g4.shape, w, geo, need_x=False, need_w=True)
        if bias is not None and bias._requires_grad:
            gb = g4.sum(axis=(0, 2, 3))
        return gx, gw, gb

    return record(out if batched else out[0], "ConvolutionBackward0", (x, weight, bias), backward,
                  (x, weight))


# ---------------------------------------------------------------------------------------------
# unfold (im2col) and fold (col2im) as functions


def _block_args(kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> Geometry:
    k = _ntuple(kernel_size, 2, "kernel_size")
    d = _ntuple(dilation, 2, "dilation")
    p = _ntuple(padding, 2, "padding")
    s = _ntuple(stride, 2, "stride")
    if min(k) <= 0 or min(d) <= 0 or min(s) <= 0:
        raise RuntimeError(f"kernel_size, dilation and stride must be positive, got kernel_size={k}, "
                           f"dilation={d}, stride={s}")
    if min(p) < 0:
        raise RuntimeError(f"padding should be non-negative, got padding={p}")
    return Geometry(k, s, (p[0], p[0], p[1], p[1]), d)


def _blocks(geo: Geometry, h: int, w: int) -> tuple[int, int]:
    oh, ow = geo.out_size(h, w)
    if oh < 1 or ow < 1:
        raise RuntimeError(
            f"Given input with spatial size ({h}, {w}), kernel_size={geo.kernel}, dilation="
            f"{geo.dilation}, padding={(geo.padding[0], geo.padding[2])}, calculated shape of the "
            f"array of sliding blocks as ({oh}, {ow}), but its components must be at least one.")
    return oh, ow


def _im2col(x: np.ndarray, geo: Geometry) -> np.ndarray:
    """(N, C, H, W) -> (N, C k_h k_w, L): every block as a column, PyTorch's ``unfold`` order."""
    n, c, h, w = x.shape
    oh, ow = _blocks(geo, h, w)
    hp, wp = geo.padded(h, w)
    flat = _pad_flat(x, geo, 0)
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    view = _view(flat, 0, (n, c, kh, kw, oh, ow), (c * hp * wp, hp * wp, dh * wp, dw, sh * wp, sw))
    return view.reshape(n, c * kh * kw, oh * ow)


def _col2im(cols: np.ndarray, out_hw: tuple, geo: Geometry) -> np.ndarray:
    """(N, C k_h k_w, L) -> (N, C, H, W): each block added back where it came from (overlapping
    blocks sum), one shifted-slice addition per kernel position."""
    h, w = out_hw
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    oh, ow = geo.out_size(h, w)
    n = cols.shape[0]
    c = cols.shape[1] // (kh * kw)
    hp, wp = geo.padded(h, w)
    out = np.zeros((n, c, hp, wp), cols.dtype)
    blocks = cols.reshape(n, c, kh, kw, oh, ow)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i * dh:i * dh + (oh - 1) * sh + 1:sh, j * dw:j * dw + (ow - 1) * sw + 1:sw] += blocks[:, :, i, j]
    pt, _, pl, _ = geo.padding
    return out[:, :, pt:pt + h, pl:pl + w]


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
           stride: Any = 1) -> Tensor:
    r"""Extract the sliding blocks of a batch of images as columns (im2col): column l holds the
    :math:`C k_h k_w` values under the l-th position of the kernel. ``conv2d`` is
    ``weight.view(O, -1) @ unfold(x)``. The gradient is ``fold`` of the upstream gradient.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: :math:`(N, C k_h k_w, L)`, L the number of blocks (:math:`H_{out} W_{out}`).
    """
    x = ensure_tensor(input)
    a = x._data
    if a.ndim not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {a.ndim}D, "
                           f"input of size {list(a.shape)})")
    batched = a.ndim == 4
    a4 = a if batched else a[None]
    geo = _block_args(kernel_size, dilation, padding, stride)
    out = _im2col(a4, geo)
    hw = a4.shape[2:]

    def backward(g: np.ndarray) -> tuple:
        gx = _col2im(g if batched else g[None], hw, geo)
        return (gx if batched else gx[0],)

    return record(out if batched else out[0], "Im2ColBackward0", (x,), backward, ())


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1,  # noqa: A002
         padding: Any = 0, stride: Any = 1) -> Tensor:
    r"""Put columns of blocks back into images, summing where blocks overlap (col2im), the
    adjoint of ``unfold``: its gradient is ``unfold`` of the upstream gradient.
    ``fold(unfold(x))`` is x times the number of blocks covering each pixel.

    Shape:
        - Input: :math:`(N, C k_h k_w, L)` or :math:`(C k_h k_w, L)`.
        - Output: :math:`(N, C, H, W)` with (H, W) = ``output_size``.
    """
    x = ensure_tensor(input)
    a = x._data
    if a.ndim not in (2, 3):
        raise RuntimeError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are "
                           f"supported (got {a.ndim}D, input of size {list(a.shape)})")
    batched = a.ndim == 3
    a3 = a if batched else a[None]
    geo = _block_args(kernel_size, dilation, padding, stride)
    hw = _ntuple(output_size, 2, "output_size")
    kh, kw = geo.kernel
    if a3.shape[1] % (kh * kw):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={a3.shape[1]} and "
                           f"kernel_size={geo.kernel}.")
    oh, ow = _blocks(geo, *hw)
    if a3.shape[2] != oh * ow:
        raise RuntimeError(
            f"Given output_size={hw}, kernel_size={geo.kernel}, dilation={geo.dilation}, "
            f"padding={(geo.padding[0], geo.padding[2])}, stride={geo.stride}, expected size of "
            f"input's dimension 2 to match the calculated number of sliding blocks {oh} * {ow} = "
            f"{oh * ow}, but got input.size(2)={a3.shape[2]}.")
    out = np.ascontiguousarray(_col2im(a3, hw, geo))

    def backward(g: np.ndarray) -> tuple:
        gx = _im2col(g if batched else g[None], geo)
        return (gx if batched else gx[0],)

    return record(out if batched else out[0], "Col2ImBackward0", (x,), backward, ())


__all__ = ["conv1d", "conv2d", "conv_transpose2d", "unfold", "fold", "Geometry",
           "conv2d_forward", "conv2d_backward"]
