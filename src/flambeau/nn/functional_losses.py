"""Loss functions, as ``torch.nn.functional``: how far a prediction is from its target.

Each loss is one graph node: the forward computes the loss of every element, ``_reduce`` averages
or sums it (``reduction='mean' | 'sum' | 'none'``), and the backward, written next to it, is the
local derivative of the element's loss times the gradient from above spread back by the reduction.

The classification losses (``nll_loss``, ``cross_entropy``) move the class dimension (dimension 1,
or 0 for a single unbatched sample) last, so that every position ``n`` (a sample, or a pixel of a
sample) has its row of C class scores, and write the loss of a position as

    l_n = - sum_c q_nc log p_nc

with ``q`` the weighted target distribution (a one-hot row for a class index, the given
probabilities otherwise, mixed with the uniform distribution by label smoothing).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _dtype as dt
from .._quiet import quiet, quietly
from ..autograd.graph import fuse
from ..ops import _parallel
from ..ops._core import Tensor, broadcast_error, needs_grad, number_operand, record, unbroadcast
from ..ops.reduce import trailing_sums
from ..ops.unary import _sigmoid

ndarray = np.ndarray

_REDUCTIONS = ("none", "mean", "sum")

# PyTorch's names for the element types, as its error messages print them


# ---------------------------------------------------------------------------------------- helpers
def _quietly(fn: Callable) -> Callable:
    """Run ``fn`` (a loss, or its backward) without NumPy's warnings: as in PyTorch, a loss that
    overflows is inf and 0/0 is nan, silently."""
    return quietly(fn)


def _node(out: ndarray, name: str, inputs: tuple, backward: Callable,
          saved: tuple | None = None) -> Tensor:
    """``record`` with a quiet backward."""
    return record(out, name, inputs, quiet(backward), saved)


def _legacy_reduction(size_average: bool | None, reduce: bool | None, stacklevel: int = 3) -> str:
    """The ``reduction`` that the deprecated ``size_average`` and ``reduce`` flags stand for
    (with PyTorch's warning, pointing ``stacklevel`` frames up)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        out = "mean"
    elif reduce:
        out = "sum"
    else:
        out = "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{out}' "
                  "instead.", stacklevel=stacklevel)
    return out


def _reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        # the frames up to the caller: here, the loss, its _quietly wrapper
        reduction = _legacy_reduction(size_average, reduce, stacklevel=5)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: ndarray, reduction: str, total: Any = None) -> tuple[ndarray, Callable]:
    """Apply the reduction to the loss of every element; also return ``spread``, which maps the
    gradient of the result back to one gradient per element:
    'none' keeps it, 'sum' copies it to every element, 'mean' divides the copies by ``total``
    (the number of elements unless given: the sum of the class weights for ``nll_loss``)."""
    if reduction == "none":
        return loss, lambda g: g
    s = np.add.reduce(loss, axis=None)  # loss.sum() without NumPy's Python wrapper
    if reduction == "sum":
        return s, lambda g: np.broadcast_to(g, loss.shape)
    n = loss.size if total is None else total
    out = s / n  # an empty mean is nan (0/0), as in PyTorch
    if out.dtype != loss.dtype:
        out = out.astype(loss.dtype)

    def spread(g: ndarray) -> ndarray:
        return np.broadcast_to(g / n, loss.shape).astype(loss.dtype, copy=False)

    return out, spread


def _tensor(x: Any, fn: str, arg: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' must be Tensor, not {type(x).__name__}")


def _as(g: ndarray, t: Tensor) -> ndarray:
    """A gradient for ``t``: summed back over broadcast dimensions, in ``t``'s dtype."""
    x = t._data
    if g.shape == x.shape and g.dtype == x.dtype:  # the common case, without NumPy's calls
        return g
    return unbroadcast(g, x.shape).astype(x.dtype, copy=False)


def _float_pair(input: Tensor, target: Tensor, fn: str, kernel: str,  # noqa: A002
                warn: bool = False) -> tuple[ndarray, ndarray]:
    """The values of ``input`` and ``target`` in their common (floating) dtype, broadcast
    together; with ``warn``, PyTorch's warning when their sizes differ."""
    if not (isinstance(input, Tensor) and isinstance(target, Tensor)):
        _tensor(input, fn, "input")
        _tensor(target, fn, "target")
    if warn and input._data.shape != target._data.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=4)
    x, y = input._data, target._data
    if x.dtype == y.dtype and x.shape == y.shape and x.dtype.kind in "fV":
        return x, y  # the common case, without conversions
    d = dt.result_type(input, target)
    if not d.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for {d.scalar_name!r}')
    try:
        x, y = np.broadcast_arrays(input._data.astype(d.np, copy=False),
                                   target._data.astype(d.np, copy=False))
    except ValueError:
        raise broadcast_error(input._data.shape, target._data.shape) from None
    return x, y


