"""``flambeau.jit``: TorchScript's entry points, accepted as ``flambeau.compile`` is: the model or
function comes back and runs eagerly, computing exactly what it computed before.

``script`` and ``trace`` return their argument (a module stays the same module, so its
``state_dict`` is unchanged); the decorators ``ignore``, ``unused``, ``export`` and
``script_method`` return what they decorate; ``is_scripting()`` and ``is_tracing()`` are False.
TorchScript archives (``jit.save``/``jit.load``) are refused: save a ``state_dict`` instead.

Example::

    >>> model = flambeau.jit.script(nn.Linear(2, 3))
    >>> model(flambeau.ones(1, 2)).shape
    torch.Size([1, 3])
"""

from __future__ import annotations

from typing import Any

__all__ = ["script", "trace", "trace_module", "ignore", "unused", "export", "script_method", "is_scripting",
           "is_tracing", "save", "load", "annotate", "Final"]


def script(obj: Any, optimize: Any = None, _frames_up: int = 0, _rcb: Any = None,
           example_inputs: Any = None) -> Any:
    """``obj`` itself: a module or function that runs eagerly (no TorchScript compilation)."""
    return obj


def trace(func: Any, example_inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
    """``func`` itself (no tracing: it keeps its Python control flow)."""
    return func


def trace_module(mod: Any, inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
    """``mod`` itself."""
    return mod


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """A decorator that leaves the function as it is (also as ``@ignore(drop=True)``)."""
    return drop if callable(drop) else (lambda fn: fn)


def unused(fn: Any) -> Any:
    return fn


def export(fn: Any) -> Any:
    return fn


def script_method(fn: Any) -> Any:
    return fn


def annotate(the_type: Any, the_value: Any) -> Any:
    """``the_value`` (the type is for TorchScript only)."""
    return the_value


Final = Any  # torch.jit.Final[int] in class annotations


def is_scripting() -> bool:
    return False


def is_tracing() -> bool:
    return False


def save(m: Any, f: Any, _extra_files: Any = None) -> None:
    raise NotImplementedError("flambeau has no TorchScript archives: save the state_dict with torch.save")


def load(f: Any, map_location: Any = None, _extra_files: Any = None) -> Any:
    raise NotImplementedError("flambeau cannot load TorchScript archives: load a state_dict with torch.load")
