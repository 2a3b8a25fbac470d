"""A small computational graph laid out and drawn as SVG by flambeau itself, without Graphviz.

:func:`flambeau.viz.draw_graph` describes the graph as boxes (tensors, operations, constants)
and arrows; this module places them in columns, as the lecture's slides do: each box in the
column after the deepest of its inputs, boxes of a column ordered after the mean height of
their inputs (which keeps arrows from crossing on the lecture's graphs). The text is measured
with an average character width, which is enough for the short labels of a graph.

In the forward view an arrow goes from an input to its operation and from the operation to its
output; in the backward view the arrows are red and point the other way, the way the gradient
flows. The local gradient of each input is written on its arrow.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass, field

_FONT = 12  # px
_CHAR = 0.6 * _FONT  # average width of a character
_LINE = 16  # px between two lines of a box
_PAD = 8
_COL_GAP = 56  # px between two columns (arrows and their labels live there)
_ROW_GAP = 22
_COLORS = {"name": "#000000", "shape": "#555555", "value": "#000000", "grad": "#b03a2e",
           "op": "#000000", "const": "#666666"}
_BACKWARD = "#b03a2e"


@dataclass
class Box:
    """One box: ``kind`` is ``"tensor"``, ``"op"`` or ``"constant"``; ``rows`` are (text, style)
    with style one of ``name``, ``shape``, ``value``, ``grad``, ``op``, ``const``."""

    id: str
    kind: str
    rows: list[tuple[str, str]]
    fill: str
    # set by the layout
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0


@dataclass
class Arrow:
    """An arrow of the forward graph, from ``src`` to ``dst``, with an optional ``label`` (the
    local gradient) and dashed for a constant."""

    src: str
    dst: str
    label: str = ""
    dashed: bool = False


@dataclass
class Layout:
    boxes: list[Box]
    arrows: list[Arrow]
    width: float = 0.0
    height: float = 0.0
    columns: list[list[Box]] = field(default_factory=list)


def _lines(box: Box) -> list[tuple[str, str]]:
    """The box's rows, a row of several lines (a matrix) cut into lines."""
    return [(line, style) for text, style in box.rows for line in text.split("\n")]


def _measure(box: Box) -> None:
    lines = _lines(box)
    longest = max((len(text) for text, _ in lines), default=1)
    if box.kind == "op":
        box.w = max(38.0, longest * _CHAR * 1.15 + 22)
        box.h = 30.0
    else:
        box.w = longest * _CHAR + 2 * _PAD
        box.h = len(lines) * _LINE + _PAD


def layout(boxes: list[Box], arrows: list[Arrow], rankdir: str = "LR") -> Layout:
    """Place the boxes: columns by depth (left to right, or rows top to bottom for ``TB``)."""
    preds: dict[str, list[str]] = {b.id: [] for b in boxes}
    for a in arrows:
        preds[a.dst].append(a.src)
    depth: dict[str, int] = {}
    for b in boxes:  # boxes come inputs first, so one pass gives the longest path
        depth[b.id] = 1 + max((depth[p] for p in preds[b.id] if p in depth), default=-1)
    # an input of the graph (a leaf, a constant) sits just before the first operation reading it
    succs: dict[str, list[str]] = {b.id: [] for b in boxes}
    for a in arrows:
        succs[a.src].append(a.dst)
    for b in boxes:
        if not preds[b.id] and succs[b.id]:
            depth[b.id] = max(0, min(depth[s] for s in succs[b.id]) - 1)
    for b in boxes:
        _measure(b)
    n_cols = 1 + max(depth.values(), default=0)
    columns: list[list[Box]] = [[] for _ in range(n_cols)]
    for b in boxes:
        columns[depth[b.id]].append(b)
    horizontal = rankdir in ("LR", "RL")
    # order each column after the mean position of its inputs (inputs were placed before)
    position: dict[str, float] = {}
    for col in columns:
        def key(b: Box) -> float:
            ps = [position[p] for p in preds[b.id] if p in position]
            return sum(ps) / len(ps) if ps else float(len(position))
        col.sort(key=key)
        for k, b in enumerate(col):
            position[b.id] = k + (key(b) if preds[b.id] else 0) * 1e-3
    # sizes of the columns, then coordinates
    across = [sum((b.h if horizontal else b.w) for b in col) + _ROW_GAP * (len(col) - 1) for col in columns]
    thick = [max((b.w if horizontal else b.h) for b in col) if col else 0 for col in columns]
    total_across = max(across, default=0)
    # the gap before a column leaves room for the labels of the arrows that enter it
    label_width = {b.id: 0.0 for b in boxes}
    for a in arrows:
        label_width[a.dst] = max(label_width[a.dst], len(a.label) * _CHAR * 0.85 + 6 if a.label else 0.0)
    gaps = [max([_COL_GAP] + [label_width[b.id] + 24 for b in col]) for col in columns]
    along = _PAD
    for k, (col, size, t) in enumerate(zip(columns, across, thick)):
        if k:
            along += gaps[k] - _COL_GAP
        start = _PAD + (total_across - size) / 2
        for b in col:
            if horizontal:
                b.x, b.y = along + (t - b.w) / 2, start
                start += b.h + _ROW_GAP
            else:
                b.x, b.y = start, along + (t - b.h) / 2
                start += b.w + _ROW_GAP
        along += t + _COL_GAP
    length = along - _COL_GAP + _PAD
    width, height = (length, total_across + 2 * _PAD) if horizontal else (total_across + 2 * _PAD, length)
    if rankdir in ("RL", "BT"):
        for b in boxes:
            if horizontal:
                b.x = width - b.x - b.w
            else:
                b.y = height - b.y - b.h
    return Layout(boxes, arrows, width, height, columns)


