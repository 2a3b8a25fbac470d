"""The lessons of the course, one source file each, in both languages.

Each lesson is ONE Python file in this folder, ``lNN_some_name.py`` (lesson ``NN-some-name``),
written in the "percent" cell format::

    # %% [markdown] fr
    # # Titre de la leçon
    #
    # Le texte en français, en Markdown, une ligne de commentaire par ligne.

    # %% [markdown] en
    # # Title of the lesson
    #
    # The text in English.

    # %%
    w = 1.0          # a code cell: the same code for both languages

    # %% tags=["train-1d"]
    def train(...):  # a tagged code cell, which other code can pick by its tag
        ...

Rules checked when a lesson is read:

- a ``[markdown] fr`` cell is always followed by its ``[markdown] en`` translation (so the two
  languages cannot drift apart); a ``[markdown]`` cell without a language is shown in both;
- every line of a text cell is a comment (``#`` or ``# text``);
- the first text cell of each language starts with a ``# `` heading: the lesson's title;
- lines before the first ``# %%`` (a ``# ruff: noqa`` line, say) are ignored;
- an exercise is a code cell tagged ``exercise`` (the « À vous » / "Your turn" cell the student
  fills in, ending with ``check(...)``) followed at once by a code cell tagged ``solution``: the
  notebooks fold the solution away, ``flambeau course run NAME --solutions`` runs it instead of
  the exercise cell.

From these files ``flambeau course run`` runs the lessons in the terminal
(:mod:`flambeau.course.runner`) and ``flambeau course build`` writes the Jupyter notebooks
``NN-some-name.fr.ipynb`` and ``NN-some-name.en.ipynb`` (:mod:`flambeau.course.notebook`): the
code of a lesson exists in one place only.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType

LANGS = ("fr", "en")
HERE = Path(__file__).resolve().parent
_FILE = re.compile(r"^l(\d\d)_([a-z0-9_]+)\.py$")
_MARKER = re.compile(r"^# %%(.*)$")
_MARKDOWN = re.compile(r"^\[markdown\](?:\s+(\w+))?$")
_TAGS = re.compile(r"^tags=(\[.*\])$")


class LessonError(ValueError):
    """A lesson source that does not follow the format, or an unknown lesson name."""


@dataclass(frozen=True)
class Cell:
    """One cell: ``kind`` is ``"code"`` or ``"markdown"``; ``lang`` is ``"fr"``, ``"en"`` or
    None (code, or text for both languages); ``source`` has no trailing newline; ``line`` is the
    line of the ``# %%`` marker in the lesson file and ``start`` that of the source's first line."""

    kind: str
    source: str
    lang: str | None = None
    tags: tuple[str, ...] = ()
    line: int = 0
    start: int = 0


@dataclass(frozen=True)
class Lesson:
    """A parsed lesson: ``name`` (``"07-exemple-1d"``), ``number``, ``titles`` per language,
    ``cells`` in file order and ``path`` of its source file."""

    name: str
    number: int
    path: Path
    cells: tuple[Cell, ...]
    titles: dict[str, str] = field(default_factory=dict)

    def cells_for(self, lang: str) -> list[Cell]:
        """The cells a reader in ``lang`` sees: all code cells and the text in that language."""
        check_lang(lang)
        return [c for c in self.cells if c.kind == "code" or c.lang in (None, lang)]

    def code_cells(self) -> list[Cell]:
        return [c for c in self.cells if c.kind == "code"]

    def exercises(self) -> list[tuple[Cell, Cell]]:
        """The (exercise, solution) pairs of code cells."""
        return [(c, self.cells[i + 1]) for i, c in enumerate(self.cells) if "exercise" in c.tags]

    def compile(self, tag: str) -> CodeType:
        """The code cells tagged ``tag``, compiled with their line numbers in the lesson file
        (so that a traceback points at the lesson's source)."""
        module = ast.Module(body=[], type_ignores=[])
        for cell in self.cells:
            if cell.kind == "code" and tag in cell.tags:
                tree = ast.parse(cell.source, filename=str(self.path))
                ast.increment_lineno(tree, cell.start - 1)
                module.body.extend(tree.body)
        if not module.body:
            raise LessonError(f"lesson {self.name} has no code cell tagged {tag!r}")
        return compile(module, str(self.path), "exec")

    def notebook_name(self, lang: str) -> str:
        check_lang(lang)
        return f"{self.name}.{lang}.ipynb"


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise LessonError(f"unknown language {lang!r}: choose one of {', '.join(LANGS)}")
    return lang


