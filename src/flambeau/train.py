"""A training helper for the lessons and the command line.

The explicit loop stays what the course teaches first::

    for epoch in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()

``fit`` runs that loop, plus what a long run needs: a progress bar (tqdm, only on a terminal),
a history of losses and metrics per epoch, evaluation on validation data, early stopping, and a
stop with a clear message when the loss stops being a finite number.
"""

from __future__ import annotations

import copy
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .autograd.grad_mode import no_grad
from .tensor import Tensor


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite: training stopped instead of going on with garbage.
    ``value``, ``epoch`` and ``step`` (both 0-based) say which loss and when."""

    def __init__(self, message: str, value: float = math.nan, epoch: int = 0, step: int = 0) -> None:
        super().__init__(message)
        self.value, self.epoch, self.step = value, epoch, step


def accuracy(outputs: Tensor, targets: Tensor) -> float:
    """Fraction of correct predictions.

    - outputs (N, C) with C > 1: the class is the argmax (targets are class indices);
    - one output per sample and targets in {-1, +1} (the playground's labels): the sign;
    - one output per sample and targets in {0, 1}: output > 0.5 for probabilities in [0, 1],
      output > 0 for logits.
    """
    out = outputs.detach().numpy()
    tgt = targets.detach().numpy()
    if out.ndim >= 2 and out.shape[1] > 1:
        pred = out.argmax(axis=1)
        return float(np.mean(pred == tgt.reshape(pred.shape)))
    out = out.reshape(-1)
    tgt = tgt.reshape(-1)
    if tgt.size and tgt.min() < 0:
        pred = np.where(out >= 0, 1, -1)
    else:
        threshold = 0.5 if out.size and out.min() >= 0 and out.max() <= 1 else 0.0
        pred = (out > threshold).astype(tgt.dtype)
    return float(np.mean(pred == tgt))


METRICS: dict[str, Callable[[Tensor, Tensor], float]] = {"accuracy": accuracy}


class History(dict):
    """Per-epoch values: ``history["loss"]``, ``history["val_loss"]``, ``history["accuracy"]``..."""

    @property
    def epochs(self) -> int:
        return len(self.get("loss", []))

    def last(self, key: str) -> float:
        return self[key][-1]


class Callback:
    """Hooks called by ``fit``; ``on_epoch_end`` returns True to stop training."""

    def on_train_begin(self, model: Any) -> None:
        pass

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float], model: Any) -> bool | None:
        return None

    def on_train_end(self, model: Any) -> None:
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs; with
    ``restore_best_weights``, put back the weights of the best epoch at the end."""

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str = "min", restore_best_weights: bool = True) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.mode, self.restore_best_weights = mode, restore_best_weights
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = -1
        self.wait = 0
        self.stopped_epoch: int | None = None
        self._best_state: dict | None = None

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float], model: Any) -> bool:
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping monitors {self.monitor!r}, but the logs have only "
                           f"{sorted(logs)} (pass val_loader= to monitor validation values)")
        value = logs[self.monitor]
        better = value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta
        if better:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self._best_state = copy.deepcopy(dict(model.state_dict()))
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, model: Any) -> None:
        if self.restore_best_weights and self._best_state is not None:
            model.load_state_dict(self._best_state)


def _progress(iterable: Iterable, total: int | None, desc: str, enabled: bool | None) -> Any:
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, total=total, desc=desc, leave=False)


def _metric_fns(metrics: Any) -> dict[str, Callable]:
    if metrics is None:
        return {}
    if isinstance(metrics, Mapping):
        return dict(metrics)
    out = {}
    for m in metrics:
        if isinstance(m, str):
            if m not in METRICS:
                raise ValueError(f"unknown metric {m!r}: known ones are {sorted(METRICS)}")
            out[m] = METRICS[m]
        else:
            out[getattr(m, "__name__", repr(m))] = m
    return out


def evaluate(model: Any, loss_fn: Callable, loader: Iterable, metrics: Any = None) -> dict[str, float]:
    """Mean loss (and metrics) over ``loader``, in evaluation mode and without recording a graph;
    the model's mode is restored afterwards."""
    fns = _metric_fns(metrics)
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    totals = {"loss": 0.0, **{k: 0.0 for k in fns}}
    n = 0
    with no_grad():
        for x, y in loader:
            out = model(x)
            b = len(y)
            totals["loss"] += float(loss_fn(out, y).item()) * b
            for k, f in fns.items():
                totals[k] += f(out, y) * b
            n += b
    if was_training and hasattr(model, "train"):
        model.train()
    return {k: v / max(n, 1) for k, v in totals.items()}


def fit(model: Any, loss_fn: Callable, optimizer: Any, train_loader: Iterable, epochs: int,
        val_loader: Iterable | None = None, metrics: Sequence[str] | Mapping[str, Callable] | None = None,
        callbacks: Sequence[Callback] = (), scheduler: Any = None, progress: bool | None = None,
        log: Callable[[str], None] | None = None) -> History:
    """Train ``model`` for ``epochs`` epochs and return the history of losses and metrics.

    Each epoch goes over ``train_loader`` once (zero_grad, forward, loss, backward, step); the
    training loss of an epoch is the mean of its batch losses weighted by batch size. With
    ``val_loader``, ``val_loss`` and ``val_<metric>`` are computed after each epoch. A NaN or
    infinite loss raises :class:`NonFiniteLossError` naming the epoch and the step.
    """
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    fns = _metric_fns(metrics)
    history = History(loss=[])
    for k in fns:
        history[k] = []
    if val_loader is not None:
        history["val_loss"] = []
        for k in fns:
            history["val_" + k] = []
    for cb in callbacks:
        cb.on_train_begin(model)
    total = len(train_loader) if hasattr(train_loader, "__len__") else None  # type: ignore[arg-type]
    for epoch in range(epochs):
        if hasattr(model, "train"):
            model.train()
        sums = {"loss": 0.0, **{k: 0.0 for k in fns}}
        seen = 0
        for step, (x, y) in enumerate(_progress(train_loader, total, f"epoch {epoch + 1}/{epochs}", progress)):
            optimizer.zero_grad()
            out = model(x)
            loss = loss_fn(out, y)
            value = float(loss.item())
            if not math.isfinite(value):
                raise NonFiniteLossError(
                    f"the loss is {value} at epoch {epoch} (0-based), step {step}: training stopped. "
                    "Try a smaller learning rate, or check the data for NaN or infinite values.",
                    value, epoch, step)
            loss.backward()
            optimizer.step()
            b = len(y)
            sums["loss"] += value * b
            for k, f in fns.items():
                sums[k] += f(out, y) * b
            seen += b
        logs = {k: v / max(seen, 1) for k, v in sums.items()}
        if val_loader is not None:
            logs.update({"val_" + k: v for k, v in evaluate(model, loss_fn, val_loader, fns).items()})
        for k, v in logs.items():
            history[k].append(v)
        if scheduler is not None:
            if type(scheduler).__name__ == "ReduceLROnPlateau":
                scheduler.step(logs.get("val_loss", logs["loss"]))
            else:
                scheduler.step()
        if log is not None:
            log(f"epoch {epoch + 1}/{epochs} " + " ".join(f"{k}={v:.4f}" for k, v in logs.items()))
        stop = False
        for cb in callbacks:
            stop = bool(cb.on_epoch_end(epoch, logs, model)) or stop
        if stop:
            break
    for cb in callbacks:
        cb.on_train_end(model)
    return history