def to_svg(boxes: list[Box], arrows: list[Arrow], rankdir: str = "LR", backward: bool = False) -> str:
    """The SVG text of the graph (a complete, standalone document)."""
    lay = layout(boxes, arrows, rankdir)
    by_id = {b.id: b for b in lay.boxes}
    digest = hashlib.sha1(repr([(b.id, b.rows) for b in boxes]).encode()).hexdigest()[:8]
    marker = f"flambeau-arrow-{digest}{'-b' if backward else ''}"
    color = _BACKWARD if backward else "#555555"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lay.width:.0f}" height="{lay.height:.0f}" '
        f'viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="{_FONT}">',
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{color}"/>'
        f"</marker></defs>",
        '<rect x="0" y="0" width="100%" height="100%" fill="white"/>',
    ]
    labels = []
    horizontal = rankdir in ("LR", "RL")
    for a in arrows:
        s, d = by_id[a.src], by_id[a.dst]
        x1, y1, x2, y2 = _ends(s, d, horizontal)
        if backward:  # the gradient flows from the output back to the input
            x1, y1, x2, y2 = x2, y2, x1, y1
        if horizontal:
            c1, c2 = f"{(x1 + x2) / 2:.1f} {y1:.1f}", f"{(x1 + x2) / 2:.1f} {y2:.1f}"
        else:
            c1, c2 = f"{x1:.1f} {(y1 + y2) / 2:.1f}", f"{x2:.1f} {(y1 + y2) / 2:.1f}"
        stroke = "#999999" if a.dashed else color
        dash = ' stroke-dasharray="4 3"' if a.dashed else ""
        out.append(f'<path d="M {x1:.1f} {y1:.1f} C {c1} {c2} {x2:.1f} {y2:.1f}" fill="none" '
                   f'stroke="{stroke}" stroke-width="1.2"{dash} marker-end="url(#{marker})"/>')
        if a.label:
            mx, my = (x1 + x2) / 2, (y1 + y2) / 2
            w = len(a.label) * _CHAR * 0.85 + 6
            labels.append(f'<rect x="{mx - w / 2:.1f}" y="{my - 8:.1f}" width="{w:.1f}" height="14" '
                          f'rx="3" fill="white" fill-opacity="0.9"/>')
            labels.append(f'<text x="{mx:.1f}" y="{my + 3:.1f}" text-anchor="middle" font-size="10" '
                          f'fill="{_BACKWARD if backward else "#1f5f8b"}">{_esc(a.label)}</text>')
    for b in lay.boxes:
        out.extend(_box(b))
    out.extend(labels)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _ends(s: Box, d: Box, horizontal: bool) -> tuple[float, float, float, float]:
    if horizontal:
        if s.x + s.w <= d.x:
            return s.x + s.w, s.y + s.h / 2, d.x, d.y + d.h / 2
        return s.x, s.y + s.h / 2, d.x + d.w, d.y + d.h / 2
    if s.y + s.h <= d.y:
        return s.x + s.w / 2, s.y + s.h, d.x + d.w / 2, d.y
    return s.x + s.w / 2, s.y, d.x + d.w / 2, d.y + d.h


def _box(b: Box) -> list[str]:
    cx, cy = b.x + b.w / 2, b.y + b.h / 2
    if b.kind == "op":
        text = b.rows[0][0] if b.rows else ""
        return [f'<ellipse cx="{cx:.1f}" cy="{cy:.1f}" rx="{b.w / 2:.1f}" ry="{b.h / 2:.1f}" '
                f'fill="{b.fill}" stroke="#333333"/>',
                f'<text x="{cx:.1f}" y="{cy + 6:.1f}" text-anchor="middle" font-size="17">{_esc(text)}</text>']
    dash = ' stroke-dasharray="4 3"' if b.kind == "constant" else ""
    out = [f'<rect x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" rx="2" '
           f'fill="{b.fill}" stroke="#333333"{dash}/>']
    for k, (text, style) in enumerate(_lines(b)):
        y = b.y + _PAD / 2 + _LINE * (k + 1) - 4
        weight = ' font-weight="bold"' if style == "name" else ""
        size = ' font-size="10"' if style in ("shape", "const") else ""
        out.append(f'<text x="{cx:.1f}" y="{y:.1f}" text-anchor="middle" fill="{_COLORS.get(style, "#000")}"'
                   f'{weight}{size}>{_esc(text)}</text>')
    return out


def _esc(text: str) -> str:
    return html.escape(text, quote=True)
