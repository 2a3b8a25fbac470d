"""Backpropagation: ``tensor.backward()``, ``autograd.backward`` and ``autograd.grad``.

The walk visits the nodes in reverse topological order (latest made first: no recursion, so a
chain of 100,000 operations is fine). Each node turns the gradient of its output into gradients of its
inputs (local gradient times gradient from above), sent along its edges: summed per node when
several paths meet, and into ``.grad`` at the leaves. Before a node runs, its saved tensors are
checked: one modified in place since the forward pass raises PyTorch's error. Afterwards the
graph is freed (each node lets go of its saved values) unless ``retain_graph=True``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from heapq import heapify, heappop, heappush
from typing import Any

import numpy as np

from .._layout import strided
from .graph import (
    _POST_ACCUMULATE,
    AccumulateGrad,
    Node,
    OutputHook,
    _freed_backward,
    check_saved,
    post_accumulate_hooks,
)
from .views import edge

ndarray = np.ndarray

Tensor: Any = None  # flambeau.tensor's names, bound at the first backward (tensor.py imports
Size: Any = None  # this package: importing it here would be a loop)
_make: Any = None


def _bind() -> None:
    global Tensor, Size, _make
    from ..tensor import Size, Tensor, _make  # noqa: F811


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Backpropagate from ``tensors``, summing d(tensors)/d(leaf) into each leaf's ``.grad``.

    ``grad_tensors`` are the gradients from above (d loss / d tensor); one may be omitted only
    for a tensor holding a single value (a loss), where it is 1. With ``inputs``, only those
    tensors get their ``.grad``."""
    if create_graph:
        raise RuntimeError("create_graph=True (gradients of gradients) is not supported by flambeau")
    if _make is None:
        _bind()
    if (grad_tensors is None and inputs is None and tensors.__class__ is Tensor
            and tensors._grad_fn is not None and tensors._grad_fn.n_outputs == 1
            and tensors._view is None and tensors._data.size == 1 and not _POST_ACCUMULATE):
        # ``loss.backward()``, the common case: one value computed by a node, its gradient 1
        d = tensors._data
        one = np.array(1, d.dtype) if d.ndim == 0 else np.ones_like(d)
        _run({tensors._grad_fn: one}, bool(retain_graph), _accumulate_leaf, None, None)
        return
    outs = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    grads = _root_grads(outs, grad_tensors)
    if inputs is not None:
        ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        got = run_backward(outs, grads, bool(retain_graph), capture=ins)
        for t, g in zip(ins, got or ()):
            if g is not None:
                _accumulate_leaf(t, g)
        return
    run_backward(outs, grads, bool(retain_graph))


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None, **_: Any) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, returned (not added to ``.grad``)."""
    if create_graph:
        raise RuntimeError("create_graph=True (gradients of gradients) is not supported by flambeau")
    if _make is None:
        _bind()
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = run_backward(outs, _root_grads(outs, grad_outputs), bool(retain_graph), capture=ins)
    assert grads is not None
    result = []
    for t, g in zip(ins, grads):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior.")
            result.append(None)
        else:
            shape = t._data.shape
            result.append(_make(np.array(g if g.shape == shape else np.broadcast_to(g, shape), dtype=t._data.dtype)))
    return tuple(result)


def _root_grads(outputs: list, grad_outputs: Any) -> list[np.ndarray]:
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    res = []
    for o, g in zip(outputs, grad_outputs):
        if not o.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if o._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (got a tensor of "
                    f"shape {list(o._data.shape)}; pass gradient= of that shape)")
            d = o._data
            res.append(np.array(1, d.dtype) if d.ndim == 0 else np.ones_like(d))
        else:
            ga = g._data if isinstance(g, Tensor) else np.asarray(g)
            if ga.shape != o._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[0] has a shape of {Size(ga.shape)} and "
                    f"output[0] has a shape of {Size(o._data.shape)}.")
            res.append(ga.astype(o._data.dtype, copy=False))
    return res


def _accumulate_leaf(leaf: Tensor, g: np.ndarray) -> None:
    """Add ``g`` into ``leaf.grad`` (a fresh copy the first time: gradients are never shared).
    A sparse leaf, or a sparse gradient, sums by its own rule (``flambeau.sparse``)."""
    if leaf.layout is not strided:
        leaf._accumulate(leaf, g)
        return
    if g.__class__ is not ndarray and isinstance(g, Tensor):
        g._accumulate(leaf, g)
        return
    data = leaf._data
    if g.shape != data.shape:
        g = np.broadcast_to(g, data.shape)
    grad = leaf._grad
    if grad is None:  # np.array: an array even for a 0-d leaf (NumPy's 0-d arithmetic gives scalars)
        leaf._grad = _make(np.array(g, dtype=data.dtype))
    elif grad._data.flags.writeable and grad._data.shape == g.shape:
        np.add(grad._data, g, out=grad._data, casting="unsafe")
    else:
        grad._data = np.asarray(grad._data + g.astype(data.dtype, copy=False))


def run_backward(roots: Sequence[Tensor], root_grads: Sequence[np.ndarray],
                 retain_graph: bool, capture: Sequence[Tensor] | None = None,
                 each: bool = False) -> list | None:
    """Backpropagate ``root_grads`` from ``roots``.

    Without ``capture``, leaf gradients are summed into ``.grad``. With ``capture`` (what
    ``autograd.grad`` asks for), nothing is written to ``.grad``: the gradients with respect to
    the captured tensors are returned instead, in order (``None`` where none reached them).
    ``each``: a captured leaf's gradient is the list of what reached it, in order, unsummed (what
    ``.grad`` would have added one by one: ``flambeau.compile`` replays those additions).
    """
    if _make is None:
        _bind()
    if capture is None:
        to_leaf = _with_post_accumulate_hooks(roots, _accumulate_leaf) if _POST_ACCUMULATE else _accumulate_leaf
        _walk(roots, root_grads, retain_graph, to_leaf, None, None)
        return None
    captured: dict[int, Any] = {}
    by_node: dict[Node, list] = {}
    by_leaf: dict[int, int] = {}
    for k, t in enumerate(capture):
        fn = t.grad_fn
        if fn is not None:
            refuse = getattr(fn, "refuse", None)  # (a compiled module's output: flambeau._compile_module)
            if refuse is not None:
                refuse(t._nr, "autograd.grad()")
            by_node.setdefault(fn, []).append((k, t._nr))
        else:
            by_leaf[id(t)] = k

    def to_leaf(leaf: Tensor, g: np.ndarray) -> None:
        k = by_leaf.get(id(leaf))
        if k is not None:
            if each:
                captured.setdefault(k, []).append(g)
            else:
                captured[k] = g if k not in captured else captured[k] + g

    only = _needed([t.grad_fn for t in roots if t.grad_fn is not None], by_node, by_leaf)
    _walk(roots, root_grads, retain_graph, to_leaf, by_node, captured, only)
    return [captured.get(k) for k in range(len(capture))]


def _needed(roots: list, by_node: dict, by_leaf: dict) -> tuple[set, set]:
    """For ``autograd.grad`` (or ``backward(inputs=...)``), as PyTorch's engine: the nodes to
    visit (captured, or on a path to a captured tensor) and, of those, the nodes to run (their
    gradient is needed further down). The others are left alone: no hook, no saved-tensor
    check, nothing freed."""
    visit: set = set()
    run: set = set()
    seen: set = set()
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(root.next))]
        while stack:
            node, it = stack[-1]
            for e in it:
                if e is None:
                    continue
                fn = e[0] if e.__class__ is tuple else e
                if fn.__class__ is AccumulateGrad:
                    continue
                if fn not in seen:
                    seen.add(fn)
                    stack.append((fn, iter(fn.next)))
                    break
            else:
                stack.pop()
                for e in node.next:
                    if e is None:
                        continue
                    fn = e[0] if e.__class__ is tuple else e
                    if fn in visit or (fn.__class__ is AccumulateGrad and id(fn._leaf()) in by_leaf):
                        run.add(node)
                        break
                if node in run or node in by_node:
                    visit.add(node)
    return visit, run


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
            for e in node.next:
                if e.__class__ is AccumulateGrad:
                    leaf = e._leaf()
                    if leaf is not None and id(leaf) in _POST_ACCUMULATE:
                        remaining[id(leaf)] = remaining.get(id(leaf), 0) + 1
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


def _topological_order(roots: list) -> list:
    """Nodes reachable from ``roots``, each before the nodes it sends gradients to (an iterative
    depth-first search: no recursion, whatever the depth of the graph)."""
    order: list = []
    seen: set = set()
    for root in roots:  # a root may feed another root: visited once, ordered after its consumers
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(root.next))]
        while stack:
            node, it = stack[-1]
            for e in it:
                if e is not None:
                    if e.__class__ is tuple:
                        e = e[0]
                    if e not in seen and e.__class__ is not AccumulateGrad:
                        seen.add(e)
                        stack.append((e, iter(e.next)))
                        break
            else:
                stack.pop()
                order.append(node)
    order.reverse()
    return order


def _walk(roots: Sequence[Tensor], root_grads: Sequence[Any], retain_graph: bool,
          to_leaf: Callable[[Tensor, np.ndarray], None], by_node: dict | None,
          captured: dict | None, only: tuple[set, set] | None = None) -> None:
    """The walk itself: each node turns the gradient of its output into gradients of its inputs
    (local gradient times gradient from above), which are summed per node or handed to
    ``to_leaf`` at the leaves.

    The nodes waiting for their gradient sit in a heap, latest made first (``Node.seq``): every
    node that sends a node a gradient was made after it, so when a node comes out of the heap
    all its gradient has arrived. No separate pass sorts the graph. ``only``: the nodes to
    visit and to run (``_needed``), where not all are."""
    pending: dict = {}
    for t, g in zip(roots, root_grads):
        if t.grad_fn is None:
            to_leaf(t, g)
        else:
            _send(pending, edge(t), g, to_leaf)
    if pending:
        _run(pending, retain_graph, to_leaf, by_node, captured, only)


def _run(pending: dict, retain_graph: bool, to_leaf: Callable[[Tensor, np.ndarray], None],
         by_node: dict | None, captured: dict | None, only: tuple[set, set] | None = None) -> None:
    """``_walk`` from the nodes of ``pending`` (node -> the gradient of its output so far).

    ``ready`` (with its gradient ``ready_g``, outside ``pending``): the one node waiting while
    the heap is empty (a chain of layers, the common case, goes from node to node without the
    heap). Nothing made before it can send it a gradient, and nothing else waits: it is the
    next node in the heap's order too."""
    heap = [(-n.seq, n) for n in pending]
    heapify(heap)
    ready = ready_g = None
    if len(heap) == 1:
        ready = heappop(heap)[1]
        ready_g = pending.pop(ready)
    keep = to_leaf is _accumulate_leaf  # a fresh gradient may become a leaf's .grad as it is
    while True:
        if ready is not None:
            node, g, ready = ready, ready_g, None
        elif heap:
            node = heappop(heap)[1]
            g = pending.pop(node)
        else:
            return
        if only is not None:
            if node not in only[0]:
                continue
            if node not in only[1]:  # captured, and nothing further down is needed
                _visit(node, g, by_node, captured)
                continue
        saved = node.saved
        if saved and (saved[0][0] != saved[1] or len(saved) > 3 and (saved[3][0] != saved[4] or len(saved) > 6 and _modified(saved))):
            check_saved(node)
        if node.hooks is not None or node.retained is not None or by_node:
            g = _visit(node, g, by_node, captured)
        grads = node.backward(g)
        edges = node.next
        fresh = keep and node.fresh
        if not retain_graph:
            node.backward = _freed_backward
            node.saved = node.inputs = None
        for e, gi in zip(edges, grads):
            if e is None or gi is None:
                continue
            cls = e.__class__
            if cls is AccumulateGrad:
                leaf = e._leaf()
                if leaf is None:
                    continue
                if fresh and leaf._grad is None and gi.__class__ is ndarray:
                    data = leaf._data
                    if (gi.dtype is data.dtype or gi.dtype == data.dtype) and gi.shape == data.shape:
                        leaf._grad = _make(gi)  # nothing else holds it: no copy (PyTorch's steal)
                        continue
                to_leaf(leaf, gi)
            elif cls is Node and e.n_outputs == 1:
                if e is ready:
                    ready_g = ready_g + gi
                elif e in pending:
                    pending[e] = pending[e] + gi
                elif ready is None and not heap:
                    ready, ready_g = e, gi
                else:
                    pending[e] = gi
                    heappush(heap, (-e.seq, e))
                    if ready is not None:  # two nodes wait now: both in the heap
                        pending[ready] = ready_g
                        heappush(heap, (-ready.seq, ready))
                        ready = None
            elif _send(pending, e, gi, to_leaf):
                fn = e[0] if e.__class__ is tuple else e
                heappush(heap, (-fn.seq, fn))
                if ready is not None:
                    pending[ready] = ready_g
                    heappush(heap, (-ready.seq, ready))
                    ready = None


