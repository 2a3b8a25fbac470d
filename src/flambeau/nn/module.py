"""``Module``: the base class of layers and models, as ``torch.nn.Module``.

A module holds parameters (weights that learn), buffers (state that does not learn, such as
BatchNorm's running mean) and sub-modules, registered simply by assigning them as attributes.
``parameters()`` walks them all, ``state_dict()`` names them with dotted keys (``"0.weight"``),
and ``load_state_dict`` puts them back, checking every name and shape first.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import _dtype as dt
from ..ops._core import bump
from ..tensor import Tensor
from .parameter import Parameter, is_lazy


class _IncompatibleKeys(tuple):
    """``load_state_dict``'s result: ``(missing_keys, unexpected_keys)``."""

    def __new__(cls, missing: list[str], unexpected: list[str]) -> _IncompatibleKeys:
        return super().__new__(cls, (missing, unexpected))

    @property
    def missing_keys(self) -> list[str]:
        return self[0]

    @property
    def unexpected_keys(self) -> list[str]:
        return self[1]

    def __repr__(self) -> str:
        if not self[0] and not self[1]:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self[0]}, unexpected_keys={self[1]})"


CHANGES = [0]  # module changes anywhere: a compiled call checks this first, each module's if it moved


def _changed(d: dict) -> None:
    """Note a change of the module whose ``__dict__`` is ``d`` (an attribute, its mode, its
    hooks...): its ``_version`` becomes the number of changes made so far."""
    CHANGES[0] += 1
    d["_version"] = CHANGES[0]