def _require_float(t: Tensor, kernel: str) -> None:
    if t._data.dtype.kind not in "fV":
        raise NotImplementedError(f'"{kernel}" not implemented for {t.dtype.scalar_name!r}')


def _constant(t: Tensor | None, fn: str, arg: str) -> None:
    """PyTorch has no gradient for the weights of these losses: it refuses weights that require
    grad (while recording a graph)."""
    if t is not None and needs_grad(t):
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument "
                           f"'{arg}'. This input cannot have requires_grad True.")


def _weighted(loss: Tensor, weight: Tensor, input: Tensor, reduction: str) -> Tensor:  # noqa: A002
    """The elementwise ``loss`` times ``weight``; 'mean' divides by the sum of the weights.
    Plain engine ops: the weight gets its gradient too."""
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError(f"Weights and input must have the same size. (weight of shape "
                         f"{list(weight.shape)}, input of shape {list(input.shape)})")
    weighted = loss * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    return weighted.sum() / weight.sum()


# ---------------------------------------------------------------------------------------- regression
@_quietly
def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
             reduce: bool | None = None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    r"""Mean squared error between each element of ``input`` and ``target``.

    .. math::
        \ell_i = (x_i - y_i)^2, \qquad
        \frac{\partial \ell_i}{\partial x_i} = 2 (x_i - y_i) = -\frac{\partial \ell_i}{\partial y_i}

    then the mean (default), the sum, or no reduction (``'none'``). With ``weight`` (same shape as
    the input) each :math:`\ell_i` is multiplied by :math:`w_i`, and the mean is
    :math:`\sum_i w_i \ell_i / \sum_i w_i`.

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the same shape (other shapes broadcast, with a warning).
        - Output: a scalar; with ``reduction='none'``, :math:`(*)`.
    """
    if size_average is not None or reduce is not None or reduction not in _REDUCTIONS:
        reduction = _reduction(size_average, reduce, reduction)
    x, y = _float_pair(input, target, "mse_loss", "mse_cpu", warn=True)
    if weight is not None:
        return _weighted(mse_loss(input, target, reduction="none"), weight, input, reduction)
    d = x - y
    out, _ = _reduce(d * d, reduction)
    # PyTorch's kernel: norm (x - y) g, norm = 2 / n for the mean, 2 otherwise (g broadcasts)
    # (a float norm as a 0-d array of d's dtype: the same product, taken faster)
    norm = number_operand(2 / d.size, d.dtype) if reduction == "mean" and d.size else 2
    need_target = target.requires_grad

    def backward(g: ndarray) -> tuple:  # the target's: norm (y - x) g, as PyTorch (the sign of 0)
        gd = norm * d * g
        return _as(gd, input), _as(norm * (y - x) * g, target) if need_target else None

    return _node(out, "MseLossBackward0", (input, target), backward)


@_quietly
def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
            reduce: bool | None = None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    r"""Mean absolute error between each element of ``input`` and ``target``.

    .. math::
        \ell_i = |x_i - y_i|, \qquad
        \frac{\partial \ell_i}{\partial x_i} = \mathrm{sign}(x_i - y_i)
        = -\frac{\partial \ell_i}{\partial y_i} \quad (0 \text{ where } x_i = y_i)

    ``weight`` works as in :func:`mse_loss`.

    Shape:
        - Input: :math:`(*)`.
        - Target: :math:`(*)`, the same shape (other shapes broadcast, with a warning).
        - Output: a scalar; with ``reduction='none'``, :math:`(*)`.
    """
    reduction = _reduction(size_average, reduce, reduction)
    x, y = _float_pair(input, target, "l1_loss", "l1_cpu", warn=True)
    if weight is not None:
        return _weighted(l1_loss(input, target, reduction="none"), weight, input, reduction)
    d = x - y
    out, spread = _reduce(np.abs(d), reduction)

    def backward(g: ndarray) -> tuple:  # PyTorch: abs's g sgn(d) (0 for nan), then sub's -g
        gd = np.where(d == d, np.sign(d), 0).astype(d.dtype, copy=False) * spread(g)
        return _as(gd, input), _as(-gd, target)

    return _node(out, "L1LossBackward0", (input, target), backward)


