"""Run a lesson in the terminal (``flambeau course run NAME``).

The text cells of the chosen language are printed as plain text, the code cells are shown and
executed one after the other in one namespace, as a notebook would do:

- the value of a cell's last expression is printed (as in Jupyter), unless the line ends with ``;``;
- matplotlib draws with the Agg backend (no window): after each cell, every open figure is saved
  as a PNG in the figures folder, its path is printed, and it is closed (``plt.show()`` does the
  same);
- the code runs with the figures folder as its current directory, so a file the lesson writes
  (a graph's ``.dot``, say) lands beside the figures; its path is printed too;
- an error stops the lesson; its traceback points at the lesson's source file.
"""

from __future__ import annotations

import ast
import os
import re
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import Any, TextIO

from .i18n import set_language
from .lessons import Cell, Lesson, check_lang

_LATEX = [
    (r"\left", ""), (r"\right", ""), (r"\,", ""), (r"\;", " "), (r"\qquad", "\x01\x01"), (r"\quad", "\x01"),
    (r"\partial", "∂"), (r"\times", "×"), (r"\cdot", "·"), (r"\leftarrow", "←"), (r"\rightarrow", "→"),
    (r"\to", "→"), (r"\Rightarrow", "⇒"), (r"\alpha", "α"), (r"\eta", "η"), (r"\nabla", "∇"),
    (r"\Delta", "Δ"), (r"\sigma", "σ"), (r"\theta", "θ"), (r"\beta", "β"), (r"\lambda", "λ"),
    (r"\varepsilon", "ε"), (r"\epsilon", "ε"), (r"\sum", "Σ"), (r"\prod", "Π"), (r"\approx", "≈"),
    (r"\neq", "≠"), (r"\leq", "≤"), (r"\geq", "≥"), (r"\le", "≤"), (r"\ge", "≥"), (r"\in", "∈"),
    (r"\ldots", "…"), (r"\dots", "…"),
    (r"\infty", "∞"), (r"\max", "max"), (r"\min", "min"), (r"\sin", "sin"), (r"\cos", "cos"),
    (r"\tanh", "tanh"), (r"\exp", "exp"), (r"\log", "log"), (r"\{", "{"), (r"\}", "}"),
    (r"\mid", "|"), (r"\pm", "±"), (r"\ne", "≠"), (r"\|", "‖"), (r"\\", ";"), (r"&", ""),
]
_SUPERSCRIPTS = str.maketrans("0123456789+-nTL", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿᵀᴸ")
_SUB_FROM, _SUB_TO = "0123456789aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"
_SUBSCRIPTS = str.maketrans(_SUB_FROM, _SUB_TO)


def _math_to_text(tex: str) -> str:
    tex = re.sub(r"\\(?:text|mathrm|operatorname|mathit|textrm)\{([^{}]*)\}", r"\1", tex)
    tex = re.sub(r"\\mathbb\{R\}", "ℝ", tex)
    tex = re.sub(r"\\mathcal\{L\}", "ℒ", tex)
    tex = re.sub(r"\\hat\{(\w)\}|\\hat (\w)", lambda m: (m.group(1) or m.group(2)) + "\u0302", tex)
    tex = re.sub(r"\\sqrt\{([^{}]*)\}", r"√(\1)", tex)
    tex = re.sub(r"\\vec\{(\w)\}", lambda m: m.group(1) + "\u20d7", tex)
    tex = re.sub(r"\\sum_\{([^{}]*)\}\^\{([^{}]*)\}", r"Σ[\1..\2]", tex)
    tex = re.sub(r"\\prod_\{([^{}]*)\}\^\{([^{}]*)\}", r"Π[\1..\2]", tex)
    tex = re.sub(r"\\partial\s*", "∂", tex)
    tex = re.sub(r"\\begin\{cases\}(.*?)\\end\{cases\}", r"{ \1 }", tex)
    for _ in range(2):  # a fraction inside a fraction
        tex = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}",
                     lambda m: f"{_paren(m.group(1))}/{_paren(m.group(2))}", tex)
    for command, text in _LATEX:
        guard = r"(?![A-Za-z])" if command[-1].isalpha() else ""
        tex = re.sub(re.escape(command) + guard, lambda _m, t=text: t, tex)
    tex = re.sub(r"\^\{([0-9+\-nTL]+)\}|\^([0-9nTL])(?![A-Za-z0-9])",
                 lambda m: (m.group(1) or m.group(2)).translate(_SUPERSCRIPTS), tex)
    tex = re.sub(rf"_\{{([{_SUB_FROM}]+)\}}|_([{_SUB_FROM}])(?![A-Za-z0-9])",
                 lambda m: (m.group(1) or m.group(2)).translate(_SUBSCRIPTS), tex)
    tex = re.sub(r"_\{([^{}]*)\}", r"[\1]", tex)  # an index with no subscript letters: p[i, yᵢ]
    tex = re.sub(r"\\(\w+)", r"\1", tex)
    tex = re.sub(r"(?<=\S) {2,}(?=\S)", " ", tex.replace("{", "").replace("}", ""))
    return unicodedata.normalize("NFC", re.sub(r" ?\x01+ ?", "    ", tex))


def _paren(part: str) -> str:
    part = part.strip()
    return f"({part})" if re.search(r"\s[+\-]\s", part) else part


