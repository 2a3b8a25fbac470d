r"""Learning-rate schedulers, as ``torch.optim.lr_scheduler``: change the ``"lr"`` of an
optimizer's parameter groups as training goes.

Call ``scheduler.step()`` once per epoch, after the epoch's ``optimizer.step()`` calls. The
epoch-based schedulers count epochs in ``last_epoch`` (0 right after construction) and, like
PyTorch's, update each group's current ``lr`` recursively (:math:`\eta_t` from
:math:`\eta_{t-1}`), so that they compose with other changes to the rate. The starting rates are
kept in each group as ``"initial_lr"`` and in ``base_lrs``. ``ReduceLROnPlateau`` instead
watches a metric: ``scheduler.step(val_loss)``.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections import Counter
from collections.abc import Iterable
from typing import Any

from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau"]

_ORDER_WARNING = ("Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and "
                  "later, you should call them in the opposite order: `optimizer.step()` before "
                  "`lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first value "
                  "of the learning rate schedule. See more details at "
                  "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate")
_EPOCH_DEPRECATION = ("The epoch parameter in `scheduler.step()` was not necessary and is being deprecated "
                      "where possible. Please use `scheduler.step()` to step the scheduler.")


class LRScheduler:
    """Base class of the schedulers: subclasses compute the next rates in ``get_lr()``.

    Args:
        optimizer: the optimizer whose learning rates this scheduler sets.
        last_epoch: the index of the last epoch, to resume a schedule (the groups must then hold
            ``"initial_lr"``); ``-1`` (the default) starts it, setting ``"initial_lr"`` to
            each group's ``"lr"``.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                                   "scheduler with last_epoch >= 0 (load the optimizer's state first)")
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for epoch ``last_epoch``, one per parameter group."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr(): the schedule")

    def get_last_lr(self) -> list[float]:
        """The learning rates this scheduler set last, one per parameter group."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and set each group's ``"lr"``. Passing ``epoch`` (deprecated, as in
        PyTorch) jumps to that epoch, with the closed-form rate where the scheduler has one."""
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(_ORDER_WARNING, UserWarning, stacklevel=2)  # the first schedule value is skipped
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        groups = self.optimizer.param_groups
        if len(values) != len(groups):
            raise ValueError(f"{type(self).__name__} computed {len(values)} learning rates for "
                             f"{len(groups)} parameter groups")
        for group, lr in zip(groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in groups]

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state: every attribute except the optimizer (a copy)."""
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state from ``state_dict()``."""
        self.__dict__.update(copy.deepcopy(state_dict))


class StepLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` every ``step_size`` epochs:
    :math:`\eta_t = \eta_0 \, \gamma^{\lfloor t / \text{step\_size} \rfloor}`."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` at each epoch listed in ``milestones`` (by
    :math:`\gamma^k` if an epoch is listed :math:`k` times):
    :math:`\eta_t = \eta_0 \, \gamma^{\#\{m \in \text{milestones} : m \le t\}}`."""

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        passed = sum(n for m, n in self.milestones.items() if m <= self.last_epoch)
        return [base * self.gamma**passed for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` every epoch: :math:`\eta_t = \eta_0 \, \gamma^t`."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Anneal the rate from :math:`\eta_{max}` (the initial rate) to ``eta_min`` along half a
    cosine over ``T_max`` epochs, then back up over the next ``T_max``, and so on:

    .. math::

        \eta_t = \eta_{min} + \tfrac12 (\eta_{max} - \eta_{min})
            \left(1 + \cos\left(\frac{t \pi}{T_{max}}\right)\right)

    computed recursively, as PyTorch does, from the current rate:

    .. math::

        \eta_t = \eta_{min} + (\eta_{t-1} - \eta_{min})
            \frac{1 + \cos(t \pi / T_{max})}{1 + \cos((t - 1) \pi / T_{max})}

    except at the bottom of each period, :math:`(t - 1 - T_{max}) \bmod 2T_{max} = 0`, where
    the ratio would be 0/0 and the rate climbs by
    :math:`(\eta_{max} - \eta_{min})(1 - \cos(\pi / T_{max})) / 2` instead.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        lrs = self._current_lrs()
        if self._is_initial:
            return lrs
        if (t - 1 - T) % (2 * T) == 0:
            rise = (1 - math.cos(math.pi / T)) / 2
            return [lr + (base - eta_min) * rise for lr, base in zip(lrs, self.base_lrs)]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - eta_min) + eta_min for lr in lrs]

    def _get_closed_form_lr(self) -> list[float]:
        cos = 1 + math.cos(math.pi * self.last_epoch / self.T_max)
        return [self.eta_min + (base - self.eta_min) * cos / 2 for base in self.base_lrs]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by ``factor`` when a metric has stopped improving for ``patience``
    epochs: ``scheduler.step(metric)`` once per epoch.

    A metric :math:`a` improves on the best so far when, with ``mode='min'``,
    :math:`a < best\\,(1 - threshold)` (``threshold_mode='rel'``) or :math:`a < best - threshold`
    (``'abs'``); with ``mode='max'``, :math:`a > best\\,(1 + threshold)` or
    :math:`a > best + threshold`. After more than ``patience`` epochs in a row without
    improvement, each rate becomes :math:`\\max(lr \\cdot factor, min\\_lr)` (unless that changes
    it by no more than ``eps``), then ``cooldown`` epochs pass during which bad epochs are not
    counted.

    Args:
        optimizer: the optimizer whose learning rates this scheduler sets.
        mode: ``'min'`` (a loss) or ``'max'`` (an accuracy).
        factor: the multiplier of the rate, < 1.
        patience: how many epochs without improvement are tolerated.
        threshold, threshold_mode: what counts as an improvement (see above).
        cooldown: epochs to wait after a reduction before counting bad epochs again.
        min_lr: a lower bound on the rates, one for all groups or a list with one per group.
        eps: the smallest change of a rate that is applied.
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: list[float] | float = 0, eps: float = 1e-8) -> None:
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.factor = factor
        self.optimizer = optimizer
        n_groups = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n_groups:
                raise ValueError(f"expected {n_groups} min_lrs, got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * n_groups
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in ("min", "max"):
            raise ValueError("mode " + mode + " is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError("threshold mode " + threshold_mode + " is unknown!")
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def is_better(self, a: float, best: float) -> bool:
        """Whether metric ``a`` improves on ``best`` (see the class docstring)."""
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return a < best * (1.0 - self.threshold) if rel else a < best - self.threshold
        return a > best * (self.threshold + 1.0) if rel else a > best + self.threshold

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this epoch's metric (a number or a one-element tensor); reduce the rates if it
        has not improved for more than ``patience`` epochs."""
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"The number of param groups in the `optimizer` ({len(groups)}) differs from "
                                   f"when `ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), usually "
                                   "due to a new param group being added to the optimizer. Please modify the "
                                   "`min_lrs` field to match the length of the `optimizer` param groups.")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
