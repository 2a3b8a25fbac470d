"""The ``flambeau`` command line (also ``python -m flambeau``)."""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import NoReturn


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


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive(kind: type) -> object:
    def parse(text: str) -> object:
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
        if v <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return v

    parse.__name__ = kind.__name__
    return parse


def _finite(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return v


def _seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 0 <= v < 2**64:
        raise argparse.ArgumentTypeError(f"must be from 0 to 2**64-1, got {text}")
    return v


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

    parser = _Parser(prog="flambeau", description="flambeau: a deep-learning framework you can read.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ex = sub.add_parser("example-1d", help="the lecture's 1-D linear model trained with autograd")
    ex.add_argument("--epochs", type=int, default=10, help="passes over the 3 samples (default 10)")
    ex.add_argument("--lr", type=_finite, default=0.01, help="learning rate (default 0.01)")

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
    tr.add_argument("--seed", type=_seed, default=0, help="random seed, 0 to 2**64-1 (default 0)")
    tr.add_argument("--data-dir", default=None, help="folder of MNIST IDX files (--dataset mnist)")
    tr.add_argument("--nproc", type=_positive(int), default=1,
                    help="train data-parallel on N processes (MPI; the global batch stays --batch-size)")
    tr.add_argument("--out", default=None, help="folder for model.safetensors, config.json, loss.png, boundary.png "
                    "(lenet, vgg: filters.png, feature_maps.png, misclassified.png, confusion.png)")

    co = sub.add_parser("course", help="the lessons of the lecture: list, run in the terminal, build the notebooks")
    co_sub = co.add_subparsers(dest="course_command", required=True, parser_class=_Parser,
                              metavar="{list,run,build}")
    co_sub.add_parser("list", help="the lessons, with their titles in French and English")
    co_run = co_sub.add_parser("run", help="run a lesson here: its text, its code and its output")
    co_run.add_argument("name", help="a lesson's name (07-exemple-1d), number (7) or the start of its name")
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
    sub.add_parser("run", add_help=False,
                   help="start a data-parallel job (torchrun's flags) on MPI: run --nproc-per-node N script.py ARGS")
    pg = sub.add_parser("playground", help="the TensorFlow Playground, trained live by flambeau, in the browser")
    pg.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    pg.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    pg.add_argument("--no-browser", dest="open_browser", action="store_false", help="do not open a browser")
    pg.add_argument("--classroom", action="store_true",
                    help="serve a class: print the students' address and QR code, and the teacher's page "
                         "(with --host 0.0.0.0 the address carries a token)")
    pg.add_argument("--max-sessions", type=int, default=None, metavar="N",
                    help="the most pages connected at once (default: 16 per core)")
    pg.add_argument("--workers", type=int, default=None, metavar="N",
                    help="worker processes the sessions train in (default: one per core; 0: in the server's process)")
    return parser


def _course(args: argparse.Namespace) -> int:
    from .course import lessons

    try:
        if args.course_command == "list":
            from .course.runner import markdown_to_text  # a title's *emphasis*, as plain text

            # in the lecture's order, part by part
            for k, (fr, en, found) in enumerate(lessons.lecture_order(), start=1):
                print(f"{k}. {fr} / {en}")
                for lesson in found:
                    print(f"   {lesson.name:38} {markdown_to_text(lesson.titles['fr'])}")
                    print(f"   {'':38} {markdown_to_text(lesson.titles['en'])}")
            return 0
        if args.course_command == "run":
            from ._files import folder_problem
            from .course import runner

            problem = folder_problem(args.figures) if args.figures is not None else None
            if problem:
                print(f"flambeau course: error: --figures {args.figures}: {problem}", file=sys.stderr)
                return 2

            lesson = lessons.get(args.name)
            runner.run(lesson, lang=args.lang, figures=args.figures, show_code=args.show_code,
                       solutions=args.solutions)
            return 0
        if args.course_command == "build":
            from ._files import folder_problem
            from .course import notebook

            problem = folder_problem(args.out)
            if problem:
                print(f"flambeau course: error: --out {args.out}: {problem}", file=sys.stderr)
                return 2

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


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    """The parser of the sub-command ``name``: its errors start with ``flambeau name:``."""
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices[name]


def _fail(prog: str, error: BaseException | str) -> int:
    """Say ``error`` on one line of stderr; the exit status 1."""
    text = " ".join(str(error).split()) or type(error).__name__
    print(f"{prog}: error: {text}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("flambeau: interrupted", file=sys.stderr)
        return 130


def _main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["run"]:  # the script's own arguments follow: the launcher parses its flags
        from .distributed import launch

        return launch.main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "example-1d":
        if args.epochs < 0:
            _subparser(parser, "example-1d").error(f"--epochs must be >= 0 (got {args.epochs})")
        from .course import autograd_1d

        autograd_1d.run(epochs=args.epochs, lr=args.lr)
        return 0
    if args.command == "train":
        from . import train_command
        from .datasets.registry import canonical_name

        try:
            name = canonical_name(args.dataset)
        except ValueError as e:
            _subparser(parser, "train").error(str(e))
        if args.loss is None:
            args.loss = "mse" if name in ("plane", "multi_gauss", "linear1d") else "cross_entropy"
        if args.nproc > 1:
            from . import train_parallel

            if not train_parallel.inside_job(args.nproc):
                return train_parallel.relaunch(args.nproc, argv[1:])
            rank = train_parallel.start()
            train_parallel.quiet_unless_rank0(rank)
            if rank != 0:
                args.out = None
        train_command.fill_defaults(args, name)
        if args.lr is None:
            args.lr = 0.01 if args.optimizer in ("adam", "adamw", "rmsprop") else 0.03
        from .datasets import IDXError
        from .serialization import CheckpointError

        try:
            train_command.run(args)
        except train_command.UsageError as e:
            _subparser(parser, "train").error(str(e))
        except (train_command.TrainingFailed, OSError, ImportError, IDXError, CheckpointError) as e:
            return _fail("flambeau train", e)
        except MemoryError as e:
            return _fail("flambeau train", f"out of memory ({e}): use smaller --layers or --batch-size")
    if args.command == "course":
        return _course(args)
    if args.command == "playground":
        if not 0 <= args.port <= 65535:
            _subparser(parser, "playground").error(f"--port must be from 0 to 65535 (got {args.port})")
        try:
            from .playground.server import main as serve
        except ImportError as e:
            print(f"flambeau playground: error: {e}; install it with: pip install 'flambeau[playground]'",
                  file=sys.stderr)
            return 1
        if args.max_sessions is not None and args.max_sessions < 1:
            parser.error(f"--max-sessions must be at least 1 (got {args.max_sessions})")
        if args.workers is not None and args.workers < 0:
            parser.error(f"--workers must be at least 0 (got {args.workers})")
        return serve(host=args.host, port=args.port, open_browser=args.open_browser, classroom=args.classroom,
                     max_sessions=args.max_sessions, workers=args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