def markdown_to_text(md: str) -> str:
    """The Markdown of a text cell as plain text for a terminal: headings underlined, emphasis
    and code marks dropped, ``$...$`` formulas written with Unicode symbols."""
    out = []
    in_fence = False
    # a display formula written over several lines is one formula: join its lines
    md = re.sub(r"\$\$(.+?)\$\$", lambda m: "$$" + " ".join(m.group(1).split("\n")) + "$$", md, flags=re.DOTALL)
    for line in md.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            out.append("    " + line)
            continue
        line = re.sub(r"\$\$(.+?)\$\$|\$(.+?)\$", lambda m: _math_to_text(m.group(1) or m.group(2)), line)
        line = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"[\1]", line)
        line = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", lambda m: m.group(1) if m.group(2).endswith(".ipynb")
                      else f"{m.group(1)} ({m.group(2)})", line)
        line = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), line)
        line = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", line)
        line = line.replace("`", "")
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        if heading:
            level, title = len(heading.group(1)), heading.group(2).strip()
            if out and out[-1].strip():
                out.append("")
            out.append(title)
            if level <= 2:
                out.append(("=" if level == 1 else "-") * len(title))
            continue
        out.append(line)
    return "\n".join(out)


class _Display:
    """What the terminal does with a value a cell displays (its last expression)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, *values: Any) -> None:
        for value in values:
            if value is not None:
                print(repr(value), file=self.stream)


def _pyplot() -> Any:
    """pyplot on the Agg backend, or None when matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


class _Figures:
    """Saves the open matplotlib figures of a lesson as numbered PNG files."""

    def __init__(self, folder: Path, prefix: str, stream: TextIO) -> None:
        self.folder, self.prefix, self.stream = folder, prefix, stream
        self.count = 0
        self.saved: list[Path] = []

    def flush(self) -> None:
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is None:
            return
        for number in plt.get_fignums():
            fig = plt.figure(number)
            self.count += 1
            path = self.folder / f"{self.prefix}-{self.count:02d}.png"
            fig.savefig(path, dpi=100, bbox_inches="tight")
            self.saved.append(path)
            print(f"[figure] {path}", file=self.stream)
        plt.close("all")


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def _compile(cell: Cell, filename: str) -> tuple[Any, Any]:
    tree = ast.parse(cell.source, filename=filename)
    ast.increment_lineno(tree, cell.start - 1)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr) and not cell.source.rstrip().endswith(";"):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, filename, "exec")
    return body, (compile(last, filename, "eval") if last is not None else None)


_SOLUTION_HINT = {
    "fr": "[solution] à essayer d'abord ; pour la voir : flambeau course run {name} --solutions",
    "en": "[solution] try it first; to see it: flambeau course run {name} --solutions",
}


def cells_to_run(lesson: Lesson, lang: str, solutions: bool = False) -> list[Cell]:
    """The cells a run shows, in order: an exercise's « À vous » cell, or its solution with
    ``solutions``."""
    skip = "exercise" if solutions else "solution"
    return [c for c in lesson.cells_for(lang) if skip not in c.tags]


def run(lesson: Lesson, lang: str = "fr", figures: str | os.PathLike | None = None,
        stream: TextIO | None = None, show_code: bool = True, solutions: bool = False) -> Path:
    """Run ``lesson`` in ``lang`` and return the folder where its figures and files went (a new
    temporary folder when ``figures`` is None). Output goes to ``stream`` (stdout). With
    ``solutions``, each exercise runs its solution instead of the student's cell."""
    check_lang(lang)
    stream = stream if stream is not None else sys.stdout
    folder = Path(figures) if figures is not None else Path(tempfile.mkdtemp(prefix=f"flambeau-{lesson.name}-"))
    folder.mkdir(parents=True, exist_ok=True)
    folder = folder.resolve()
    plt = _pyplot()
    saver = _Figures(folder, lesson.name, stream)
    display = _Display(stream)
    namespace: dict[str, Any] = {"__name__": "__main__", "display": display}
    title = f"{lesson.name} ({lang}): {markdown_to_text(lesson.titles[lang])}"
    print(title, file=stream)
    print("#" * len(title), file=stream)
    old_cwd = os.getcwd()
    old_lang = set_language(lang)
    old_show = getattr(plt, "show", None)
    if plt is not None:
        plt.show = lambda *args, **kwargs: saver.flush()
    os.chdir(folder)
    try:
        number = 0
        for cell in cells_to_run(lesson, lang, solutions):
            print(file=stream)
            if cell.kind == "markdown":
                print(markdown_to_text(cell.source), file=stream)
                continue
            number += 1
            if show_code:
                lines = cell.source.splitlines()
                print(f"In [{number}]:", file=stream)
                for k, line in enumerate(lines):
                    print(("... " if k else ">>> ") + line if line else "...", file=stream)
                print(file=stream)
            stream.flush()
            before = _files(folder)
            body, last = _compile(cell, str(lesson.path))
            exec(body, namespace)
            if last is not None:
                display(eval(last, namespace))
            sys.stdout.flush()
            saver.flush()
            for path in sorted(_files(folder) - before - set(saver.saved)):
                print(f"[file] {path}", file=stream)
            if "exercise" in cell.tags:
                print(_SOLUTION_HINT[lang].format(name=lesson.name), file=stream)
        print(file=stream)
        print(f"Figures and files: {folder}", file=stream)
    finally:
        os.chdir(old_cwd)
        set_language(old_lang)
        if plt is not None:
            plt.show = old_show
            plt.close("all")
    return folder
