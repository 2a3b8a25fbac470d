"""``Optimizer``: the base class of every optimizer, as ``torch.optim.Optimizer``.

An optimizer holds the tensors it updates in *parameter groups*: ``param_groups`` is a list of
dicts, each with its ``"params"`` (a list of tensors) and every hyper-parameter of the algorithm
(``"lr"``, ``"momentum"``...), so that different groups can learn at different rates. ``state``
maps each parameter to a dict of what the algorithm remembers about it between steps (a momentum
buffer, running averages, a step count), created lazily at its first update.

``state_dict()`` packs both in PyTorch's layout, with parameters replaced by their position
(0, 1, 2... through the groups in order), and ``load_state_dict`` puts them back onto the
parameters of another optimizer built the same way.

Subclasses implement ``step``: they read ``p.grad`` and change ``p`` in place, on the NumPy
arrays directly (no autograd graph is built), skipping parameters whose ``grad`` is ``None``.
"""

from __future__ import annotations

import copy
import functools
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from ..autograd import enable_grad
from ..ops._core import bump
from ..tensor import Tensor, _make


def _typename(obj: object) -> str:
    return "flambeau.Tensor" if isinstance(obj, Tensor) else type(obj).__name__


def _noting_call(step: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(step)
    def noted(self: Any, *args: Any, **kwargs: Any) -> Any:
        self._opt_called = True
        return step(self, *args, **kwargs)

    noted._notes_call = True  # type: ignore[attr-defined]
    return noted


class Optimizer:
    """Base class of the optimizers.

    Args:
        params: an iterable of tensors (or of ``(name, tensor)`` pairs, as
            ``named_parameters()`` gives), or an iterable of dicts, each a parameter group
            ``{"params": [...], "lr": ...}`` whose options override ``defaults``.
        defaults: the algorithm's hyper-parameters, used by groups that do not set them.
    """

    # state entries that are not of their parameter's shape (LBFGS's vectors of all parameters)
    _flat_state: frozenset[str] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Each update rule's ``step`` notes that it ran (``_opt_called``), so that a learning-rate
        scheduler stepped before the optimizer can warn as PyTorch does."""
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_notes_call", False):
            cls.step = _noting_call(step)  # type: ignore[method-assign]

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors "
                            "or dicts, but got " + _typename(params))
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (a dict with ``"params"`` and optional options that override
        the defaults), for example layers unfrozen during fine-tuning."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the "
                            "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(params):
            raise ValueError("all optimizer params should be with/without names. Some param names are missing")
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(p))
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        group = dict(param_group)
        group["params"] = params
        if names:
            group["param_names"] = names
        for name, default in self.defaults.items():
            group.setdefault(name, default)

        ids = [id(p) for p in params]
        if len(ids) != len(set(ids)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this "
                          "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                          "information", stacklevel=3)
        seen: set[int] = set()
        for other in self.param_groups:
            seen.update(id(p) for p in other["params"])
            if ("param_names" in other) != bool(names):
                which = "with names" if names else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # ------------------------------------------------------------------ gradients and steps
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of every parameter before the next ``backward``.

        With ``set_to_none=True`` (the default) ``p.grad`` becomes ``None``, and the optimizer
        then skips ``p`` until it has a gradient again; with ``False`` it is filled with zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad  # the attribute behind .grad (its setter checks only non-None values)
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                    continue
                g._grad_fn = None
                g._requires_grad = False
                if g._data.flags.writeable:
                    g._data.fill(0)
                else:
                    g._data = np.zeros_like(g._data)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, once. ``closure``, if given, recomputes
        the loss (with gradients) and is called first; its result is returned."""
        raise NotImplementedError(f"{type(self).__name__} must define step(): the update rule")

    @staticmethod
    def _gradients(group: dict[str, Any], coupled_decay: bool = True) -> Iterator[tuple[Any, Any, Any]]:
        """``(p, theta, g)`` for each parameter of ``group`` that has a gradient: its values
        (updated in place by the caller) and the gradient the rule starts from, negated with
        ``maximize`` and, with ``coupled_decay``, plus the L2 term ``weight_decay * theta``."""
        maximize = group.get("maximize", False)
        weight_decay = group.get("weight_decay", 0) if coupled_decay else 0
        for p in group["params"]:
            grad = p._grad
            if grad is None:
                continue
            vc = p._vc  # the caller changes it in place: nodes that saved it will refuse it
            if vc is None:
                bump(p)
            else:
                vc[0] += 1
            theta = p._data
            g = grad._data
            if maximize:
                g = -g
            if weight_decay != 0:
                g = g + weight_decay * theta
            yield p, theta, g

    @staticmethod
    def _evaluate(closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ------------------------------------------------------------------ saving and loading
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state: ``{"state": {index: {...}}, "param_groups": [{..., "params":
        [indices]}]}``, parameters numbered 0, 1, 2... through the groups in order.

        Tensors in it are copies (a snapshot: later steps do not change it), numbers are numbers.
        """
        index: dict[int, int] = {}
        groups = []
        start = 0
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(group["params"])
            groups.append(packed)
        state = {}
        for p, values in self.state.items():
            key = index[id(p)] if isinstance(p, Tensor) else p
            state[key] = _snapshot(values)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state saved by ``state_dict()`` from an optimizer with the same groups.

        The saved parameter indices are matched with this optimizer's parameters in order; the
        hyper-parameters of the saved groups replace the current ones. Tensors are copied (and
        cast to their parameter's dtype); NumPy arrays and PyTorch tensors are accepted too.
        """
        groups = self.param_groups
        saved = state_dict["param_groups"]
        if len(groups) != len(saved):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for i, (g, s) in enumerate(zip(groups, saved)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match the size "
                                 f"of optimizer's group (group {i}: {len(s['params'])} saved parameters, "
                                 f"{len(g['params'])} in the optimizer)")
        params_of = {}
        for g, s in zip(groups, saved):
            params_of.update(zip(s["params"], g["params"]))

        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, values in state_dict["state"].items():
            if key in params_of:
                p = params_of[key]
                state[p] = {name: _cast(p, name, v, key, name not in self._flat_state) for name, v in values.items()}
            else:
                state[key] = copy.deepcopy(values)

        new_groups = []
        for g, s in zip(groups, saved):
            group = {k: copy.deepcopy(v) for k, v in s.items() if k != "params"}
            group["params"] = g["params"]
            if "param_names" in g and "param_names" not in group:
                group["param_names"] = g["param_names"]
            new_groups.append(group)
        self.state = state
        self.param_groups = new_groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {group[k]}" for k in sorted(group) if k != "params")
        lines.append(")")
        return "\n".join(lines)


def _snapshot(value: Any) -> Any:
    """A deep copy of a piece of optimizer state, tensors included."""
    if isinstance(value, Tensor):
        return _make(value._data.copy())
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(v) for v in value)
    return copy.deepcopy(value)


def _cast(param: Tensor, name: str, value: Any, key: Any, shaped: bool = True) -> Any:
    """A loaded piece of state for ``param``: tensors (or arrays) copied to a flambeau tensor of
    ``param``'s floating dtype, of ``param``'s shape (unless not ``shaped``); a step count
    becomes a number."""
    if isinstance(value, dict):
        return {k: _cast(param, k, v, key, shaped) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, name, v, key, shaped) for v in value)
    if isinstance(value, Tensor):
        arr = value._data
    elif hasattr(value, "__array__") and not isinstance(value, (int, float, np.generic)):
        arr = np.asarray(value)
    else:
        return copy.deepcopy(value)
    if name == "step":
        return arr.item()
    if shaped and arr.ndim and arr.shape != param._data.shape:
        raise ValueError(f"loaded state dict has '{name}' of shape {list(arr.shape)} for parameter {key}, "
                         f"whose shape is {list(param._data.shape)}")
    dtype = param._data.dtype if arr.dtype.kind in "fV" and param._data.dtype.kind in "fV" else arr.dtype
    return _make(np.array(arr, dtype=dtype))
