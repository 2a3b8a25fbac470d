"""The computational graph: nodes joined by edges, as in PyTorch.

Each differentiable operation on tensors that require grad creates a :class:`Node` (the output
tensor's ``grad_fn``). A node keeps a ``backward`` function: given the gradient of the loss with
respect to the node's output (the "gradient from above"), it returns the gradient with respect to
each input: *local gradient times the gradient from above*, the chain rule.

A node does not keep its input *tensors* to know where to send those gradients: it keeps
**edges**, one per input, fixed when the operation ran: ``(producer, output number)``, where the
producer is the node that made the input, or the input leaf's :class:`AccumulateGrad` (one per
leaf, for its whole life). An in-place operation later gives the tensor a new ``grad_fn``; the
nodes recorded before keep pointing at the old producer, so they still receive the gradient of
the value they read. ``next_functions`` shows these edges as PyTorch does.

A node also remembers the tensors its ``backward`` reads (its *saved tensors*, as in PyTorch: a
``mul`` saves its inputs, an ``exp`` its output, an ``add`` nothing) with their version at that
time (every in-place write bumps a tensor's ``_version``); ``backward`` (in ``backward.py``)
refuses, with PyTorch's message, to use a saved tensor that was modified since.
"""

from __future__ import annotations

import itertools
import re
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..tensor import Tensor

_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


class Node:
    """One operation in the graph: the ``grad_fn`` of the tensor(s) it produced.

    ``next`` holds one edge per input: the producer (``None`` for an input that needs no
    gradient), or ``(producer, output_nr)`` for the outputs of a node with several.
    ``backward(g)`` returns one gradient (a NumPy array, or ``None``) per input. ``saved`` is
    ``None`` or a flat list, three entries per saved tensor: its version counter, its version
    then, and the tensor (an input) or its array (the node's output). ``inputs`` keeps the op's
    operands, for drawing the graph (``flambeau.viz``); backpropagation follows ``next``.
    A node with several outputs (``unbind``) has ``n_outputs > 1`` and receives a list of
    gradients, one per output (``None`` where none arrived). ``seq`` numbers the nodes in the
    order they were made (PyTorch's ``sequence_nr``): a node is always made after the nodes its
    edges point to, so running the nodes by decreasing ``seq`` is a topological order, and
    the one PyTorch's engine follows (the most recent ready node first). ``fresh``: its
    ``backward`` returns new arrays that nothing else holds, which a leaf may keep as its
    ``.grad`` without a copy (PyTorch's AccumulateGrad steals such a gradient too).

    ``fused``, set only on the nodes of a few fused ops (see :func:`fuse`), names the nodes
    PyTorch records between this node and some of its inputs, which flambeau computes inside it:
    ``next_functions`` and the drawings show them (:meth:`fused_nodes`).
    """

    __slots__ = ("_name", "backward", "next", "saved", "inputs", "retained", "hooks",
                 "n_outputs", "seq", "fresh", "fused", "__weakref__")

    def __init__(self, name: str, backward: Callable[[Any], Sequence[Any]], next_edges: tuple,
                 inputs: tuple = (), saved: tuple | None = None, n_outputs: int = 1) -> None:
        self._name = name
        self.backward = backward
        self.next = next_edges
        self.saved = saved
        self.inputs = inputs
        self.retained: weakref.ref | None = None  # output tensor whose .grad is kept
        self.hooks: list | None = None
        self.n_outputs = n_outputs
        self.seq = next_seq()
        self.fresh = False

    def name(self) -> str:
        return self._name

    def input_tensors(self) -> tuple | None:
        """The input tensors that receive a gradient (``None`` for the others), as they were
        when the op ran; ``None`` once ``backward`` freed the node."""
        if self.inputs is None:
            return None
        return tuple(t if e is not None else None for t, e in zip(self.inputs, self.next))

    def edges(self) -> tuple:
        """``(producer, output_nr)`` per input (``(None, 0)`` where none)."""
        return tuple((None, 0) if e is None else e if e.__class__ is tuple else (e, 0)
                     for e in self.next)

    @property
    def next_functions(self) -> tuple:
        """The nodes this one sends gradients to, as in PyTorch: ``(node, output_nr)`` per
        input, ``(None, 0)`` for an input that needs no gradient; a leaf input appears as its
        ``AccumulateGrad``, whose ``variable`` is the leaf. Where flambeau fuses what PyTorch
        records as two nodes (``Linear``'s weight goes through PyTorch's ``TBackward0``), the
        node in between is shown (:meth:`fused_nodes`)."""
        edges = self.edges()
        if getattr(self, "fused", None) is None:
            return edges
        shown = self.fused_nodes()
        return tuple((shown[i], 0) if i in shown else e for i, e in enumerate(edges))

    def fused_nodes(self) -> dict[int, ShownNode]:
        """``{input number: node}``: the nodes PyTorch records between this node and those
        inputs, which flambeau computes inside this one; made the first time they are asked
        for (reading ``next_functions``, drawing the graph), never while training."""
        fused = getattr(self, "fused", None)
        if fused is None:
            return {}
        if type(fused) is tuple:  # (input number, PyTorch's names) pairs: the nodes, made once
            made = _Made()
            made.names = fused
            for i, names in fused:
                edge = self.next[i]
                if edge is not None:
                    for name in reversed(names):
                        edge = ShownNode(name, edge, self.seq)
                    made[i] = edge
            self.fused = fused = made
        return fused

    def register_hook(self, hook: Callable) -> Any:
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(hook)
        return _HookHandle(self.hooks, hook)

    def __repr__(self) -> str:
        return f"<{self._name.replace('torch::autograd::', '')} object at {id(self):#x}>"


