r"""Adaptive pooling: the window follows the output size, not the other way round.
``adaptive_avg_pool1d/2d/3d`` and ``adaptive_max_pool1d/2d/3d`` (+ ``_with_indices``).

Output position :math:`i` of a dimension of length :math:`L` pooled to :math:`O` covers the
input span

.. math::
    \left[\left\lfloor \frac{i L}{O} \right\rfloor,
    \left\lceil \frac{(i + 1) L}{O} \right\rceil\right)

(PyTorch's bins; neighbours overlap by one when :math:`O` does not divide :math:`L`).

- **average**: one averaging matrix :math:`P` per dimension, :math:`y = P_D P_H P_W x` applied
  axis by axis; the gradient is the transposed matrices applied to the gradient from above;
- **max**: the largest value of each bin and its flat index in the input's plane (the first
  maximum in reading order, or the last NaN, as PyTorch's kernel); the gradient goes back to that
  element only, added up where overlapping bins chose the same element.

The sizes are read as PyTorch reads them: ``adaptive_*_pool2d/3d`` accept an int or a sequence
(``None`` keeps that dimension), anything else raises PyTorch's ``TypeError``: the 2-D and 3-D
forms call ``len()`` on it (``object of type 'float' has no len()``), the element types are
then checked by PyTorch's argument parser (``must be tuple of ints, but found element of type
float at pos 0``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._dtype import scalar_name
from ._core import Tensor, _make, ensure_tensor, record
from .shape import squeeze, unsqueeze

# ---------------------------------------------------------------------------------------------
# reading output_size as PyTorch does


def _is_int(v: Any) -> bool:
    return not isinstance(v, bool) and hasattr(type(v), "__index__")


def _int_list(fn: str, value: Any, n: int | None, arg: str = "output_size") -> tuple:
    """PyTorch's parsing of an ``int[n]`` argument (``arg``, position 2): an int is repeated
    ``n`` times (``n=None``: refused); of a sequence, the first element decides whether it is a
    list of ints, a later element that is not one (a bool is) fails to unpack."""
    what = f"{fn}(): argument '{arg}'"
    if n is not None and _is_int(value):
        return (int(value),) * n
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{what} (position 2) must be tuple of ints, not {type(value).__name__}")
    if value and not _is_int(value[0]):
        raise TypeError(f"{what} (position 2) must be tuple of ints, but found element of type "
                        f"{type(value[0]).__name__} at pos 0")
    for v in value[1:]:
        if not hasattr(type(v), "__index__"):
            raise TypeError(f'{what} failed to unpack the object at pos 2 with error "type must be tuple of '
                            f'ints,but got {type(v).__name__}"')
    return tuple(int(v) for v in value)


def _with_default(output_size: Any, shape: tuple) -> Any:
    """PyTorch's ``_list_with_default``: an int as it is, a sequence's ``None`` replaced by the
    input's size (``len()`` of anything else raises Python's ``TypeError``)."""
    if isinstance(output_size, int):
        return output_size
    if len(shape) <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    return [d if v is None else v for v, d in zip(output_size, shape[-len(output_size):])]


def _check_input(fn: str, a: np.ndarray, nd: int) -> None:
    if a.ndim not in (nd + 1, nd + 2):
        got = "got:" if "max" in fn else "got"  # (PyTorch's two kernels word it so)
        raise RuntimeError(f"{fn}(): Expected {nd + 1}D or {nd + 2}D tensor, but {got} {list(a.shape)}")
    for i in range(1, a.ndim):
        if a.shape[i] == 0:
            raise RuntimeError(f"{fn}(): Expected input to have non-zero size for non-batch dimensions, but "
                               f"input has sizes {list(a.shape)} with dimension {i} being empty")


def _bins(size: int, out: int) -> list[tuple[int, int]]:
    return [((i * size) // out, -(-((i + 1) * size) // out)) for i in range(out)]


# ---------------------------------------------------------------------------------------------
# adaptive average pooling


def _adaptive_matrix(size: int, out: int, dtype: np.dtype) -> np.ndarray:
    r"""(out, size): row i averages the input span
    :math:`[\lfloor i L / O \rfloor, \lceil (i + 1) L / O \rceil)`, PyTorch's bins."""
    m = np.zeros((out, size), dtype)
    for i, (start, end) in enumerate(_bins(size, out)):
        m[i, start:end] = 1 / (end - start)
    return m


def _along(m: np.ndarray, a: np.ndarray, axis: int) -> np.ndarray:
    """The matrix ``m`` applied along ``axis`` (negative) of ``a``: one matrix product, the
    dimensions after ``axis`` flattened so that BLAS sees contiguous matrices."""
    if axis == -1:
        return a @ m.T
    lead, rest = a.shape[:axis], a.shape[axis + 1:]
    out = m @ a.reshape(lead + (a.shape[axis], math.prod(rest)))
    return out.reshape(lead + (m.shape[0],) + rest)


