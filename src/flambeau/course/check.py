"""Exercises that check themselves: ``check("11-derivees", grad_w1=grad_w1, ...)``.

A lesson's « À vous » / "Your turn" cell asks for some answers (numbers, arrays or functions)
and ends with ``check(NAME, answer=..., ...)``. The checker compares each answer with the answer
key of exercise ``NAME`` (:data:`EXERCISES`, filled by :mod:`flambeau.course.exercises`) and says,
in the lesson's language (:func:`flambeau.course.tr`), what is right and what is wrong:

- an answer left as ``...`` is "not answered yet";
- a function is called on the exercise's sample inputs; an exception is reported with the
  inputs that raised it;
- a wrong answer that matches a typical mistake (a factor forgotten, a sign...) gets that
  mistake's explanation; any other wrong answer gets the first input where it differs, the
  value obtained and the value expected.

The result is a :class:`Verdict`: true when every answer is right, shown as its messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .i18n import tr

RIGHT, WRONG, WAITING = "✓", "✗", "…"


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer for one of the exercise's answers, and what to tell the student."""

    answer: str
    wrong: Any  # the wrong value, or the wrong function
    fr: str
    en: str


@dataclass(frozen=True)
class Exercise:
    """The answer key of an exercise: ``answers`` maps each answer's name to the right value or
    function; functions are compared on ``samples`` (tuples of arguments, named by ``arguments``);
    ``mistakes`` are typical wrong answers with their explanation."""

    name: str
    answers: Mapping[str, Any]
    arguments: tuple[str, ...] = ()
    samples: tuple[tuple[Any, ...], ...] = ()
    mistakes: tuple[Mistake, ...] = ()
    rtol: float = 1e-6
    atol: float = 1e-9


EXERCISES: dict[str, Exercise] = {}

#: The names the exercises had before each was named after its lesson's number: a notebook that
#: still says ``check("04-derivees", ...)`` checks exercise ``11-derivees`` of lesson 11.
FORMER_NAMES = {
    "01-gradient": "07-gradient", "01-un-pas": "07-un-pas", "03-produit": "09-produit", "03-perte": "09-perte",
    "04-derivees": "11-derivees", "04-autograd": "11-autograd", "09-un-pas": "05-un-pas",
    "09-pas-maximal": "05-pas-maximal", "11-entropie-croisee": "04-entropie-croisee",
    "11-entropie-binaire": "04-entropie-binaire", "12-couche-cachee": "10-couche-cachee",
    "12-logistique": "10-logistique", "13-momentum": "06-momentum", "13-adam": "06-adam",
}


def register(exercise: Exercise) -> Exercise:
    if exercise.name in EXERCISES:
        raise ValueError(f"exercise {exercise.name!r} is registered twice")
    for mistake in exercise.mistakes:
        if mistake.answer not in exercise.answers:
            raise ValueError(f"exercise {exercise.name!r}: a mistake names the unknown answer {mistake.answer!r}")
    EXERCISES[exercise.name] = exercise
    return exercise


@dataclass
class Verdict:
    """What :func:`check` found: ``ok`` is true when every answer is right; ``lines`` holds one
    message per answer (``✓``, ``✗`` or ``…`` first)."""

    exercise: str
    ok: bool
    lines: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        return str(self)


def check(exercise: str, **answers: Any) -> Verdict:
    """Check the ``answers`` to ``exercise`` (its name, as the lesson gives it) and say what is
    right and what is wrong, in the lesson's language.

    Example::

        >>> check("11-derivees", grad_w1=lambda x, y, w1, w2, b: 2 * (x*x*w2 + x*w1 + b - y) * x, ...)
    """
    from . import exercises  # noqa: F401  (fills EXERCISES)

    exercise = FORMER_NAMES.get(exercise, exercise)
    if exercise not in EXERCISES:
        raise KeyError(tr(f"exercice inconnu {exercise!r} ; les exercices sont : {', '.join(sorted(EXERCISES))}",
                          f"unknown exercise {exercise!r}; the exercises are: {', '.join(sorted(EXERCISES))}"))
    key = EXERCISES[exercise]
    unknown = sorted(set(answers) - set(key.answers))
    if unknown:
        raise TypeError(tr(f"l'exercice {exercise!r} n'attend pas {', '.join(unknown)} ; il attend "
                           f"{', '.join(key.answers)}",
                           f"exercise {exercise!r} does not expect {', '.join(unknown)}; it expects "
                           f"{', '.join(key.answers)}"))
    lines = []
    ok = True
    for name, right in key.answers.items():
        line, good = _check_one(key, name, right, answers.get(name, ...))
        lines.append(line)
        ok = ok and good
    if ok:
        lines.append(tr("Bravo, tout est juste !", "Well done, all correct!"))
    return Verdict(exercise, ok, lines)