class ShownNode(Node):
    """A node of PyTorch's graph that flambeau computes inside the next one (``TBackward0``
    before ``Linear``'s ``AddmmBackward0``, ``LogSoftmaxBackward0`` inside ``cross_entropy``'s
    ``NllLossBackward0``): it stands in ``next_functions`` and in the drawings, with PyTorch's
    name and an edge to the input, but backpropagation does not run it."""

    __slots__ = ()

    def __init__(self, name: str, edge: Any, seq: int) -> None:
        super().__init__(name, _fused_backward, (edge,))
        self.seq = seq  # (PyTorch's is one less than the next node's; not run, it does not matter)

    def register_hook(self, hook: Callable) -> Any:
        raise RuntimeError(f"flambeau computes {self._name} inside the node after it: a hook on it "
                           f"would never run; register it on the node after it instead")


def _fused_backward(g: Any) -> tuple:
    raise RuntimeError("flambeau computes this node inside the node after it: it is not run alone")


class SavedT:
    """``t.t()`` among a node's saved tensors (``record``'s ``saved``): what PyTorch saves of a
    weight it multiplies by (a recurrent cell's), named so in the error when ``t`` is modified in
    place. (``linear`` saves its weight itself: ``_through_t`` knows it from its fused node.)"""

    __slots__ = ("t",)

    def __init__(self, t: Tensor) -> None:
        self.t = t


class _Made(dict):
    """The nodes :meth:`Node.fused_nodes` made, by input number, with the names they came from."""

    __slots__ = ("names",)


def _through_t(node: Node, what: Any) -> bool:
    """Whether PyTorch's node saves ``what``, one of ``node``'s inputs, transposed (a fused
    ``TBackward0`` next to it: ``linear`` saves ``weight.t()``)."""
    fused = getattr(node, "fused", None)
    names = fused.names if type(fused) is _Made else fused
    if not names:
        return False
    return any(chain[-1] == "TBackward0" and node.inputs[i] is what for i, chain in names)


def fuse(out: Tensor, fused: tuple) -> Tensor:
    """Record that the node of ``out`` computes, for some of its inputs, nodes that PyTorch
    records on their own: ``fused`` holds ``(input number, PyTorch's node names)`` pairs, the
    names from this node down to the input (``((2, ("TBackward0",)),)``). Costs one attribute
    while training; the nodes are made when asked for (:meth:`Node.fused_nodes`)."""
    node = out._grad_fn
    if node is not None:
        node.fused = fused
    return out


next_seq = itertools.count().__next__
"""The next node's sequence number (a C-level counter: one call per recorded operation)."""


