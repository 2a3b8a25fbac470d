"""Draw the computational graph that produced a tensor, with its values and gradients.

``draw_graph(loss)`` walks back from ``loss`` through the graph nodes (``grad_fn``) and draws two
kinds of boxes, as micrograd's ``draw_dot`` and the lecture's slides do:

* **tensors** (rectangles): the leaves you made with ``requires_grad=True`` (blue), the tensors
  computed from them (white) and the tensor you asked for (green). Each box shows the tensor's
  name if it has one, its shape, and, when it is small, its values (the forward pass) and its
  ``.grad`` (what ``backward`` left there);
* **operations** (ovals): ``Mul``, ``Sub``, ``Pow``... named like PyTorch's ``grad_fn`` without the
  ``Backward0`` suffix. An arrow goes from each input tensor to the operation, and from the
  operation to the tensor it produced.

The drawing is Graphviz's DOT language (``.source``). Turning it into a picture (SVG or PNG) needs
the ``dot`` program of Graphviz (``apt-get install graphviz``, ``brew install graphviz`` or
``conda install graphviz``); it is called as a separate program, so no Python package is needed,
and ``.source`` and saving a ``.dot`` file work without it. Set the environment variable
``FLAMBEAU_DOT`` (or this module's ``DOT_EXECUTABLE``) to use a ``dot`` that is not on the PATH.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..tensor import Tensor

#: Path of Graphviz's ``dot`` program; ``None``: ``$FLAMBEAU_DOT``, else ``dot`` on the PATH.
DOT_EXECUTABLE: str | None = None
#: Seconds allowed to ``dot`` for one picture.
RENDER_TIMEOUT = 60.0

INSTALL_HINT = (
    "Install Graphviz, which provides the `dot` program: `apt-get install graphviz` (Debian, "
    "Ubuntu), `brew install graphviz` (macOS), `conda install graphviz` (conda), or see "
    "https://graphviz.org/download/. Without it, `.source` gives the DOT text and "
    "`.save('graph.dot')` writes it."
)

FREED_GRAPH = (
    "draw_graph cannot draw this tensor: backward() has freed its graph (the nodes let go of "
    "their input tensors, so the values and gradients are gone). Draw before calling backward(), "
    "or call backward(retain_graph=True) to keep the graph and draw it with its gradients."
)

# Colours of the boxes.
_LEAF, _INNER, _ROOT, _OP, _CONST = "#dbe9f6", "#ffffff", "#dff0d8", "#fcefd2", "#f2f2f2"
_LINE_WIDTH = 48  # characters of values on one line of a box
_FORMATS = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot"}


class DotNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is needed to render the picture and was not found."""