def _adaptive_avg_pool(x: Tensor, output_size: Any, nd: int) -> Tensor:
    r"""Average pooling of the last ``nd`` dimensions to ``output_size``: one averaging matrix
    :math:`P` per dimension, :math:`y = P_D\, P_H\, P_W\, x` applied axis by axis; the gradient is
    the transposed matrices applied to the gradient from above."""
    a = x._data
    fn = f"adaptive_avg_pool{nd}d"
    wanted = _int_list(fn, output_size, nd)
    _check_input(fn, a, nd)
    if len(wanted) != nd:
        raise RuntimeError(f"{fn}: output_size must be {nd}")
    spatial = a.shape[-nd:]
    sizes = wanted
    if min(sizes) < 0:
        shown = ", ".join(map(str, sizes[:2])) + "".join(f",{s}" for s in sizes[2:])
        raise RuntimeError(f"{fn}: elements of output_size must be greater than or equal to 0 but "
                           f"received {{{shown}}}")
    mean = all(s == 1 for s in sizes)  # PyTorch takes the mean then
    if a.dtype.kind not in "fV":
        if mean:
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating "
                               f"point or complex dtype. Got: {scalar_name(a.dtype)}")
        kernel = "adaptive_avg_pool3d_cpu" if nd == 3 else "adaptive_avg_pool2d"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{scalar_name(a.dtype)}\'')
    t = a.dtype if a.dtype in (np.float32, np.float64) else np.dtype(np.float32)  # float16: in float32
    mats = [_adaptive_matrix(s, o, t) for s, o in zip(spatial, sizes)]
    out = a.astype(t, copy=False)
    for k, m in enumerate(mats):
        out = _along(m, out, k - nd)

    def backward(g: np.ndarray) -> tuple:
        g = g.astype(t, copy=False)
        for k, m in enumerate(mats):
            g = _along(m.T, g, k - nd)
        return (g.astype(a.dtype, copy=False),)

    return record(out.astype(a.dtype, copy=False), "MeanBackward1" if mean else f"AdaptiveAvgPool{nd}DBackward0", (x,), backward)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    r"""Average pooling to a fixed output size, whatever the input's: output (a, b) is the mean
    of the input rows :math:`[\lfloor a H / H_{out} \rfloor, \lceil (a+1) H / H_{out} \rceil)`
    and the matching columns (the bins may overlap by one when the sizes do not divide).

    Written as two small matrix products, :math:`P_H\, x\, P_W^T`, with :math:`P` the averaging
    matrices; the gradient is :math:`P_H^T\, g\, P_W`. ``None`` in ``output_size`` keeps that
    dimension.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`.

    Example::

        >>> F.adaptive_avg_pool2d(torch.randn(1, 64, 10, 9), (5, 7)).shape
        torch.Size([1, 64, 5, 7])
    """
    x = ensure_tensor(input)
    return _adaptive_avg_pool(x, _with_default(output_size, x._data.shape), 2)


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    r"""Average pooling of volumes to a fixed output size (see :func:`adaptive_avg_pool2d`), one
    averaging matrix per dimension.

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or :math:`(C, D_{out}, H_{out}, W_{out})`.
    """
    x = ensure_tensor(input)
    return _adaptive_avg_pool(x, _with_default(output_size, x._data.shape), 3)


def _one_int(fn: str, x: Tensor, output_size: Any) -> int:
    """The length of a 1-D adaptive pooling, checked as PyTorch does: the argument, the input's
    dimensions, then its length."""
    wanted = _int_list(fn, output_size, 1)
    if x._data.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {x._data.ndim}-dimensional tensor for "
                           f"argument #1 'self' (while checking arguments for {fn})")
    if len(wanted) != 1:
        raise RuntimeError(f"{fn}() argument 'output_size' should contain one int (got {len(wanted)})")
    return wanted[0]


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    r"""Average pooling of signals to a fixed length (see :func:`adaptive_avg_pool2d`), written as
    PyTorch does: a 2-D pooling of a single row.

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`.
    """
    x = ensure_tensor(input)
    n = _one_int("adaptive_avg_pool1d", x, output_size)
    return squeeze(adaptive_avg_pool2d(unsqueeze(x, -2), (1, n)), -2)


# ---------------------------------------------------------------------------------------------
# adaptive max pooling


