"""The keyword spellings PyTorch accepts, on every public function and method.

PyTorch's argument parser takes ``input=`` and ``other=`` for the tensors an op works on, the
NumPy spellings ``axis=`` (for ``dim=``), ``keepdims=`` (for ``keepdim=``), ``x1=``/``x2=``, and
``out=`` (the result is written into that tensor, which is also returned). flambeau's ops name their
operands after the lecture's formulas (``a``, ``b``); :func:`accept_pytorch_keywords` wraps each
public op so that PyTorch's names reach the right parameter. A call without keywords goes
straight through (one ``if``).
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np

__all__ = ["accept_pytorch_keywords", "write_out"]

# NumPy's spellings that PyTorch's parser reads as its own
_NUMPY = {"axis": "dim", "keepdims": "keepdim", "x1": "input", "x2": "other"}
# what flambeau calls the first two operands of an op, and PyTorch's names for them
_FIRST = ("a", "x", "t", "tensor", "self", "A")  # A: the matrix of the linear-algebra ops
_SECOND = ("b", "y")
# PyTorch's names of later operands, by their position in flambeau's function
_BY_POSITION = {
    "mm": {"mat2": 1}, "bmm": {"mat2": 1}, "mv": {"vec": 1}, "outer": {"vec2": 1},
    "pow": {"exponent": 1}, "pow_": {"exponent": 1}, "where": {"input": 1, "other": 2}, "addmm": {"mat1": 1, "mat2": 2},
    "lerp": {"input": 0},
}
# PyTorch's keyword for what flambeau takes as ``*args`` (``x.permute(dims=(1, 0))``)
_VARARGS = {"shape", "dims", "size", "sizes"}


def _renames(fn: Any, method: bool) -> dict[str, str] | None:
    """PyTorch's keyword -> ``fn``'s parameter, for the names that differ; None when ``fn``'s
    signature cannot be read (a builtin) and it is left as it is."""
    inner = getattr(fn, "__wrapped__", fn)  # through functools.wraps decorators
    code = getattr(inner, "__code__", None)
    if code is None:
        return None
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    positional = list(code.co_varnames[:code.co_argcount])
    table: dict[str, str] = {}
    if code.co_flags & 0x04:  # *args: PyTorch's keyword for them is passed by position
        table.update({k: "*" for k in _VARARGS if k not in names})
    for torch_name, i in _BY_POSITION.get(inner.__name__, {}).items():
        if method <= i < len(positional):  # a method's tensor (position 0) is not named
            table[torch_name] = positional[i]
    if method:  # x.add(other=y): the tensor itself is not named
        positional = positional[1:]
        if positional and positional[0] in _SECOND + _FIRST[:2]:
            table["other"] = positional[0]
    else:
        if positional and positional[0] in _FIRST:
            table["input"] = positional[0]
        if len(positional) > 1 and positional[1] in _SECOND:
            table["other"] = positional[1]
    for numpy_name, torch_name in _NUMPY.items():
        target = table.get(torch_name, torch_name)
        if target in names:
            table[numpy_name] = target
    if "dims" in names and "dim" not in names:
        table["dim"] = "dims"
    if "dim" in names and "dims" not in names:
        table["dims"] = "dim"
    return table


def write_out(name: str, result: Any, out: Any, inputs: tuple) -> Any:
    """Write ``result`` into ``out`` (resized if needed, as PyTorch does) and return ``out``."""
    from .tensor import Tensor

    if isinstance(result, tuple):
        for r, o in zip(result, out):
            write_out(name, r, o, inputs)
        return type(result)(out) if not hasattr(result, "_fields") else type(result)(*out)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if any(isinstance(t, Tensor) and t.requires_grad for t in inputs) and _grad_enabled():
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    src = result._data
    if src.dtype != out._data.dtype:
        if not np.can_cast(src.dtype, out._data.dtype, "same_kind"):
            raise RuntimeError(f"result type {_legacy(result)} can't be cast to the desired output "
                               f"type {_legacy(out)}")
    if out._data.shape != src.shape:
        if out._data.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(out._data.shape)}, which does not match the required output shape "
                f"{list(src.shape)}. This behavior is deprecated, and in a future PyTorch release "
                "outputs will not be resized unless they have zero elements. You can explicitly "
                "reuse an out tensor t by resizing it, inplace, to zero elements with "
                "t.resize_(0).", UserWarning, stacklevel=3)
        out._data = np.array(src, dtype=out._data.dtype)
    else:
        np.copyto(out._data, src, casting="unsafe")
    return out


def _legacy(t: Any) -> str:
    from .ops.shape import _legacy_name

    return _legacy_name(t)[6:-6]


def _grad_enabled() -> bool:
    from .autograd.grad_mode import _state

    return _state.enabled


def accept_pytorch_keywords(fn: Any, method: bool = False) -> Any:
    """``fn``, taking PyTorch's keyword names (``input``, ``other``, ``axis``, ``keepdims``,
    ``out``...) as well as its own."""
    table = _renames(fn, method)
    if table is None:
        return fn
    code = getattr(fn, "__wrapped__", fn).__code__
    own_out = "out" in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    name = fn.__name__
    positional = code.co_varnames[:code.co_argcount]
    if "_stacklevel" in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]:
        return _with_stacklevel(fn, table)

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if not kwargs:
            return fn(*args)
        if "out" not in kwargs and kwargs.keys().isdisjoint(table):  # the function's own names
            return fn(*args, **kwargs)
        varargs = None
        for k in [k for k in kwargs if k in table]:
            target = table[k]
            if target == "*":
                varargs = kwargs.pop(k)
                continue
            if target in kwargs:
                raise TypeError(f"{name}() got multiple values for argument '{target}'")
            kwargs[target] = kwargs.pop(k)
        if varargs is not None:  # the values of *args: the named parameters go first
            args += tuple(kwargs.pop(p) for p in positional[len(args):] if p in kwargs)
            if isinstance(varargs, (tuple, list)):  # size=(): one empty shape, not no argument
                args += tuple(varargs) if len(varargs) else ((),)
            else:
                args += (varargs,)
        out = None if own_out else kwargs.pop("out", None)
        if out is None:
            return fn(*args, **kwargs)
        return write_out(name, fn(*args, **kwargs), out, args + tuple(kwargs.values()))

    call._pytorch_keywords = True  # type: ignore[attr-defined]
    return call


def _with_stacklevel(fn: Any, table: dict[str, str]) -> Any:
    """The wrapper for an op that warns ``_stacklevel`` frames up (at the user's line): one
    frame more, for the wrapper's own."""
    import inspect

    params = list(inspect.signature(fn).parameters)
    default = inspect.signature(fn).parameters["_stacklevel"].default
    at = params.index("_stacklevel")

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        for k in [k for k in kwargs if k in table and table[k] != "*"]:
            kwargs[table[k]] = kwargs.pop(k)
        if len(args) > at:  # given by position
            args = args[:at] + (args[at] + 1,) + args[at + 1:]
        else:
            kwargs["_stacklevel"] = kwargs.get("_stacklevel", default) + 1
        return fn(*args, **kwargs)

    return call
