"""The language of what a lesson's code prints and draws.

A lesson's code cells are the same in both languages; the strings they print, and the titles,
axes and legends of their figures, follow the reader's language through :func:`tr`::

    print(tr("prévision avant apprentissage :", "predict (before training)"), 4, forward(4))

``flambeau course run NAME --lang fr`` sets the language before running the lesson, and each
generated notebook starts with a ``set_language("fr")`` (or ``"en"``) cell.
"""

from __future__ import annotations

LANGS = ("fr", "en")
_state = {"lang": "fr"}


def set_language(lang: str) -> str:
    """Choose the language (``"fr"`` or ``"en"``) of what the lessons print; returns the previous one."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(LANGS)}")
    previous = _state["lang"]
    _state["lang"] = lang
    return previous


def language() -> str:
    """The language chosen with :func:`set_language` (French by default)."""
    return _state["lang"]


def tr(fr: str, en: str) -> str:
    """``fr`` or ``en``, whichever is the current language."""
    return fr if _state["lang"] == "fr" else en
