"""The language of what a lesson's code prints and draws.

A lesson's code cells are the same in both languages; the strings they print, and the titles,
axes and legends of their figures, follow the reader's language through :func:`tr`::

    print(tr("prévision avant apprentissage :", "predict (before training)"), 4, forward(4))

``flambeau course run NAME --lang fr`` sets the language before running the lesson, and each
generated notebook starts with a ``set_language("fr")`` (or ``"en"``) cell.

A matplotlib figure made (with pyplot) while the language is French writes its numbers the French
way, ``0,5`` and not ``0.5``, on its ticks and in its texts (:mod:`flambeau.viz.decimal_comma`):
:func:`set_language` adds :func:`figure_hook` to matplotlib's ``figure.hooks``.
"""

from __future__ import annotations

LANGS = ("fr", "en")
_state = {"lang": "fr"}
_HOOK = "flambeau.course.i18n:figure_hook"


def set_language(lang: str) -> str:
    """Choose the language (``"fr"`` or ``"en"``) of what the lessons print; returns the previous one."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(LANGS)}")
    previous = _state["lang"]
    _state["lang"] = lang
    _hook_figures()
    return previous


def _hook_figures() -> None:
    """Have pyplot call :func:`figure_hook` on each new figure (when matplotlib is installed)."""
    try:
        import matplotlib
    except ImportError:
        return
    hooks = list(matplotlib.rcParams["figure.hooks"])
    if _HOOK not in hooks:
        matplotlib.rcParams["figure.hooks"] = [*hooks, _HOOK]


def figure_hook(fig: object) -> None:
    """matplotlib's ``figure.hooks``: a figure made while the language is French writes its
    numbers the French way when it is drawn."""
    if _state["lang"] == "fr":
        from ..viz.decimal_comma import french_figure

        french_figure(fig)


def language() -> str:
    """The language chosen with :func:`set_language` (French by default)."""
    return _state["lang"]


def tr(fr: str, en: str) -> str:
    """``fr`` or ``en``, whichever is the current language."""
    return fr if _state["lang"] == "fr" else en
