"""French figures write their numbers the French way (0,5), as the playground page does; English
figures are left alone. Checked on the texts matplotlib draws: tick labels, offsets, titles,
legends, annotations, in figures made by pyplot and by a lesson run in the terminal."""

from __future__ import annotations

import io

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from flambeau.course import lessons, runner, set_language  # noqa: E402
from flambeau.viz.decimal_comma import DecimalCommaFormatter, decimal_comma, french_numbers  # noqa: E402


@pytest.fixture
def lang():
    """Sets the course's language for one test, then puts the previous one back."""
    previous = set_language("fr")
    yield set_language
    set_language(previous)
    plt.close("all")


def _figure() -> tuple:
    fig, (linear, log) = plt.subplots(1, 2)
    linear.plot([0.0, 0.5, 1.0], [0.0, 0.25, 1.0], label="lr = 0.03")
    linear.set_xticks([0.0, 0.5, 1.0])
    linear.set_title("test 0.508  train 0.25")
    linear.set_xlabel("$x = 2.5$")
    linear.annotate("0.5", (0.5, 0.25))
    linear.legend()
    log.plot([1.0, 2.0], [0.02, 0.5])
    log.set_yscale("log")
    log.yaxis.set_minor_formatter(FuncFormatter(lambda v, pos: f"{v:.2f}"))
    fig.savefig(io.BytesIO(), format="png")  # drawn as a notebook or `course run` draws it
    return fig, linear, log


def _ticks(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels()]


def test_decimal_comma_of_a_text():
    assert decimal_comma("0.5") == "0,5"
    assert decimal_comma("test 0.508, train 12.25 %") == "test 0,508, train 12,25 %"
    assert decimal_comma(r"$\mathdefault{2.5}$ and 1.5") == r"$\mathdefault{2{,}5}$ and 1,5"
    # what is not a decimal point stays: a sentence's full stop, an odd dollar, no digits
    assert decimal_comma("Époque 3. Fin.") == "Époque 3. Fin."
    assert decimal_comma("$3.5 costs") == "$3,5 costs"
    assert decimal_comma("a.b") == "a.b"


def test_a_french_figure_writes_decimal_commas(lang):
    fig, linear, log = _figure()
    y = _ticks(linear.yaxis)
    assert _ticks(linear.xaxis) == ["0,0", "0,5", "1,0"]
    assert "0,2" in y and not [t for t in y if "." in t], y
    assert linear.get_title() == "test 0,508  train 0,25"
    assert linear.get_xlabel() == "$x = 2{,}5$"
    assert linear.texts[0].get_text() == "0,5"
    assert [t.get_text() for t in linear.get_legend().get_texts()] == ["lr = 0,03"]
    minor = [t.get_text() for t in log.yaxis.get_ticklabels(minor=True)]
    assert "0,03" in minor and not [t for t in minor if "." in t], minor
    # the cursor's read-out too, and the axis keeps the formatter it chose underneath
    assert isinstance(linear.xaxis.get_major_formatter(), DecimalCommaFormatter)
    assert "," in linear.format_coord(0.25, 0.125) and "." not in linear.format_coord(0.25, 0.125)


def test_an_english_figure_is_unchanged(lang):
    lang("en")
    fig, linear, log = _figure()
    assert _ticks(linear.xaxis) == ["0.0", "0.5", "1.0"]
    assert "0.2" in _ticks(linear.yaxis)
    assert linear.get_title() == "test 0.508  train 0.25"
    assert [t.get_text() for t in linear.get_legend().get_texts()] == ["lr = 0.03"]
    assert "0.03" in [t.get_text() for t in log.yaxis.get_ticklabels(minor=True)]
    assert not isinstance(linear.xaxis.get_major_formatter(), DecimalCommaFormatter)


def test_the_offset_and_a_colorbar_of_a_french_figure(lang):
    fig, ax = plt.subplots()
    image = ax.imshow(np.linspace(0.0, 0.9, 9).reshape(3, 3))
    colorbar = fig.colorbar(image)
    ax.plot([0.0, 1.0], [1000.1, 1000.2])  # matplotlib writes an offset: +1e3 and 0.1, 0.15, ...
    fig.savefig(io.BytesIO(), format="png")
    bar = _ticks(colorbar.ax.yaxis)
    assert "0,2" in bar and not [t for t in bar if "." in t], bar
    assert "." not in ax.yaxis.get_offset_text().get_text()


def test_french_numbers_on_any_figure():
    # a figure not made by pyplot (no hook) is rewritten on demand
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    ax.plot([0.0, 0.5], [0.0, 0.5])
    french_numbers(fig)
    french_numbers(fig)  # once is enough: the formatter is not wrapped twice
    assert not isinstance(ax.xaxis.get_major_formatter().inner, DecimalCommaFormatter)
    fig.canvas.draw()
    assert "0,5" in _ticks(ax.xaxis)


LESSON = """# %% [markdown] fr
# # Figure

# %% [markdown] en
# # Figure

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots()
ax.plot([0.0, 0.5, 1.0], [0.0, 0.25, 1.0])
ax.set_xticks([0.0, 0.5, 1.0])
ax.set_title(f"pente {0.75:.2f}")
"""


@pytest.mark.parametrize("language, point", [("fr", ","), ("en", ".")])
def test_a_lesson_run_in_the_terminal(language, point, tmp_path, monkeypatch):
    path = tmp_path / "l42_figure.py"
    path.write_text(LESSON, encoding="utf-8")
    saved = []
    monkeypatch.setattr(plt.Figure, "savefig", lambda fig, *a, **k: (saved.append(fig), fig.canvas.draw()))
    runner.run(lessons.load(path), language, figures=tmp_path / "out", stream=io.StringIO())
    (fig,) = saved
    ax = fig.axes[0]
    assert _ticks(ax.xaxis) == [f"0{point}0", f"0{point}5", f"1{point}0"] and ax.get_title() == f"pente 0{point}75"