@_quietly
def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
                   reduce: bool | None = None, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    r"""Squared error for small differences, absolute error for large ones (Huber's loss
    divided by ``beta``). With :math:`d_i = x_i - y_i`:

    .. math::
        \ell_i = \begin{cases} 0.5\, d_i^2 / \beta & |d_i| < \beta \\
                               |d_i| - 0.5\, \beta & \text{otherwise} \end{cases}
        \qquad
        \frac{\partial \ell_i}{\partial x_i} = \begin{cases} d_i / \beta & |d_i| < \beta \\
                               \mathrm{sign}(d_i) & \text{otherwise} \end{cases}

    ``beta = 0`` is the L1 loss.

    Shape:
        - Input: :math:`(*)`.
        - Target: :math:`(*)`, the same shape (other shapes broadcast, with a warning).
        - Output: a scalar; with ``reduction='none'``, :math:`(*)`.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    x, y = _float_pair(input, target, "smooth_l1_loss", "smooth_l1_cpu", warn=True)
    d = x - y
    ad = np.abs(d)
    small = ad < beta
    out, spread = _reduce(np.where(small, 0.5 * d * d / beta, ad - 0.5 * beta).astype(d.dtype), reduction)

    def local(v: ndarray) -> ndarray:  # PyTorch's kernel: +-1 from beta on, v / beta below
        return np.where(np.abs(v) >= beta, np.where(v > 0, 1.0, -1.0).astype(v.dtype), v / beta)

    def backward(g: ndarray) -> tuple:  # the target's from y - x, as PyTorch (the sign of 0)
        gs = spread(g)
        return _as(local(d) * gs, input), _as(local(y - x) * gs, target)

    return _node(out, "SmoothL1LossBackward0", (input, target), backward)


# ---------------------------------------------------------------------------------------- binary
@_quietly
def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    r"""Binary cross entropy between probabilities ``input`` (in [0, 1]) and ``target``.

    .. math::
        \ell_i = -w_i \left[ y_i \log x_i + (1 - y_i) \log(1 - x_i) \right]

    with each log clamped to :math:`\ge -100` (so that :math:`x_i = 0` or 1 gives a finite loss),
    as in PyTorch. The derivatives:

    .. math::
        \frac{\partial \ell_i}{\partial x_i} = w_i \frac{x_i - y_i}{\max(x_i (1 - x_i), 10^{-12})},
        \qquad
        \frac{\partial \ell_i}{\partial y_i} = w_i \left[\log(1 - x_i) - \log x_i\right]

    ``weight`` (broadcast to the input's shape) cannot require grad, as in PyTorch.

    Shape:
        - Input: :math:`(*)`, probabilities.
        - Target: :math:`(*)`, the same shape, in [0, 1].
        - Output: a scalar; with ``reduction='none'``, :math:`(*)`.
    """
    reduction = _reduction(size_average, reduce, reduction)
    fn = "binary_cross_entropy"
    _tensor(input, fn, "input")
    _tensor(target, fn, "target")
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    x, y = input._data, target._data
    if y.dtype != x.dtype:
        raise RuntimeError(f"Found dtype {target.dtype.scalar_name} but expected "
                           f"{input.dtype.scalar_name}")
    _require_float(input, "binary_cross_entropy")
    w = None
    if weight is not None:
        _constant(weight, fn, "weight")
        try:
            w = np.broadcast_to(weight._data, x.shape).astype(x.dtype, copy=False)
        except ValueError:
            raise RuntimeError(f"weight of shape {list(weight.shape)} cannot be broadcast to the "
                               f"input's shape {list(input.shape)}") from None
    if not np.all((x >= 0) & (x <= 1)):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if not np.all((y >= 0) & (y <= 1)):
        raise RuntimeError("all elements of target should be between 0 and 1")
    log_x = np.log(x)  # -inf at 0: clamped below in the loss, not in the target's gradient
    log_1mx = np.log1p(-x)
    loss = -(y * np.maximum(log_x, -100) + (1 - y) * np.maximum(log_1mx, -100))
    if w is not None:
        loss = loss * w
    out, spread = _reduce(loss, reduction)

    def backward(g: ndarray) -> tuple:
        gl = spread(g) if w is None else spread(g) * w
        gx = gl * (x - y) / np.maximum(x * (1 - x), 1e-12)
        gy = gl * (log_1mx - log_x)
        return _as(gx, input), _as(gy, target)

    return _node(out, "BinaryCrossEntropyBackward0", (input, target), backward)


@_quietly
def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,  # noqa: A002
                                     weight: Tensor | None = None, size_average: bool | None = None,
                                     reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    r"""Binary cross entropy on logits: a sigmoid and :func:`binary_cross_entropy` in one, stable
    for logits of any size. With :math:`\sigma` the sigmoid, :math:`p` = ``pos_weight`` (the
    weight of the positive examples) and :math:`w` = ``weight``:

    .. math::
        \ell_i = -w_i \left[ p_i y_i \log \sigma(x_i) + (1 - y_i) \log(1 - \sigma(x_i)) \right]
               = w_i \left[ (1 - y_i) x_i + (1 + (p_i - 1) y_i)\, \mathrm{softplus}(-x_i) \right]

    (the second form never overflows), and

    .. math::
        \frac{\partial \ell_i}{\partial x_i} = w_i \left[ (p_i y_i + 1 - y_i) \sigma(x_i) - p_i y_i \right],
        \qquad
        \frac{\partial \ell_i}{\partial y_i} = w_i \left[ (p_i - 1)\, \mathrm{softplus}(-x_i) - x_i \right]

    ``weight`` and ``pos_weight`` broadcast with the input (``pos_weight`` usually has one entry per
    class, the last dimension) and cannot require grad, as in PyTorch.

    Shape:
        - Input: :math:`(*)`, logits.
        - Target: :math:`(*)`, the same shape.
        - Output: a scalar; with ``reduction='none'``, :math:`(*)`.
    """
    reduction = _reduction(size_average, reduce, reduction)
    fn = "binary_cross_entropy_with_logits"
    _tensor(input, fn, "input")
    _tensor(target, fn, "target")
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _constant(weight, fn, "weight")
    _constant(pos_weight, fn, "pos_weight")
    d = dt.result_type(input, target)
    if not target.dtype.is_floating_point:
        raise RuntimeError(f"result type {d.scalar_name} can't be cast to the desired output "
                           f"type {target.dtype.scalar_name}")
    _require_float(input, "binary_cross_entropy_with_logits")
    x, y = input._data.astype(d.np, copy=False), target._data.astype(d.np, copy=False)
    w = None if weight is None else weight._data.astype(d.np, copy=False)
    p = None if pos_weight is None else pos_weight._data.astype(d.np, copy=False)
    for extra in (w, p):
        if extra is not None:
            try:
                np.broadcast_shapes(extra.shape, x.shape)
            except ValueError:
                raise broadcast_error(extra.shape, x.shape) from None
    softplus_neg = np.logaddexp(0, -x)  # -log sigmoid(x), stable
    coef = 1 if p is None else 1 + (p - 1) * y  # the weight of -log sigmoid(x)
    loss = (1 - y) * x + coef * softplus_neg
    if w is not None:
        loss = loss * w
    out, spread = _reduce(loss.astype(d.np, copy=False), reduction)

    def backward(g: ndarray) -> tuple:
        gl = spread(g) if w is None else spread(g) * w
        s = _sigmoid(x)
        py = y if p is None else p * y
        gx = gl * ((py + 1 - y) * s - py)
        gy = gl * (-x if p is None else (p - 1) * softplus_neg - x)
        return _as(gx, input), _as(gy, target)

    return _node(out, "BinaryCrossEntropyWithLogitsBackward0", (input, target), backward)


# ---------------------------------------------------------------------------------------- classes
def _classes_last(a: ndarray) -> ndarray:
    """(N, C, d1, ...) to (N, d1, ..., C); a single sample (C,) to (1, C)."""
    if a.ndim == 2:
        return a
    return a[None] if a.ndim == 1 else np.moveaxis(a, 1, -1)


def _classes_back(a: ndarray, ndim: int) -> ndarray:
    if ndim == 2:
        return a
    return a[0] if ndim == 1 else np.moveaxis(a, -1, 1)


def _class_sums(e: ndarray) -> ndarray:
    """``e.sum(axis=-1)``, the sums over the classes, as one matrix-vector product where it can
    (faster than NumPy's sum along the last axis: 2 ms less on 700 rows of 10,000 classes), in
    float32; float64 keeps NumPy's pairwise sums, closest to PyTorch's."""
    s = trailing_sums(e, 1, True) if e.dtype.itemsize == 4 else None
    return e.sum(axis=-1) if s is None else s[..., 0]


def _log_softmax_last(x: ndarray) -> ndarray:
    """log softmax over the last dimension, shifted by the maximum (no overflow): one new array
    (the softmax itself, ``exp`` of it, is recomputed where a backward needs it)."""
    logp = x - np.max(x, axis=-1, keepdims=True)
    logp -= np.log(np.sum(np.exp(logp), axis=-1, keepdims=True))
    return logp


def _class_weight(weight: Tensor | None, n_classes: int, dtype: np.dtype, fn: str = "") -> ndarray | None:
    if weight is None:
        return None
    if weight.ndim != 1 or weight.numel() != n_classes:
        raise RuntimeError(f"{fn}weight tensor should be defined either for all {n_classes} classes or "
                           f"no classes but got weight tensor of shape: {list(weight.shape)}")
    return weight._data.astype(dtype, copy=False)


def _index_targets(input: Tensor, target: Tensor, ignore_index: int) -> tuple[ndarray, ndarray]:  # noqa: A002
    """Check class-index targets against the input, as PyTorch does; return them in the
    classes-last layout of the positions (``(1,)`` for a single sample) with the mask of those
    that count (not ``ignore_index``)."""
    x, t = input._data, target._data
    shapes = f"(input of shape {list(x.shape)}, target of shape {list(t.shape)})"
    if x.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {x.ndim})")
    if x.ndim == 1:
        if t.ndim == 1 and t.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {t.shape[0]}")
        if t.ndim > 1:
            raise RuntimeError(f"0D or 1D target tensor expected, multi-target not supported {shapes}")
    else:
        batch = t.shape[0] if t.ndim else 0
        if batch != x.shape[0]:
            raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                             f"({batch}). {shapes}")
        if x.ndim == 2 and t.ndim != 1:
            raise RuntimeError(f"0D or 1D target tensor expected, multi-target not supported {shapes}")
        expected = x.shape[:1] + x.shape[2:]
        if t.shape != expected:
            raise RuntimeError(f"Expected target size {list(expected)}, got {list(t.shape)}")
    if t.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target.dtype.scalar_name}")
    t = (t.reshape(1) if x.ndim == 1 else t).astype(np.int64, copy=False)
    valid = t != ignore_index
    n_classes = x.shape[0] if x.ndim == 1 else x.shape[1]
    bad = valid & (t.view(np.uint64) >= n_classes)  # a negative index is a huge unsigned one
    if bad.any():
        raise IndexError(f"Target {int(t[bad][0])} is out of bounds. (class indices must be in "
                         f"[0, {n_classes}) {shapes})")
    return t, valid


def _pick(a: ndarray, t: ndarray) -> ndarray:
    """``a[..., t_n]`` at each position n: the entry of the position's target class."""
    return np.take_along_axis(a, t[..., None], axis=-1)[..., 0]


def _index_classification(input: Tensor, scores: ndarray, t: ndarray, valid: ndarray,  # noqa: A002
                          w: ndarray | None, eps: float, reduction: str, name: str,
                          softmax: bool) -> Tensor:
    """The node of ``l_n = -sum_c q_nc logp_nc`` for class indices, without building ``q``:
    ``q_n = a_n onehot(y_n) + (eps / C) u`` with ``a_n = (1 - eps) w_{y_n}`` (0 where ignored)
    and ``u`` the class weights (ones without them). So

        l_n = -a_n logp_{n, y_n} - (eps / C) sum_c u_c logp_nc

    ``scores`` are the log-probabilities (``nll_loss``; the gradient is ``-gl_n q_n``) or, with
    ``softmax``, the logits minus their maximum in an array of this node's own (``cross_entropy``:
    ``logp = scores - log sum_c exp(scores)``, the gradient ``gl_n (p_n sum_c q_nc - q_n)``).
    ``scores`` is then turned into ``exp(scores)`` in place, all the node keeps: ``p_n`` is it
    divided by its row's sum. The one-hot part of the gradient is one entry per position."""
    n_classes = scores.shape[-1]
    safe = np.where(valid, t, 0)
    per_position = (np.ones(t.shape, scores.dtype) if w is None else w[safe]) * valid  # w_{y_n}
    a = per_position * (1 - eps) if eps else per_position
    picked = _pick(scores, safe)
    u = smooth = None
    if eps:
        u = np.ones(n_classes, scores.dtype) if w is None else w
        smooth = np.where(u != 0, scores * u, 0).sum(axis=-1)  # sum_c u_c logp_nc (+ below)
    if softmax:
        e = np.exp(scores, out=scores)
        row_sum = _class_sums(e)
        log_sum = np.log(row_sum)
        picked -= log_sum
        if eps:
            smooth -= log_sum * u.sum()
    # 0 * log 0 counts as 0: a class of probability 0 (logit -inf) that the target does not name
    loss = -np.where(a != 0, a * picked, 0)
    if eps:
        loss -= np.where(valid, (eps / n_classes) * smooth, 0)
    out_shape = () if input.ndim == 1 else t.shape
    out, spread = _reduce(loss.astype(scores.dtype, copy=False).reshape(out_shape), reduction,
                          per_position.sum())
    positions = t.shape + (1,)

    def backward(g: ndarray) -> tuple:
        gl = np.where(valid, spread(g).reshape(t.shape), 0)
        if softmax:  # p_n sum_c q_nc gl_n = e_n (sum_c q_nc gl_n / sum_c e_nc)
            row_total = a + (eps / n_classes) * u.sum() * valid if eps else a
            gx = e * (gl * row_total / row_sum).reshape(positions)
        else:
            gx = np.zeros(scores.shape, scores.dtype)
        at = safe[..., None]
        np.put_along_axis(gx, at, np.take_along_axis(gx, at, axis=-1) - (gl * a)[..., None], axis=-1)
        if eps:
            gx -= (gl * valid).reshape(positions) * (eps / n_classes) * u
        return (_classes_back(gx, input.ndim).astype(input._data.dtype, copy=False),)

    # cross_entropy reads only its own exp(scores): the logits may change afterwards, as in
    # PyTorch (whose log_softmax saves its result); nll_loss saves its input, as PyTorch's
    return _node(out, name, (input,), backward, () if softmax else None)


def _classification(input: Tensor, logp: ndarray, q: ndarray, reduction: str, total: Any,  # noqa: A002
                    out_shape: tuple, name: str, grad_input: Callable,
                    extra: tuple = (), grad_extra: Callable | None = None) -> Tensor:
    """The node of ``l_n = -sum_c q_nc logp_nc`` for a dense ``q`` (class probabilities as
    targets), reduced; ``grad_input(gl)`` turns the gradient of each ``l_n`` (classes-last,
    shape (..., 1)) into the gradient of the input."""
    # 0 * log 0 counts as 0: a class of probability 0 (logit -inf) that the target does not name
    loss = -np.sum(np.where(q != 0, q * logp, 0), axis=-1).reshape(out_shape)
    out, spread = _reduce(loss, reduction, total)
    positions = logp.shape[:-1] + (1,)

    def backward(g: ndarray) -> tuple:
        gl = spread(g).reshape(positions)
        gx = _classes_back(grad_input(gl), input.ndim).astype(input._data.dtype, copy=False)
        return (gx,) + (grad_extra(gl) if grad_extra is not None else ())

    return _node(out, name, (input,) + extra, backward)


@_quietly
def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
             size_average: bool | None = None, ignore_index: int = -100,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    r"""Negative log likelihood: the input holds log-probabilities (from :func:`log_softmax`),
    the target class indices. For position :math:`n` with class :math:`y_n`:

    .. math::
        \ell_n = -w_{y_n} x_{n, y_n}, \qquad
        \frac{\partial \ell_n}{\partial x_{n, c}} = -w_{y_n} [c = y_n]

    and 0 where :math:`y_n` = ``ignore_index``. The mean is weighted:
    :math:`\sum_n \ell_n / \sum_n w_{y_n}`, over the positions not ignored (nan if there are none).

    Shape:
        - Input: :math:`(N, C)`, :math:`(C)` for one sample, or :math:`(N, C, d_1, ..., d_K)`.
        - Target: :math:`(N)`, :math:`()`, or :math:`(N, d_1, ..., d_K)`: int64 indices in
          :math:`[0, C)` (or ``ignore_index``).
        - Weight: :math:`(C)`, one weight per class (cannot require grad, as in PyTorch).
        - Output: a scalar; with ``reduction='none'``, the target's shape.
    """
    reduction = _reduction(size_average, reduce, reduction)
    fn = "nll_loss"
    _tensor(input, fn, "input")
    _tensor(target, fn, "target")
    _constant(weight, "nll_loss_forward", "weight")
    t, valid = _index_targets(input, target, ignore_index)
    _require_float(input, "nll_loss")
    x = _classes_last(input._data)
    n_classes = x.shape[-1]
    w = _class_weight(weight, n_classes, x.dtype)
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype.scalar_name} but found "
                           f"{weight.dtype.scalar_name}")
    return _index_classification(input, x, t, valid, w, 0.0, reduction,
                                 _node_name(input.ndim, reduction, 0.0, False), False)


