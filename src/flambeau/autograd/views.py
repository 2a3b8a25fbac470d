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

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .grad_mode import _state
from .graph import AccumulateGrad, Node, short_name

if TYPE_CHECKING:
    from ..tensor import Tensor


DEFAULT, NO_GRAD, MULTI = 0, 1, 2
"""How a view was made (PyTorch's ``CreationMeta``): in grad mode, under ``no_grad``, or as one
of the outputs of ``unbind``/``split``/``chunk``. An in-place change recorded in the graph is
allowed only on (and through) a ``DEFAULT`` view."""


class ViewInfo:
    """What a view knows of its base: the base (never itself a view), the chain of view
    functions from it, the version its ``grad_fn`` was made at, and how it was made
    (``creation``: ``DEFAULT``, ``NO_GRAD`` or ``MULTI``; a view of a view inherits its
    parent's unless it is itself made under ``no_grad`` or by a multi-output op)."""

    __slots__ = ("base", "steps", "version", "creation")

    def __init__(self, base: Tensor, steps: tuple, version: int, creation: int) -> None:
        self.base = base
        self.steps = steps
        self.version = version
        self.creation = creation

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
    """``t``'s version counter: ``[version]``, shared with its views (followed by weak
    references to the views made while their base did not require grad)."""
    vc = t._vc
    if vc is None:
        vc = t._vc = [0]
    return vc


def attach(view: Tensor, a: Tensor, fn: Callable, backward: Callable, multi: bool = False) -> Tensor:
    """Make ``view`` (just recorded as ``fn`` of ``a``) a view of ``a``'s base."""
    info = a._view
    vc = version_counter(a)
    view._vc = vc
    creation = (MULTI if multi else DEFAULT) if _state.enabled else NO_GRAD
    if info is None:
        base = a
        view._view = ViewInfo(a, ((fn, backward),), vc[0], creation)
    else:
        base = info.base
        view._view = ViewInfo(base, info.steps + ((fn, backward),), vc[0],
                              info.creation if creation == DEFAULT else creation)
    if not base._requires_grad:  # until its base does: then ``base_requires_grad`` tells it
        vc.append(weakref.ref(view))
        if not len(vc) & 255:  # forget the views that are gone, now and then
            vc[1:] = [r for r in vc[1:] if r() is not None]
    return view


def base_requires_grad(base: Tensor) -> None:
    """``base`` (not a view) now requires grad, and so do its views (PyTorch's
    ``requires_grad`` of a view asks its base). Those written since they were made get their
    node rebuilt from the base's at their next use: they need their gradient, and the ops that
    read them from now on must save what it needs (``_requires_grad`` is what ops look at).
    The others stay without an edge of their own, as in PyTorch (no accumulator: their
    ``.grad`` stays ``None``)."""
    vc = base._vc
    if vc is None or len(vc) == 1:
        return
    for r in vc[1:]:
        v = r()
        if v is not None and v._view.base is base and v._view.version != vc[0]:
            v._requires_grad = True
    del vc[1:]


def view_error(t: Tensor, info: ViewInfo, direct: bool) -> RuntimeError:
    """PyTorch's refusal of an in-place change to a view made under ``no_grad`` or by a
    function returning several views (``direct``: the view itself is being modified; else its
    base or another view was, and its ``grad_fn`` cannot be rebuilt)."""
    fn = t._grad_fn
    what = "is being" if direct else "its base or another view of its base has been"
    if info.creation == NO_GRAD or fn is None:
        prefix = (f"Output {t._nr} of {short_name(fn)} is a view of a view which was created in"
                  if fn is not None else "A view was created in")
        text = f"{prefix} no_grad mode and {what} modified inplace with grad mode enabled."
    else:
        text = f"Output {t._nr} of {short_name(fn)} is a view and {what} modified inplace."
    if info.creation == MULTI:
        text += (" This view is the output of a function that returns multiple views. Such "
                 "functions do not allow the output views to be modified inplace. You should "
                 "replace the inplace operation by an out-of-place one.")
    else:
        text += (" Given that this use case is ambiguous and error-prone, it is forbidden. You "
                 "can clarify your code by moving both the view and the inplace either both "
                 "inside the no_grad block (if you don't want the inplace to be tracked) or both "
                 "outside (if you want the inplace to be tracked).")
    return RuntimeError(text)


def refresh(t: Tensor) -> None:
    """Rebuild the ``grad_fn`` of view ``t`` if its memory was written in place since it was
    last built: the view then reads the base as it is now (PyTorch's ``grad_fn()`` of a view)."""
    info = t._view
    version = t._vc[0]
    if info.version == version:
        return
    base = info.base
    if t._grad_fn is None and not base._requires_grad:
        return
    if info.creation != DEFAULT:
        raise view_error(t, info, False)
    t._grad_fn = Node("AsStridedBackward0", lambda g: (info.backward(g),),
                      [edge(base) if base._requires_grad else None], (base,))
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


def check_writable_view(t: Tensor) -> None:
    """PyTorch's refusals for an in-place op on view ``t`` recorded in the graph: a view made
    under ``no_grad`` or by ``unbind``/``split``, a view of a leaf that requires grad."""
    info = t._view
    if info.creation != DEFAULT:
        raise view_error(t, info, True)
    if t.requires_grad and info.base._grad_fn is None:  # (the base: a leaf, or no graph at all)
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
        if not region.flags.writeable:  # a view of an expanded tensor
            if old is not None and overlapping(region):  # PyTorch's copy into it refuses
                raise RuntimeError(OVERLAP)
            region = writable(region)
        if node is None:
            region[...] = 0
            return (gb,)
        grads = node.backward(np.array(region))
        if grads[0] is not None and _windows(region):
            from ..ops.overlap import assign  # several elements of the view are one location

            assign(region, np.broadcast_to(grads[0], region.shape))
        else:
            region[...] = 0 if grads[0] is None else grads[0]
        return (gb, *grads[1:])

    inputs = (base if old is not None else None, *(node.inputs[1:] if node is not None else ()))
    return Node("torch::autograd::CopySlices", backward, [old, *fn_next], inputs,
                node.saved if node is not None else None)


OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a "
           "single memory location. Please clone() the tensor before performing the operation.")


def writable(x: np.ndarray) -> np.ndarray:
    """A writable alias of ``x``, a read-only view of writable memory (NumPy marks expanded
    arrays and their views read-only)."""
    y = x.view()
    y.flags.writeable = True
    return y


def _windows(x: np.ndarray) -> bool:
    """Whether elements of ``x`` may share memory, no stride being 0 (``unfold``'s windows)."""
    if x.flags.c_contiguous or x.flags.f_contiguous:
        return False
    from ..ops.overlap import shares_memory

    return shares_memory(x)


def overlapping(x: np.ndarray) -> bool:
    """Whether several elements of ``x`` share one memory location (an expanded tensor)."""
    return any(s == 0 and n > 1 for s, n in zip(x.strides, x.shape))


__all__ = ["DEFAULT", "NO_GRAD", "MULTI", "ViewInfo", "attach", "refresh", "edge", "copy_slices", "check_writable_view",
           "overlapping", "OVERLAP", "writable", "version_counter", "base_requires_grad", "Any"]
