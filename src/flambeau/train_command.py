"""``flambeau train``: train an MLP (or, with ``--model lenet|vgg``, a convolutional network on
images) on a named data set, print its progress and final figures, and write the checkpoint and
pictures to a folder."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import datasets, nn, optim, train_parallel
from ._files import folder_problem, write_atomic
from .autograd.grad_mode import no_grad
from .models import MLP
from .ops.random import manual_seed
from .serialization import save
from .tensor import Tensor
from .train import NonFiniteLossError, fit
from .utils.data import DataLoader, TensorDataset

LOSSES = ("mse", "l1", "smooth_l1", "bce", "cross_entropy")
MODELS = ("mlp", "lenet", "vgg")
IMAGE_DATASETS = ("digits", "mnist")
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad")


class UsageError(ValueError):
    """A bad combination of options: reported on one line, exit status 2."""


class TrainingFailed(RuntimeError):
    """Training could not go on (a non-finite loss, too little memory): one line, exit status 1."""


# copies of every parameter that training keeps: the weights, their gradients, and the
# optimizer's state (momentum buffers, Adam's two moments...)
_COPIES = {"sgd": 2, "momentum": 3, "adagrad": 3, "rmsprop": 3, "adam": 4, "adamw": 4}


def _available_memory() -> int | None:
    """Bytes of memory this machine can still give (Linux: MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _gb(n: float) -> str:
    return f"{n / 1e9:.3g} GB"


def check_memory(args: Any, sizes: list[int], available: int | None = None) -> None:
    """Refuse, before allocating anything, an MLP of layer ``sizes`` whose weights, gradients,
    optimizer state and activations would not fit in memory."""
    params = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    activations = 3 * args.batch_size * sum(sizes)  # outputs, gradients, a temporary per layer
    need = 4 * (params * _COPIES.get(args.optimizer, 4) + activations)  # float32
    available = _available_memory() if available is None else available
    if available is not None and need > available:
        raise TrainingFailed(
            f"--layers {','.join(map(str, args.layers))} needs {_gb(need)} ({params:,} float32 parameters, "
            f"{_COPIES.get(args.optimizer, 4)} copies: weights, gradients"
            f"{' and the optimizer state' if _COPIES.get(args.optimizer, 4) > 2 else ''}), more than "
            f"the {_gb(available)} of memory available: use smaller --layers")


def check_out(out: str | None) -> None:
    """Refuse an ``--out`` folder that cannot be created or written, before training starts."""
    problem = folder_problem(out) if out else None
    if problem:
        raise UsageError(f"--out {out}: {problem}")


def check_split(data: datasets.Split, args: Any) -> None:
    """Refuse a ``--ratio`` that leaves no training (or no test) example."""
    n = len(data.x_train) + len(data.x_test)
    for part, size in (("training", len(data.x_train)), ("test", len(data.x_test))):
        if size == 0:
            raise UsageError(f"--ratio {args.ratio:g} leaves no {part} example ({data.name} has {n} examples): "
                             f"use a ratio {'above' if part == 'training' else 'below'} {args.ratio:g}")


def _fit(args: Any, *fit_args: Any, **fit_kwargs: Any) -> dict:
    """``fit``, with a non-finite loss or a lack of memory said in one line for the terminal."""
    try:
        return fit(*fit_args, **fit_kwargs)
    except NonFiniteLossError as e:
        raise TrainingFailed(
            f"the loss became {e.value} at epoch {e.epoch + 1}/{args.epochs}, step {e.step + 1}: training "
            f"stopped; lower the learning rate (--lr {args.lr:g}, try {args.lr / 10:g})") from None
    except MemoryError as e:
        raise TrainingFailed(f"out of memory while training ({e}): use smaller --layers or "
                             f"--batch-size (now {args.batch_size})") from None


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
    if getattr(args, "model", "mlp") != "mlp":
        return run_cnn(args, out)
    check_out(args.out)
    manual_seed(args.seed)
    data = load_data(args)
    check_split(data, args)
    task = make_task(data, args.loss)
    check_memory(args, [data.num_features, *args.layers, task.out_features])
    model = MLP(data.num_features, args.layers, task.out_features, args.activation, task.output_activation)
    x_train, x_test = data.x_train.reshape(len(data.x_train), -1), data.x_test.reshape(len(data.x_test), -1)
    y_train, y_test = task.targets(data.y_train), task.targets(data.y_test)

    loader = train_parallel.train_loader(TensorDataset(x_train, y_train), args.batch_size, args.seed)
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

    history = _fit(args, train_parallel.wrap(model), task.loss_fn, optimizer, loader, args.epochs,
                   val_loader=test_loader, metrics=metrics, log=log)
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
    write_atomic(os.path.join(args.out, "config.json"), json.dumps(config, indent=2).encode(), "the configuration")
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


# ---------------------------------------------------------------------------------------------
# --model lenet | vgg: a convolutional network on images


def fill_defaults(args: Any, dataset: str) -> None:
    """The defaults that depend on the model: an MLP trains with SGD, batches of 10, 100
    epochs; a CNN with SGD + momentum (lr 0.05, decayed along a cosine), batches of 32, 15 epochs
    (3 on MNIST, 60000 images). Options given on the command line are kept."""
    cnn = getattr(args, "model", "mlp") != "mlp"
    if getattr(args, "optimizer", None) is None:
        args.optimizer = "momentum" if cnn else "sgd"
    if getattr(args, "batch_size", None) is None:
        args.batch_size = 32 if cnn else 10
    if getattr(args, "epochs", None) is None:
        args.epochs = (3 if dataset == "mnist" else 15) if cnn else 100
    if cnn and getattr(args, "lr", None) is None:
        args.lr = 0.05 if args.optimizer in ("sgd", "momentum") else 0.001


def load_images(args: Any) -> datasets.Split:
    """digits as (n, 1, 8, 8) or MNIST as (n, 1, 28, 28) images."""
    name = datasets.registry.canonical_name(args.dataset)
    if name not in IMAGE_DATASETS:
        raise UsageError(f"--model {args.model} needs images: --dataset digits or mnist (got {name})")
    if name == "digits":
        return datasets.load("digits", seed=args.seed, train_ratio=args.ratio, flatten=False)
    if not args.data_dir:
        raise UsageError("--dataset mnist needs --data-dir DIR (the folder of the IDX files)")
    return datasets.load("mnist", root=args.data_dir, flatten=False)


def make_cnn(name: str, input_size: int, in_channels: int, num_classes: int) -> nn.Module:
    from .models import LeNet5, SmallVGG

    if name == "lenet":
        return LeNet5(input_size=input_size, num_classes=num_classes, in_channels=in_channels)
    return SmallVGG(in_channels=in_channels, num_classes=num_classes)


def confusion_matrix(true: np.ndarray, pred: np.ndarray, num_classes: int) -> np.ndarray:
    """``m[i, j]``: how many examples of class i were predicted as j."""
    m = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(m, (np.asarray(true), np.asarray(pred)), 1)
    return m


def format_confusion(m: np.ndarray) -> str:
    width = max(len(str(m.max())), 2) + 1
    head = " " * 6 + "".join(f"{j:>{width}}" for j in range(m.shape[1]))
    rows = [f"{i:>4}: " + "".join(f"{v:>{width}}" for v in row) for i, row in enumerate(m)]
    return "\n".join(["confusion matrix (rows: true class, columns: predicted class)", head, *rows])


def run_cnn(args: Any, out: Callable[[str], None] = print) -> dict:
    """Train LeNet-5 or the small VGG on digits or MNIST; print the progress, the test accuracy
    and the confusion matrix; write the checkpoint and the pictures (filters, feature maps,
    misclassified images, loss)."""
    from .datasets import transforms as T
    from .optim.lr_scheduler import CosineAnnealingLR

    if args.loss != "cross_entropy":
        raise UsageError(f"--model {args.model} classifies: use --loss cross_entropy (got {args.loss})")
    check_out(args.out)
    manual_seed(args.seed)
    data = load_images(args)
    check_split(data, args)
    c, side = data.x_train.shape[1], data.x_train.shape[-1]
    num_classes = len(data.classes)
    mean, std = float(data.x_train.mean()), float(data.x_train.std())
    normalize = T.Normalize(mean, std)
    x_train, x_test = normalize(data.x_train), normalize(data.x_test)
    try:
        model = make_cnn(args.model, side, c, num_classes)
    except ValueError as e:
        raise UsageError(str(e)) from None
    train_set: Any = TensorDataset(x_train, data.y_train)
    if getattr(args, "augment", False):
        # a blank pixel is 0 before normalisation; an 8x8 digit fills its frame, so a shift
        # would cut it: small images are only rotated
        blank = (0 - mean) / std
        steps = [T.RandomRotation(10, fill=blank)]
        if side > 8:
            steps.insert(0, T.RandomShift(2, fill=blank))
        train_set = T.TransformDataset(train_set, T.Compose(steps))
    loader = train_parallel.train_loader(train_set, args.batch_size, args.seed)
    test_loader = DataLoader(TensorDataset(x_test, data.y_test), batch_size=500)
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr)
    scheduler = CosineAnnealingLR(optimizer, T_max=args.epochs)
    n_params = sum(p.numel() for p in model.parameters())
    out(f"flambeau train: {data!r}")
    out(f"model: {model.__class__.__name__} ({n_params} parameters) on {c}x{side}x{side} images, "
        f"loss cross_entropy, optimizer {args.optimizer} lr={args.lr} (cosine decay), batch "
        f"{args.batch_size}{', augmented' if getattr(args, 'augment', False) else ''}")
    history = _fit(args, train_parallel.wrap(model), nn.CrossEntropyLoss(), optimizer, loader, args.epochs,
                   val_loader=test_loader, metrics=["accuracy"], scheduler=scheduler, log=out)
    model.eval()
    with no_grad():
        logits = np.concatenate([model(xb).numpy() for xb, _ in test_loader])
    pred = logits.argmax(axis=1)
    true = data.y_test.numpy()
    matrix = confusion_matrix(true, pred, num_classes)
    summary = {"dataset": data.name, "model": args.model, "epochs": history.epochs,
               "train_loss": history["loss"][-1] if history.epochs else None,
               "test_loss": history["val_loss"][-1] if history.epochs else None,
               "train_accuracy": history["accuracy"][-1] if history.epochs else None,
               "test_accuracy": float(np.mean(pred == true)),
               "confusion_matrix": matrix.tolist()}
    if history.epochs:
        out(f"final: train loss {summary['train_loss']:.4f}, test loss {summary['test_loss']:.4f}, "
            f"train accuracy {summary['train_accuracy']:.2%}, test accuracy {summary['test_accuracy']:.2%}")
    else:
        out(f"final: no epoch run, test accuracy {summary['test_accuracy']:.2%}")
    out(format_confusion(matrix))
    if args.out:
        write_cnn_outputs(args, model, data, history, summary, x_test, pred, (mean, std))
        out(f"wrote {args.out}/model.safetensors, config.json, loss.png, filters.png, feature_maps.png, "
            "misclassified.png, confusion.png")
    return summary