def _node_name(ndim: int, reduction: str, eps: float, probabilities: bool) -> str:
    """The name PyTorch gives the last node of ``cross_entropy``/``nll_loss`` (what
    ``print(loss)`` shows): flambeau computes them in one node, named as PyTorch's last one."""
    if probabilities:
        return "DivBackward1" if reduction == "mean" else "NegBackward0"
    if eps:
        return "AddBackward0"
    if ndim <= 2:
        return "NllLossBackward0"
    return "ViewBackward0" if reduction == "none" and ndim != 4 else "NllLoss2DBackward0"


@_quietly
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,  # noqa: A002
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    r"""Cross entropy between the logits ``input`` and the target classes: :func:`log_softmax`
    then :func:`nll_loss` in one node. With :math:`\log p_n = \mathrm{log\_softmax}(x_n)` the
    position's log-probabilities over the C classes,

    .. math::
        \ell_n = -\sum_c q_{n,c} \log p_{n,c}, \qquad
        \frac{\partial \ell_n}{\partial x_{n,c}} = p_{n,c} \sum_k q_{n,k} - q_{n,c}

    where, with smoothing :math:`\varepsilon` = ``label_smoothing`` and class weights :math:`w`:

    - the target holds class indices :math:`y_n`:
      :math:`q_{n,c} = (1 - \varepsilon)\, w_{y_n} [c = y_n] + \frac{\varepsilon}{C} w_c`
      (a zero row where :math:`y_n` = ``ignore_index``); the mean divides by
      :math:`\sum_n w_{y_n}` over the positions not ignored;
    - the target holds class probabilities :math:`t` (same shape as the input):
      :math:`q_{n,c} = w_c \left((1 - \varepsilon) t_{n,c} + \frac{\varepsilon}{C}\right)`; the mean
      divides by the number of positions, and
      :math:`\partial \ell_n / \partial t_{n,c} = -(1 - \varepsilon) w_c \log p_{n,c}`.

    Shape:
        - Input: :math:`(N, C)`, :math:`(C)` for one sample, or :math:`(N, C, d_1, ..., d_K)`.
        - Target: class indices of shape :math:`(N)`, :math:`()` or :math:`(N, d_1, ..., d_K)`
          (int64 in :math:`[0, C)` or ``ignore_index``), or class probabilities with the input's
          shape.
        - Weight: :math:`(C)`.
        - Output: a scalar; with ``reduction='none'``, :math:`(N)`, :math:`()` or
          :math:`(N, d_1, ..., d_K)`.
    """
    reduction = _reduction(size_average, reduce, reduction)
    fn = "cross_entropy"
    _tensor(input, fn, "input")
    _tensor(target, fn, "target")
    eps = float(label_smoothing)
    if not 0.0 <= eps <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if target.shape == input.shape:
        return _cross_entropy_probabilities(input, target, weight, ignore_index, reduction, eps)
    _constant(weight, "nll_loss_forward", "weight")
    t, valid = _index_targets(input, target, ignore_index)
    _require_float(input, "log_softmax_lastdim_kernel_impl")
    x = _classes_last(input._data)
    w = _class_weight(weight, x.shape[-1], x.dtype)
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype.scalar_name} but found "
                           f"{weight.dtype.scalar_name}")
    if input.ndim == 2 and x.size and w is None and not eps and reduction != "none" and valid.all():
        return _cross_entropy_plain(input, x, t, reduction)
    top = np.max(x, axis=-1, keepdims=True)  # the shift: no overflow in exp
    out = _index_classification(input, x - top, t, valid, w, eps, reduction,
                                _node_name(input.ndim, reduction, eps, False), True)
    return out if eps else fuse(out, _log_softmax_chain(input.ndim, reduction))


