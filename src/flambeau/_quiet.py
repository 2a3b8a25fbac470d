"""NumPy's floating-point warnings silenced for the length of a call: PyTorch computes log(0) =
-inf, 0/0 = nan and exp(1000) = inf silently, and so must flambeau.

``quietly(fn)`` (a decorator) and ``quiet(fn)`` (a bare closure) are ``fn`` run under ``np.errstate(divide="ignore", invalid="ignore",
over="ignore")``, made cheap enough for every small op: entering ``np.errstate`` costs about
2 µs, a tenth of a tiny training step's node. The state ``np.errstate`` would install is worked
out once per surrounding state (by ``np.errstate`` itself, so the caller's other settings, such
as ``under`` or ``np.seterrcall``, are kept) and then set and reset directly in NumPy's context
variable. Where that variable is not found (another NumPy), ``np.errstate`` is used as is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

try:
    from numpy._core._ufunc_config import _extobj_contextvar as _var
except ImportError:  # pragma: no cover - a NumPy without it
    _var = None

_quiet_states: dict[int, tuple[Any, Any]] = {}  # id(state) -> (state, its quiet version)
_QUIET = ("divide", "invalid", "over")


def _quiet_of(state: Any) -> Any:
    """The quiet version of NumPy's error state ``state`` (the current one): ``state`` itself
    when it already ignores the three (inside ``np.errstate(all="ignore")``)."""
    entry = _quiet_states.get(id(state))
    if entry is not None and entry[0] is state:
        return entry[1]
    if all(v == "ignore" for k, v in np.geterr().items() if k in _QUIET):
        quiet = state
    else:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            quiet = _var.get()
    if len(_quiet_states) > 64:  # states made by many np.errstate blocks: start again
        _quiet_states.clear()
    _quiet_states[id(state)] = (state, quiet)  # keeping ``state`` alive keeps its id unique
    return quiet


def quietly(fn: Callable) -> Callable:
    """``fn`` without NumPy's divide, invalid and overflow warnings (a decorator: the result
    has ``fn``'s name and docstring)."""
    return functools.wraps(fn)(quiet(fn))


def quiet(fn: Callable) -> Callable:
    """``fn`` without NumPy's divide, invalid and overflow warnings, as a bare closure (cheap
    to make: for the backward of each recorded op)."""
    if _var is None:  # pragma: no cover
        def run_errstate(*args: Any, **kwargs: Any) -> Any:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                return fn(*args, **kwargs)

        return run_errstate

    def run(*args: Any, **kwargs: Any) -> Any:
        state = _get()
        entry = _quiet_states.get(id(state))  # _quiet_of(state), its cache read here
        quiet = entry[1] if entry is not None and entry[0] is state else _quiet_of(state)
        if quiet is state:
            return fn(*args, **kwargs)
        token = _set(quiet)
        try:
            return fn(*args, **kwargs)
        finally:
            _reset(token)

    return run


if _var is not None:
    _get, _set, _reset = _var.get, _var.set, _var.reset
