"""The course as HTML pages that open offline (``flambeau course build --html DIR``).

Each notebook of ``notebooks/`` (with its stored outputs) becomes one self-contained page: the
text cells written from their Markdown (the subset the lessons use: headings, paragraphs, lists,
tables, emphasis, code, links, folded ``<details>``), formulas written with Unicode symbols as in
the terminal (no MathJax, nothing fetched), the code cells, and their outputs: printed text,
figures embedded as PNG, graphs as inline SVG. ``index.html`` lists the lessons in the lecture's
order, in both languages.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from typing import Any

from .lessons import LANGS, lecture_order
from .runner import _math_to_text, markdown_to_text

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #222; }
pre { background: #f6f8fa; padding: .6rem .8rem; overflow-x: auto; border-radius: 4px; }
pre.output { background: #fff; border-left: 3px solid #ddd; }
pre.error { background: #fdecea; }
code { background: #f6f8fa; padding: 0 .2rem; border-radius: 3px; }
pre code { background: none; padding: 0; }
.math { font-family: "Cambria Math", "STIX Two Math", serif; white-space: nowrap; }
div.math { text-align: center; margin: .8rem 0; white-space: pre-wrap; }
table { border-collapse: collapse; margin: .8rem 0; }
td, th { border: 1px solid #ccc; padding: .2rem .6rem; }
img, svg { max-width: 100%; height: auto; }
details { background: #f6fbf6; border: 1px solid #cde5cd; padding: .4rem .8rem; border-radius: 4px; }
nav { font-size: .9rem; margin-bottom: 1rem; }
.prompt { color: #888; font-size: .8rem; }
"""


# ------------------------------------------------------------------------------ Markdown
def _inline(text: str) -> str:
    """One line of Markdown text as HTML: math, code, emphasis, links."""
    kept: list[str] = []

    def keep(fragment: str) -> str:
        kept.append(fragment)
        return f"\x00{len(kept) - 1}\x00"

    text = re.sub(r"\$\$(.+?)\$\$", lambda m: keep(f'<span class="math">{html.escape(_math_to_text(m.group(1)))}</span>'), text)
    text = re.sub(r"\$(.+?)\$", lambda m: keep(f'<span class="math">{html.escape(_math_to_text(m.group(1)))}</span>'), text)
    text = re.sub(r"`([^`]+)`", lambda m: keep(f"<code>{html.escape(m.group(1))}</code>"), text)
    text = re.sub(r"</?(details|summary)>", lambda m: keep(m.group(0)), text)
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", text)
    text = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)",
                  lambda m: f'<a href="{_href(m.group(2))}">{m.group(1)}</a>', text)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)


def _href(target: str) -> str:
    target = html.unescape(target)
    if target.endswith(".ipynb"):
        target = target[: -len(".ipynb")] + ".html"
    return html.escape(target, quote=True)


def markdown_to_html(md: str) -> str:
    """The Markdown of a text cell as HTML (the subset the lessons use)."""
    out: list[str] = []
    lines = md.splitlines()
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            out.append("<p>" + " ".join(_inline(p) for p in paragraph) + "</p>")
            paragraph.clear()

    k = 0
    while k < len(lines):
        line = lines[k]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            block = []
            k += 1
            while k < len(lines) and not lines[k].strip().startswith("```"):
                block.append(lines[k])
                k += 1
            out.append(f"<pre><code>{html.escape(chr(10).join(block))}</code></pre>")
        elif not stripped:
            flush()
        elif stripped.startswith("$$") and (stripped.endswith("$$") and len(stripped) > 4 or "$$" not in stripped[2:]):
            flush()
            block = [stripped]
            while not block[-1].endswith("$$") or len(block) == 1 and len(block[0]) <= 2:
                k += 1
                if k >= len(lines):
                    break
                block.append(lines[k].strip())
            formula = " ".join(block).strip("$")
            out.append(f'<div class="math">{html.escape(_math_to_text(formula))}</div>')
        elif m := re.match(r"^(#{1,6})\s+(.*)$", stripped):
            flush()
            level = len(m.group(1))
            out.append(f"<h{level}>{_inline(m.group(2))}</h{level}>")
        elif stripped.startswith("|"):
            flush()
            rows = []
            while k < len(lines) and lines[k].strip().startswith("|"):
                cells = [c.strip() for c in lines[k].strip().strip("|").split("|")]
                if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                    rows.append(cells)
                k += 1
            k -= 1
            head, *body = rows
            out.append("<table><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr>"
                       + "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in body)
                       + "</table>")
        elif re.match(r"^(\s*)([-*]|\d+\.)\s+", line):
            flush()
            ordered = bool(re.match(r"^\s*\d+\.", line))
            items: list[str] = []
            while k < len(lines) and lines[k].strip():
                m = re.match(r"^\s*(?:[-*]|\d+\.)\s+(.*)$", lines[k])
                if m and not lines[k].startswith("   " * 2):
                    items.append(m.group(1))
                elif items:
                    items[-1] += " " + lines[k].strip()
                k += 1
            k -= 1
            tag = "ol" if ordered else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + f"</{tag}>")
        elif re.fullmatch(r"</?(details|summary)>.*", stripped) or stripped.startswith("<details>"):
            flush()
            out.append(_inline(stripped))
        else:
            paragraph.append(stripped)
        k += 1
    flush()
    return "\n".join(out)


