"""The ``flambeau`` command line (also ``python -m flambeau``)."""

from __future__ import annotations

import argparse
import sys


def _layers(text: str) -> list[int]:
    if text.strip() in ("", "0", "none"):
        return []
    try:
        sizes = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated layer sizes such as 8,8, got {text!r}") from None
    if any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def _positive(kind: type) -> object:
    def parse(text: str) -> object:
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if v <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return v

    parse.__name__ = kind.__name__
    return parse


def _fraction(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if v > 1:
        v /= 100  # the playground gives percentages
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (or 1 and 99 percent), got {text}")
    return v


def _noise(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if v > 0.5 and v <= 50:
        v /= 100  # the playground gives percentages
    if not 0 <= v <= 0.5:
        raise argparse.ArgumentTypeError(f"noise must be between 0 and 0.5 (or 0 and 50 percent), got {text}")
    return v


def build_parser() -> argparse.ArgumentParser:
    from .datasets.registry import NAMES
    from .models.mlp import ACTIVATIONS
    from .train_command import LOSSES, OPTIMIZERS

    parser = argparse.ArgumentParser(prog="flambeau", description="flambeau: a deep-learning framework you can read.")
    sub = parser.add_subparsers(dest="command", required=True)

    ex = sub.add_parser("example-1d", help="the lecture's 1-D linear model trained with autograd")
    ex.add_argument("--epochs", type=int, default=10, help="passes over the 3 samples (default 10)")
    ex.add_argument("--lr", type=float, default=0.01, help="learning rate (default 0.01)")

    tr = sub.add_parser("train", help="train an MLP on a data set and write its checkpoint and pictures")
    tr.add_argument("--dataset", required=True, help=f"one of: {', '.join(NAMES)}")
    tr.add_argument("--layers", type=_layers, default=[8, 8], help="hidden layer sizes, e.g. 8,8 (default), or 0 for none")
    tr.add_argument("--activation", choices=sorted(ACTIVATIONS), default="tanh", help="hidden activation (default tanh)")
    tr.add_argument("--loss", choices=LOSSES, default=None,
                    help="default: cross_entropy for classification, mse for regression")
    tr.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd", help="default sgd")
    tr.add_argument("--lr", type=_positive(float), default=None, help="learning rate (default 0.03, adam 0.01)")
    tr.add_argument("--batch-size", type=_positive(int), default=10, help="default 10")
    tr.add_argument("--epochs", type=_positive(int), default=100, help="default 100")
    tr.add_argument("--noise", type=_noise, default=0.0, help="0 to 0.5 (or 0 to 50 percent), playground sets")
    tr.add_argument("--ratio", type=_fraction, default=0.5, help="share of training data, 0-1 or 10-90 percent (default 0.5)")
    tr.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    tr.add_argument("--data-dir", default=None, help="folder of MNIST IDX files (--dataset mnist)")
    tr.add_argument("--out", default=None, help="folder for model.safetensors, config.json, loss.png, boundary.png")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "example-1d":
        if args.epochs < 0:
            parser.error(f"--epochs must be >= 0 (got {args.epochs})")
        from .course import autograd_1d

        autograd_1d.run(epochs=args.epochs, lr=args.lr)
        return 0
    if args.command == "train":
        from . import train_command
        from .datasets.registry import canonical_name

        try:
            name = canonical_name(args.dataset)
        except ValueError as e:
            parser.error(str(e))
        if args.loss is None:
            args.loss = "mse" if name in ("plane", "multi_gauss", "linear1d") else "cross_entropy"
        if args.lr is None:
            args.lr = 0.01 if args.optimizer in ("adam", "adamw", "rmsprop") else 0.03
        try:
            train_command.run(args)
        except train_command.UsageError as e:
            parser.error(str(e))
        except (FileNotFoundError, ImportError) as e:
            print(f"flambeau train: error: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