_BLOCK = 1 << 18  # logits per block of rows: the block's differences are in the cache for exp
_SPLIT = 1 << 17  # logits from which the passes over them are split between two threads


def _by_rows(job: Callable[[int, int], None], x: ndarray) -> None:
    """``job(lo, hi)`` over the rows of ``x``, in two halves on two threads when ``x`` is large
    (``_parallel.split``: NumPy's exponentials run on one core)."""
    if x.size >= _SPLIT:
        _parallel.split(job, len(x))
    else:
        job(0, len(x))


def _softmax_parts(x: ndarray) -> tuple[ndarray, ndarray]:
    """For (N, C) logits, each row's maximum ``top`` (N, 1) and ``e = exp(x - top)``, a block of
    rows at a time: the differences are still in the cache when ``exp`` reads them (2 ms less
    than two passes over a language model's 700 x 10,000 logits)."""
    n, c = x.shape
    top, e = np.empty((n, 1), x.dtype), np.empty(x.shape, x.dtype)
    step = max(1, _BLOCK // c)

    def job(lo: int, hi: int) -> None:
        for i in range(lo, hi, step):
            j = min(i + step, hi)
            rows, block, shift = x[i:j], e[i:j], top[i:j]
            np.max(rows, axis=1, keepdims=True, out=shift)
            np.subtract(rows, shift, out=block)
            np.exp(block, out=block)

    _by_rows(job, x)
    return top, e


def _rows_scaled(e: ndarray, s: ndarray) -> ndarray:
    """``e * s[:, None]``, a new array: row n of ``e`` times ``s[n]``."""
    out = np.empty(e.shape, np.result_type(e, s))

    def job(lo: int, hi: int) -> None:
        np.multiply(e[lo:hi], s[lo:hi, None], out=out[lo:hi])

    _by_rows(job, e)
    return out


def _cross_entropy_plain(input: Tensor, x: ndarray, t: ndarray, reduction: str) -> Tensor:  # noqa: A002
    r""":func:`cross_entropy` in the common case, (N, C) logits and N classes with no weight, no
    smoothing and no position ignored: :func:`_index_classification`'s arithmetic (the same
    bits) in a third of the NumPy calls, which is most of its time on a batch of 128 x 10.

    .. math::
        \ell_n = \log \sum_c e^{s_{n,c}} - s_{n, y_n}, \qquad
        \frac{\partial \ell_n}{\partial s_{n,c}} = \frac{e^{s_{n,c}}}{\sum_k e^{s_{n,k}}} - [c = y_n]

    with :math:`s = x - \max_c x` the shifted logits. The passes over the logits (exp,
    the gradient's scaling) are one call each of ``flambeau.compile``'s tape, split by rows
    between two threads when large (``_parallel.one_call``).
    """
    rows = np.arange(len(t))
    top, e = _parallel.one_call(_softmax_parts, x)  # the node keeps only exp(s), as the general path
    picked = x[rows, t] - top[:, 0]  # the shifted logits s of the targets
    row_sum = _class_sums(e)
    out, spread = _reduce(np.log(row_sum) - picked, reduction)

    def backward(g: ndarray) -> tuple:
        gl = spread(g)
        gx = _parallel.one_call(_rows_scaled, e, gl / row_sum)
        gx[rows, t] -= gl
        return (gx.astype(input._data.dtype, copy=False),)

    return fuse(_node(out, "NllLossBackward0", (input,), backward, ()), _LOG_SOFTMAX)


_LOG_SOFTMAX = ((0, ("LogSoftmaxBackward0",)),)


def _log_softmax_chain(ndim: int, reduction: str) -> tuple:
    """The nodes PyTorch records between ``cross_entropy``'s last node (:func:`_node_name`) and
    the logits, which flambeau computes inside it: ``next_functions`` shows them (``fuse``)."""
    if ndim <= 2 or ndim == 4:
        return _LOG_SOFTMAX
    if reduction != "none":
        return ((0, ("ViewBackward0", "LogSoftmaxBackward0")),)
    return ((0, ("NllLoss2DBackward0", "ViewBackward0", "LogSoftmaxBackward0")),)


def _cross_entropy_probabilities(input: Tensor, target: Tensor, weight: Tensor | None,  # noqa: A002
                                 ignore_index: int, reduction: str, eps: float) -> Tensor:
    """:func:`cross_entropy` with class probabilities as targets; here the weight may learn."""
    if not target.dtype.is_floating_point:
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                           f"{target.dtype.scalar_name}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    _require_float(input, "log_softmax_lastdim_kernel_impl")
    d = dt.result_type(input, target) if weight is None else dt.result_type(input, target, weight)
    logp = _log_softmax_last(_classes_last(input._data).astype(d.np, copy=False))
    n_classes = logp.shape[-1]
    w = _class_weight(weight, n_classes, d.np, fn="cross_entropy: ")
    t = _classes_last(target._data).astype(d.np, copy=False)
    smoothed = (1 - eps) * t + eps / n_classes if eps else t
    q = smoothed if w is None else smoothed * w
    row_total = q.sum(axis=-1, keepdims=True)
    out_shape = logp.shape[:-1] if input.ndim > 1 else ()

    def grad_target_weight(gl: ndarray) -> tuple:
        gt = _classes_back(-(1 - eps) * gl * logp * (1 if w is None else w), input.ndim)
        gw = None
        if weight is not None and weight.requires_grad:
            gw = -np.sum(gl * smoothed * logp, axis=tuple(range(logp.ndim - 1)))
            gw = gw.astype(weight._data.dtype, copy=False)
        return gt.astype(target._data.dtype, copy=False), gw

    return _classification(input, logp, q, reduction, None, out_shape,
                           _node_name(input.ndim, reduction, eps, True),
                           lambda gl: gl * (np.exp(logp) * row_total - q),
                           extra=(target, weight), grad_extra=grad_target_weight)


# ---------------------------------------------------------------------------------------- embedding
@_quietly
def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,  # noqa: A002
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    r"""Hinge loss for targets :math:`y_i \in \{1, -1\}` (similar / dissimilar pairs, the input
    usually a distance):

    .. math::
        \ell_i = \begin{cases} x_i & y_i = 1 \\ \max(0, \Delta - x_i) & y_i = -1 \end{cases}
        \qquad
        \frac{\partial \ell_i}{\partial x_i} = \begin{cases} 1 & y_i = 1 \\
            -[\Delta - x_i \ge 0] & y_i = -1 \end{cases}

    with :math:`\Delta` = ``margin``. As in PyTorch, a target other than 1 and -1 gets both terms.
    The target gets no gradient.

    Shape:
        - Input: :math:`(*)`.
        - Target: :math:`(*)`, broadcastable with the input.
        - Output: a scalar; with ``reduction='none'``, the broadcast shape.
    """
    reduction = _reduction(size_average, reduce, reduction)
    x, y = _float_pair(input, target, "hinge_embedding_loss", "hinge_embedding_loss")
    below = margin - x
    not_pos, not_neg = y != 1, y != -1
    loss = np.where(not_pos, np.maximum(below, 0), 0) + np.where(not_neg, x, 0)
    out, spread = _reduce(loss.astype(x.dtype, copy=False), reduction)

    def backward(g: ndarray) -> tuple:
        local = not_neg.astype(x.dtype) - (not_pos & (below >= 0))
        return (_as(local * spread(g), input),)

    return _node(out, "HingeEmbeddingLossBackward0", (input,), backward)


__all__ = [
    "mse_loss", "l1_loss", "smooth_l1_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "hinge_embedding_loss",
]