class Module:
    """Base class of every layer and model: subclass it, create the layers in ``__init__``,
    compute the output in ``forward``, and call the module like a function."""

    training: bool

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A layer whose ``__init__`` takes ``device=`` refuses a device that is not there with
        PyTorch's error, before building anything (every layer, written here or by a user)."""
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        code = getattr(init, "__code__", None)
        if code is None or "device" not in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]:
            return

        def checked(self: Module, *args: Any, **kw: Any) -> None:
            if kw.get("device") is not None:
                from .._device import check

                check(kw["device"])
            init(self, *args, **kw)

        checked.__wrapped__ = init  # type: ignore[attr-defined]
        checked.__doc__, checked.__name__, checked.__qualname__ = init.__doc__, "__init__", init.__qualname__
        cls.__init__ = checked  # type: ignore[method-assign]

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError("cannot assign before Module.__init__() call: call super().__init__() first")
        _changed(d)  # flambeau.compile's recordings check it
        params, modules, buffers = d["_parameters"], d["_modules"], d["_buffers"]
        if isinstance(value, Parameter):
            d.pop(name, None)
            modules.pop(name, None)
            buffers.pop(name, None)
            params[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            d.pop(name, None)
            params.pop(name, None)
            buffers.pop(name, None)
            modules[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                "(torch.nn.Module or None expected)")
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(torch.Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        _changed(self.__dict__)
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def _check_new_name(self, name: str, store: str, kind: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name or not name:
            raise KeyError(f'{kind} name can\'t contain "." or be empty (got "{name}")')
        if name not in self.__dict__[store] and (hasattr(self, name) or name in self._modules):
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or ``None``, a declared but absent one, such as a disabled bias)."""
        self._check_new_name(name, "_parameters", "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        _changed(self.__dict__)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """A tensor that is part of the module's state but not learned (BatchNorm's running
        mean): saved in ``state_dict`` unless ``persistent=False``, cast by ``to(dtype)``."""
        self._check_new_name(name, "_buffers", "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        _changed(self.__dict__)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _changed(self.__dict__)
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        mod = self
        for part in target.split(".") if target else []:
            if part not in mod._modules:
                raise AttributeError(f"{type(mod).__name__} has no attribute `{part}`")
            mod = mod._modules[part]
        return mod

    def get_parameter(self, target: str) -> Parameter:
        prefix, _, name = target.rpartition(".")
        mod = self.get_submodule(prefix)
        if name not in mod._parameters:
            raise AttributeError(f"{type(mod).__name__} has no parameter `{name}`")
        return mod._parameters[name]

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._forward_pre_hooks or self._forward_hooks:
            for hook in self._forward_pre_hooks.values():
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
            out = self.forward(*args, **kwargs)
            for hook in self._forward_hooks.values():
                res = hook(self, args, out)
                if res is not None:
                    out = res
            return out
        return self.forward(*args, **kwargs)

    def register_forward_hook(self, hook: Callable) -> Any:
        return _Handle(self._forward_hooks, hook)

    def register_forward_pre_hook(self, hook: Callable) -> Any:
        return _Handle(self._forward_pre_hooks, hook)

    # ------------------------------------------------------------------ walking
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module and all below it, with dotted names, each once."""
        memo = set() if memo is None else memo
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, mod = stack.pop()
            if remove_duplicate:
                if id(mod) in memo:
                    continue
                memo.add(id(mod))
            yield name, mod
            children = [(f"{name}.{k}" if name else k, m) for k, m in mod._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, store: str, prefix: str, recurse: bool,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_name, mod in mods:
            for name, v in getattr(mod, store).items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                seen.add(id(v))
                yield (f"{mod_name}.{name}" if mod_name else name), v

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name (``"0.weight"``), each once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter (what the optimizer updates), each once."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ------------------------------------------------------------------ state
    def state_dict(self, destination: Any = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Every parameter and persistent buffer under its dotted name, as PyTorch names them
        (shared ones are listed under each name)."""
        out: OrderedDict[str, Tensor] = OrderedDict() if destination is None else destination
        for mod_name, mod in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            base = f"{mod_name}." if mod_name else ""
            for name, p in mod._parameters.items():
                if p is not None:
                    out[base + name] = p if keep_vars or is_lazy(p) else p.detach()
            for name, b in mod._buffers.items():
                if b is not None and name not in mod._non_persistent:
                    out[base + name] = b if keep_vars or is_lazy(b) else b.detach()
        return out

    def load_state_dict(self, state_dict: Any, strict: bool = True, assign: bool = False) -> _IncompatibleKeys:
        """Copy weights from ``state_dict`` into this module. Every key and shape is checked before
        anything is written: on an error the module is left untouched."""
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict:  # PyTorch's order: missing, unexpected, then the mismatched shapes
            if missing:
                errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        values = {}
        for k, target in own.items():
            if k not in state_dict:
                continue
            v = state_dict[k]
            arr = v._data if isinstance(v, Tensor) else np.asarray(v)
            if is_lazy(target):  # a lazy layer not called yet takes the checkpoint's shapes
                target.materialize(arr.shape)
            if arr.shape != target._data.shape:
                errors.append(f"size mismatch for {k}: copying a param with shape {_size(arr.shape)} "
                              f"from checkpoint, the shape in current model is {_size(target._data.shape)}.")
                continue
            if arr.dtype.kind != target._data.dtype.kind and not (arr.dtype.kind in "iu" and target._data.dtype.kind in "iu"):
                errors.append(f"dtype mismatch for {k}: copying a {dt.from_numpy_dtype(arr.dtype)} into "
                              f"a {target.dtype}.")
                continue
            values[k] = arr
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        for k, arr in values.items():
            target = own[k]
            if target._data.flags.writeable:  # in place, as PyTorch's copy_: views see the new values
                target._data[...] = arr
            else:
                target._data = np.array(arr, dtype=target._data.dtype)
            bump(target)
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ modes and conversions
    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout drops, BatchNorm uses batch statistics)."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        if self.training is not mode:  # a change: what a compiled call recorded may not hold
            object.__setattr__(self, "training", mode)
            CHANGES[0] += 1  # (compile compares the flag itself: back in this mode, its recording holds)
        for m in self.children():  # each child's own train(), which a subclass may override
            m.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters (to None by default, as PyTorch 2)."""
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad._data = np.zeros_like(p.grad._data)

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module (children first) and on this module."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def _cast(self, d: dt.dtype) -> Module:
        for m in self.modules():
            for store in (m._parameters, m._buffers):
                for t in store.values():
                    if is_lazy(t):
                        if t.is_floating_point():
                            t._set_dtype(d.np)
                    elif t is not None and t._data.dtype.kind in "fV":
                        t._data = t._data.astype(d.np)
                        if t.grad is not None:
                            t.grad._data = t.grad._data.astype(d.np)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``to(dtype)`` casts floating parameters and buffers; ``to('cpu')`` changes nothing;
        another device raises PyTorch's error."""
        from .._device import check_to, device

        target = kwargs.get("dtype")
        for a in list(args) + ([kwargs["device"]] if kwargs.get("device") is not None else []):
            if isinstance(a, dt.dtype):
                target = a
            elif isinstance(a, Tensor):
                target = a.dtype
            elif a is None or isinstance(a, bool):  # non_blocking, given by position
                continue
            else:
                check_to(device(a))
        if target is not None:
            if not target.is_floating_point:
                raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={target}")
            self._cast(target)
        return self

    def float(self) -> Module:
        return self._cast(dt.float32)

    def double(self) -> Module:
        return self._cast(dt.float64)

    def half(self) -> Module:
        return self._cast(dt.float16)

    def bfloat16(self) -> Module:
        return self._cast(dt.bfloat16)

    def cpu(self) -> Module:
        return self

    def cuda(self, device: Any = None) -> Module:
        """Raises PyTorch's error: flambeau has no CUDA device."""
        from .._device import check_cuda

        check_cuda(device)
        return self

    def type(self, d: Any) -> Module:
        return self._cast(dt.to_dtype(d))

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        child_lines = []
        for name, m in self._modules.items():
            text = repr(m).replace("\n", "\n  ")
            child_lines.append(f"({name}): {text}")
        lines = lines + child_lines
        main = type(self).__name__ + "("
        if lines:
            if len(lines) == 1 and not child_lines:
                main += lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._modules) | set(self._buffers))

    def __deepcopy__(self, memo: dict) -> Module:
        """``copy.deepcopy(model)``: an independent copy, parameters and buffers included."""
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        for k, v in self.__dict__.items():
            object.__setattr__(new, k, copy.deepcopy(v, memo))
        return new


def _size(shape: tuple) -> str:
    return f"torch.Size({list(shape)})"


class _Handle:
    _next = 0
    changes = 0  # hooks added or removed anywhere (flambeau.compile's recordings check it)

    def __init__(self, store: OrderedDict, hook: Callable) -> None:
        _Handle._next += 1
        _Handle.changes += 1
        self.id = _Handle._next
        self._store = store
        store[self.id] = hook

    def remove(self) -> None:
        _Handle.changes += 1
        self._store.pop(self.id, None)

