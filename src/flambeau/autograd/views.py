"""Views: tensors that share the memory of another (their ``_base``), as in PyTorch.

``x[0:2]``, ``x.view(2, 3)``, ``x.t()``, ``x.unsqueeze(0)``... return views: NumPy views of the
base's array, sharing its version counter. An in-place operation on a view changes the base;
in the graph, the base then gets a ``CopySlices`` node (see ``ops/_core.py``): its gradient is
the gradient from above, except in the view's region, where it goes through the in-place op.

A view remembers how it was made from its base: ``steps``, a chain of ``(fn, backward)`` where
``fn`` maps an array shaped like the step's input to the view of it (``np.swapaxes``, a slice...)
and ``backward`` maps the gradient back. When the base (or another view of it) is modified in
place after the view was made, the view's ``grad_fn`` is stale: it is rebuilt from the base's
current node on the next use (PyTorch's ``AsStridedBackward0``), so the gradient follows what
the view reads now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .grad_mode import _state
from .graph import AccumulateGrad, Node

if TYPE_CHECKING:
    from ..tensor import Tensor


class ViewInfo:
    """What a view knows of its base: the base (never itself a view), the chain of view
    functions from it, the version its ``grad_fn`` was made at, whether it was made in grad
    mode, and, for the outputs of ``unbind``/``split``/``chunk``, the op's name."""

    __slots__ = ("base", "steps", "version", "grad_mode", "multi", "had_node")

    def __init__(self, base: Tensor, steps: tuple, version: int, grad_mode: bool,
                 multi: str | None, had_node: bool = True) -> None:
        self.base = base
        self.steps = steps
        self.version = version
        self.grad_mode = grad_mode
        self.multi = multi
        self.had_node = had_node

    def fn(self, x: np.ndarray) -> np.ndarray:
        """The view of an array shaped like the base (as the view is of the base)."""
        for f, _ in self.steps:
            x = f(x)
        return x

    def backward(self, g: np.ndarray) -> np.ndarray:
        """The gradient of the base given the gradient of the view."""
        for _, b in reversed(self.steps):
            g = b(g)[0]
        return g


def version_counter(t: Tensor) -> list:
    vc = t._vc
    if vc is None:
        vc = t._vc = [0]
    return vc


def attach(view: Tensor, a: Tensor, fn: Callable, backward: Callable, multi: str | None = None) -> Tensor:
    """Make ``view`` (just recorded as ``fn`` of ``a``) a view of ``a``'s base."""
    info = a._view
    vc = version_counter(a)
    view._vc = vc
    had_node = view._grad_fn is not None
    if info is None:
        view._view = ViewInfo(a, ((fn, backward),), vc[0], _state.enabled, multi, had_node)
    else:
        view._view = ViewInfo(info.base, info.steps + ((fn, backward),), vc[0],
                              _state.enabled and info.grad_mode, multi or info.multi, had_node)
    return view


def view_error(t: Tensor, info: ViewInfo, direct: bool) -> RuntimeError:
    """PyTorch's refusal of an in-place change to a view made under ``no_grad`` or by a
    function returning several views (``direct``: the view itself is being modified; else its
    base was, and its ``grad_fn`` cannot be rebuilt)."""
    if info.had_node:
        text = f"Output {t._nr} of {info.multi} is a view"
    else:
        text = "A view was created in no_grad mode"
    text += (" and is being modified inplace" if direct else
             " and its base or another view of its base has been modified inplace")
    if not info.had_node:
        text += " with grad mode enabled"
    if info.multi is not None and info.grad_mode:
        text += (". This view is the output of a function that returns multiple views. Such "
                 "functions do not allow the output views to be modified inplace. You should "
                 "replace the inplace operation by an out-of-place one.")
    else:
        text += (". Given that this use case is ambiguous and error-prone, it is forbidden. You "
                 "can clarify your code by moving both the view and the inplace either both "
                 "inside the no_grad block (if you don't want the inplace to be tracked) or both "
                 "outside (if you want the inplace to be tracked).")
    return RuntimeError(text)


def refresh(t: Tensor) -> None:
    """Rebuild the ``grad_fn`` of view ``t`` if its memory was written in place since it was
    last built: the view then reads the base as it is now."""
    info = t._view
    version = t._vc[0]
    if info.version == version:
        return
    base = info.base
    if base._requires_grad:
        if info.multi is not None or not info.grad_mode:
            raise view_error(t, info, False)
        t._grad_fn = Node("AsStridedBackward0", lambda g: (info.backward(g),), [edge(base)], (base,))
        t._nr = 0
        t._requires_grad = True
    info.version = version


def edge(t: Tensor) -> Any:
    """Where the gradient of ``t`` goes: its node (with its output number if it is not the
    first), or its leaf's accumulator."""
    fn = t._grad_fn
    if fn is not None:
        return (fn, t._nr) if t._nr else fn
    acc = t._acc
    if acc is None:
        acc = t._acc = AccumulateGrad(t)
    return acc


def check_writable_view(t: Tensor, grad_mode_write: bool) -> None:
    """PyTorch's refusals for an in-place op on view ``t`` recorded in the graph."""
    info = t._view
    base = info.base
    if not grad_mode_write:
        return
    if (not info.grad_mode and base._requires_grad) or info.multi is not None:
        raise view_error(t, info, True)
    if base._requires_grad and base._grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")


def copy_slices(base: Tensor, info: ViewInfo, node: Node | None) -> Node:
    """The node that the base gets when its view ``info`` is modified in place by ``node``
    (whose first input is the view's old value): the base's gradient passes unchanged outside
    the view, and through ``node`` inside it; ``node``'s other inputs get their gradients."""
    old = edge(base) if base._requires_grad else None
    fn_next = node.next[1:] if node is not None else ()
    layout = base._data

    def backward(g: np.ndarray) -> tuple:
        gb = np.empty_like(layout, dtype=g.dtype)
        gb[...] = g
        region = info.fn(gb)
        if node is None:
            region[...] = 0
            return (gb,)
        grads = node.backward(np.array(region))
        region[...] = 0 if grads[0] is None else grads[0]
        return (gb, *grads[1:])

    inputs = (base if old is not None else None, *(node.inputs[1:] if node is not None else ()))
    return Node("torch::autograd::CopySlices", backward, [old, *fn_next], inputs,
                node.saved if node is not None else None)


def overlapping(x: np.ndarray) -> bool:
    """Whether several elements of ``x`` share one memory location (an expanded tensor)."""
    return any(s == 0 and n > 1 for s, n in zip(x.strides, x.shape))


__all__ = ["ViewInfo", "attach", "refresh", "edge", "copy_slices", "check_writable_view",
           "overlapping", "version_counter", "Any"]
