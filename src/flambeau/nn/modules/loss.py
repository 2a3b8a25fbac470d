"""Losses as modules, as ``torch.nn``: each holds its options (``reduction``, weights...) and calls
its function in ``nn.functional``. Class weights are buffers, as in PyTorch: they appear in
``state_dict()`` and follow ``.to(dtype)``, but are not parameters (nothing learns them)."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from .. import functional_losses as losses
from ..functional_losses import _legacy_reduction
from ..module import Module


class _Loss(Module):
    reduction: str

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    r"""Mean squared error: :math:`\ell_i = (x_i - y_i)^2`, then the mean (default), the sum, or
    each element (``reduction='none'``). See :func:`flambeau.nn.functional.mse_loss`.

    Shape:
        - Input: :math:`(*)`.
        - Target: :math:`(*)`, the same shape.
        - Output: a scalar; with ``reduction='none'``, :math:`(*)`.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return losses.mse_loss(input, target, None, None, self.reduction)


class L1Loss(_Loss):
    r"""Mean absolute error: :math:`\ell_i = |x_i - y_i|`, reduced.
    See :func:`flambeau.nn.functional.l1_loss`.

    Shape:
        - Input: :math:`(*)`.
        - Target: :math:`(*)`, the same shape.
        - Output: a scalar; with ``reduction='none'``, :math:`(*)`.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    r"""Squared error below ``beta``, absolute error above:
    :math:`\ell_i = 0.5 d_i^2 / \beta` if :math:`|d_i| < \beta`, else :math:`|d_i| - 0.5 \beta`,
    with :math:`d_i = x_i - y_i`. See :func:`flambeau.nn.functional.smooth_l1_loss`.

    Shape:
        - Input: :math:`(*)`.
        - Target: :math:`(*)`, the same shape.
        - Output: a scalar; with ``reduction='none'``, :math:`(*)`.
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class BCELoss(_WeightedLoss):
    r"""Binary cross entropy on probabilities:
    :math:`\ell_i = -w_i [y_i \log x_i + (1 - y_i) \log(1 - x_i)]`, logs clamped to
    :math:`\ge -100`. See :func:`flambeau.nn.functional.binary_cross_entropy`.

    Shape:
        - Input: :math:`(*)`, values in [0, 1].
        - Target: :math:`(*)`, the same shape.
        - Output: a scalar; with ``reduction='none'``, :math:`(*)`.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    r"""A sigmoid and binary cross entropy in one, numerically stable:
    :math:`\ell_i = -w_i [p_i y_i \log \sigma(x_i) + (1 - y_i) \log(1 - \sigma(x_i))]`, with
    ``pos_weight`` :math:`p` (per class, broadcast over the last dimension) weighing the positive
    examples. See :func:`flambeau.nn.functional.binary_cross_entropy_with_logits`.

    Shape:
        - Input: :math:`(*)`, logits.
        - Target: :math:`(*)`, the same shape.
        - Output: a scalar; with ``reduction='none'``, :math:`(*)`.
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, self.weight, pos_weight=self.pos_weight,
                                                  reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    r"""Cross entropy between logits and classes (indices or probabilities): ``log_softmax``
    then the negative log likelihood, :math:`\ell_n = -\sum_c q_{n,c} \log \mathrm{softmax}(x_n)_c`
    with :math:`q_n` the (weighted, smoothed) target distribution. The lecture's loss for
    classification. See :func:`flambeau.nn.functional.cross_entropy`.

    Shape:
        - Input: :math:`(N, C)`, :math:`(C)` or :math:`(N, C, d_1, ..., d_K)`, logits.
        - Target: int64 class indices :math:`(N)`, :math:`()` or :math:`(N, d_1, ..., d_K)`; or
          probabilities of the input's shape.
        - Output: a scalar; with ``reduction='none'``, the shape of the positions
          (:math:`(N)`, :math:`()` or :math:`(N, d_1, ..., d_K)`).
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    r"""Negative log likelihood of log-probabilities: :math:`\ell_n = -w_{y_n} x_{n, y_n}`, the
    mean weighted by :math:`\sum_n w_{y_n}`. See :func:`flambeau.nn.functional.nll_loss`.

    Shape:
        - Input: :math:`(N, C)`, :math:`(C)` or :math:`(N, C, d_1, ..., d_K)`, log-probabilities.
        - Target: int64 class indices :math:`(N)`, :math:`()` or :math:`(N, d_1, ..., d_K)`.
        - Output: a scalar; with ``reduction='none'``, the target's shape.
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    r"""Hinge loss for targets in {1, -1}: :math:`\ell_i = x_i` if :math:`y_i = 1`,
    :math:`\max(0, \Delta - x_i)` if :math:`y_i = -1` (:math:`\Delta` = ``margin``).
    See :func:`flambeau.nn.functional.hinge_embedding_loss`.

    Shape:
        - Input: :math:`(*)`.
        - Target: :math:`(*)`, the same shape.
        - Output: a scalar; with ``reduction='none'``, :math:`(*)`.
    """

    def __init__(self, margin: float = 1.0, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class HuberLoss(_Loss):
    r"""Huber's loss: :math:`\ell_i = \tfrac12 d_i^2` if :math:`|d_i| < \delta`, else
    :math:`\delta (|d_i| - \tfrac12 \delta)`, with :math:`d_i = x_i - y_i`: squared error that
    turns linear for outliers. See :func:`flambeau.nn.functional.huber_loss`.

    Shape:
        - Input: :math:`(*)`.
        - Target: :math:`(*)`, the same shape.
        - Output: a scalar; with ``reduction='none'``, :math:`(*)`.
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    r"""Kullback-Leibler divergence of the target distribution :math:`p` from the predicted one
    :math:`q`, the input being :math:`\log q`: :math:`\ell_i = p_i (\log p_i - \log q_i)`.
    Use ``reduction='batchmean'`` for the mathematical KL averaged over the batch; with
    ``log_target=True`` the target is :math:`\log p`. See :func:`flambeau.nn.functional.kl_div`.

    Shape:
        - Input: :math:`(*)`, log-probabilities.
        - Target: :math:`(*)`, the same shape.
        - Output: a scalar; with ``reduction='none'``, :math:`(*)`.

    Example::

        >>> loss = nn.KLDivLoss(reduction="batchmean")(F.log_softmax(logits, 1), probs)
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class GaussianNLLLoss(_Loss):
    r"""Negative log likelihood of the target under :math:`\mathcal N(\text{input}, \text{var})`:
    :math:`\ell_i = \tfrac12 (\log v_i + (x_i - y_i)^2 / v_i)` (plus
    :math:`\tfrac12 \log 2\pi` with ``full=True``), :math:`v` clamped to ``eps``. See
    :func:`flambeau.nn.functional.gaussian_nll_loss`.

    Shape:
        - Input: :math:`(N, *)` or :math:`(*)`; Target: the same.
        - Var: the input's shape, one dimension of size 1, or the last dimension left out.
        - Output: a scalar; with ``reduction='none'``, the input's shape.
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:  # noqa: A002
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class MarginRankingLoss(_Loss):
    r"""Ranking loss :math:`\ell_i = \max(0, -y_i (x_{1,i} - x_{2,i}) + \text{margin})`, target
    :math:`y_i = \pm 1`. See :func:`flambeau.nn.functional.margin_ranking_loss`.

    Shape:
        - Input1, Input2, Target: :math:`(N)` or :math:`()`.
        - Output: a scalar; with ``reduction='none'``, :math:`(N)`.
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    r"""Cosine similarity loss: :math:`1 - \cos(x_1, x_2)` for target 1,
    :math:`\max(0, \cos(x_1, x_2) - \text{margin})` for target -1.
    See :func:`flambeau.nn.functional.cosine_embedding_loss`.

    Shape:
        - Input1, Input2: :math:`(N, D)` or :math:`(D)`; Target: :math:`(N)` or :math:`()`.
        - Output: a scalar; with ``reduction='none'``, :math:`(N)` or :math:`()`.
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    r"""Triplet loss :math:`\ell_i = \max(0, d(a_i, p_i) - d(a_i, n_i) + \text{margin})` with the
    :math:`p`-norm distance; ``swap`` uses :math:`\min(d(a_i, n_i), d(p_i, n_i))`.
    See :func:`flambeau.nn.functional.triplet_margin_loss`.

    Shape:
        - Anchor, Positive, Negative: :math:`(N, D)` or :math:`(D)`.
        - Output: a scalar; with ``reduction='none'``, :math:`(N)` or :math:`()`.
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)