# ---------------------------------------------------------------------------------------- API
def label(tensor: Tensor, name: str) -> Tensor:
    """Name ``tensor`` for :func:`draw_graph` and return it: ``w = label(torch.ones(3), "w")``."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"label() expects a Tensor, got {type(tensor).__name__}")
    if not isinstance(name, str):
        raise TypeError(f"a tensor's label must be a str, got {type(name).__name__}")
    tensor._name = name
    return tensor


def draw_graph(tensor: Tensor | Sequence[Tensor], values: bool = True, grads: bool = True, *,
               labels: Mapping[str, Tensor] | Any = None, max_elements: int = 6,
               precision: int = 4, constants: bool = True, rankdir: str = "LR") -> GraphDrawing:
    """Draw the computational graph that produced ``tensor`` (or several tensors).

    Args:
        tensor: the output to draw from, usually the loss; a list of tensors draws their graphs
            together.
        values: show the values of tensors with at most ``max_elements`` elements.
        grads: show their ``.grad`` where it is set: on leaves after ``backward``, and on
            computed tensors whose gradient was kept with ``retain_grad()``.
        labels: names to write on the tensors: a dict ``{"w": w, "x": x}``, or a module, whose
            parameters are named as in ``named_parameters()`` (``"0.weight"``). A tensor can also
            be named once and for all with :func:`label`. Tensors that are not in the graph
            are ignored.
        max_elements: larger tensors show their shape only.
        precision: significant digits of the numbers shown.
        constants: draw a grey "constant" box for each operand that does not require grad
            (the data ``y`` of ``y_hat - y``, the ``2`` of ``x * 2``): where PyTorch's
            ``grad_fn.next_functions`` has ``(None, 0)``. A number that is a setting of the
            operation, such as the exponent of ``s**2``, belongs to the operation (``Pow``).
        rankdir: Graphviz's direction, ``"LR"`` (left to right) or ``"TB"`` (top to bottom).

    Returns:
        A :class:`GraphDrawing`: it shows itself in Jupyter, ``.source`` is the DOT text and
        ``.save("graph.svg")`` writes SVG, PNG or DOT.

    Which tensors can be drawn: every graph node keeps its input tensors that require grad, so
    walking back from ``tensor`` reaches every tensor of the graph, leaves and intermediate ones,
    with their values and gradients. Inputs that do not require grad (numbers, data) are not
    kept by autograd: they appear as "constant" boxes, without a value or a name.
    ``backward()`` frees the graph: drawing afterwards raises ``RuntimeError``. To see the
    gradients, call
    ``backward(retain_graph=True)`` first (and ``retain_grad()`` on the intermediate tensors
    whose gradient you want), or draw before ``backward()`` to see the forward values only.

    The drawing is a snapshot: changing the tensors afterwards does not change it.
    """
    if isinstance(tensor, Tensor):
        roots = [tensor]
    elif isinstance(tensor, (list, tuple)):
        roots = list(tensor)
    else:
        roots = []
    if not roots or not all(isinstance(t, Tensor) for t in roots):
        raise TypeError("draw_graph expects a Tensor or a sequence of Tensors")
    if max_elements < 0:
        raise ValueError(f"max_elements must be >= 0, got {max_elements}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    style = _Style(values, grads, max_elements, precision, constants)
    names = _names_by_id(labels)
    return GraphDrawing(_to_dot(roots, names, style, rankdir))


class GraphDrawing:
    """A drawn graph: DOT text that Graphviz's ``dot`` turns into SVG or PNG.

    In Jupyter it shows itself as an SVG picture. ``.source`` is the DOT text, ``.svg()`` the
    SVG text, ``.png()`` the PNG bytes and ``.save(path)`` writes one of them.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self._rendered: dict[tuple[str, int | None], bytes] = {}

    def render(self, format: str = "svg", dpi: int | None = None) -> bytes:  # noqa: A002
        """The picture as bytes, in a format ``dot`` knows (``"svg"``, ``"png"``, ``"pdf"``...);
        ``dpi`` sets the resolution of bitmaps. Raises :class:`DotNotFoundError` without
        Graphviz."""
        if format == "dot":
            return self.source.encode("utf-8")
        key = (format, dpi)
        if key not in self._rendered:
            self._rendered[key] = _run_dot(self.source, format, dpi)
        return self._rendered[key]

    def svg(self) -> str:
        """The picture as SVG text."""
        return self.render("svg").decode("utf-8")

    def png(self, dpi: int | None = None) -> bytes:
        """The picture as PNG bytes (Graphviz's default is 96 dots per inch)."""
        return self.render("png", dpi)

    def save(self, path: str | os.PathLike, format: str | None = None,  # noqa: A002
             dpi: int | None = None) -> Path:
        """Write the picture to ``path``, in the format its extension names (``.svg``, ``.png``,
        ``.dot`` or ``.gv``) unless ``format`` is given. Returns the path."""
        path = Path(path)
        if format is None:
            format = _FORMATS.get(path.suffix.lower())  # noqa: A001
            if format is None:
                raise ValueError(f"cannot tell the format from {path.name!r}: name the file "
                                 f".svg, .png or .dot, or pass format='svg'")
        path.write_bytes(self.render(format, dpi))
        return path

    def _repr_svg_(self) -> str | None:
        """Jupyter's hook; ``None`` (no picture) where Graphviz is missing."""
        try:
            return self.svg()
        except DotNotFoundError:
            return None

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """What Jupyter shows: the SVG picture, or text saying how to get it."""
        svg = self._repr_svg_()
        if svg is None:
            return {"text/plain": f"{self!r}\n{_missing_dot_message()}"}
        return {"image/svg+xml": svg, "text/plain": repr(self)}

    def __repr__(self) -> str:
        boxes = re.findall(r"^\s+(\w+) \[", self.source, flags=re.MULTILINE)
        nodes = sum(1 for b in boxes if b not in ("graph", "node", "edge"))
        edges = self.source.count(" -> ")
        return f"<GraphDrawing: {nodes} boxes, {edges} arrows; .source, .save('graph.svg')>"


