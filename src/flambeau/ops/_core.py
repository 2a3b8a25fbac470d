"""What every operation shares: turning arguments into NumPy operands with PyTorch's dtype
promotion, recording the result in the graph, and summing a broadcast gradient back to an input's
shape (``unbroadcast``)."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import _dtype as dt
from ..autograd.grad_mode import _state
from ..autograd.graph import AccumulateGrad, Node, SavedT, next_seq
from ..autograd.views import (
    OVERLAP,
    attach,
    base_requires_grad,
    check_writable_view,
    copy_slices,
    edge,
    overlapping,
    refresh,
    version_counter,
    writable,
)
from ..tensor import Size, Tensor, _make, _wrap_dim
from .overlap import replay, shares_memory

ndarray = np.ndarray


OUT = "out"
"""In ``record``'s ``saved``: the op's own result (``exp``, ``tanh``, ``sigmoid`` save it)."""


def record(out: Any, name: str, inputs: Sequence[Any], backward: Callable,
           saved: Sequence[Any] | None = None, fresh: bool = False) -> Tensor:
    """Wrap ``out``, the result of an op on ``inputs``, in a tensor. If grad mode is on and an
    input requires grad, the tensor gets a graph node (``grad_fn``) named ``name``, whose
    ``backward(g)`` returns one gradient per entry of ``inputs`` (``None`` where there is none).

    ``inputs`` may hold ``None`` or numbers for the operands that are not tensors.
    ``saved`` lists what ``backward`` reads, as PyTorch's saved tensors: entries of ``inputs``
    and/or ``OUT`` (``None`` entries are ignored); by default every tensor input. A saved tensor
    modified in place before ``backward`` makes ``backward`` raise, as in PyTorch: ``add`` saves
    nothing (``saved=()``), ``mul`` its inputs, ``exp`` its output (``saved=(OUT,)``).
    ``fresh``: ``backward`` returns new arrays, never views or arrays kept elsewhere (a leaf
    then keeps its gradient without a copy)."""
    if type(out) is not ndarray:
        out = np.asarray(out)
    if not _state.enabled:
        return _make(out)
    edges = None
    k = 0
    for t in inputs:
        if isinstance(t, Tensor):
            if t._view is not None:
                refresh(t)
                if edges is None and t._view.base._requires_grad:
                    edges = [None] * len(inputs)  # requires grad (its base does), no edge of its own
            if t._requires_grad:
                if edges is None:
                    edges = [None] * len(inputs)
                fn = t._grad_fn
                if fn is None:  # a leaf: its accumulator, made once
                    fn = t._acc
                    if fn is None:
                        fn = t._acc = AccumulateGrad(t)
                elif t._nr:
                    fn = (fn, t._nr)
                edges[k] = fn
        k += 1
    if edges is None:
        return _make(out)
    node = _new_node(Node)  # Node(name, backward, edges, inputs), without the call
    node._name = name
    node.backward = backward
    node.next = edges
    node.inputs = inputs
    node.retained = node.hooks = node.saved = None
    node.n_outputs = 1
    node.seq = next_seq()
    node.fresh = fresh
    result = _make(out, node)
    entries = None
    for s in (inputs if saved is None else saved):
        if s is OUT:
            vc = result._vc = [0]
            entry = (vc, 0, out)
        elif isinstance(s, Tensor):
            vc = s._vc
            if vc is None:
                vc = s._vc = [0]
            entry = (vc, vc[0], s)
        elif type(s) is SavedT:
            vc = s.t._vc
            if vc is None:
                vc = s.t._vc = [0]
            entry = (vc, vc[0], s)
        else:
            continue
        if entries is None:
            entries = [*entry]
        else:
            entries += entry
    node.saved = entries
    return result


_new_node = object.__new__


def autograd_first(a: Tensor) -> None:
    """For an op that checks its arguments before ``record``: PyTorch's autograd looks at its
    input first, so a view that can no longer be used (its base written since it was made under
    ``no_grad``) is refused before the op's own errors."""
    if a._view is not None and _state.enabled:
        refresh(a)


