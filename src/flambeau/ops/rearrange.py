"""Laying elements out anew: ``roll`` (a cyclic shift along dimensions), ``meshgrid`` (the
coordinate grids of 1-D tensors), ``pixel_shuffle`` and ``pixel_unshuffle`` (channels to
space and back), ``channel_shuffle`` (ShuffleNet's interleaving of channel groups). Their gradients move the gradient from above back."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._core import Tensor, _wrap_dim, record


def roll(a: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    r"""Shift the elements cyclically by ``shifts`` along ``dims`` (the flattened tensor when
    ``dims`` is None); what leaves at one end comes back at the other.

    .. math:: y_{(i + s) \bmod n} = x_i, \qquad \frac{\partial L}{\partial x_i} = g_{(i + s) \bmod n}

    Shape: the shape of ``a``.

    Example::

        >>> torch.roll(torch.tensor([1, 2, 3, 4]), 1)
        tensor([4, 1, 2, 3])
    """
    shifts_t = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims_t = () if dims is None else (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if not shifts_t:
        raise RuntimeError("`shifts` required")
    x = a._data
    if not dims_t:
        if len(shifts_t) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts_t)}, dims:0")
        out = np.roll(x.reshape(-1), shifts_t[0]).reshape(x.shape)
        return record(out, "RollBackward0", (a,),
                      lambda g: (np.roll(g.reshape(-1), -shifts_t[0]).reshape(g.shape),))
    if len(shifts_t) != len(dims_t):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts_t)}, dims:{len(dims_t)}")
    axes = tuple(_wrap_dim(int(d), x.ndim) for d in dims_t)
    if x.ndim == 0:
        return record(x.copy(), "RollBackward0", (a,), lambda g: (g,))
    out = np.roll(x, shifts_t, axes)
    back = tuple(-int(s) for s in shifts_t)
    return record(out, "RollBackward0", (a,), lambda g: (np.roll(g, back, axes),))


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    r"""The coordinate grids of N 0-D or 1-D tensors: output k repeats input k along every other
    dimension. ``indexing="ij"``: output shape (n0, n1, ...); ``"xy"`` (as NumPy's and
    Matlab's): the first two dimensions swapped, (n1, n0, ...). Each output is a broadcast view
    of its input: its gradient is the sum of the gradient from above over the other dimensions.

    Example::

        >>> x, y = torch.meshgrid(torch.tensor([1, 2]), torch.tensor([3, 4, 5]), indexing="ij")
        >>> x.shape
        torch.Size([2, 3])
    """
    from .shape import expand, reshape

    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    if any(t._data.dtype != tensors[0]._data.dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    sizes = [t._data.size for t in tensors]
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        order[0], order[1] = 1, 0  # input 0 varies along dimension 1, input 1 along dimension 0
    shape = [0] * len(tensors)
    for k, pos in enumerate(order):
        shape[pos] = sizes[k]
    grids = []
    for k, t in enumerate(tensors):
        view = [1] * len(tensors)
        view[order[k]] = sizes[k]
        grids.append(expand(reshape(t, view), shape))
    return tuple(grids)


def _factor(op: str, what: str, a: Tensor, r: Any) -> int:
    """``r`` checked as PyTorch checks a shuffle's factor: an int, positive; the input 3-D or more."""
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)):
        raise TypeError(f"{op}(): argument '{what}' (position 2) must be int, not {type(r).__name__}")
    if a.ndim < 3:
        raise RuntimeError(f"{op} expects input to have at least 3 dimensions, but got input with "
                           f"{a.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"{op} expects a positive {what}, but got {r}")
    return int(r)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    r"""Rearrange :math:`(*, C r^2, H, W)` into :math:`(*, C, H r, W r)`: the :math:`r^2`
    channels of a group become the :math:`r \times r` pixels of one block (the sub-pixel
    convolution of super-resolution networks):
    :math:`y[c, h r + i, w r + j] = x[c r^2 + i r + j, h, w]`. Its gradient is the inverse
    rearrangement (``pixel_unshuffle``) of the gradient from above.

    Shape:
        - Input: :math:`(*, C \times r^2, H, W)`.
        - Output: :math:`(*, C, H \times r, W \times r)`.

    Example::

        >>> F.pixel_shuffle(torch.arange(4.0).reshape(1, 4, 1, 1), 2)
        tensor([[[[0., 1.],
                  [2., 3.]]]])
    """
    r = _factor("pixel_shuffle", "upscale_factor", input, upscale_factor)
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                           f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    return record(_shuffle(input._data, r), "PixelShuffleBackward0", (input,),
                  lambda g: (_unshuffle(g, r),), ())


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    r"""Rearrange :math:`(*, C, H r, W r)` into :math:`(*, C r^2, H, W)`, the inverse of
    :func:`pixel_shuffle`: each :math:`r \times r` block becomes :math:`r^2` channels. Its
    gradient is the gradient from above shuffled back.

    Shape:
        - Input: :math:`(*, C, H \times r, W \times r)`.
        - Output: :math:`(*, C \times r^2, H, W)`.

    Example::

        >>> F.pixel_unshuffle(torch.arange(4.0).reshape(1, 1, 2, 2), 2).flatten()
        tensor([0., 1., 2., 3.])
    """
    r = _factor("pixel_unshuffle", "downscale_factor", input, downscale_factor)
    h, w = input.shape[-2:]
    if h % r:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by downscale_factor, but "
                           f"input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by downscale_factor, but "
                           f"input.size(-1)={w} is not divisible by {r}")
    return record(_unshuffle(input._data, r), "PixelUnshuffleBackward0", (input,),
                  lambda g: (_shuffle(g, r),), ())


def _shuffle(a: np.ndarray, r: int) -> np.ndarray:
    *lead, c, h, w = a.shape
    n = len(lead)
    # (*, C, r, r, H, W) -> (*, C, H, r, W, r)
    out = a.reshape(*lead, c // (r * r), r, r, h, w).transpose(tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return np.ascontiguousarray(out).reshape(*lead, c // (r * r), h * r, w * r)


def _unshuffle(a: np.ndarray, r: int) -> np.ndarray:
    *lead, c, h, w = a.shape
    n = len(lead)
    # (*, C, H, r, W, r) -> (*, C, r, r, H, W)
    out = a.reshape(*lead, c, h // r, r, w // r, r).transpose(tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return np.ascontiguousarray(out).reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    r"""Interleave the channels of ``groups`` groups (ShuffleNet): the channels of
    :math:`(N, C, *)` read as a :math:`g \times C/g` grid, transposed:
    :math:`y[:, j g + i] = x[:, i C/g + j]`. Its gradient is the inverse interleaving (``C/g``
    groups) of the gradient from above.

    Shape:
        - Input: :math:`(N, C, *)`, :math:`C` divisible by ``groups``, at least 3-D.
        - Output: the same.

    Example::

        >>> F.channel_shuffle(torch.arange(6.0).reshape(1, 6, 1), 2).flatten()
        tensor([0., 3., 1., 4., 2., 5.])
    """
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"channel_shuffle(): argument 'groups' (position 2) must be int, not {type(groups).__name__}")
    a = input._data
    if a.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(a.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    c = a.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")

    def interleave(v: np.ndarray, g: int) -> np.ndarray:
        return np.ascontiguousarray(v.reshape(v.shape[:1] + (g, c // g) + v.shape[2:]).swapaxes(1, 2)).reshape(v.shape)

    return record(interleave(a, int(groups)), "ChannelShuffleBackward0", (input,),
                  lambda g: (interleave(g, c // int(groups)),), ())