# ----------------------------------------------------------------------------- Graphviz's dot
def find_dot() -> str | None:
    """The path of Graphviz's ``dot``: ``DOT_EXECUTABLE``, else ``$FLAMBEAU_DOT``, else ``dot``
    on the PATH; ``None`` if it cannot be found."""
    chosen = DOT_EXECUTABLE or os.environ.get("FLAMBEAU_DOT")
    if chosen:
        return shutil.which(chosen)
    return shutil.which("dot")


def _missing_dot_message() -> str:
    chosen = DOT_EXECUTABLE or os.environ.get("FLAMBEAU_DOT")
    where = (f"Graphviz's `dot` program was not found at {chosen!r} (set by "
             f"{'flambeau.viz.graph.DOT_EXECUTABLE' if DOT_EXECUTABLE else 'FLAMBEAU_DOT'})"
             if chosen else "Graphviz's `dot` program was not found on the PATH")
    return f"{where}: it is needed to draw the graph as SVG or PNG. {INSTALL_HINT}"


def _run_dot(source: str, fmt: str, dpi: int | None) -> bytes:
    """Run ``dot -T<fmt>`` on ``source`` and return what it prints."""
    exe = find_dot()
    if exe is None:
        raise DotNotFoundError(_missing_dot_message())
    cmd = [exe, f"-T{fmt}"]
    if dpi is not None:
        cmd.append(f"-Gdpi={int(dpi)}")
    try:
        done = subprocess.run(cmd, input=source.encode("utf-8"), capture_output=True,
                              timeout=RENDER_TIMEOUT, check=False)
    except FileNotFoundError:
        raise DotNotFoundError(_missing_dot_message()) from None
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"Graphviz's dot took more than {RENDER_TIMEOUT:g} s to draw the "
                           f"graph; save it as .dot, or draw a smaller graph") from None
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz's dot failed (exit status {done.returncode}) making {fmt}: {err}")
    return done.stdout


# ------------------------------------------------------------------------------ building DOT
class _Style:
    """What the boxes show."""

    def __init__(self, values: bool, grads: bool, max_elements: int, precision: int,
                 constants: bool) -> None:
        self.values, self.grads, self.constants = values, grads, constants
        self.max_elements, self.precision = max_elements, precision


def _names_by_id(labels: Any) -> dict[int, str]:
    """``{id(tensor): name}`` from a dict name -> tensor or a module's named parameters."""
    if labels is None:
        return {}
    if hasattr(labels, "named_parameters"):
        pairs: Iterable = labels.named_parameters()
    elif isinstance(labels, Mapping):
        pairs = labels.items()
    else:
        raise TypeError("labels must be a dict {name: tensor} or a module, got "
                        f"{type(labels).__name__}")
    names = {}
    for name, t in pairs:
        if not isinstance(t, Tensor):
            raise TypeError(f"labels[{name!r}] must be a Tensor, got {type(t).__name__}")
        names[id(t)] = str(name)
    return names