def record_view(a: Tensor, name: str, fn: Callable, backward: Callable) -> Tensor:
    """``fn(a)``, a view of ``a`` (NumPy's view of its array: they share memory and version),
    recorded as ``name`` with ``backward``."""
    return attach(record(fn(a._data), name, (a,), backward, ()), a, fn, backward)


def record_views(a: Tensor, name: str, fns: Sequence[Callable]) -> tuple[Tensor, ...]:
    """Several views of ``a`` made by one node (``unbind``, ``split``): ``fns[k]`` gives the
    k-th; the node's backward puts each gradient back where its view came from."""
    if a._view is not None and _state.enabled:
        refresh(a)
    x = a._data
    outs = [f(x) for f in fns]
    if not (_state.enabled and a.requires_grad):
        return tuple(attach(_make(o), a, f, _no_backward, True) for o, f in zip(outs, fns))

    def backward(grads: Any) -> tuple:
        if len(fns) == 1:  # a node with one output gets its gradient alone
            grads = [grads]
        gx = None
        # the views do not overlap (split, unbind): when every one has a gradient and together
        # they cover ``a``, each element is written once and needs no zeros first
        whole = all(gk is not None for gk in grads) and sum(np.size(gk) for gk in grads) == x.size
        for f, gk in zip(fns, grads):
            if gk is not None:
                if gx is None:
                    gx = (np.empty if whole else np.zeros)(x.shape, gk.dtype)
                f(gx)[...] = gk
        return (gx,)

    node = Node(name, backward, [edge(a) if a._requires_grad else None], (a,), None, len(fns))
    res = []
    for k, (o, f) in enumerate(zip(outs, fns)):
        t = _make(o, node)
        t._nr = k

        def step_back(g: np.ndarray, f: Callable = f) -> tuple:
            gx = np.zeros(x.shape, g.dtype)
            f(gx)[...] = g
            return (gx,)

        res.append(attach(t, a, f, step_back, True))
    return tuple(res)


def _no_backward(g: Any) -> tuple:
    raise AssertionError("a view without gradient")


# ---------------------------------------------------------------- in-place operations
def check_inplace(a: Tensor, *others: Any) -> None:
    """PyTorch's refusals of an in-place op recorded in the graph (grad mode on, and ``a`` or
    one of ``others`` requires grad), in PyTorch's order: on a view made under ``no_grad`` or
    by ``unbind``/``split``, on a view of a leaf that requires grad, on a leaf that requires
    grad (its value would no longer be the one the gradient is for)."""
    if not tracked(a, *others):
        return
    if a._view is not None:
        check_writable_view(a)
    if a._grad_fn is None and a.requires_grad:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation.")


def check_overlap(a: Tensor) -> None:
    """PyTorch's refusal to write an op's result into an expanded tensor (several elements in
    one memory location); ``fill_``/``zero_``, which write one value everywhere, do not ask."""
    x = a._data
    if not x.flags.writeable and overlapping(x):
        raise RuntimeError(OVERLAP)


def check_partial_overlap(a: Tensor, *others: Any) -> None:
    """PyTorch's refusal to write into ``a`` an op reading ``others`` when one of them shares
    part of ``a``'s memory laid out differently (``x[1:].add_(x[:-1])``, ``x.add_(x.t())``):
    the result would depend on the order of the writes. The same memory, the same way
    (``x.add_(x)``), is fine. Only views of one base share a version counter: others pass at
    once."""
    vc = a._vc
    if vc is None:
        return
    for t in others:
        if isinstance(t, Tensor) and t._vc is vc and t is not a and _partial(a._data, t._data):
            raise RuntimeError(
                "unsupported operation: some elements of the input tensor and the written-to "
                "tensor refer to a single memory location. Please clone() the tensor before "
                "performing the operation.")


def _partial(x: np.ndarray, y: np.ndarray) -> bool:
    if not x.size or not y.size or not (_dense(x) and _dense(y)):
        return False  # (PyTorch does not try harder either)
    xb, yb = x.__array_interface__["data"][0], y.__array_interface__["data"][0]
    xe, ye = xb + x.nbytes, yb + y.nbytes
    if xb == yb and xe == ye:
        return x.strides != y.strides
    return xb < ye and yb < xe


