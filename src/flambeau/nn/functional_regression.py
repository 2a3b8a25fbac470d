r"""Losses for regression and for comparing distributions, as ``torch.nn.functional``:
``huber_loss`` (squared error that turns linear for outliers), ``gaussian_nll_loss`` (the
prediction is a mean *and* a variance) and ``kl_div`` (how far a predicted distribution is from
a target one, the KL term of a VAE or of distillation).

``huber_loss`` and ``kl_div`` are one graph node each, their backward written next to the
forward; ``gaussian_nll_loss`` is, as in PyTorch, a few engine operations.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..ops._core import Tensor, _make
from .functional_losses import _as, _float_pair, _node, _quietly, _reduce, _reduction, _tensor

ndarray = np.ndarray

_KL_MEAN_WARNING = ("reduction: 'mean' divides the total loss by both the batch size and the support size."
                    "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                    "'mean' will be changed to behave the same as 'batchmean' in the next major release.")


@_quietly
def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,  # noqa: A002
               weight: Tensor | None = None) -> Tensor:
    r"""Huber's loss: squared error for differences below ``delta``, linear beyond, so that
    outliers pull with a bounded force. With :math:`d_i = x_i - y_i`:

    .. math::
        \ell_i = \begin{cases} \tfrac12 d_i^2 & |d_i| < \delta \\
                               \delta \, (|d_i| - \tfrac12 \delta) & \text{otherwise} \end{cases}
        \qquad
        \frac{\partial \ell_i}{\partial x_i} = \mathrm{clamp}(d_i, -\delta, \delta)
        = -\frac{\partial \ell_i}{\partial y_i}

    It is ``delta`` times :func:`smooth_l1_loss` with ``beta=delta``. With ``weight`` (the input's
    shape) each :math:`\ell_i` is multiplied by :math:`w_i` before the reduction ('mean' is then
    the plain mean of the products).

    Shape:
        - Input: :math:`(*)`.
        - Target: :math:`(*)`, the same shape (other shapes broadcast, with a warning).
        - Output: a scalar; with ``reduction='none'``, :math:`(*)`.

    Example::

        >>> F.huber_loss(torch.tensor([0.5, 3.0]), torch.zeros(2))
        tensor(1.3125)
    """
    if weight is not None:
        if tuple(weight.shape) != tuple(input.shape):
            raise ValueError("Weights and input must have the same size.")
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
        weighted = huber_loss(input, target, reduction="none", delta=delta) * weight
        return weighted if reduction == "none" else (weighted.sum() if reduction == "sum" else weighted.mean())
    reduction = _reduction(None, None, reduction)
    x, y = _float_pair(input, target, "huber_loss", "huber_cpu", warn=True)
    if not delta > 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = x - y
    ad = np.abs(d)
    loss = np.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta)).astype(d.dtype)
    out, spread = _reduce(loss, reduction)

    def backward(g: ndarray) -> tuple:  # the target's from y - x, as PyTorch (the sign of 0)
        gs = spread(g)
        return _as(np.clip(d, -delta, delta) * gs, input), _as(np.clip(y - x, -delta, delta) * gs, target)

    return _node(out, "HuberLossBackward0", (input, target), backward)


@_quietly
def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None,  # noqa: A002
           reduce: bool | None = None, reduction: str = "mean", log_target: bool = False) -> Tensor:
    r"""The Kullback-Leibler divergence of the target distribution :math:`p` from the predicted
    one, given as log-probabilities :math:`x = \log q` (``log_softmax`` of the logits):

    .. math::
        \ell_i = p_i (\log p_i - x_i), \qquad
        \frac{\partial \ell_i}{\partial x_i} = -p_i, \qquad
        \frac{\partial \ell_i}{\partial p_i} = \log p_i + 1 - x_i

    with :math:`0 \log 0 = 0`. With ``log_target=True`` the target is :math:`t = \log p` and
    :math:`\ell_i = e^{t_i} (t_i - x_i)`. Summed over a sample, :math:`\ell` is
    :math:`KL(p \| q)`: ``reduction='batchmean'`` (the sum divided by the batch size) gives its
    mean over the batch; ``'mean'`` (the default, with PyTorch's warning) also divides by the
    number of classes.

    Shape:
        - Input: :math:`(*)`, log-probabilities.
        - Target: :math:`(*)`, the same shape (or one that broadcasts with it).
        - Output: a scalar; with ``reduction='none'``, :math:`(*)`.

    Example::

        >>> logq = F.log_softmax(logits, dim=1)
        >>> F.kl_div(logq, p, reduction="batchmean")
    """
    _tensor(input, "kl_div", "input")
    _tensor(target, "kl_div", "target")
    if size_average is not None or reduce is not None:
        mode = _reduction(size_average, reduce, "mean")
    else:
        if reduction == "mean":
            warnings.warn(_KL_MEAN_WARNING, stacklevel=3)
        mode = "sum" if reduction == "batchmean" else _reduction(None, None, reduction)
    if input._data.dtype.kind in "biu" or target._data.dtype.kind in "biu":
        raise RuntimeError("kl_div: Integral inputs not supported.")
    x, t = _float_pair(input, target, "kl_div", "kl_div")
    if log_target:
        p = np.exp(t)
        loss = p * (t - x)
    else:
        loss = np.where(t != 0, t * np.log(t), 0 * t) - t * x
    if reduction == "batchmean" and input.ndim != 0:
        out, spread = _reduce(loss, "mean", total=input.shape[0])
    else:
        out, spread = _reduce(loss, mode)

    def backward(g: ndarray) -> tuple:
        g = spread(g)
        if log_target:
            return _as(-p * g, input), _as((loss + p) * g, target)
        log_t = np.where(t != 0, np.log(t), 0 * t)  # the derivative of t log t, PyTorch's xlogy rule:
        return _as(-t * g, input), _as((log_t + t / t - x) * g, target)  # nan where t == 0

    return _node(out, "KlDivBackward0", (input, target), backward)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,  # noqa: A002
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    r"""Negative log likelihood of ``target`` under a normal distribution of mean ``input`` and
    variance ``var``, for a network that predicts its own uncertainty:

    .. math::
        \ell_i = \tfrac12 \left(\log \max(v_i, \epsilon) + \frac{(x_i - y_i)^2}{\max(v_i, \epsilon)}\right)
            \; \left(+ \tfrac12 \log 2\pi \text{ if full}\right)

    The clamp at ``eps`` is for stability only: the gradient reaches ``var`` as if it were not
    there, as in PyTorch. ``var`` may have the input's shape (one variance per value), or one
    dimension less or a size 1 in one dimension (one variance shared by a row), or be a float.

    Shape:
        - Input: :math:`(N, *)` or :math:`(*)`.
        - Target: :math:`(N, *)` or :math:`(*)`, the input's shape.
        - Var: the input's shape, or with one dimension of size 1, or without the last one.
        - Output: a scalar; with ``reduction='none'``, :math:`(N, *)`.

    Example::

        >>> mean, var = net(x).chunk(2, dim=1)
        >>> F.gaussian_nll_loss(mean, y, F.softplus(var))
    """
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = _make(np.full(input._data.shape, var, dtype=input._data.dtype))
    elif bool(np.any(var._data < 0)):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim
                  and sum(b for a, b in zip(input.shape, var.shape) if a != b) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    v = var._data
    if v.dtype.kind in "fV":
        # clamp the values, not the gradient: add the (constant) difference
        var = var + _make(np.maximum(v, v.dtype.type(eps)) - v)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


__all__ = ["huber_loss", "kl_div", "gaussian_nll_loss"]
