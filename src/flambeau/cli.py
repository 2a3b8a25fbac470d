"""The ``flambeau`` command line (also ``python -m flambeau``)."""

from __future__ import annotations

import argparse
import os
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
    from .train_command import LOSSES, MODELS, OPTIMIZERS

    parser = argparse.ArgumentParser(prog="flambeau", description="flambeau: a deep-learning framework you can read.")
    sub = parser.add_subparsers(dest="command", required=True)

    ex = sub.add_parser("example-1d", help="the lecture's 1-D linear model trained with autograd")
    ex.add_argument("--epochs", type=int, default=10, help="passes over the 3 samples (default 10)")
    ex.add_argument("--lr", type=float, default=0.01, help="learning rate (default 0.01)")

    tr = sub.add_parser("train", help="train an MLP (or a CNN on images) on a data set and write its checkpoint and pictures")
    tr.add_argument("--dataset", required=True, help=f"one of: {', '.join(NAMES)}")
    tr.add_argument("--model", choices=MODELS, default="mlp",
                    help="mlp (default), lenet (LeNet-5) or vgg (a small VGG-style CNN): lenet and vgg read images, "
                         "--dataset digits or mnist")
    tr.add_argument("--layers", type=_layers, default=[8, 8], help="hidden layer sizes, e.g. 8,8 (default), or 0 for none")
    tr.add_argument("--activation", choices=sorted(ACTIVATIONS), default="tanh", help="hidden activation (default tanh)")
    tr.add_argument("--loss", choices=LOSSES, default=None,
                    help="default: cross_entropy for classification, mse for regression")
    tr.add_argument("--optimizer", choices=OPTIMIZERS, default=None, help="default sgd (mlp), momentum (lenet, vgg)")
    tr.add_argument("--lr", type=_positive(float), default=None,
                    help="learning rate (default 0.03, adam 0.01; lenet, vgg: 0.05, adam 0.001)")
    tr.add_argument("--batch-size", type=_positive(int), default=None, help="default 10 (mlp), 32 (lenet, vgg)")
    tr.add_argument("--epochs", type=_positive(int), default=None, help="default 100 (mlp), 15 (lenet, vgg; 3 on mnist)")
    tr.add_argument("--augment", action="store_true",
                    help="lenet, vgg: random shifts and rotations of the training images, drawn anew each epoch")
    tr.add_argument("--noise", type=_noise, default=0.0, help="0 to 0.5 (or 0 to 50 percent), playground sets")
    tr.add_argument("--ratio", type=_fraction, default=0.5, help="share of training data, 0-1 or 10-90 percent (default 0.5)")
    tr.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    tr.add_argument("--data-dir", default=None, help="folder of MNIST IDX files (--dataset mnist)")
    tr.add_argument("--out", default=None, help="folder for model.safetensors, config.json, loss.png, boundary.png "
                    "(lenet, vgg: filters.png, feature_maps.png, misclassified.png, confusion.png)")

    co = sub.add_parser("course", help="the lessons of the lecture: list, run in the terminal, build the notebooks")
    co_sub = co.add_subparsers(dest="course_command", required=True)
    co_sub.add_parser("list", help="the lessons, with their titles in French and English")
    co_run = co_sub.add_parser("run", help="run a lesson here: its text, its code and its output")
    co_run.add_argument("name", help="a lesson's name (01-exemple-1d), number (1) or the start of its name")
    co_run.add_argument("--lang", choices=("fr", "en"), default="fr", help="language of the text (default fr)")
    co_run.add_argument("--figures", default=None, metavar="DIR",
                        help="folder for the figures and files of the lesson (default: a new temporary folder)")
    co_run.add_argument("--no-code", dest="show_code", action="store_false", help="do not print the code cells")
    co_run.add_argument("--solutions", action="store_true",
                        help="run each exercise's solution instead of the empty « À vous » / \"Your turn\" cell")
    co_build = co_sub.add_parser("build", help="write the notebooks (both languages) from the lesson sources, "
                                 "run them and store their outputs")
    co_build.add_argument("--out", default="notebooks", metavar="DIR", help="output folder (default notebooks)")
    co_build.add_argument("--no-execute", dest="execute", action="store_false",
                          help="write the notebooks without running them (no outputs; needs no Jupyter)")
    co_build.add_argument("--html", default=None, metavar="DIR",
                          help="also export the course as HTML pages that open offline, into DIR")
    pg = sub.add_parser("playground", help="the TensorFlow Playground, trained live by flambeau, in the browser")
    pg.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    pg.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    pg.add_argument("--no-browser", dest="open_browser", action="store_false", help="do not open a browser")
    return parser


def _course(args: argparse.Namespace) -> int:
    from .course import lessons

    try:
        if args.course_command == "list":
            # in the lecture's order, part by part
            for k, (fr, en, found) in enumerate(lessons.lecture_order(), start=1):
                print(f"{k}. {fr} / {en}")
                for lesson in found:
                    print(f"   {lesson.name:38} {lesson.titles['fr']}")
                    print(f"   {'':38} {lesson.titles['en']}")
            return 0
        if args.course_command == "run":
            from .course import runner

            lesson = lessons.get(args.name)
            runner.run(lesson, lang=args.lang, figures=args.figures, show_code=args.show_code,
                       solutions=args.solutions)
            return 0
        if args.course_command == "build":
            from .course import notebook

            written = notebook.build(args.out, execute=args.execute,
                                     progress=lambda path: print(f"running {path} ...", flush=True))
            for path in written:
                print(f"wrote {path}")
            print(f"{len(written)} file(s) written, the others were up to date ({args.out})")
            if args.html is not None:
                from .course import html

                pages = html.export(args.out, args.html)
                print(f"{len(pages)} HTML page(s) in {args.html} (open {os.path.join(args.html, 'index.html')})")
            return 0
    except lessons.LessonError as e:
        print(f"flambeau course: error: {e}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as e:
        if e.name in ("nbclient", "nbformat", "ipykernel"):
            print(f"flambeau course: error: {e}", file=sys.stderr)
            return 1
        if e.name not in ("matplotlib", "numpy"):
            raise
        print(f"flambeau course: error: {e}: the lessons draw with matplotlib "
              f"(pip install 'flambeau[train]')", file=sys.stderr)
        return 1
    return 2


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
        train_command.fill_defaults(args, name)
        if args.lr is None:
            args.lr = 0.01 if args.optimizer in ("adam", "adamw", "rmsprop") else 0.03
        try:
            train_command.run(args)
        except train_command.UsageError as e:
            parser.error(str(e))
        except (FileNotFoundError, ImportError) as e:
            print(f"flambeau train: error: {e}", file=sys.stderr)
            return 1
    if args.command == "course":
        return _course(args)
    if args.command == "playground":
        if not 0 <= args.port <= 65535:
            parser.error(f"--port must be from 0 to 65535 (got {args.port})")
        try:
            from .playground.server import main as serve
        except ImportError as e:
            print(f"flambeau playground: error: {e}; install it with: pip install 'flambeau[playground]'",
                  file=sys.stderr)
            return 1
        return serve(host=args.host, port=args.port, open_browser=args.open_browser)
    return 0


if __name__ == "__main__":
    sys.exit(main())
