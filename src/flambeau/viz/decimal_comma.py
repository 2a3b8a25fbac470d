"""Numbers written the French way in matplotlib figures: ``0,5`` and not ``0.5``.

The playground page writes its numbers as the reader's language does (``static/js/format.js``);
a figure of a French lesson does the same here. matplotlib's own switch,
``axes.formatter.use_locale``, needs a French system locale that many machines lack (``locale -a``),
so instead, just before a French figure is drawn:

- each axis keeps the formatter it chose (plain, logarithmic, a lesson's own...), wrapped in a
  :class:`DecimalCommaFormatter` that writes its labels with a decimal comma;
- its titles, axis labels, legends and annotations have the decimal point of their numbers
  written as a comma.

:func:`french_figure` marks a figure as French (the course does it for every figure made while
the language is French, through matplotlib's ``figure.hooks``); :func:`french_numbers` rewrites a
figure at once. This module imports matplotlib: :mod:`flambeau.viz` does not import it.
"""

from __future__ import annotations

import math
import re
from typing import Any

from matplotlib.artist import Artist
from matplotlib.text import Text
from matplotlib.ticker import Formatter

_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
_DOLLAR = re.compile(r"(?<!\\)\$")


def decimal_comma(text: str) -> str:
    """``text`` with the decimal point of each number written as a comma: ``"lr = 0.5"`` becomes
    ``"lr = 0,5"``. Inside a ``$...$`` formula the comma is written ``{,}``, as matplotlib does,
    so that mathtext puts no space after it.

    Example::

        >>> decimal_comma("test 0.508, $\\mathdefault{2.5}$")
        'test 0,508, $\\\\mathdefault{2{,}5}$'
    """
    if "." not in text:
        return text
    parts = _DOLLAR.split(text)  # even indices: plain text; odd ones: formulas
    if len(parts) % 2 == 0:  # an odd number of dollars: matplotlib shows it all as plain text
        return _DECIMAL_POINT.sub(",", text)
    return "$".join(_DECIMAL_POINT.sub("{,}" if k % 2 else ",", part) for k, part in enumerate(parts))


class DecimalCommaFormatter(Formatter):
    """A tick formatter that writes the labels of another one with a decimal comma.

    ``DecimalCommaFormatter(inner)`` asks ``inner`` (any ``matplotlib.ticker.Formatter``: the
    axis's plain or logarithmic one, a lesson's own...) for its labels, offset and cursor texts and
    passes them through :func:`decimal_comma`: ``0.5`` is shown ``0,5``, and the mathtext
    ``$\\mathdefault{2.5}$`` is shown ``$\\mathdefault{2{,}5}$``.

    Example::

        >>> ax.xaxis.set_major_formatter(DecimalCommaFormatter(ax.xaxis.get_major_formatter()))
    """

    def __init__(self, inner: Formatter) -> None:
        self.inner = inner

    def set_axis(self, axis: Any) -> None:
        self.axis = axis
        self.inner.set_axis(axis)

    def set_locs(self, locs: Any) -> None:
        self.inner.set_locs(locs)

    def __call__(self, x: float, pos: int | None = None) -> str:
        return decimal_comma(self.inner(x, pos))

    def format_ticks(self, values: Any) -> list[str]:
        return [decimal_comma(label) for label in self.inner.format_ticks(values)]

    def format_data(self, value: float) -> str:
        return decimal_comma(self.inner.format_data(value))

    def format_data_short(self, value: float) -> str:
        return decimal_comma(self.inner.format_data_short(value))

    def get_offset(self) -> str:
        return decimal_comma(self.inner.get_offset())


def _axes_axes(ax: Any) -> list[Any]:
    """The axis objects of an Axes: x and y, and z for a 3-D one."""
    return [a for a in (ax.xaxis, ax.yaxis, getattr(ax, "zaxis", None)) if a is not None]


def french_numbers(fig: Any) -> None:
    """Write the numbers of ``fig`` the French way, now: every axis's tick formatters (major and
    minor) wrapped in :class:`DecimalCommaFormatter` (once), and every text of the figure
    (titles, axis labels, legends, annotations) passed through :func:`decimal_comma`."""
    for ax in fig.get_axes():
        for axis in _axes_axes(ax):
            for which in (axis.major, axis.minor):
                if not isinstance(which.formatter, DecimalCommaFormatter):
                    which.formatter = DecimalCommaFormatter(which.formatter)
                    which.formatter.set_axis(axis)
                    axis.stale = True
    for text in fig.findobj(Text):
        rewritten = decimal_comma(text.get_text())
        if rewritten != text.get_text():
            text.set_text(rewritten)


class _FrenchNumbers(Artist):
    """An artist that draws nothing, first of all its figure's artists (lowest z-order): it
    rewrites the figure's numbers just before the rest is drawn."""

    def __init__(self, fig: Any) -> None:
        super().__init__()
        self.target = fig
        self.set_zorder(-math.inf)
        self.set_in_layout(False)

    def draw(self, renderer: Any) -> None:
        french_numbers(self.target)


def french_figure(fig: Any) -> None:
    """Mark ``fig`` as French: each time it is drawn (shown, saved), :func:`french_numbers`
    first rewrites its numbers, so that the axes, texts and legends added after this call are
    rewritten too. Marking a figure twice does nothing more."""
    if not any(isinstance(a, _FrenchNumbers) for a in fig.artists):
        fig.add_artist(_FrenchNumbers(fig))
