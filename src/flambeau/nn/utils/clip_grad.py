r"""Gradient clipping, as ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``.

``clip_grad_norm_`` treats all the gradients as one long vector :math:`g` and shrinks it when its
:math:`p`-norm is above ``max_norm``:

.. math::

    \|g\|_p = \Big\| \big(\|g^{(1)}\|_p, \ldots, \|g^{(k)}\|_p\big) \Big\|_p, \qquad
    g^{(i)} \leftarrow g^{(i)} \cdot \min\Big(\frac{\text{max\_norm}}{\|g\|_p + 10^{-6}}, 1\Big)

(the norm of the per-parameter norms; :math:`p = \infty` is the largest absolute value). The
direction of the step is kept, only its length is capped: the usual cure for exploding gradients
in recurrent networks. ``clip_grad_value_`` instead clamps each coordinate to
:math:`[-c, c]`, which changes the direction.

The gradients are changed in place; the ``foreach`` argument is accepted for compatibility
(flambeau has a single NumPy implementation).
"""

from __future__ import annotations

import types
import warnings
from collections.abc import Iterable

import numpy as np

from ...ops._core import _make
from ...tensor import Tensor

_Tensors = Tensor | Iterable[Tensor]


def _vector_norm(a: np.ndarray, p: float) -> np.ndarray:
    """The :math:`p`-norm of all the values of ``a``, in ``a``'s dtype."""
    x = np.abs(a.ravel())
    if p == np.inf:
        return x.max()
    if p == -np.inf:
        return x.min()
    if p == 0:
        return np.asarray(np.count_nonzero(x), dtype=a.dtype)
    if p == 1:
        return x.sum()
    if p == 2:
        return np.sqrt(np.dot(x, x))
    return (x**p).sum() ** (1.0 / p)


def _assign(g: Tensor, values: np.ndarray) -> None:
    """Write ``values`` into the gradient ``g`` in place (in its dtype)."""
    values = values.astype(g._data.dtype, copy=False)
    if g._data.flags.writeable:
        g._data[...] = values
    else:
        g._data = values


def _check_foreach(foreach: bool | None) -> None:
    if foreach not in (None, True, False):
        raise TypeError(f"foreach should be a bool or None, but got {foreach!r}")


def get_total_norm(tensors: _Tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    r"""The :math:`p`-norm of ``tensors`` seen as one vector: the norm of their norms.

    Args:
        tensors: a tensor or an iterable of tensors (usually gradients).
        norm_type: :math:`p`, a number or ``float('inf')``.
        error_if_nonfinite: raise if the norm is nan or infinite.
        foreach: accepted for compatibility.

    Returns a 0-dimensional tensor, ``tensor(0.)`` for no tensors.
    """
    _check_foreach(foreach)
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _make(np.array(0.0, dtype=np.float32))
    with np.errstate(over="ignore", invalid="ignore"):
        norms = [_vector_norm(t._data, norm_type) for t in tensors]
        dtype = np.result_type(*[n.dtype for n in norms])
        total = np.asarray(_vector_norm(np.array(norms, dtype=dtype), norm_type), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                           "non-finite, so it cannot be clipped. To disable this error and scale the "
                           "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return _make(total)


def clip_grads_with_norm_(parameters: _Tensors, max_norm: float, total_norm: Tensor,
                          foreach: bool | None = None) -> None:
    r"""Scale the gradients of ``parameters`` by :math:`\min(\text{max\_norm} /
    (\text{total\_norm} + 10^{-6}), 1)`, in place: :func:`clip_grad_norm_` with a norm
    computed beforehand (by :func:`get_total_norm`)."""
    _check_foreach(foreach)
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    norm = total_norm._data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    with np.errstate(divide="ignore", invalid="ignore"):
        coef = np.minimum(norm.dtype.type(float(max_norm)) / (norm + norm.dtype.type(1e-6)), 1.0)
        for g in grads:
            _assign(g, g._data * coef)  # an infinite norm makes nan (inf * 0), as in PyTorch


def clip_grad_norm_(parameters: _Tensors, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    r"""Rescale the gradients of ``parameters`` so that, seen as one vector, their
    :math:`p`-norm is at most ``max_norm`` (see the module's docstring). In place.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is clipped (those
            without a gradient are skipped).
        max_norm: the largest norm allowed.
        norm_type: :math:`p`, a number or ``float('inf')`` (default 2).
        error_if_nonfinite: raise a ``RuntimeError`` if the norm is nan or infinite, instead
            of scaling the gradients by it.
        foreach: accepted for compatibility.

    Returns:
        The total norm of the gradients *before* clipping (a 0-dimensional tensor).

    Example::

        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters: _Tensors, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Deprecated spelling of :func:`clip_grad_norm_` (with PyTorch's ``FutureWarning``)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: _Tensors, clip_value: float, foreach: bool | None = None) -> None:
    r"""Clamp every coordinate of the gradients of ``parameters`` to
    :math:`[-\text{clip\_value}, \text{clip\_value}]`, in place.

    Example::

        loss.backward()
        nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
    """
    _check_foreach(foreach)
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    c = float(clip_value)
    for p in parameters:
        g = p.grad
        if g is None:
            continue
        _assign(g, np.clip(g._data, -c, c))
