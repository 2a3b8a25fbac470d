"""What a compiled function reaches (:mod:`flambeau._compile`): the tensors, modules and
optimizers it can read or change, found where Python finds them (its globals, its closure, the
object of a bound method, the attributes of those objects, and lists or dicts of them), and
where it reads Python numbers, strings and flags, which a recording depends on."""

from __future__ import annotations

import functools
import inspect
import types
from typing import Any

from .nn.module import Module
from .optim.optimizer import Optimizer
from .tensor import Tensor


def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= _code_names(c)
    return names


def reached(fn: Any) -> tuple[list[Tensor], list[Module], list[Optimizer], list[tuple]]:
    """The tensors, modules and optimizers ``fn`` reaches (see the module's docstring), and
    where it reads Python numbers, strings and flags: ``(namespace or cell, name)`` pairs."""
    roots: list[Any] = []
    scalars: list[tuple] = []
    if isinstance(fn, Module):
        roots.append(fn)
        fn = type(fn).forward
    if inspect.ismethod(fn):
        roots.append(fn.__self__)
        fn = fn.__func__
    while isinstance(fn, functools.partial):
        roots.extend(fn.args)
        roots.extend(fn.keywords.values())
        fn = fn.func
    code = getattr(fn, "__code__", None)
    if code is not None:
        glob = getattr(fn, "__globals__", {})
        for n in _code_names(code):
            # (functions are not followed, nor what wraps one: a compiled ``step`` calling
            # ``opt.step()`` does not reach itself through the name ``step``)
            if n in glob and not isinstance(glob[n], (type, types.ModuleType, types.FunctionType)) \
                    and not hasattr(glob[n], "__wrapped__"):
                roots.append(glob[n])
                scalars.append((glob, n))  # a global the function rebinds would not be rebound
        for cell in fn.__closure__ or ():
            try:
                roots.append(cell.cell_contents)
            except ValueError:  # an empty cell
                continue
            scalars.append((cell, None))  # a ``nonlocal`` rebound, as an RNN's carried state
    tensors: dict[int, Tensor] = {}
    modules: dict[int, Module] = {}
    optims: dict[int, Optimizer] = {}

    def visit(obj: Any, depth: int) -> None:
        if isinstance(obj, Tensor):
            tensors.setdefault(id(obj), obj)
        elif isinstance(obj, Module):
            for m in obj.modules():
                if id(m) in modules:
                    continue
                modules[id(m)] = m
                for t in (*m._parameters.values(), *m._buffers.values()):
                    if t is not None:
                        tensors.setdefault(id(t), t)
        elif isinstance(obj, Optimizer):
            if id(obj) not in optims:
                optims[id(obj)] = obj
                for group in obj.param_groups:
                    for p in group["params"]:
                        tensors.setdefault(id(p), p)
                for entry in obj.state.values():
                    for v in entry.values():
                        if isinstance(v, Tensor):
                            tensors.setdefault(id(v), v)
        elif depth > 0:
            if isinstance(obj, (list, set, dict)):
                scalars.append((obj, LENGTH))  # an append the function makes would not be replayed
            if isinstance(obj, (list, tuple, set, frozenset)):
                for i, v in enumerate(obj):
                    if type(v) in SCALARS and type(obj) is list:
                        scalars.append((obj, i))
                    visit(v, depth - 1)
            elif isinstance(obj, dict):
                for k, v in obj.items():
                    if type(v) in SCALARS:
                        scalars.append((obj, k))
                    visit(v, depth - 1)
            elif hasattr(obj, "__dict__") and not isinstance(obj, (type, types.ModuleType, types.FunctionType)):
                attrs = vars(obj)
                for k, v in attrs.items():
                    scalars.append((attrs, k))  # an attribute set by the function: not replayed
                    if type(v) not in SCALARS:
                        visit(v, depth - 1)

    for r in roots:
        visit(r, 2)
    return list(tensors.values()), list(modules.values()), list(optims.values()), scalars


LENGTH = object()  # a source's name for the length of a list, set or dict


def read_scalar(source: tuple) -> Any:
    where, name = source
    if name is LENGTH:
        return len(where)
    if name is None:
        try:
            return where.cell_contents
        except ValueError:
            return read_scalar
    if type(where) is list:
        return where[name] if name < len(where) else read_scalar
    return where.get(name, read_scalar)


SCALARS = (bool, int, float, str, type(None))


def same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # values that do not compare (tensors as hyper-parameters)
        return False