def _to_dot(roots: list[Tensor], names: dict[int, str], style: _Style, rankdir: str) -> str:
    """The DOT text of the graph behind ``roots``: tensors are listed before the operations that
    read them, inputs before outputs (a depth-first walk, without recursion)."""
    lines = [
        "digraph flambeau {",
        f'  graph [rankdir={rankdir}, fontname="Helvetica", nodesep=0.25, ranksep=0.35];',
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [color="#555555", arrowsize=0.7];',
    ]
    ids: dict[int, str] = {}  # id(tensor) -> DOT name of its box
    root_ids = {id(t) for t in roots}
    n_const = 0
    for t in _tensors_inputs_first(roots):
        box = ids[id(t)] = f"t{len(ids)}"
        kind = "root" if id(t) in root_ids else ("leaf" if t.grad_fn is None else "inner")
        name = names.get(id(t)) or t._name
        lines.append(f"  {box} [shape=plaintext, margin=0, label=<{_tensor_label(t, name, kind, style)}>];")
        node = t.grad_fn
        if node is None:
            continue
        op = f"op{box[1:]}"
        lines.append(f'  {op} [label="{_op_name(node)}", shape=ellipse, style=filled, '
                     f'fillcolor="{_OP}", fontsize=10, height=0.3, margin="0.05,0.02"];')
        for inp in node.input_tensors() or ():
            if inp is not None:
                lines.append(f"  {ids[id(inp)]} -> {op};")
            elif style.constants:
                const = f"c{n_const}"
                n_const += 1
                lines.append(f'  {const} [label="constant", shape=box, style="dashed,filled", '
                             f'fillcolor="{_CONST}", color="#999999", fontcolor="#666666", '
                             f'fontsize=9, height=0.25, margin="0.05,0.02", tooltip="an input '
                             f'that does not require grad: autograd does not keep it"];')
                lines.append(f'  {const} -> {op} [style=dashed, color="#999999"];')
        lines.append(f"  {op} -> {box};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _tensors_inputs_first(roots: list[Tensor]) -> list[Tensor]:
    """Every tensor of the graph behind ``roots``, each after the inputs of its ``grad_fn``.

    Raises ``RuntimeError`` if ``backward`` freed a node on the way (its ``inputs`` is None)."""
    order: list[Tensor] = []
    seen: set[int] = set()
    for root in roots:
        if id(root) in seen:
            continue
        seen.add(id(root))
        stack = [(root, iter(_inputs(root)))]
        while stack:
            t, pending = stack[-1]
            for inp in pending:
                if id(inp) not in seen:
                    seen.add(id(inp))
                    stack.append((inp, iter(_inputs(inp))))
                    break
            else:
                stack.pop()
                order.append(t)
    return order


def _inputs(t: Tensor) -> list[Tensor]:
    """The input tensors of the operation that made ``t`` (none for a leaf)."""
    node = t.grad_fn
    if node is None:
        return []
    inputs = node.input_tensors()
    if inputs is None:
        raise RuntimeError(FREED_GRAPH)
    return [u for u in inputs if u is not None]


def _op_name(node: Any) -> str:
    """``MulBackward0`` -> ``Mul``."""
    return re.sub(r"Backward\d*$", "", node.name()) or node.name()


def _tensor_label(t: Tensor, name: str | None, kind: str, style: _Style) -> str:
    """The HTML-like Graphviz label of a tensor's box: a one-column table, one row per fact."""
    fill = {"root": _ROOT, "leaf": _LEAF, "inner": _INNER}[kind]
    data = t._data
    small = data.size <= style.max_elements
    rows = []
    if name:
        rows.append(f"<B>{_esc(name)}</B>")
    show_value = style.values and small
    if data.ndim > 0 or not show_value:
        shape = f"shape [{', '.join(str(s) for s in data.shape)}]"
        if data.dtype != _default_float():
            shape += f" {data.dtype}"
        rows.append(f'<FONT POINT-SIZE="9" COLOR="#555555">{_esc(shape)}</FONT>')
    if show_value:
        rows.append(_esc(f"value {_fmt(data, style.precision)}"))
    grad = t.grad
    if style.grads and small and grad is not None:
        rows.append(f'<FONT COLOR="#b03a2e">{_esc("grad " + _fmt(grad._data, style.precision))}</FONT>')
    cells = "".join(f"<TR><TD>{r}</TD></TR>" for r in rows)
    return (f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" '
            f'BGCOLOR="{fill}" COLOR="#333333">{cells}</TABLE>')


def _default_float() -> np.dtype:
    from .. import _dtype

    return _dtype.get_default_dtype().np


def _fmt(a: np.ndarray, precision: int) -> str:
    """Numbers with ``precision`` significant digits and no trailing ``.``: ``6``, ``-0.5``,
    ``[1, 2.5]``."""

    def num(v: Any) -> str:
        return f"{v:.{precision}g}"

    if a.ndim == 0:
        return num(a.item()) if a.dtype.kind in "fiu" else str(a.item())
    return np.array2string(a, separator=", ", max_line_width=_LINE_WIDTH,
                           formatter={"float_kind": num, "int": num})


def _esc(text: str) -> str:
    """Text for an HTML-like label: ``<``, ``>``, ``&`` escaped, lines broken with ``<BR/>``."""
    return '<BR ALIGN="LEFT"/>'.join(html.escape(line) for line in text.split("\n"))
