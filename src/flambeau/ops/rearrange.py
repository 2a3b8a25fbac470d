"""Laying elements out anew: ``roll`` (a cyclic shift along dimensions) and ``meshgrid`` (the
coordinate grids of 1-D tensors). Their gradients move the gradient from above back."""

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