def write_cnn_outputs(args: Any, model: nn.Module, data: datasets.Split, history: dict, summary: dict,
                      x_test: Tensor, pred: np.ndarray, norm: tuple[float, float]) -> None:
    from .viz import cnn as viz_cnn
    from .viz import plot_history

    os.makedirs(args.out, exist_ok=True)
    save(model.state_dict(), os.path.join(args.out, "model.safetensors"))
    config = {k: v for k, v in vars(args).items() if k not in ("func", "command")}
    config.update(summary=summary, in_channels=int(data.x_train.shape[1]),
                  input_size=int(data.x_train.shape[-1]), num_classes=len(data.classes),
                  normalize={"mean": norm[0], "std": norm[1]})
    write_atomic(os.path.join(args.out, "config.json"), json.dumps(config, indent=2).encode(), "the configuration")
    name = f"{model.__class__.__name__} on {data.name}"
    if history.get("loss"):
        plot_history(history, os.path.join(args.out, "loss.png"), title=f"{name}: loss (cross_entropy)")
    first = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    viz_cnn.plot_filters(first.weight, os.path.join(args.out, "filters.png"),
                         title=f"{name}: first-layer filters")
    maps = viz_cnn.feature_maps(model, x_test[0])
    maps[0] = ("input", data.x_test[0].numpy())
    viz_cnn.plot_feature_maps(maps, os.path.join(args.out, "feature_maps.png"),
                              title=f"{name}: a {int(data.y_test[0])} seen layer by layer")
    viz_cnn.plot_misclassified(data.x_test.numpy(), data.y_test.numpy(), pred,
                               os.path.join(args.out, "misclassified.png"))
    viz_cnn.plot_confusion_matrix(np.asarray(summary["confusion_matrix"]),
                                  os.path.join(args.out, "confusion.png"),
                                  title=f"{name}: test accuracy {summary['test_accuracy']:.1%}")