def _dense(x: np.ndarray) -> bool:
    """Whether ``x``'s elements fill a block of memory without gaps or repeats."""
    expected = x.itemsize
    for stride, n in sorted((s, n) for s, n in zip(x.strides, x.shape) if n != 1):
        if stride != expected:
            return False
        expected *= n
    return True


def tracked(a: Tensor, *others: Any) -> bool:
    """Whether an in-place op on ``a`` with ``others`` goes in the graph."""
    if not _state.enabled:
        return False
    if a.requires_grad:
        return True
    return any(isinstance(t, Tensor) and t.requires_grad for t in others)


def snapshot(a: Tensor) -> Tensor:
    """A copy of ``a``'s values, standing for ``a`` as it is before an in-place op: the op reads
    it (and may save it: it is never modified) and the graph edge goes to ``a``'s producer."""
    old = _make(a._data.copy())
    if a._view is not None:
        refresh(a)
    if a._requires_grad:
        old._requires_grad = True
        old._grad_fn, old._nr = a._grad_fn, a._nr
        if a._grad_fn is None:
            old._acc = edge(a)
    return old


def inplace(a: Tensor, op: Callable, *args: Any, **kwargs: Any) -> Tensor:
    """``a`` replaced, in place and in the graph, by ``op(a, *args, **kwargs)``."""
    return inplace_replayed(a, None, op, args, kwargs)


def inplace_elementwise(a: Tensor, op: Callable, *args: Any, **kwargs: Any) -> Tensor:
    """:func:`inplace` for an elementwise ``op``: on a view whose elements share memory
    (``unfold``'s overlapping windows), the result is what PyTorch's loop, element after
    element, leaves there (``overlap.replay``)."""
    return inplace_replayed(a, replay, op, args, kwargs)


def inplace_replayed(a: Tensor, replayer: Callable | None, op: Callable, args: tuple, kwargs: dict) -> Tensor:
    """:func:`inplace`; on a view whose elements share memory, the values are what
    ``replayer(x, old, op, args, kwargs)`` says PyTorch's loop leaves there (``overlap``)."""
    check_inplace(a, *args)
    check_overlap(a)
    check_partial_overlap(a, *args)
    old = snapshot(a)
    res = op(old, *args, **kwargs)
    if replayer is not None and a._view is not None and shares_memory(a._data):
        res._data[...] = replayer(a._data, old._data, op, args, kwargs)
    return commit(a, res)


def commit(a: Tensor, res: Tensor, overlap: bool = False, written: bool = False) -> Tensor:
    """Write ``res`` into ``a``'s memory (unless ``written`` already) and give ``a`` its place
    in the graph: ``a`` becomes the output of ``res``'s node; for a view, its base gets a
    ``CopySlices`` node."""
    r = res._data
    if r.shape != a._data.shape:
        raise RuntimeError(f"output with shape {list(a._data.shape)} doesn't match the broadcast "
                           f"shape {list(r.shape)}")
    if written:
        bump(a)
    else:
        write(a, r, overlap)
    vc = version_counter(a)
    node = res._grad_fn
    if node is not None and node.saved is not None:  # its saved result is ``a`` from now on
        saved, out_vc = node.saved, res._vc
        for i in range(0, len(saved), 3):
            if saved[i] is out_vc:
                saved[i:i + 3] = (vc, vc[0], a._data)
    info = a._view
    if info is None:
        if node is not None:
            old = a._grad_fn
            if old is not None and old.n_outputs > 1 and a.retains_grad:  # one output of several
                old.hooks = [h for h in old.hooks if not (getattr(h, "keep", None) is not None and h.nr == a._nr)]
                node.retained = weakref.ref(a)
            elif old is not None and old.retained is not None:
                node.retained, old.retained = old.retained, None
            if not a._requires_grad:
                base_requires_grad(a)
            a._grad_fn, a._nr, a._requires_grad = node, 0, True
        return a
    base = info.base
    cs = copy_slices(base, info, node)
    if not base._requires_grad:
        base_requires_grad(base)
    base._grad_fn, base._nr, base._requires_grad = cs, 0, True
    if node is not None:  # its gradient for the view's old value goes through ``cs``
        node.next = [None, *node.next[1:]]
    info.version = -1
    refresh(a)
    if node is not None and node.saved is not None:
        # PyTorch names a saved view by the view's node while the view keeps it, else by the op
        saved = cs.saved = list(node.saved)
        for i in range(2, len(saved), 3):
            if type(saved[i]) is ndarray:
                saved[i] = (saved[i], weakref.ref(a._grad_fn), node)
    return a


