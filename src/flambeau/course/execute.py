"""Run the lessons' notebooks and keep their outputs (``flambeau course build``).

The notebooks in ``notebooks/`` carry their outputs, numbers and figures, so that a reader of the
repository sees them without running anything. :func:`execute` runs one notebook in a Jupyter
kernel of this very Python (nbclient and ipykernel, from ``pip install -e '.[test]'``), in a
temporary folder, and returns it with its outputs; :func:`strip` removes them again, which is how
a stored notebook is compared with what its lesson source gives.

:func:`same_numbers` compares the outputs of two runs: the same texts, and the same numbers up to
rounding. The test suite checks, with it, that the stored outputs are those of a fresh run.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

KERNEL = "flambeau-course"
TIMEOUT = 600  # seconds for one cell (LeNet's training is the longest)
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def strip(nb: dict[str, Any]) -> dict[str, Any]:
    """A copy of the notebook without outputs, execution counts or execution metadata."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            cell["metadata"].pop("execution", None)
    return nb


def has_outputs(nb: dict[str, Any]) -> bool:
    """Whether every code cell of ``nb`` has been run."""
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    return bool(code) and all(c.get("execution_count") is not None for c in code)


@contextmanager
def kernel() -> Iterator[str]:
    """A kernelspec that runs this Python with this flambeau first on its path; its name."""
    import flambeau

    source_root = str(Path(flambeau.__file__).resolve().parents[1])
    with tempfile.TemporaryDirectory(prefix="flambeau-kernel-") as folder:
        spec = Path(folder) / "kernels" / KERNEL
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "flambeau course", "language": "python",
            "env": {"PYTHONPATH": os.pathsep.join([source_root, os.environ.get("PYTHONPATH", "")]),
                    "MPLBACKEND": "module://matplotlib_inline.backend_inline"},
        }))
        old = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = os.pathsep.join([folder, *([old] if old else [])])
        try:
            yield KERNEL
        finally:
            if old is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = old


def execute(nb: dict[str, Any], kernel_name: str | None = None, cwd: str | os.PathLike | None = None) -> dict[str, Any]:
    """Run the notebook ``nb`` (a dict, nbformat 4) and return a copy with its outputs. Raises
    nbclient's ``CellExecutionError`` if a cell fails."""
    try:
        import nbclient
        import nbformat
    except ImportError as e:
        raise ModuleNotFoundError(f"{e}: running the notebooks needs nbclient, nbformat and ipykernel "
                                  f"(pip install -e '.[test]'), or build with --no-execute", name=e.name) from None
    node = nbformat.reads(json.dumps(nb), as_version=4)
    with tempfile.TemporaryDirectory(prefix="flambeau-notebook-") as folder:
        if kernel_name is None:
            with kernel() as name:
                _run(nbclient, node, name, cwd or folder)
        else:
            _run(nbclient, node, kernel_name, cwd or folder)
    out = json.loads(nbformat.writes(node))
    for cell in out["cells"]:
        if cell["cell_type"] == "code":
            cell["metadata"].pop("execution", None)
            cell["outputs"] = coalesce(cell["outputs"])
    out["metadata"] = copy.deepcopy(nb["metadata"])  # not the kernel's language_info (its version)
    return out


def _run(nbclient: Any, node: Any, kernel_name: str, cwd: str | os.PathLike) -> None:
    client = nbclient.NotebookClient(node, timeout=TIMEOUT, startup_timeout=120, kernel_name=kernel_name,
                                     record_timing=False, resources={"metadata": {"path": str(cwd)}})
    client.execute()


def coalesce(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The outputs of a cell with consecutive prints to the same stream joined into one (the
    kernel cuts a stream where it pleases: the cuts are not part of what the lesson printed)."""
    merged: list[dict[str, Any]] = []
    for o in outputs:
        if (o["output_type"] == "stream" and merged and merged[-1]["output_type"] == "stream"
                and merged[-1]["name"] == o["name"]):
            text = _join(merged[-1]["text"]) + _join(o["text"])
            merged[-1] = {**merged[-1], "text": text.splitlines(keepends=True)}
        else:
            merged.append(o)
    return merged


def texts(nb: dict[str, Any]) -> list[str]:
    """The text of each output of each code cell, in order: what it printed on stdout, what it
    showed (``text/plain``), and the error of a failed cell (stderr's warnings are left out: they
    come and go with the machine)."""
    found = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        for o in coalesce(cell["outputs"]):
            if o["output_type"] == "stream":
                if o["name"] == "stdout":
                    found.append(_join(o["text"]))
            elif o["output_type"] in ("execute_result", "display_data"):
                found.append(_join(o.get("data", {}).get("text/plain", "")))
            elif o["output_type"] == "error":
                found.append(f"{o['ename']}: {o['evalue']}")
    return found


def _join(text: str | list[str]) -> str:
    return "".join(text) if isinstance(text, list) else text


def same_numbers(stored: dict[str, Any], fresh: dict[str, Any], rtol: float = 1e-6,
                 atol: float = 1e-9) -> list[str]:
    """What differs between the outputs of two runs of a notebook: the texts with their numbers
    taken out must be equal, and the numbers equal up to ``rtol``/``atol``. Returns a list of
    differences (empty when the runs agree)."""
    a, b = "\n".join(texts(stored)), "\n".join(texts(fresh))
    # a figure's or a drawing's repr names an address or a size that may vary: not a number of the lesson
    a, b = (re.sub(r" at 0x[0-9a-f]+", "", t) for t in (a, b))
    if _NUMBER.sub("#", a) != _NUMBER.sub("#", b):
        first = next((x, y) for x, y in zip(_NUMBER.sub("#", a).splitlines() + [""],
                                            _NUMBER.sub("#", b).splitlines() + [""]) if x != y)
        return [f"the texts differ: stored {first[0]!r}, fresh {first[1]!r}"]
    differences = []
    for x, y in zip(_NUMBER.findall(a), _NUMBER.findall(b)):
        fx, fy = float(x), float(y)
        if abs(fx - fy) > atol + rtol * abs(fy):
            differences.append(f"stored {x}, fresh {y}")
    return differences