def _adaptive_max_pool(x: Tensor, output_size: Any, nd: int) -> tuple[Tensor, Tensor]:
    """The maximum of each bin over the last ``nd`` dimensions and its flat index in the input's
    plane (volume); the gradient goes back to that element."""
    a = x._data
    fn = f"adaptive_max_pool{nd}d"
    wanted = _int_list(fn, output_size, nd)
    _check_input(fn, a, nd)
    if len(wanted) != nd:
        raise RuntimeError(f"{fn}(): internal error: output_size.size() must be {nd}")
    lead, spatial = a.shape[:-nd], a.shape[-nd:]
    if min(wanted) < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(wanted)}: "
                           f"{list(lead + wanted)}")
    if a.dtype.kind != "f":
        raise NotImplementedError(f'"{fn}" not implemented for \'{scalar_name(a.dtype)}\'')
    bins = [_bins(s, o) for s, o in zip(spatial, wanted)]
    out = np.empty(lead + wanted, a.dtype)
    index = np.empty(lead + wanted, np.int64)
    has_nan = bool(np.isnan(a).any())
    for pos in np.ndindex(*wanted):
        spans = [bins[k][pos[k]] for k in range(nd)]
        shape = tuple(e - s for s, e in spans)
        win = a[(Ellipsis,) + tuple(slice(s, e) for s, e in spans)].reshape(lead + (math.prod(shape),))
        local = np.argmax(win, -1)  # the first maximum
        if has_nan:  # PyTorch's kernel keeps the last NaN
            nan = np.isnan(win)
            local = np.where(nan.any(-1), win.shape[-1] - 1 - np.argmax(nan[..., ::-1], -1), local)
        coords = np.unravel_index(local, shape)
        at = (Ellipsis,) + pos
        index[at] = np.ravel_multi_index(tuple(c + s for c, (s, _) in zip(coords, spans)), spatial)
        out[at] = np.take_along_axis(win, local[..., None], -1)[..., 0]
    plane = math.prod(spatial)

    def backward(g: np.ndarray) -> tuple:
        rows = math.prod(lead)
        where = (index.reshape(rows, -1) + plane * np.arange(rows)[:, None]).ravel()
        gx = np.bincount(where, weights=g.ravel(), minlength=rows * plane) if g.dtype != np.float16 else None
        if gx is None:
            gx = np.zeros(rows * plane, g.dtype)
            np.add.at(gx, where, g.ravel())
        return (gx.astype(a.dtype, copy=False).reshape(a.shape),)

    result = record(out, f"AdaptiveMaxPool{nd}DBackward0", (x,), backward, ())
    return result, _make(index)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any,  # noqa: A002
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool2d`'s output and indices, always both."""
    x = ensure_tensor(input)
    return _adaptive_max_pool(x, _with_default(output_size, x._data.shape), 2)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    r"""Max pooling to a fixed output size, whatever the input's: output (a, b) is the largest
    value of the input rows :math:`[\lfloor a H / H_{out} \rfloor, \lceil (a+1) H / H_{out} \rceil)`
    and the matching columns. ``None`` in ``output_size`` keeps that dimension. With
    ``return_indices=True``, also the position of each maximum, flat in the :math:`H \times W`
    plane (as ``max_pool2d``'s, for ``max_unpool2d``). The gradient goes to the maxima only.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: :math:`(N, C, H_{out}, W_{out})` or :math:`(C, H_{out}, W_{out})`.

    Example::

        >>> F.adaptive_max_pool2d(torch.randn(2, 8, 5, 7), 1).shape  # a global max pooling
        torch.Size([2, 8, 1, 1])
    """
    out, index = adaptive_max_pool2d_with_indices(input, output_size)
    return (out, index) if return_indices else out


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any,  # noqa: A002
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool3d`'s output and indices, always both."""
    x = ensure_tensor(input)
    return _adaptive_max_pool(x, _with_default(output_size, x._data.shape), 3)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    r"""Max pooling of volumes to a fixed output size (see :func:`adaptive_max_pool2d`); the
    indices are flat in the :math:`D \times H \times W` volume.

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`.
        - Output: :math:`(N, C, D_{out}, H_{out}, W_{out})` or :math:`(C, D_{out}, H_{out}, W_{out})`.
    """
    out, index = adaptive_max_pool3d_with_indices(input, output_size)
    return (out, index) if return_indices else out


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any,  # noqa: A002
                                     return_indices: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool1d`'s output and indices, always both."""
    x = ensure_tensor(input)
    n = _one_int("adaptive_max_pool1d", x, output_size)
    out, index = adaptive_max_pool2d_with_indices(unsqueeze(x, -2), (1, n))
    return squeeze(out, -2), _make(index._data.squeeze(-2))


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:  # noqa: A002
    r"""Max pooling of signals to a fixed length (see :func:`adaptive_max_pool2d`), written as
    PyTorch does: a 2-D pooling of a single row. The indices are positions along the length.

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`.
        - Output: :math:`(N, C, L_{out})` or :math:`(C, L_{out})`.

    Example::

        >>> F.adaptive_max_pool1d(torch.tensor([[1.0, 5.0, 2.0, 0.0, 3.0]]), 2, return_indices=True)
        (tensor([[5., 3.]]), tensor([[1, 4]]))
    """
    out, index = adaptive_max_pool1d_with_indices(input, output_size)
    return (out, index) if return_indices else out


__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices"]