def _modified(saved: list) -> bool:
    """Whether a saved tensor after the first two was modified in place since it was saved."""
    for i in range(6, len(saved), 3):
        if saved[i][0] != saved[i + 1]:
            return True
    return False


def _send(pending: dict, e: Any, g: Any, to_leaf: Callable) -> bool:
    """Hand ``g`` to edge ``e``: summed into what its node already received. True when the
    node had received nothing yet (it is now waiting to run)."""
    fn, nr = e if e.__class__ is tuple else (e, 0)
    if fn.__class__ is AccumulateGrad:
        leaf = fn._leaf()
        if leaf is not None:
            to_leaf(leaf, g)
        return False
    if fn.n_outputs == 1:
        if fn in pending:
            pending[fn] = pending[fn] + g
            return False
        pending[fn] = g
        return True
    buf = pending.get(fn)
    new = buf is None
    if new:
        buf = pending[fn] = [None] * fn.n_outputs
    buf[nr] = g if buf[nr] is None else buf[nr] + g
    return new


def _retain(t: Tensor | None, g: np.ndarray) -> None:
    """``retain_grad``: ``g`` summed into non-leaf ``t``'s ``.grad``."""
    if t is not None:
        t._grad = _make(np.array(g)) if t._grad is None else _make(np.asarray(t._grad._data + g))


def _visit(node: Node, g: Any, by_node: dict | None, captured: dict | None) -> Any:
    """Hooks, ``retain_grad`` (when writing ``.grad``: no ``by_node``), and ``autograd.grad``'s
    capture of a non-leaf's gradient."""
    single = node.n_outputs == 1
    if node.hooks and single:
        for hook in node.hooks:
            out = hook(_make(g))
            if out is not None:
                g = out._data
    elif node.hooks:  # several outputs: each hook is on one of them, retain_grad's last
        hooks = [h for h in node.hooks if h.__class__ is OutputHook]
        for h in [h for h in hooks if h.keep is None] + [h for h in hooks if h.keep is not None]:
            gk = g[h.nr]
            if gk is None:
                continue
            if h.keep is None:
                out = h.hook(_make(gk))
                if out is not None:
                    g[h.nr] = out._data
            elif by_node is None:
                _retain(h.keep(), gk)
    if by_node is None and node.retained is not None and single:
        _retain(node.retained(), g)
    if by_node is not None and captured is not None:
        for k, nr in by_node.get(node, ()):
            gk = g if single else g[nr]
            if gk is not None:
                captured[k] = gk
    return g
