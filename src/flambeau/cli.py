"""The ``flambeau`` command line."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="flambeau", description="flambeau: a deep-learning framework you can read.")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("example-1d", help="the lecture's 1-D linear model trained with autograd")
    ex.add_argument("--epochs", type=int, default=10, help="passes over the 3 samples (default 10)")
    ex.add_argument("--lr", type=float, default=0.01, help="learning rate (default 0.01)")
    args = parser.parse_args(argv)
    if args.command == "example-1d":
        if args.epochs < 0:
            parser.error(f"--epochs must be >= 0 (got {args.epochs})")
        from .course import autograd_1d

        autograd_1d.run(epochs=args.epochs, lr=args.lr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