# ------------------------------------------------------------------------------ notebooks
def _text(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


def _output(o: dict[str, Any]) -> str:
    kind = o["output_type"]
    if kind == "stream":
        return f'<pre class="output">{html.escape(_text(o["text"]))}</pre>'
    if kind == "error":
        return f'<pre class="output error">{html.escape(o["ename"] + ": " + o["evalue"])}</pre>'
    data = o.get("data", {})
    if "image/svg+xml" in data:
        svg = _text(data["image/svg+xml"])
        return f'<div class="output">{re.sub(r"<[?]xml[^>]*>", "", svg)}</div>'
    if "image/png" in data:
        png = _text(data["image/png"]).replace("\n", "")
        return f'<div class="output"><img alt="figure" src="data:image/png;base64,{png}"></div>'
    if "text/plain" in data:
        return f'<pre class="output">{html.escape(_text(data["text/plain"]))}</pre>'
    return ""


def notebook_to_html(nb: dict[str, Any], title: str, nav: str = "") -> str:
    """One notebook (with its outputs) as a standalone HTML page."""
    lang = nb.get("metadata", {}).get("flambeau", {}).get("lang", "en")
    body = []
    for cell in nb["cells"]:
        source = _text(cell["source"])
        if cell["cell_type"] == "markdown":
            body.append(markdown_to_html(source))
            continue
        count = cell.get("execution_count")
        body.append(f'<div class="prompt">In [{count if count is not None else " "}]:</div>')
        body.append(f"<pre><code>{html.escape(source)}</code></pre>")
        body.extend(_output(o) for o in cell.get("outputs", []))
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            f"<nav>{nav}</nav>\n" + "\n".join(body) + "\n</body>\n</html>\n")


def export(notebooks: str | os.PathLike, out: str | os.PathLike) -> list[Path]:
    """Write ``out/NAME.LANG.html`` for every notebook of ``notebooks`` and ``out/index.html``;
    return the paths written."""
    src, dst = Path(notebooks), Path(out)
    dst.mkdir(parents=True, exist_ok=True)
    written = []
    index = ['<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
             f"<title>flambeau : le cours / the course</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
             "<h1>Introduction au Deep Learning, avec flambeau</h1>\n"
             "<p>Les leçons dans l'ordre du cours / the lessons in the lecture's order.</p>\n<table>\n"
             "<tr><th>Partie du cours / Part of the lecture</th><th>Français</th><th>English</th></tr>"]
    for part_fr, part_en, found in lecture_order():
        part = f"{html.escape(part_fr)} / {html.escape(part_en)}"
        for lesson in found:
            cells = []
            for lang in LANGS:
                path = src / lesson.notebook_name(lang)
                if not path.exists():
                    cells.append("<td></td>")
                    continue
                nb = json.loads(path.read_text(encoding="utf-8"))
                page = dst / f"{lesson.name}.{lang}.html"
                nav = f'<a href="index.html">{"Sommaire" if lang == "fr" else "Contents"}</a>'
                page.write_text(notebook_to_html(nb, markdown_to_text(lesson.titles[lang]), nav), encoding="utf-8")
                written.append(page)
                cells.append(f'<td><a href="{page.name}">{html.escape(markdown_to_text(lesson.titles[lang]))}</a></td>')
            index.append(f"<tr><td>{part}</td>{''.join(cells)}</tr>")
            part = ""
    index.append("</table>\n</body>\n</html>\n")
    (dst / "index.html").write_text("\n".join(index), encoding="utf-8")
    written.append(dst / "index.html")
    return written
