"""The classes and functions a checkpoint may name beyond tensors and containers, as PyTorch's
``torch.serialization.add_safe_globals`` and ``safe_globals`` allow them: a whole model saved with
``torch.save(model, f)`` loads when its classes are allowlisted, and only then.

Loading such a checkpoint creates instances of the listed classes (``cls.__new__``) and fills
their ``__dict__`` (or calls their ``__setstate__``), as ``pickle`` does; it never imports a module
nor calls anything that is not listed. An entry is the object itself, or ``(object, "module.name")``
for an object saved under another name.

Example::

    >>> torch.save(model, "model.pt")                  # model: a MyNet made of nn layers
    >>> with torch.serialization.safe_globals([MyNet, nn.Linear, nn.ReLU]):
    ...     model = torch.load("model.pt")
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

__all__ = ["add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals"]

_allowed: list[Any] = []


def add_safe_globals(safe_globals: list[Any]) -> None:
    """Allow these classes and functions in every later ``load``."""
    _allowed.extend(list(safe_globals))


def get_safe_globals() -> list[Any]:
    """The entries added by :func:`add_safe_globals` (and active :func:`safe_globals` blocks)."""
    return list(_allowed)


def clear_safe_globals() -> None:
    """Forget every entry added by :func:`add_safe_globals`."""
    _allowed.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: list[Any]) -> Iterator[None]:
    """Allow these classes and functions inside the ``with`` block only."""
    entries = list(safe_globals)
    before = len(_allowed)
    _allowed.extend(entries)
    try:
        yield
    finally:
        del _allowed[before:before + len(entries)]


def full_name(obj: Any) -> str:
    """``module.qualname``: the name a checkpoint gives a class or a function."""
    return f"{getattr(obj, '__module__', None)}.{getattr(obj, '__qualname__', getattr(obj, '__name__', ''))}"


def lookup(name: str) -> tuple[bool, Any]:
    """(True, the object) if the full name ``name`` is allowlisted, else (False, None)."""
    for e in reversed(_allowed):
        if isinstance(e, tuple) and not (len(e) == 2 and isinstance(e[1], str)):
            continue
        obj, key = e if isinstance(e, tuple) else (e, full_name(e))
        if key == name:
            return True, obj
    return False, None


def allowed_types() -> tuple[type, ...]:
    """The allowlisted classes: the ones whose instances a checkpoint may build."""
    return tuple(o for o in (e[0] if isinstance(e, tuple) and e else e for e in _allowed) if isinstance(o, type))