def _check_one(key: Exercise, name: str, right: Any, given: Any) -> tuple[str, bool]:
    if _waiting(given):
        return _say(name, WAITING, tr("pas encore de réponse (remplacez ... par la vôtre)",
                                      "not answered yet (replace ... by yours)")), False
    if callable(right):
        if not callable(given):
            return _say(name, WRONG, tr(f"on attend une fonction de ({', '.join(key.arguments)}), pas "
                                        f"{type(given).__name__}",
                                        f"a function of ({', '.join(key.arguments)}) is expected, not "
                                        f"{type(given).__name__}")), False
        expected = [right(*args) for args in key.samples]
        got = []
        for args in key.samples:
            try:
                value = given(*args)
            except Exception as e:  # noqa: BLE001  (the student's code: say what it raised)
                return _say(name, WRONG, tr(f"votre fonction lève {type(e).__name__} : {e} pour {_args(key, args)}",
                                            f"your function raises {type(e).__name__}: {e} for {_args(key, args)}")), False
            if value is not None and _waiting(value):
                return _say(name, WAITING, tr("pas encore de réponse (remplacez ... par la vôtre)",
                                              "not answered yet (replace ... by yours)")), False
            got.append(value)
    else:
        expected, got = [right], [given]
    if _same(expected, got, key):
        return _say(name, RIGHT, tr("juste", "correct")), True
    for mistake in key.mistakes:
        if mistake.answer != name:
            continue
        typical = [mistake.wrong(*args) for args in key.samples] if callable(mistake.wrong) else [mistake.wrong]
        if _same(typical, got, key):
            return _say(name, WRONG, tr(mistake.fr, mistake.en)), False
    for k, (e, g) in enumerate(zip(expected, got)):
        if not _same([e], [g], key):
            where = tr(f"pour {_args(key, key.samples[k])}, ", f"for {_args(key, key.samples[k])}, ") \
                if callable(right) else ""
            return _say(name, WRONG, where + tr(f"vous obtenez {_show(g)}, la bonne valeur est {_show(e)}",
                                                f"you get {_show(g)}, the right value is {_show(e)}")), False
    return _say(name, WRONG, tr("réponse inattendue", "unexpected answer")), False  # pragma: no cover


def _waiting(value: Any) -> bool:
    """``...`` (or None) left where an answer goes, alone or inside a tuple or a list."""
    return value is ... or value is None or (isinstance(value, (tuple, list)) and any(v is ... for v in value))


def _fr() -> bool:
    return tr("fr", "en") == "fr"


def _say(name: str, mark: str, text: str) -> str:
    return f"{mark} {name}{' :' if _fr() else ':'} {text}"


def _args(key: Exercise, args: Sequence[Any]) -> str:
    if key.arguments:
        return ", ".join(f"{n} = {_show(a)}" for n, a in zip(key.arguments, args))
    return ", ".join(_show(a) for a in args)


def _as_array(value: Any) -> np.ndarray | None:
    if hasattr(value, "detach") and callable(value.detach):
        value = value.detach()
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, RuntimeError):
        return None
    return array


def _same(expected: Sequence[Any], got: Sequence[Any], key: Exercise) -> bool:
    return len(expected) == len(got) and all(_close(e, g, key) for e, g in zip(expected, got))


def _close(e: Any, g: Any, key: Exercise) -> bool:
    """``g`` equals ``e`` up to the exercise's tolerance; a tuple or list that is not one array
    (a weight vector and a bias, a list of words) is compared item by item."""
    a = _as_array(e)
    if a is None and isinstance(e, (tuple, list)):
        return isinstance(g, (tuple, list)) and len(e) == len(g) and all(_close(x, y, key) for x, y in zip(e, g))
    b = _as_array(g)
    if a is None or b is None:
        try:
            return bool(e == g)
        except (TypeError, ValueError):  # an array compared with something else
            return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=key.rtol, atol=key.atol))


def _show(value: Any) -> str:
    array = _as_array(value)
    if array is None and isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    if array is None:
        return repr(value)
    if array.ndim == 0:
        return f"{array.item():.6g}"
    return np.array2string(array, precision=4, separator=", ")


def exercise_names() -> list[str]:
    from . import exercises  # noqa: F401

    return sorted(EXERCISES)


__all__ = ["check", "Exercise", "Mistake", "Verdict", "register", "EXERCISES", "exercise_names"]
