"""``flambeau.compile``: accepted, and returns a callable that computes exactly what its argument
computes. flambeau runs operations eagerly, one NumPy call each; there is no compiler (yet).

As in PyTorch, a compiled module is an ``OptimizedModule`` holding the original as ``_orig_mod``
(so its ``state_dict`` keys start with ``_orig_mod.``), whose attributes are the original's.

Example::

    >>> model = flambeau.compile(nn.Linear(2, 3))
    >>> model(flambeau.ones(1, 2)).shape
    torch.Size([1, 3])
"""

from __future__ import annotations

import functools
from typing import Any

from .nn.module import Module

__all__ = ["compile", "OptimizedModule"]


class OptimizedModule(Module):
    """The module ``compile`` returns: calls and attributes go to ``_orig_mod``."""

    def __init__(self, mod: Module) -> None:
        super().__init__()
        self._orig_mod = mod

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self._orig_mod(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            mods = self.__dict__.get("_modules")
            if mods is None or "_orig_mod" not in mods:
                raise
            return getattr(mods["_orig_mod"], name)


def compile(model: Any = None, *, fullgraph: bool = False, dynamic: bool | None = None,  # noqa: A001
            backend: Any = "inductor", mode: str | None = None, options: dict | None = None,
            disable: bool = False) -> Any:
    """Return ``model`` ready to call, as ``torch.compile``: a module becomes an
    :class:`OptimizedModule`, a function a wrapper of it; ``@compile`` and ``@compile(mode=...)``
    decorate. The computation is the same as ``model``'s."""
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                 mode=mode, options=options, disable=disable)
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    if isinstance(model, Module):
        return OptimizedModule(model)

    @functools.wraps(model)
    def compiled(*args: Any, **kwargs: Any) -> Any:
        return model(*args, **kwargs)

    return compiled
