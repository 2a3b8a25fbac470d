r"""Losses on distances and similarities, as ``torch.nn.functional``: they do not compare an
output with a target value but say which of two things should score higher or lie closer
(ranking, metric learning, siamese networks).

- ``margin_ranking_loss``: :math:`x_1` should rank above :math:`x_2` (target 1) or below
  (target -1) by at least a margin;
- ``cosine_embedding_loss``: two embeddings should point the same way (target 1) or have a
  cosine below the margin (target -1);
- ``triplet_margin_loss``: an anchor should be closer to a positive example than to a negative
  one by at least a margin, distances from ``pairwise_distance``.

Each is written, as in PyTorch, with engine operations (their gradients come from the graph).
"""

from __future__ import annotations

from ..ops._core import Tensor
from ..ops.arith import where
from ..ops.reduce import norm
from .functional_losses import _reduction, _tensor


def _reduced(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    r"""Ranking loss: :math:`\ell_i = \max(0, -y_i (x_{1,i} - x_{2,i}) + \text{margin})`, with
    :math:`y_i = 1` when :math:`x_{1,i}` should be the larger, :math:`-1` otherwise.

    Shape:
        - Input1, Input2: :math:`(N)` or :math:`()`.
        - Target: the same shape, values 1 or -1.
        - Output: a scalar; with ``reduction='none'``, :math:`(N)`.
    """
    reduction = _reduction(size_average, reduce, reduction)
    for name, t in (("input1", input1), ("input2", input2), ("target", target)):
        _tensor(t, "margin_ranking_loss", name)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError("margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return _reduced((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    r"""Similarity loss on the cosine of two embeddings,
    :math:`\cos_i = \frac{x_{1,i} \cdot x_{2,i}}{\sqrt{(\|x_{1,i}\|^2 + 10^{-12})(\|x_{2,i}\|^2 + 10^{-12})}}`:

    .. math::
        \ell_i = \begin{cases} 1 - \cos_i & y_i = 1 \\
                               \max(0, \cos_i - \text{margin}) & y_i = -1 \end{cases}

    (0 for any other target value).

    Shape:
        - Input1, Input2: :math:`(N, D)` or :math:`(D)`.
        - Target: :math:`(N)` or :math:`()`, values 1 or -1.
        - Output: a scalar; with ``reduction='none'``, :math:`(N)` or :math:`()`.
    """
    reduction = _reduction(size_average, reduce, reduction)
    for name, t in (("input1", input1), ("input2", input2), ("target", target)):
        _tensor(t, "cosine_embedding_loss", name)
    dim = target.ndim
    if dim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.ndim != dim + 1 or input2.ndim != dim + 1:
        raise RuntimeError(f"{dim}D target tensor expects {dim + 1}D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    dot = (input1 * input2).sum(dim)
    sq1 = (input1 * input1).sum(dim) + 1e-12
    sq2 = (input2 * input2).sum(dim) + 1e-12
    cos = dot / (sq1 * sq2).sqrt()
    zeros = cos.detach() * 0
    loss = where(target == 1, 1 - cos, zeros) + where(target == -1, (cos - margin).clamp(min=0), zeros)
    return _reduced(loss, reduction)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    r"""The :math:`p`-norm distance between the rows of ``x1`` and ``x2``, along the last
    dimension: :math:`\|x_1 - x_2 + \epsilon\|_p` (``eps`` keeps the gradient of the norm finite
    for equal rows).

    Shape:
        - Input1, Input2: :math:`(N, D)` or :math:`(D)`, broadcast together.
        - Output: :math:`(N)` or :math:`()` (with ``keepdim``, :math:`(N, 1)` or :math:`(1)`).
    """
    return norm(x1 - x2 + eps, p, max(x1.ndim, x2.ndim) - 1, keepdim)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    r"""Triplet loss: the anchor :math:`a` should be closer to the positive :math:`p` than to
    the negative :math:`n` by at least the margin,

    .. math::
        \ell_i = \max(0, d(a_i, p_i) - d(a_i, n_i) + \text{margin})

    with :math:`d` the :func:`pairwise_distance` of order ``p``. With ``swap=True`` the
    negative's distance is the smaller of :math:`d(a_i, n_i)` and :math:`d(p_i, n_i)`
    (Balntas et al., 2016).

    Shape:
        - Anchor, Positive, Negative: :math:`(N, D)` or :math:`(D)`, the same number of
          dimensions.
        - Output: a scalar; with ``reduction='none'``, :math:`(N)` or :math:`()`.
    """
    reduction = _reduction(size_average, reduce, reduction)
    for name, t in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        _tensor(t, "triplet_margin_loss", name)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
                           f"{negative.ndim}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_swap = pairwise_distance(positive, negative, p, eps)
        d_neg = where(d_swap < d_neg, d_swap, d_neg)
    return _reduced((margin + d_pos - d_neg).clamp(min=0), reduction)


__all__ = ["margin_ranking_loss", "cosine_embedding_loss", "pairwise_distance", "triplet_margin_loss"]