def _strip_blank(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def parse(text: str, path: Path | str = "<lesson>") -> list[Cell]:
    """The cells of a lesson source (see the module's docstring for the format)."""
    cells: list[Cell] = []
    header: tuple[str, str | None, tuple[str, ...], int] | None = None
    body: list[str] = []

    def close() -> None:
        if header is None:
            return
        kind, lang, tags, line = header
        lines = body
        if kind == "markdown":
            for k, raw in enumerate(body):
                if raw.strip() and not raw.startswith("#"):
                    raise LessonError(f"{path}:{line + 1 + k}: a text cell holds comment lines only, got {raw!r}")
            lines = [raw[2:] if raw.startswith("# ") else raw[1:] for raw in body]
        leading = 0
        while leading < len(lines) and not lines[leading].strip():
            leading += 1
        lines = _strip_blank(lines)
        if not lines:
            raise LessonError(f"{path}:{line}: empty cell")
        cells.append(Cell(kind, "\n".join(lines), lang, tags, line, line + 1 + leading))

    for number, raw in enumerate(text.splitlines(), start=1):
        m = _MARKER.match(raw)
        if not m:
            if header is not None:
                body.append(raw.rstrip())
            continue
        close()
        body = []
        rest = m.group(1).strip()
        md = _MARKDOWN.match(rest)
        tags_match = _TAGS.match(rest)
        if md:
            lang = md.group(1)
            if lang is not None and lang not in LANGS:
                raise LessonError(f"{path}:{number}: unknown language {lang!r} (use fr or en)")
            header = ("markdown", lang, (), number)
        elif rest == "":
            header = ("code", None, (), number)
        elif tags_match:
            try:
                tags = json.loads(tags_match.group(1))
            except json.JSONDecodeError:
                tags = None
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                raise LessonError(f'{path}:{number}: tags are written tags=["name", ...], got {rest!r}')
            header = ("code", None, tuple(tags), number)
        else:
            raise LessonError(f"{path}:{number}: unknown cell marker {raw!r} "
                              f'(use "# %%", "# %% tags=[...]", "# %% [markdown] fr" or "# %% [markdown] en")')
    close()
    _check_pairs(cells, path)
    _check_exercises(cells, path)
    return cells


def _check_exercises(cells: list[Cell], path: Path | str) -> None:
    for i, cell in enumerate(cells):
        if "exercise" in cell.tags:
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            if nxt is None or "solution" not in nxt.tags:
                raise LessonError(f"{path}:{cell.line}: an exercise cell must be followed by its solution "
                                  f'(# %% tags=["solution"])')
        if "solution" in cell.tags and (i == 0 or "exercise" not in cells[i - 1].tags):
            raise LessonError(f"{path}:{cell.line}: a solution cell must follow its exercise "
                              f'(# %% tags=["exercise"])')


def _check_pairs(cells: list[Cell], path: Path | str) -> None:
    for i, cell in enumerate(cells):
        if cell.kind != "markdown" or cell.lang is None:
            continue
        if cell.lang == "fr":
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            if nxt is None or nxt.kind != "markdown" or nxt.lang != "en":
                raise LessonError(f"{path}:{cell.line}: this French text cell must be followed by its "
                                  f"English translation (# %% [markdown] en)")
        else:
            prev = cells[i - 1] if i > 0 else None
            if prev is None or prev.kind != "markdown" or prev.lang != "fr":
                raise LessonError(f"{path}:{cell.line}: this English text cell must follow its "
                                  f"French original (# %% [markdown] fr)")


def _title(cells: list[Cell], lang: str, path: Path | str) -> str:
    for cell in cells:
        if cell.kind == "markdown" and cell.lang in (None, lang):
            first = cell.source.splitlines()[0]
            if not first.startswith("# "):
                raise LessonError(f"{path}:{cell.line}: the first {lang} text cell must start with "
                                  f"a '# Title' line, got {first!r}")
            return first[2:].strip()
    raise LessonError(f"{path}: no text in {lang}")


def load(path: Path | str) -> Lesson:
    """Read and check the lesson at ``path``."""
    path = Path(path)
    m = _FILE.match(path.name)
    if not m:
        raise LessonError(f"{path}: a lesson file is named lNN_name.py (lowercase, digits and _)")
    cells = parse(path.read_text(encoding="utf-8"), path)
    if not any(c.kind == "code" for c in cells):
        raise LessonError(f"{path}: a lesson has at least one code cell")
    titles = {lang: _title(cells, lang, path) for lang in LANGS}
    return Lesson(f"{m.group(1)}-{m.group(2).replace('_', '-')}", int(m.group(1)), path, tuple(cells), titles)


def all_lessons(folder: Path | str = HERE) -> list[Lesson]:
    """Every lesson in ``folder`` (this package's folder by default), in order."""
    lessons = [load(p) for p in sorted(Path(folder).glob("l[0-9][0-9]_*.py"))]
    numbers = [lesson.number for lesson in lessons]
    if len(set(numbers)) != len(numbers):
        raise LessonError(f"{folder}: two lessons have the same number")
    return lessons


def names() -> list[str]:
    return [lesson.name for lesson in all_lessons()]


#: The parts of the lecture, in its order, with the lessons of each: the lessons are numbered in
#: this order. The lecture's own notebooks (``01-exemple-1d``, ``02-pytorch-exemple-1d``) are lessons
#: 07 and 08 here; the 1-D example with autograd (the lecture's ``02-pytorch-exemple-1d``) comes
#: right after the one by hand, since the backpropagation lessons open its ``backward()``.
LECTURE_PARTS = (
    ("Pourquoi le deep learning, un peu d'histoire", "Why deep learning, a little history", ("00",)),
    ("Le neurone et le perceptron", "The neuron and the perceptron", ("01",)),
    ("Perceptrons multicouches", "Multilayer perceptrons", ("02",)),
    ("Exemples en 2 dimensions (playground)", "2-D examples (playground)", ("03",)),
    ("L'apprentissage comme optimisation", "Learning as optimisation", ("04", "05", "06")),
    ("Exemple : un modèle linéaire en 1D", "Example: a 1-D linear model", ("07", "08")),
    ("Rétropropagation du gradient", "Backpropagation", ("09", "10")),
    ("Exercice", "Exercise", ("11",)),
    ("Avec PyTorch", "With PyTorch", ("12",)),
    ("À suivre : réseaux à convolutions", "Next: convolutional networks", ("13",)),
)

#: The names the lessons had before they were numbered in the lecture's order: ``flambeau course
#: run 01-exemple-1d`` (or ``01-exemple-1d.fr.ipynb``) still finds lesson ``07-exemple-1d``.
OLD_NAMES = {
    "01-exemple-1d": "07-exemple-1d", "02-autograd-exemple-1d": "08-autograd-exemple-1d",
    "03-backprop-graphe": "09-backprop-graphe", "04-exercice": "11-exercice", "05-perceptron": "01-perceptron",
    "06-mlp-relu": "02-mlp-relu", "07-toy-classif-2classes": "12-toy-classif-2classes",
    "08-playground-experiences": "03-playground-experiences", "09-descente-de-gradient": "05-descente-de-gradient",
    "10-convolution": "13-convolution", "11-vraisemblance-et-entropie-croisee": "04-vraisemblance-et-entropie-croisee",
    "12-retropropagation-couche-cachee": "10-retropropagation-couche-cachee",
    "13-variantes-descente-de-gradient": "06-variantes-descente-de-gradient",
}


def lecture_order() -> list[tuple[str, str, list[Lesson]]]:
    """The lessons grouped by part of the lecture, in the lecture's order: (French title,
    English title, lessons); a lesson in no part comes last, in a part of its own."""
    lessons = {f"{lesson.number:02d}": lesson for lesson in all_lessons()}
    parts = []
    for fr, en, numbers in LECTURE_PARTS:
        found = [lessons.pop(n) for n in numbers if n in lessons]
        if found:
            parts.append((fr, en, found))
    if lessons:
        parts.append(("Autres leçons", "Other lessons", list(lessons.values())))
    return parts


def get(name: str) -> Lesson:
    """The lesson called ``name``: its full name (``"07-exemple-1d"``), its number (``"7"``,
    ``"07"``), the start of its name, if only one lesson matches, or its former name
    (:data:`OLD_NAMES`)."""
    lessons = all_lessons()
    key = str(name).strip().lower().replace("_", "-")
    if key.endswith(".ipynb"):
        key = key[: -len(".ipynb")]
        for lang in LANGS:
            key = key.removesuffix("." + lang)
    key = OLD_NAMES.get(key, key)
    for lesson in lessons:
        if key == lesson.name:
            return lesson
    if key.isdigit():
        for lesson in lessons:
            if int(key) == lesson.number:
                return lesson
    matches = [lesson for lesson in lessons if key and lesson.name.startswith(key)]
    if len(matches) == 1:
        return matches[0]
    raise LessonError(f"unknown lesson {name!r}; the lessons are: {', '.join(lsn.name for lsn in lessons)}")
