"""The computational graph and backpropagation through it.

Each differentiable operation on tensors that require grad creates a :class:`Node` (the output
tensor's ``grad_fn``). A node remembers its input tensors and a ``backward`` function: given the
gradient of the loss with respect to the node's output (the "gradient from above"), it returns the
gradient with respect to each input: *local gradient times the gradient from above*, the chain rule.

``backward`` visits the nodes in reverse topological order (found iteratively: a chain of 100,000
operations needs no recursion), sums the gradients that reach a node along several paths, and
stores the gradients of the leaves in their ``.grad``. Afterwards the graph is freed: each node lets
go of its inputs and saved values, unless ``retain_graph=True``.
"""

from __future__ import annotations

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
    """One operation in the graph: the ``grad_fn`` of the tensor it produced.

    ``inputs[i]`` is the i-th input tensor if it requires grad, else ``None``. ``backward(g)``
    returns one gradient (a NumPy array, or ``None``) per input.
    """

    __slots__ = ("_name", "backward", "inputs", "retained", "hooks", "__weakref__")

    def __init__(self, name: str, backward: Callable[[np.ndarray], Sequence[Any]],
                 inputs: tuple) -> None:
        self._name = name
        self.backward = backward
        self.inputs = inputs
        self.retained: weakref.ref | None = None  # output tensor whose .grad is kept
        self.hooks: list | None = None

    def name(self) -> str:
        return self._name

    @property
    def next_functions(self) -> tuple:
        """The nodes this one sends gradients to, as in PyTorch: ``(node, 0)`` per input; a leaf
        input appears as an ``AccumulateGrad`` whose ``variable`` is the leaf."""
        if self.inputs is None:
            return ()
        return tuple(
            (None, 0) if t is None else
            ((t.grad_fn, 0) if t.grad_fn is not None else (AccumulateGrad(t), 0))
            for t in self.inputs
        )

    def __repr__(self) -> str:
        return f"<{self._name} object at {id(self):#x}>"


