"""``flambeau train``: train an MLP on a named data set, print its progress and final figures,
and write the checkpoint and pictures to a folder."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import datasets, nn, optim
from .autograd.grad_mode import no_grad
from .models import MLP
from .ops.random import manual_seed
from .serialization import save
from .tensor import Tensor
from .train import fit
from .utils.data import DataLoader, TensorDataset

LOSSES = ("mse", "l1", "smooth_l1", "bce", "cross_entropy")
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad")


class UsageError(ValueError):
    """A bad combination of options: reported on one line, exit status 2."""


@dataclass
class Task:
    """How a data set meets a loss: the number of outputs, the targets the loss wants, and how
    the outputs become predicted labels."""

    out_features: int
    loss_fn: nn.Module
    targets: Callable[[Tensor], Tensor]
    predict: Callable[[np.ndarray], np.ndarray] | None
    output_activation: str | None = None
    score: Callable[[np.ndarray], np.ndarray] | None = None  # in [-1, 1] for the boundary picture


def make_task(data: datasets.Split, loss: str) -> Task:
    regression = data.task == "regression"
    if regression:
        if loss in ("bce", "cross_entropy"):
            raise UsageError(f"--loss {loss} needs a classification data set; {data.name} is a regression")
        fn = {"mse": nn.MSELoss, "l1": nn.L1Loss, "smooth_l1": nn.SmoothL1Loss}[loss]()
        return Task(1, fn, lambda y: y, None)
    classes = tuple(data.classes)
    if classes == (-1, 1):
        if loss == "cross_entropy":
            return Task(2, nn.CrossEntropyLoss(), lambda y: (y.reshape(-1) > 0).long(),
                        lambda o: np.where(o.argmax(1) == 1, 1, -1),
                        score=lambda o: _softmax(o)[:, 1] * 2 - 1)
        if loss == "bce":
            return Task(1, nn.BCEWithLogitsLoss(), lambda y: (y > 0).float(),
                        lambda o: np.where(o[:, 0] > 0, 1, -1), score=lambda o: np.tanh(o[:, 0] / 2))
        fn = {"mse": nn.MSELoss, "l1": nn.L1Loss, "smooth_l1": nn.SmoothL1Loss}[loss]()
        return Task(1, fn, lambda y: y, lambda o: np.where(o[:, 0] >= 0, 1, -1), "tanh",
                    score=lambda o: o[:, 0])
    if loss != "cross_entropy":
        raise UsageError(f"--loss {loss} does not fit {data.name}'s {len(classes)} classes: use --loss cross_entropy")
    return Task(len(classes), nn.CrossEntropyLoss(), lambda y: y.long(), lambda o: o.argmax(1))


def _softmax(o: np.ndarray) -> np.ndarray:
    e = np.exp(o - o.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def make_optimizer(name: str, params: Any, lr: float) -> optim.Optimizer:
    if name == "sgd":
        return optim.SGD(params, lr=lr)
    if name == "momentum":
        return optim.SGD(params, lr=lr, momentum=0.9)
    return {"adam": optim.Adam, "adamw": optim.AdamW, "rmsprop": optim.RMSprop,
            "adagrad": optim.Adagrad}[name](params, lr=lr)


def load_data(args: Any) -> datasets.Split:
    name = datasets.registry.canonical_name(args.dataset)
    opts: dict[str, Any] = {}
    if name in ("circle", "xor", "gauss", "spiral", "plane", "multi_gauss", "moons"):
        opts = {"noise": args.noise, "seed": args.seed, "train_ratio": args.ratio}
    elif name == "digits":
        opts = {"seed": args.seed, "train_ratio": args.ratio}
    elif name == "mnist":
        if not args.data_dir:
            raise UsageError("--dataset mnist needs --data-dir DIR (the folder of the IDX files)")
        opts = {"root": args.data_dir}
    return datasets.load(name, **opts)


def run(args: Any, out: Callable[[str], None] = print) -> dict:
    """Train as ``args`` say; return the final figures (also written to ``args.out``)."""
    manual_seed(args.seed)
    data = load_data(args)
    task = make_task(data, args.loss)
    model = MLP(data.num_features, args.layers, task.out_features, args.activation, task.output_activation)
    x_train, x_test = data.x_train.reshape(len(data.x_train), -1), data.x_test.reshape(len(data.x_test), -1)
    y_train, y_test = task.targets(data.y_train), task.targets(data.y_test)
    from .ops.random import Generator

    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size, shuffle=True,
                        generator=Generator().manual_seed(args.seed))
    test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=max(len(x_test), 1))
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr)
    metrics = {}
    if task.predict is not None:
        def acc(outputs: Tensor, targets: Tensor) -> float:
            pred = task.predict(outputs.detach().numpy())
            t = targets.numpy().reshape(-1)
            truth = np.where(t > 0, 1, -1) if tuple(data.classes) == (-1, 1) else t
            return float(np.mean(pred.reshape(-1) == truth))

        metrics["accuracy"] = acc
    out(f"flambeau train: {data!r}")
    out(f"model: {model.__class__.__name__} {data.num_features}-{'-'.join(map(str, args.layers))}-"
        f"{task.out_features} ({args.activation}), loss {args.loss}, optimizer {args.optimizer} lr={args.lr}")
    every = max(args.epochs // 10, 1)

    def log(line: str) -> None:
        epoch = int(line.split()[1].split("/")[0])
        if epoch % every == 0 or epoch == args.epochs:
            out(line)

    history = fit(model, task.loss_fn, optimizer, loader, args.epochs, val_loader=test_loader,
                  metrics=metrics, log=log)
    summary = {"dataset": data.name, "epochs": history.epochs,
               "train_loss": history["loss"][-1] if history.epochs else None,
               "test_loss": history["val_loss"][-1] if history.epochs else None}
    if metrics:
        summary["train_accuracy"] = history["accuracy"][-1] if history.epochs else None
        summary["test_accuracy"] = history["val_accuracy"][-1] if history.epochs else None
    line = f"final: train loss {summary['train_loss']:.4f}, test loss {summary['test_loss']:.4f}" \
        if history.epochs else "final: no epoch run"
    if metrics and history.epochs:
        line += f", train accuracy {summary['train_accuracy']:.2%}, test accuracy {summary['test_accuracy']:.2%}"
    out(line)
    if args.out:
        write_outputs(args, model, data, task, history, summary, x_train, x_test)
        out(f"wrote {args.out}/model.safetensors, config.json, loss.png"
            + (", boundary.png" if data.num_features == 2 and task.score is not None else ""))
    return summary


def write_outputs(args: Any, model: nn.Module, data: datasets.Split, task: Task, history: dict,
                  summary: dict, x_train: Tensor, x_test: Tensor) -> None:
    from .viz import plot_decision_boundary, plot_history

    os.makedirs(args.out, exist_ok=True)
    save(model.state_dict(), os.path.join(args.out, "model.safetensors"))
    config = {k: v for k, v in vars(args).items() if k not in ("func", "command")}
    config.update(summary=summary, in_features=data.num_features, out_features=task.out_features,
                  output_activation=task.output_activation)
    tmp = os.path.join(args.out, ".config.json.tmp")
    with open(tmp, "w") as f:
        json.dump(config, f, indent=2)
    os.replace(tmp, os.path.join(args.out, "config.json"))
    if history.get("loss"):
        plot_history(history, os.path.join(args.out, "loss.png"),
                     title=f"{data.name}: loss ({args.loss})")
    if data.num_features == 2 and task.score is not None:
        def score(points: np.ndarray) -> np.ndarray:
            with no_grad():
                model.eval()
                return task.score(model(Tensor(points)).numpy())

        acc = summary.get("test_accuracy")
        plot_decision_boundary(score, x_train.numpy(), data.y_train.numpy(), x_test.numpy(),
                               data.y_test.numpy(), os.path.join(args.out, "boundary.png"),
                               title=f"{data.name}, test accuracy {acc:.1%}" if acc is not None else data.name)
