"""What each process that ``flambeau run`` starts runs first: set torchrun's variables from MPI's,
prefix the rank to every line the script prints (as torchrun's ``--tee``), then run the script
as ``__main__``. Used as ``python -m flambeau.distributed._bootstrap script.py ARGS``."""

from __future__ import annotations

import os
import runpy
import sys
from typing import Any, TextIO

from ._env import export_torchrun_variables


class RankPrefixed:
    """A text stream that starts each line with ``[rankN]:``."""

    def __init__(self, stream: TextIO, prefix: str) -> None:
        self._stream = stream
        self._prefix = prefix
        self._at_line_start = True

    def write(self, text: str) -> int:
        if not text:
            return 0
        out = []
        for piece in text.splitlines(keepends=True):
            if self._at_line_start:
                out.append(self._prefix)
            out.append(piece)
            self._at_line_start = piece.endswith("\n")
        self._stream.write("".join(out))
        if "\n" in text:
            self._stream.flush()
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit("usage: python -m flambeau.distributed._bootstrap [-m module | script.py] [args...]")
    export_torchrun_variables()
    os.environ["FLAMBEAU_RUN"] = "1"
    if os.environ.get("FLAMBEAU_RUN_PREFIX", "1") != "0":
        prefix = f"[rank{os.environ.get('RANK', '0')}]:"
        sys.stdout = RankPrefixed(sys.stdout, prefix)
        sys.stderr = RankPrefixed(sys.stderr, prefix)
    if argv[0] == "-m":
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return
    script = argv[0]
    sys.argv = list(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit:
        raise
    except BaseException as e:  # the script's own frames only, then the job stops (see group.py)
        tb = e.__traceback__
        while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != os.path.abspath(script):
            tb = tb.tb_next
        e = e.with_traceback(tb or e.__traceback__)
        sys.excepthook(type(e), e, e.__traceback__)
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