class AccumulateGrad:
    """Stands for a leaf in ``next_functions``: backprop ends there, summing into ``.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    @property
    def next_functions(self) -> tuple:
        return ()

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


def _topological_order(roots: list[Node]) -> list[Node]:
    """Nodes reachable from ``roots``, each before the nodes it sends gradients to (an iterative
    depth-first search: no recursion, whatever the depth of the graph)."""
    order: list[Node] = []
    seen: set[Node] = set(roots)
    for root in roots:
        if root.inputs is None:
            raise RuntimeError(_FREED)
        stack = [(root, iter(root.inputs))]
        while stack:
            node, it = stack[-1]
            for t in it:
                if t is not None:
                    child = t.grad_fn
                    if child is not None and child not in seen:
                        if child.inputs is None:
                            raise RuntimeError(_FREED)
                        seen.add(child)
                        stack.append((child, iter(child.inputs)))
                        break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def _accumulate_leaf(leaf: Tensor, g: np.ndarray) -> None:
    """Add ``g`` into ``leaf.grad`` (a fresh copy the first time: gradients are never shared)."""
    data = leaf._data
    if g.shape != data.shape:
        g = np.broadcast_to(g, data.shape)
    grad = leaf.grad
    if grad is None:
        leaf.grad = _make(np.array(g, dtype=data.dtype))
    elif grad._data.flags.writeable and grad._data.shape == g.shape:
        np.add(grad._data, g, out=grad._data, casting="unsafe")
    else:
        grad._data = grad._data + g.astype(data.dtype, copy=False)


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


def _with_post_accumulate_hooks(roots: Sequence[Tensor], to_leaf: Callable) -> Callable:
    """``to_leaf`` that also calls a leaf's post-accumulate hooks once the last of its
    contributions in this pass has been summed in (contributions are counted in advance)."""
    remaining: dict[int, int] = {}
    for t in roots:
        if t.grad_fn is None and id(t) in _POST_ACCUMULATE:
            remaining[id(t)] = remaining.get(id(t), 0) + 1
    nodes = [t.grad_fn for t in roots if t.grad_fn is not None]
    if nodes:
        for node in _topological_order(nodes):
            for t in node.inputs:
                if t is not None and t.grad_fn is None and id(t) in _POST_ACCUMULATE:
                    remaining[id(t)] = remaining.get(id(t), 0) + 1
    if not remaining:
        return to_leaf

    def accumulate(leaf: Tensor, g: np.ndarray) -> None:
        to_leaf(leaf, g)
        key = id(leaf)
        left = remaining.get(key)
        if left is None:
            return
        if left > 1:
            remaining[key] = left - 1
            return
        del remaining[key]
        for hook in list(post_accumulate_hooks(leaf)):
            hook(leaf)

    return accumulate


def run_backward(roots: Sequence[Tensor], root_grads: Sequence[np.ndarray],
                 retain_graph: bool, capture: Sequence[Tensor] | None = None) -> list | None:
    """Backpropagate ``root_grads`` from ``roots``.

    Without ``capture``, leaf gradients are summed into ``.grad``. With ``capture`` (what
    ``autograd.grad`` asks for), nothing is written to ``.grad``: the gradients with respect to
    the captured tensors are returned instead, in order (``None`` where none reached them).
    """
    if capture is None:
        to_leaf = _with_post_accumulate_hooks(roots, _accumulate_leaf) if _POST_ACCUMULATE else _accumulate_leaf
        _walk(roots, root_grads, retain_graph, to_leaf, None, None)
        return None
    captured: dict[int, Any] = {}
    by_node: dict[Node, int] = {}
    by_leaf: dict[int, int] = {}
    for k, t in enumerate(capture):
        if t.grad_fn is not None:
            by_node[t.grad_fn] = k
        else:
            by_leaf[id(t)] = k

    def to_leaf(leaf: Tensor, g: np.ndarray) -> None:
        k = by_leaf.get(id(leaf))
        if k is not None:
            captured[k] = g if k not in captured else captured[k] + g

    _walk(roots, root_grads, retain_graph, to_leaf, by_node, captured)
    return [captured.get(k) for k in range(len(capture))]


def _walk(roots: Sequence[Tensor], root_grads: Sequence[Any], retain_graph: bool,
          to_leaf: Callable[[Tensor, np.ndarray], None], by_node: dict | None,
          captured: dict | None) -> None:
    """The walk itself: each node, in order, turns the gradient of its output into gradients of
    its inputs (local gradient times gradient from above), which are summed per node or handed
    to ``to_leaf`` at the leaves."""
    pending: dict[Node, Any] = {}
    for t, g in zip(roots, root_grads):
        node = t.grad_fn
        if node is None:
            to_leaf(t, g)
        else:
            pending[node] = pending[node] + g if node in pending else g
    if not pending:
        return
    for node in _topological_order(list(pending)):
        g = pending.pop(node, None)
        if g is None:
            continue
        if node.hooks is not None or node.retained is not None or by_node:
            g = _visit(node, g, by_node, captured)
        inputs = node.inputs
        grads = node.backward(g)
        if not retain_graph:
            node.inputs = None
            node.backward = _freed_backward
        for t, gi in zip(inputs, grads):
            if t is None or gi is None:
                continue
            child = t.grad_fn
            if child is None:
                to_leaf(t, gi)
            elif child in pending:
                pending[child] = pending[child] + gi
            else:
                pending[child] = gi


def _visit(node: Node, g: Any, by_node: dict | None, captured: dict | None) -> Any:
    """Hooks, ``retain_grad`` (when writing ``.grad``: no ``by_node``), and ``autograd.grad``'s
    capture of a non-leaf's gradient."""
    if node.hooks:
        for hook in node.hooks:
            out = hook(_make(g))
            if out is not None:
                g = out._data
    if by_node is None and node.retained is not None:
        t = node.retained()
        if t is not None:
            t.grad = _make(np.array(g)) if t.grad is None else _make(t.grad._data + g)
    if by_node is not None and captured is not None:
        k = by_node.get(node)
        if k is not None:
            captured[k] = g
    return g


def _freed_backward(g: np.ndarray) -> tuple:
    raise RuntimeError(_FREED)


def _make(data: np.ndarray) -> Tensor:  # replaced by tensor._make once tensor.py is loaded
    raise AssertionError("flambeau.tensor not loaded")