def write(a: Tensor, values: Any, overlap: bool = False) -> None:
    """Copy ``values`` into ``a``'s memory (the views of ``a`` see them) and bump its version,
    with PyTorch's errors for a cast it refuses and for an expanded tensor (unless ``overlap``:
    one value written everywhere, as ``fill_`` does)."""
    x = a._data
    v = np.asarray(values)
    if v.dtype != x.dtype and not np.can_cast(v.dtype, x.dtype, "same_kind"):
        raise RuntimeError(f"result type {dt.scalar_name(v.dtype)} can't be cast to the desired "
                           f"output type {dt.scalar_name(x.dtype)}")
    if not x.flags.writeable:
        if not overlap:
            check_overlap(a)
        try:
            x = writable(x)
        except ValueError:  # memory NumPy will not write (a read-only array from outside)
            a._data = x = x.copy()
    try:
        np.copyto(x, v, casting="unsafe")
    except ValueError:
        raise RuntimeError(f"output with shape {list(x.shape)} doesn't match the broadcast shape "
                           f"{list(np.broadcast_shapes(x.shape, v.shape))}") from None
    bump(a)


def bump(a: Tensor) -> None:
    """Count one in-place write to ``a``'s memory (its views share the count)."""
    vc = a._vc
    if vc is None:
        a._vc = [1]
    else:
        vc[0] += 1


def needs_grad(*tensors: Any) -> bool:
    if not _state.enabled:
        return False
    return any(isinstance(t, Tensor) and t.requires_grad for t in tensors)


def _scalar(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (bool, int, float)):
        if v.__class__ is int and not -0x8000000000000000 <= v < 0x8000000000000000:
            dt.check_python_int(v)
        return v
    if isinstance(v, np.ndarray):
        return from_array(v)
    raise TypeError(f"unsupported operand type {type(v).__name__}: expected a Tensor or a number")


def from_array(a: np.ndarray) -> Tensor:
    dt.from_numpy_dtype(a.dtype)
    return _make(a)


_DEFAULT = dt.get_default_dtype


def operands(a: Any, b: Any) -> tuple[Any, Any, Any, Any]:
    """``(a, b, x, y)``: the operands (NumPy arrays become tensors) and their NumPy values,
    converted where PyTorch's promotion differs from NumPy's."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):  # the common case first
        x, y = a._data, b._data
        if x.dtype != y.dtype:
            d = dt.result_type(a, b).np
            x = x.astype(d, copy=False)
            y = y.astype(d, copy=False)
        return a, b, x, y
    if not isinstance(a, Tensor):
        a = _scalar(a)
    if not isinstance(b, Tensor):
        b = _scalar(b)
    if isinstance(a, Tensor):
        x = a._data
        if isinstance(b, Tensor):  # b was a NumPy array
            return operands(a, b)
        x = _with_scalar(x, b)
        return a, b, x, _wrap_int(x, b)
    if isinstance(b, Tensor):
        y = _with_scalar(b._data, a)
        return a, b, _wrap_int(y, a), y
    raise TypeError("at least one operand must be a Tensor")


def _wrap_int(x: np.ndarray, s: Any) -> Any:
    """A Python int out of range for a small integer tensor wraps around to its dtype, as in
    PyTorch (``uint8 + 300`` adds 44); NumPy would raise."""
    if type(s) is int and s >= 0x8000000000000000:  # a uint64 for PyTorch
        if x.dtype.kind not in "iu":
            return float(s)
        s -= 0x10000000000000000  # as an int64
    if type(s) is int and x.dtype.kind in "iu" and x.dtype != np.int64:
        info = np.iinfo(x.dtype)
        if not info.min <= s <= info.max:
            return np.array(s, dtype=np.int64).astype(x.dtype)[()]
    return s


def _with_scalar(x: np.ndarray, s: Any) -> np.ndarray:
    kind = x.dtype.kind
    if kind in "fV":
        return x
    cat = dt.scalar_category(s)
    if kind == "b":
        if cat == 0:
            return x
        return x.astype(np.int64 if cat == 1 else _DEFAULT().np)
    if cat == 2:
        return x.astype(_DEFAULT().np)
    return x


def broadcast_error(sa: tuple, sb: tuple) -> RuntimeError:
    """PyTorch's message for shapes that do not broadcast, with both shapes named."""
    n = max(len(sa), len(sb))
    pa = (1,) * (n - len(sa)) + tuple(sa)
    pb = (1,) * (n - len(sb)) + tuple(sb)
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return RuntimeError(
                f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) at "
                f"non-singleton dimension {i} "
                f"(shapes {list(sa)} and {list(sb)})"
            )
    return RuntimeError(f"shapes {list(sa)} and {list(sb)} cannot be broadcast together")


