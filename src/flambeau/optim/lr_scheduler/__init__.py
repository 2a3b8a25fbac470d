r"""Learning-rate schedulers, as ``torch.optim.lr_scheduler``: change the ``"lr"`` of an
optimizer's parameter groups as training goes.

Call ``scheduler.step()`` once per epoch, after the epoch's ``optimizer.step()`` calls. The
epoch-based schedulers count epochs in ``last_epoch`` (0 right after construction) and, like
PyTorch's, update each group's current ``lr`` recursively (:math:`\eta_t` from
:math:`\eta_{t-1}`), so that they compose with other changes to the rate. The starting rates are
kept in each group as ``"initial_lr"`` and in ``base_lrs``. ``ReduceLROnPlateau`` instead
watches a metric: ``scheduler.step(val_loss)``; ``CyclicLR`` and ``OneCycleLR`` are stepped
after every batch; ``SequentialLR`` chains schedulers at milestones.

One file per family: ``base`` (``LRScheduler``), ``decay`` (step, multi-step, exponential, linear,
lambda, multiplicative, constant, polynomial), ``cosine`` (annealing, warm restarts), ``cyclic``
(cyclic, one-cycle), ``plateau``, ``sequential`` (sequential, chained).
"""

from __future__ import annotations

from .base import LRScheduler
from .cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from .cyclic import CyclicLR, OneCycleLR
from .decay import (
    ConstantLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from .plateau import ReduceLROnPlateau
from .sequential import ChainedScheduler, SequentialLR

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "LinearLR", "LambdaLR",
           "MultiplicativeLR", "ConstantLR", "PolynomialLR", "CosineAnnealingLR",
           "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR", "ReduceLROnPlateau", "SequentialLR",
           "ChainedScheduler"]