class AccumulateGrad:
    """A leaf's end of the graph: backpropagation sums the gradients that reach it into the
    leaf's ``.grad``. Each leaf has one, for its whole life (``next_functions`` of two nodes
    that read the same leaf show the same object)."""

    __slots__ = ("_leaf", "__weakref__")

    def __init__(self, variable: Tensor) -> None:
        self._leaf = weakref.ref(variable)

    @property
    def variable(self) -> Tensor | None:
        return self._leaf()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    @property
    def next_functions(self) -> tuple:
        return ()

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


class OutputHook:
    """A hook on output ``nr`` of a node with several outputs (``split``'s pieces, a compiled
    module's results): ``Tensor.register_hook``'s ``hook``, or, with ``keep`` (a weak reference
    to the output), ``retain_grad``'s keeping of its ``.grad``."""

    __slots__ = ("nr", "hook", "keep")

    def __init__(self, nr: int, hook: Callable | None, keep: weakref.ref | None = None) -> None:
        self.nr, self.hook, self.keep = nr, hook, keep


class _HookHandle:
    def __init__(self, hooks: list, hook: Any, append: bool = False) -> None:
        self._hooks, self._hook = hooks, hook
        if append:
            hooks.append(hook)

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


# Hooks called once per backward on a leaf after its gradient is complete (by id of the leaf,
# with a weak reference: tensors cannot be dict keys, their == compares values).
_POST_ACCUMULATE: dict[int, tuple[weakref.ref, list]] = {}


def post_accumulate_hooks(leaf: Tensor) -> list:
    """The list of ``leaf``'s post-accumulate-grad hooks (created on first use)."""
    key = id(leaf)
    entry = _POST_ACCUMULATE.get(key)
    if entry is None or entry[0]() is not leaf:
        entry = (weakref.ref(leaf, lambda _ref, key=key: _POST_ACCUMULATE.pop(key, None)), [])
        _POST_ACCUMULATE[key] = entry
    return entry[1]


def _freed_backward(g: Any) -> tuple:
    raise RuntimeError(_FREED)


# ---------------------------------------------------------------- modified saved tensors
def check_saved(node: Node) -> None:
    """Raise PyTorch's error if a tensor that ``node`` saved was modified in place since."""
    saved = node.saved
    for i in range(0, len(saved), 3):
        if saved[i][0] != saved[i + 1]:
            raise RuntimeError(modified_message(node, *saved[i:i + 3]))


def modified_message(node: Node, vc: list, version: int, what: Any) -> str:
    if isinstance(what, np.ndarray):  # the node's own output
        fn, nr, array = node, 0, what
    elif isinstance(what, tuple) and len(what) == 2:  # output ``nr`` of a node with several
        (array, nr), fn = what, node
    elif isinstance(what, tuple):  # the output of an in-place op on a view
        array, view_fn, op = what
        fn, nr = view_fn() or op, 0
    elif type(what) is SavedT or _through_t(node, what):
        # the view ``w.t()`` of an input (``linear``'s weight): modified through its base, a
        # view that requires grad is AsStrided's output (PyTorch makes its node again)
        w = what.t if type(what) is SavedT else what
        fn, nr, array = (_AS_STRIDED if w.requires_grad else None), 0, w._data.T
    else:  # an input: named by its producer now, as PyTorch does
        fn, nr, array = what.grad_fn, what._nr, what._data
    from .._dtype import _FROM_NUMPY

    desc = f"[{_FROM_NUMPY[array.dtype].legacy_type} [{', '.join(str(s) for s in array.shape)}]]"
    which = f", which is output {nr} of {short_name(fn)}," if fn is not None else ""
    return ("one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: {desc}{which} is at version {vc[0]}; expected version {version} instead. "
            "Hint: enable anomaly detection to find the operation that failed to compute its "
            "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")


class _Shown:
    """A node PyTorch would make only to name it in a message."""

    def __init__(self, name: str) -> None:
        self._name = name

    def name(self) -> str:
        return self._name


_AS_STRIDED = _Shown("AsStridedBackward0")


def short_name(fn: Any) -> str:
    """A node's name as PyTorch's messages write it: ``MulBackward0`` is ``Mul``,
    ``ClampBackward1`` is ``Clamp1``."""
    return re.sub(r"Backward(\d+)$", lambda m: "" if m[1] == "0" else m[1], fn.name())


__all__ = ["Node", "ShownNode", "AccumulateGrad", "fuse", "check_saved", "modified_message", "short_name"]
