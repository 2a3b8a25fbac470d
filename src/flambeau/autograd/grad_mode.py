"""Whether operations are recorded for backpropagation: ``no_grad``, ``enable_grad``,
``set_grad_enabled``. The mode is per thread, and each works as a context manager and as a
decorator, as in PyTorch."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    enabled = True
    inference = False


_state = _State()


def is_grad_enabled() -> bool:
    """True when new operations are recorded in the graph."""
    return _state.enabled


class _GradMode:
    _mode: bool

    def __enter__(self) -> None:
        self._prev = _state.enabled
        _state.enabled = self._mode

    def __exit__(self, *exc: object) -> None:
        _state.enabled = self._prev

    def __call__(self, fn: F) -> F:
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = _state.enabled
            _state.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _state.enabled = prev

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Do not record operations: results do not require grad. Use it to update weights."""

    _mode = False


class enable_grad(_GradMode):
    """Record operations again, inside a ``no_grad`` block."""

    _mode = True


class set_grad_enabled(_GradMode):
    """Turn recording on or off. Takes effect at once, as in PyTorch, and also works in ``with``."""

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)
        self._prev = _state.enabled
        _state.enabled = self._mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _state.enabled = self._prev


def is_inference_mode_enabled() -> bool:
    """True inside an ``inference_mode`` block."""
    return _state.inference


class inference_mode:
    """``no_grad`` for running a model: nothing is recorded, as in PyTorch; as a context manager
    and a decorator (``@inference_mode`` or ``@inference_mode()``). ``inference_mode(False)``
    turns recording on, as PyTorch's does.

    Example::

        >>> with flambeau.inference_mode():
        ...     y = model(x)          # y.requires_grad is False
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode) and not isinstance(mode, bool):  # @inference_mode without parentheses
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self._mode = bool(mode)
        self._saved: list[tuple[bool, bool]] = []

    def __enter__(self) -> None:
        self._saved.append((_state.enabled, _state.inference))
        _state.enabled, _state.inference = not self._mode, self._mode

    def __exit__(self, *exc: object) -> None:
        _state.enabled, _state.inference = self._saved.pop()

    def __call__(self, fn: F) -> F:
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