def apply_binary(fn: Callable, x: Any, y: Any) -> Any:
    try:
        return fn(x, y)
    except ValueError as e:
        if "broadcast" in str(e):
            raise broadcast_error(np.shape(x), np.shape(y)) from None
        raise


def unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``g`` over the dimensions broadcasting added or stretched, back to ``shape``: the
    gradient of a broadcast is a sum."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    stretched = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g


_SAME_SIZE_INT = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}


def keep_where(g: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``g`` where ``keep`` (a boolean mask broadcasting with it) is true, +0 elsewhere whatever
    ``g`` holds there (inf, nan, negative): PyTorch's select (``mask & grad``), not a product
    (inf * 0 would be nan, -1 * 0 -0). Done as PyTorch does, on the bits: the bits of ``g``
    times the mask, as fast as a product (``np.where`` is up to 20 times slower)."""
    ints = _SAME_SIZE_INT[g.dtype.itemsize]
    return np.multiply(g.view(ints), keep, dtype=ints).view(g.dtype)


_FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


def _read_only(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


ONES = {d: _read_only(np.ones((), d)) for d in _FLOATS}
"""1 as a 0-d array of each float dtype (``ONES.get(x.dtype, 1) - x``): NumPy takes a Python
number in an operation about 0.4 µs more slowly than a 0-d array, for the same result (the
number is rounded to the array's dtype either way)."""


def number_operand(v: Any, dtype: np.dtype) -> Any:
    """The Python float ``v`` as a 0-d array of the float ``dtype`` (see ``ONES``): the value
    NumPy would round it to in an operation with an array of that dtype, taken faster. Other
    values (ints too), or other dtypes: ``v`` itself."""
    if v.__class__ is float and dtype in _FLOATS:
        return np.array(v, dtype)
    return v


def float_data(a: Tensor) -> np.ndarray:
    """The values, converted to the default float dtype if they are integers or booleans (as
    PyTorch does for ``exp``, ``sqrt``, ``mean``...)."""
    x = a._data
    return x if x.dtype.kind in "fV" else x.astype(_DEFAULT().np)


def dims(dim: Any, ndim: int) -> tuple[int, ...] | None:
    """Normalise ``dim`` (None, an int or a sequence of ints) to a tuple of non-negative axes."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        return (_wrap_dim(int(dim), ndim),)
    out = tuple(_wrap_dim(int(d), ndim) for d in dim)
    seen: set[int] = set()
    for d in out:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return out


def shape_args(args: tuple) -> tuple[int, ...]:
    """Accept sizes as ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(torch.Size([2, 3]))``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        args = tuple(args[0])
    out = []
    for s in args:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"sizes must be integers, got {type(s).__name__} ({s!r})")
        out.append(int(s))
    return tuple(out)


def ensure_tensor(x: Any) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return from_array(x)
    from .creation import tensor

    return tensor(x)


__all__ = [
    "Tensor", "_make", "record", "OUT", "autograd_first", "record_view", "record_views", "check_inplace", "tracked",
    "snapshot", "inplace", "inplace_elementwise", "inplace_replayed", "commit", "write", "check_overlap", "check_partial_overlap", "OVERLAP",
    "overlapping", "writable", "bump", "needs_grad", "operands", "apply_binary",
    "unbroadcast", "keep_where", "float_data", "dims", "shape_args", "broadcast_error", "ensure_tensor",
    "_wrap_dim", "Size",
]
