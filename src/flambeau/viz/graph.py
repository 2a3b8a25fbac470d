"""Draw the computational graph that produced a tensor, with its values and gradients.

``draw_graph(loss)`` walks back from ``loss`` through the graph nodes (``grad_fn``) and draws two
kinds of boxes, as micrograd's ``draw_dot`` and the lecture's slides do:

* **tensors** (rectangles): the leaves you made with ``requires_grad=True`` (blue), the tensors
  computed from them (white) and the tensor you asked for (green). Each box shows the tensor's
  name if it has one, its shape, and, when it is small, its values (the forward pass) and its
  ``.grad`` (what ``backward`` left there);
* **operations** (ovals), written as on the slides: ×, +, −, ÷, ², exp, tanh, ReLU, σ, Σ, @...
  (an operation without a symbol keeps PyTorch's ``grad_fn`` name without ``Backward0``). An
  arrow goes from each input tensor to the operation, carrying the **local gradient** of the
  operation with respect to that input (``∂z/∂x = 3``), and from the operation to its output.
  With ``backward=True`` the arrows point the other way, the way the gradient flows.

Two drawings of the same graph: Graphviz's DOT language (``.source``), and an SVG laid out by
flambeau itself (:mod:`flambeau.viz.graph_svg`), which needs nothing installed. ``.svg()`` uses
flambeau's layout for small graphs (up to :data:`SMALL_GRAPH` boxes) and Graphviz's ``dot`` for
larger ones when it is installed (``apt-get install graphviz``, ``brew install graphviz`` or
``conda install graphviz``; it is called as a separate program). PNG needs ``dot``. Set the
environment variable ``FLAMBEAU_DOT`` (or this module's ``DOT_EXECUTABLE``) to use a ``dot``
that is not on the PATH.
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

from ..autograd.graph import Node, ShownNode
from ..tensor import Tensor
from .graph_svg import Arrow, Box, to_svg

#: Path of Graphviz's ``dot`` program; ``None``: ``$FLAMBEAU_DOT``, else ``dot`` on the PATH.
DOT_EXECUTABLE: str | None = None
#: Seconds allowed to ``dot`` for one picture.
RENDER_TIMEOUT = 60.0
#: Graphs with at most this many boxes are drawn by flambeau's own layout, larger ones by Graphviz
#: (when it is installed).
SMALL_GRAPH = 40

#: The words written in the boxes, per language, and how numbers are written: ``0.5`` and
#: ``[0.5, 2]`` in English, ``0,5`` and ``[0,5 ; 2]`` in French (as the playground page does).
WORDS = {
    "en": {"value": "value", "grad": "grad", "shape": "shape", "constant": "constant", "local": "local",
           "point": ".", "separator": ", "},
    "fr": {"value": "valeur", "grad": "gradient", "shape": "forme", "constant": "constante", "local": "local",
           "point": ",", "separator": " ; "},
}
#: Operations written as on the slides (``grad_fn`` names without ``Backward0``).
SYMBOLS = {
    "Mul": "×", "Add": "+", "Sub": "−", "Rsub": "−", "Div": "÷", "Neg": "−", "Exp": "exp",
    "Log": "log", "Tanh": "tanh", "Relu": "ReLU", "Sigmoid": "σ", "Sum": "Σ", "Mean": "mean",
    "Mm": "@", "Mv": "@", "Dot": "@", "Bmm": "@", "Sqrt": "√", "Abs": "|·|", "Sin": "sin",
    "Cos": "cos", "Reciprocal": "1/x", "LeakyRelu": "LeakyReLU", "Softmax": "softmax",
    "LogSoftmax": "log softmax", "T": "·ᵀ",
}
_POWERS = {2: "²", 3: "³", -1: "⁻¹", 4: "⁴"}
#: Elementwise operations: their backward with ones from above gives each element's local derivative.
_ELEMENTWISE = {"Mul", "Add", "Sub", "Rsub", "Div", "Neg", "Pow", "Exp", "Log", "Tanh", "Relu",
                "Sigmoid", "Sqrt", "Rsqrt", "Abs", "Sin", "Cos", "Reciprocal", "LeakyRelu", "Elu",
                "Silu", "Softplus", "Expm1", "Log1P", "Clone"}

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
               precision: int = 4, constants: bool = True, rankdir: str = "LR",
               local_grads: bool = True, backward: bool = False, symbols: bool = True,
               lang: str = "en") -> GraphDrawing:
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
        rankdir: the direction, ``"LR"`` (left to right) or ``"TB"`` (top to bottom).
        local_grads: write on each input's arrow the local gradient of the operation with
            respect to that input, ∂out/∂in (its value for small tensors): what the backward
            pass multiplies the gradient from above by.
        backward: the backward view: arrows from each output to its inputs, in red, the way the
            gradient flows.
        symbols: write the operations as on the slides (×, −, ², exp...) rather than their
            ``grad_fn`` names (``Mul``, ``Sub``, ``Pow``...).
        lang: the words in the boxes: ``"en"`` (value, grad) or ``"fr"`` (valeur, gradient).

    Returns:
        A :class:`GraphDrawing`: it shows itself in Jupyter (an SVG, with or without Graphviz),
        ``.source`` is the DOT text, ``.svg()`` the SVG text and ``.save("graph.svg")`` writes
        SVG, PNG or DOT.

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
    if lang not in WORDS:
        raise ValueError(f"lang must be one of {', '.join(WORDS)}, got {lang!r}")
    style = _Style(values, grads, max_elements, precision, constants, local_grads, symbols, WORDS[lang])
    names = _names_by_id(labels)
    boxes, arrows = _graph(roots, names, style)
    return GraphDrawing(_to_dot(boxes, arrows, rankdir, backward), (boxes, arrows, rankdir, backward))


class GraphDrawing:
    """A drawn graph: DOT text for Graphviz, and the boxes and arrows for flambeau's own SVG.

    In Jupyter it shows itself as an SVG picture. ``.source`` is the DOT text, ``.svg()`` the
    SVG text, ``.png()`` the PNG bytes (Graphviz) and ``.save(path)`` writes one of them.
    """

    def __init__(self, source: str, graph: tuple | None = None) -> None:
        self.source = source
        self._graph = graph  # (boxes, arrows, rankdir, backward) for flambeau's own layout
        self._rendered: dict[tuple[str, int | None], bytes] = {}

    @property
    def engine(self) -> str:
        """Who draws the SVG: ``"flambeau"`` for a small graph or without Graphviz, else
        ``"graphviz"``."""
        if self._graph is None:
            return "graphviz"
        if len(self._graph[0]) <= SMALL_GRAPH or find_dot() is None:
            return "flambeau"
        return "graphviz"

    def render(self, format: str = "svg", dpi: int | None = None) -> bytes:  # noqa: A002
        """The picture as bytes: ``"svg"`` (flambeau's layout or Graphviz, see :attr:`engine`),
        ``"dot"``, or another format Graphviz's ``dot`` knows (``"png"``, ``"pdf"``...), whose
        ``dpi`` sets the resolution of bitmaps; those raise :class:`DotNotFoundError` without
        Graphviz."""
        if format == "dot":
            return self.source.encode("utf-8")
        if format == "svg" and self.engine == "flambeau":
            boxes, arrows, rankdir, backward = self._graph
            return to_svg(boxes, arrows, rankdir, backward).encode("utf-8")
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
                 constants: bool, local_grads: bool = True, symbols: bool = True,
                 words: dict[str, str] | None = None) -> None:
        self.values, self.grads, self.constants = values, grads, constants
        self.max_elements, self.precision = max_elements, precision
        self.local_grads, self.symbols, self.words = local_grads, symbols, words or WORDS["en"]


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


def _graph(roots: list[Tensor], names: dict[int, str], style: _Style) -> tuple[list[Box], list[Arrow]]:
    """The boxes and arrows of the graph behind ``roots``, inputs before the operations that read
    them, each operation just before its output (a depth-first walk, without recursion)."""
    boxes: list[Box] = []
    arrows: list[Arrow] = []
    ids: dict[int, str] = {}  # id(tensor) -> its box
    root_ids = {id(t) for t in roots}
    n_const = 0
    for t in _tensors_inputs_first(roots):
        box = ids[id(t)] = f"t{len(ids)}"
        kind = "root" if id(t) in root_ids else ("leaf" if t.grad_fn is None else "inner")
        name = names.get(id(t)) or t._name
        fill = {"root": _ROOT, "leaf": _LEAF, "inner": _INNER}[kind]
        node = t.grad_fn
        if node is not None:
            op = f"op{box[1:]}"
            local = _local_grads(t, node) if (style.local_grads or style.symbols) else [None] * len(node.input_tensors())
            fused = node.fused_nodes() if isinstance(node, Node) else {}
            for i, (inp, grad) in enumerate(zip(node.input_tensors(), local)):
                if inp is not None:
                    text = _local_text(t, inp, grad, names, style) if style.local_grads else ""
                    into = op
                    for k, shown in enumerate(_chain(fused.get(i))):  # PyTorch's nodes fused in this one
                        step = f"{op}f{i}_{k}"
                        boxes.append(Box(step, "op", [(_shown_label(shown, style), "op")], _OP))
                        arrows.append(Arrow(step, into))
                        into = step
                    arrows.append(Arrow(ids[id(inp)], into, text))
                elif style.constants:
                    const = f"c{n_const}"
                    n_const += 1
                    boxes.append(Box(const, "constant", [(style.words["constant"], "const")], _CONST))
                    arrows.append(Arrow(const, op, dashed=True))
            boxes.append(Box(op, "op", [(_op_label(t, node, local, style), "op")], _OP))
            arrows.append(Arrow(op, box))
        boxes.append(Box(box, "tensor", _tensor_rows(t, name, style), fill))
    return boxes, arrows


def _chain(shown: Any) -> list[Any]:
    """The nodes PyTorch records between an op and one of its inputs, which flambeau computes
    inside the op (``Node.fused_nodes``: the weight's ``TBackward0`` in a ``Linear``...), from
    the op down to the input."""
    chain = []
    while isinstance(shown, ShownNode):
        chain.append(shown)
        shown = shown.next[0]
    return chain


def _shown_label(node: Any, style: _Style) -> str:
    name = _op_name(node)
    return SYMBOLS.get(name, name) if style.symbols else name


def _to_dot(boxes: list[Box], arrows: list[Arrow], rankdir: str, backward: bool) -> str:
    """The DOT text of the boxes and arrows."""
    lines = [
        "digraph flambeau {",
        f'  graph [rankdir={rankdir}, fontname="Helvetica", nodesep=0.25, ranksep=0.35];',
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [color="{}", arrowsize=0.7{}];'.format("#b03a2e" if backward else "#555555",
                                                      ", dir=back" if backward else ""),
    ]
    for b in boxes:
        if b.kind == "tensor":
            lines.append(f"  {b.id} [shape=plaintext, margin=0, label=<{_dot_table(b)}>];")
        elif b.kind == "op":
            lines.append(f'  {b.id} [label="{_dot_text(b.rows[0][0])}", shape=ellipse, style=filled, '
                         f'fillcolor="{_OP}", fontsize=12, height=0.3, margin="0.05,0.02"];')
        else:
            lines.append(f'  {b.id} [label="{_dot_text(b.rows[0][0])}", shape=box, style="dashed,filled", '
                         f'fillcolor="{_CONST}", color="#999999", fontcolor="#666666", '
                         f'fontsize=9, height=0.25, margin="0.05,0.02", tooltip="an input '
                         f'that does not require grad: autograd does not keep it"];')
    for a in arrows:
        attrs = []
        if a.dashed:
            attrs.append('style=dashed, color="#999999"')
        if a.label:
            attrs.append(f'label="{_dot_text(a.label)}", fontsize=9, fontcolor="#1f5f8b"')
        lines.append(f"  {a.src} -> {a.dst}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot_table(b: Box) -> str:
    """The HTML-like Graphviz label of a tensor's box: a one-column table, one row per fact."""
    rows = []
    for text, kind in b.rows:
        if kind == "name":
            rows.append(f"<B>{_esc(text)}</B>")
        elif kind == "shape":
            rows.append(f'<FONT POINT-SIZE="9" COLOR="#555555">{_esc(text)}</FONT>')
        elif kind == "grad":
            rows.append(f'<FONT COLOR="#b03a2e">{_esc(text)}</FONT>')
        else:
            rows.append(_esc(text))
    cells = "".join(f"<TR><TD>{r}</TD></TR>" for r in rows)
    return (f'<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" '
            f'BGCOLOR="{b.fill}" COLOR="#333333">{cells}</TABLE>')


def _local_grads(t: Tensor, node: Any) -> list[np.ndarray | None]:
    """∂t/∂input for each input of ``node``: its backward with a gradient of ones from above, for
    an elementwise operation (each element's local derivative) or an operation giving one number
    (its gradient); None elsewhere, or where it cannot be had."""
    none = [None] * len(node.input_tensors())
    fn = getattr(node, "backward", None)
    if not callable(fn):
        return none
    # beyond elementwise operations, ones from above give a sum of derivatives, not *the* local
    # gradient: shown only when the output is one number (then it is the gradient itself)
    elementwise = _op_name(node) in _ELEMENTWISE and all(
        inp is None or inp._data.shape == t._data.shape for inp in node.input_tensors())
    if not elementwise and t._data.size != 1:
        return none
    try:
        with np.errstate(all="ignore"):
            grads = fn(np.ones_like(t._data))
    except Exception:  # noqa: BLE001  (a drawing never fails because of a local gradient)
        return none
    grads = list(grads) if isinstance(grads, (list, tuple)) else [grads]
    if len(grads) != len(node.input_tensors()):
        return none
    return [None if g is None else np.asarray(g) for g in grads]


def _local_text(t: Tensor, inp: Tensor, grad: np.ndarray | None, names: dict[int, str], style: _Style) -> str:
    """The arrow's label: ``∂z/∂x = 3`` when both tensors have a name, else ``local 3``."""
    if grad is None or grad.size > style.max_elements or grad.size == 0:
        return ""
    value = _fmt(grad, style.precision, style.words)
    out_name, in_name = names.get(id(t)) or t._name, names.get(id(inp)) or inp._name
    if out_name and in_name:
        return f"∂{out_name}/∂{in_name} = {value}"
    return f"{style.words['local']} {value}"


def _op_label(t: Tensor, node: Any, local: list, style: _Style) -> str:
    """``×`` for ``MulBackward0``... or the name without ``Backward0`` when there is no symbol."""
    name = _op_name(node)
    if not style.symbols:
        return name
    if node.name() == "PowBackward0":
        n = _exponent(t, node, local)
        return "^" if n is None else _POWERS.get(n, f"^{n:g}")
    return SYMBOLS.get(name, name)


def _exponent(t: Tensor, node: Any, local: list) -> float | None:
    """The exponent n of ``a ** n``, from the values: the local gradient n a^(n-1) times a over a^n."""
    a = node.input_tensors()[0] if node.input_tensors() else None
    if a is None or local[0] is None:
        return None
    x, out, g = a._data.astype(np.float64), t._data.astype(np.float64), local[0].astype(np.float64)
    with np.errstate(all="ignore"):
        n = g * x / out
    ok = np.isfinite(n) & (out != 0) & (x != 0)
    if not ok.any():
        return None
    guess = float(n[ok].flat[0])
    if abs(guess - round(guess)) < 1e-6:
        guess = float(round(guess))
    with np.errstate(all="ignore"):
        if not np.allclose(np.power(x[ok], guess), out[ok], rtol=1e-4):
            return None
    return int(guess) if guess.is_integer() else guess


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


def _tensor_rows(t: Tensor, name: str | None, style: _Style) -> list[tuple[str, str]]:
    """The lines of a tensor's box: name, shape, value, gradient (each when there is one)."""
    data = t._data
    small = data.size <= style.max_elements
    words = style.words
    rows = []
    if name:
        rows.append((name, "name"))
    show_value = style.values and small
    if data.ndim > 0 or not show_value:
        shape = f"{words['shape']} [{', '.join(str(s) for s in data.shape)}]"
        if data.dtype != _default_float():
            shape += f" {data.dtype}"
        rows.append((shape, "shape"))
    if show_value:
        rows.append((f"{words['value']} {_fmt(data, style.precision, words)}", "value"))
    grad = t._grad  # (not .grad: PyTorch warns when a non-leaf's is read)
    if style.grads and small and grad is not None:
        rows.append((f"{words['grad']} {_fmt(grad._data, style.precision, words)}", "grad"))
    return rows


def _default_float() -> np.dtype:
    from .. import _dtype

    return _dtype.get_default_dtype().np


def _fmt(a: np.ndarray, precision: int, words: Mapping[str, str] = WORDS["en"]) -> str:
    """Numbers with ``precision`` significant digits and no trailing ``.``: ``6``, ``-0.5``,
    ``[1, 2.5]``; in French (``words``) ``-0,5``, ``[1 ; 2,5]``."""
    point = words["point"]

    def num(v: Any) -> str:
        text = f"{v:.{precision}g}"
        return text if point == "." else text.replace(".", point)

    if a.ndim == 0:
        return num(a.item()) if a.dtype.kind in "fiu" else str(a.item())
    return np.array2string(a, separator=words["separator"], max_line_width=_LINE_WIDTH,
                           formatter={"float_kind": num, "int": num})


def _esc(text: str) -> str:
    """Text for an HTML-like label: ``<``, ``>``, ``&`` escaped, lines broken with ``<BR/>``."""
    return '<BR ALIGN="LEFT"/>'.join(html.escape(line) for line in text.split("\n"))
