"""``flambeau.compile`` of a module: an ``OptimizedModule``, as PyTorch's, whose calls are
recorded and replayed. Where no graph is needed, a call is a compiled function's
(:mod:`flambeau._compile`); with one, the forward and the backward passes are recorded apart and
the outputs' graph node, ``CompiledFunctionBackward``, replays the backward (see
:class:`_CompiledModule`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtype as _dtypes
from . import _trace
from ._compile import _Compiled, _copy, _equal, _Plan, _rebuild, _restore, _snapshot, _tensors_in
from ._compile_reach import read_scalar, same
from ._quiet import quiet
from ._trace import Diverged, TracedArray, Tracer
from .amp.autocast_mode import _state as _autocast
from .autograd.backward import run_backward
from .autograd.grad_mode import _state as _grad_state
from .autograd.grad_mode import enable_grad
from .autograd.graph import Node, next_seq
from .autograd.views import edge, refresh, version_counter
from .nn.module import Module
from .tensor import Tensor, _make

ALL_SUBSETS = 3  # outputs with a graph up to which a backward is recorded per subset of them (7)
MAX_GRAPH_OUTPUTS = 16  # beyond ALL_SUBSETS: each one alone and all together; other sets recompute


class _CompiledModule(_Compiled):
    """A compiled module's calls. Where no graph is needed, as :class:`_Compiled`. With one (grad
    mode on, a parameter or an argument requiring grad), the forward pass and the backward pass
    are recorded apart. The module may return a tensor, or tensors in tuples, lists and dicts
    (with ``None``, numbers and strings, which are kept as they were). A replay of the forward
    gives the outputs; those that had a graph share one graph node (``CompiledFunctionBackward``,
    as PyTorch names it) whose backward replays a recorded backward pass: one is recorded for
    each set of outputs that can receive a gradient (``loss.backward()`` with ``logits`` unused
    is the backward from ``loss`` alone, as in eager mode), so the gradients are eager mode's, bit
    for bit. Beyond :data:`ALL_SUBSETS` outputs with a graph, for each alone and all together;
    for another set, :meth:`_recompute` runs the forward again, eagerly. Each gradient reaching a parameter is sent to it apart, in eager mode's order: a
    parameter used twice gets its ``.grad`` added to twice, as eagerly."""

    grads_matter = False  # a module's call does not touch ``.grad``
    array_args = False    # a NumPy array given to a module's call: eager

    def _needs_graph(self, args: tuple, kwargs: dict) -> bool:
        if not _grad_state.enabled:
            return False
        return any(p._requires_grad for p in self.reach.parameters()) or \
            any(isinstance(a, Tensor) and a._requires_grad for a in (*args, *kwargs.values()))

    def _trace(self, plan: _Plan, args: tuple, kwargs: dict) -> Any:
        if not self._needs_graph(args, kwargs):
            plan.graph = False
            return super()._trace(plan, args, kwargs)
        plan.graph = True
        state_before = self._start_recording(plan)
        inputs = self.tensors + self._arg_tensors(args, kwargs)
        data0 = [t._data for t in inputs]
        vc0 = [0 if t._vc is None else t._vc[0] for t in self.tensors]
        plan.tensor_sig = plan.signature(self)
        wrt = [i for i, t in enumerate(inputs) if t._requires_grad]
        hooked = any(t._grad_fn is not None and getattr(t._grad_fn, "hooks", None) for t in inputs)
        tr = Tracer()
        result = None
        outs: list[Tensor] = []
        passes: dict[tuple, tuple] = {}  # outputs given a gradient -> (tape part, their gradients, ...)
        first_node = next_seq()
        with tr:
            traced = [tr.input(d) for d in data0]
            for t, td in zip(inputs, traced):
                t._data = td
            try:
                result = self.fn(*args, **kwargs)
                n_forward = len(tr.tape)
                outs = _tensors_in(result)
                diff = [k for k, o in enumerate(outs) if o._grad_fn is not None]
                graphs = [_nodes_from(outs[k]._grad_fn, first_node) for k in diff]
                if len(diff) <= MAX_GRAPH_OUTPUTS and not hooked and len({id(o) for o in outs}) == len(outs):
                    for mask in _masks(len(diff)):
                        roots = [outs[diff[j]] for j in mask]
                        gs = [tr.input(_trace._originals["ones"](o._data.shape, o._data.dtype)) for o in roots]
                        start = len(tr.tape)
                        # each gradient a parameter receives, unsummed, as eager mode adds them to .grad
                        got = run_backward(roots, gs, True, capture=[inputs[i] for i in wrt], each=True)
                        passes[mask] = (slice(start, len(tr.tape)), gs, [_listed(c) for c in got])
            finally:
                moved = [t for t, td in zip(inputs, traced) if t._data is not td]
                for t, d in zip(inputs, data0):
                    t._data = d
                traced_outs = [o._data for o in outs]
                for o in outs:
                    if isinstance(o._data, TracedArray):
                        o._data = np.ndarray.view(o._data, np.ndarray)
        spec = _spec(result, iter(range(len(outs))))
        if spec is None:
            tr.note("a result that is not tensors (in tuples, lists or dicts)")
        elif len({id(o) for o in outs}) != len(outs):
            tr.note("a result holding a tensor twice")
        elif len(diff) > MAX_GRAPH_OUTPUTS:
            tr.note(f"more than {MAX_GRAPH_OUTPUTS} results with a graph")
        elif any(n.hooks or n.retained is not None for g in graphs for n in g.values()):
            tr.note("a hook or retain_grad in the forward pass")  # a replay would not call it
        elif any(not (a.keys() & b.keys()) for i, a in enumerate(graphs) for b in graphs[:i]):
            # eager mode lets each be backpropagated alone, one node would not: its first
            # backward frees it
            tr.note("results with graphs apart")
        elif hooked:
            tr.note("a hook on the graph of an argument")
        elif self._hooked():
            tr.note(self._hooked())
        elif self._aliased(args, kwargs):
            tr.note("an argument that is a tensor it reaches, or given twice")
        elif moved:
            tr.note("a module that replaces its tensors' arrays")
        elif not _own_outputs(tr, traced_outs, data0):
            tr.note("a result that is an input, or shares memory with one or with another result")
        elif any(e[0] == "check" for sl, _, _ in passes.values() for e in tr.tape[sl]):
            tr.note("a value read into Python in the backward pass")
        if not same(self._state(), state_before):
            tr.note("it changes Python values (numbers kept by a module)")
        if tr.broken:
            plan.dead = True
            plan.reason = tr.broken
            return result
        plan.state_sig = self._state()
        plan.state_objects = [read_scalar(src) for src in self.scalars]
        given = {tr.slot(x) for x in traced} | {tr.slot(g) for _, gs, _ in passes.values() for g in gs}
        reads: set[int] = set()
        for sl, _, got in passes.values():
            reads |= tr.reads(sl, [g for c in got for g in c])
        saved_arrays = [tr.traced(k) for k in sorted(reads - given)]
        plan.forward = quiet(tr.replay_function(traced, [*traced_outs, *saved_arrays], slice(0, n_forward)))
        # one edge per gradient an input receives (the most any recorded backward gives it)
        per_input = [max([len(got[w]) for _, _, got in passes.values()], default=0) for w in range(len(wrt))]
        first = np.cumsum([0, *per_input]).tolist()
        plan.edge_inputs = [wrt[w] for w, n in enumerate(per_input) for _ in range(n)]
        plan.first = first
        plan.backward = {}
        for mask, (sl, gs, got) in passes.items():
            fn = quiet(tr.replay_function([*traced, *saved_arrays, *gs], [g for c in got for g in c], sl))
            plan.backward[mask] = (fn, [first[w] + j for w, c in enumerate(got) for j in range(len(c))])
        plan.n_out = len(outs)
        plan.wrt = wrt
        plan.modes = self._args_key(args, kwargs)[:4]  # grad mode, autocast, default dtype
        plan.recompute = len(diff) > ALL_SUBSETS
        if plan.recompute:  # a recomputed backward reads every input: changed in place, it raises
            plan.saved_inputs = list(inputs)
        plan.spec = spec
        plan.diff = diff
        # the outputs others depend on (the logits a loss is computed from), by output number
        plan.inner = {j: next(i for i, g in enumerate(graphs) if i != j and id(outs[k]._grad_fn) in g)
                      for j, k in enumerate(diff)
                      if any(i != j and id(outs[k]._grad_fn) in g for i, g in enumerate(graphs))}
        plan.shapes = [outs[k]._data.shape for k in diff]
        # the inputs the backward reads, also through a view made in the forward (``weight.T``):
        # changed in place before backward, they make it raise, as eagerly
        views = [np.ndarray.view(a, np.ndarray) for a in saved_arrays if isinstance(a, np.ndarray)]
        plan.saved_inputs = [t for t, td, d in zip(inputs, traced, data0) if tr.slot(td) in reads or
                             any(np.may_share_memory(v, d) for v in views)]
        plan.out_saved = [j for j, k in enumerate(diff) if tr.slot(traced_outs[k]) in reads]
        vc = [(t, (0 if t._vc is None else t._vc[0]) - v) for t, v in zip(self.tensors, vc0)]
        plan.vc = [(t, d) for t, d in vc if d]
        plan.replay = plan.forward
        return result

    def _arrays(self, plan: _Plan, args: tuple, kwargs: dict) -> tuple[list[Tensor], list[np.ndarray]]:
        inputs = self.tensors + self._arg_tensors(args, kwargs)
        return inputs, [t._data for t in inputs]

    def _node(self, plan: _Plan, inputs: list[Tensor], arrays: list[np.ndarray], res: tuple,
              args: tuple, kwargs: dict) -> Any:
        """The replayed outputs, those with a graph made by one ``CompiledFunctionBackward``."""
        for t, d in plan.vc:
            if t._vc is None:
                t._vc = [d]
            else:
                t._vc[0] += d
        n = plan.n_out
        made = [_make(np.asarray(r)) for r in res[:n]]
        if plan.diff:
            saved = res[n:]
            single = len(plan.diff) == 1
            n_edges = len(plan.edge_inputs)
            shapes = plan.shapes

            def backward(g: Any) -> tuple:
                gs = [g] if single else g
                mask = tuple([j for j, gj in enumerate(gs) if gj is not None])
                given = [_grad_array(gs[j], shapes[j]) for j in mask]
                recorded = plan.backward.get(mask)
                if recorded is not None:
                    fn, where = recorded
                    got = fn(*arrays, *saved, *given)
                else:  # a set of outputs not recorded: eager mode's backward, on the forward run again
                    each = self._recompute(plan, inputs, arrays, args, kwargs, mask, given)
                    where = [plan.first[w] + j for w, c in enumerate(each) for j in range(len(c))]
                    got = [g for c in each for g in c]
                grads: list[Any] = [None] * n_edges
                for k, v in zip(where, got):
                    grads[k] = v
                return tuple(grads)

            ins = [inputs[i] for i in plan.edge_inputs]
            for t in ins:
                if t._view is not None:
                    refresh(t)
            node = _CompiledNode("CompiledFunctionBackward", backward, [edge(t) for t in ins], tuple(ins), None,
                                 len(plan.diff))
            node.inner = plan.inner
            entries: list[Any] = []
            for t in plan.saved_inputs:
                vc = version_counter(t)
                entries += (vc, vc[0], t)
            for j, k in enumerate(plan.diff):
                t = made[k]
                t._grad_fn, t._nr, t._requires_grad = node, j, True
                if j in plan.out_saved:
                    vc = t._vc = [0]
                    entries += (vc, 0, t._data)
            node.saved = entries or None
        return _rebuild(plan.spec, made, made.__getitem__)

    def _replay(self, plan: _Plan, args: tuple, kwargs: dict) -> Any:
        if not getattr(plan, "graph", False):
            return super()._replay(plan, args, kwargs)
        inputs, arrays = self._arrays(plan, args, kwargs)
        try:
            res = plan.forward(*arrays)
        except Diverged:
            return self.fn(*args, **kwargs)
        return self._node(plan, inputs, arrays, res, args, kwargs)

    def _recompute(self, plan: _Plan, inputs: list[Tensor], arrays: list[np.ndarray], args: tuple,
                   kwargs: dict, mask: tuple, given: list) -> list[list]:
        """The gradients the inputs get from outputs ``mask`` (with ``given`` from above), as
        eager mode's backward gives them: the forward runs again, eagerly, on the arrays of the
        replayed call (none was changed in place since: the node checks their versions), in its
        modes; what it writes (a running mean) is put back."""
        state = _snapshot(plan.reach[0])  # (the tensors it reached: another recording's may be current)
        now = [t._data for t in inputs]
        modes = (_autocast.enabled, _autocast.dtype, _dtypes.get_default_dtype())
        try:
            for t, a in zip(inputs, arrays):
                t._data = a
            _, _autocast.enabled, _autocast.dtype, default = plan.modes
            _dtypes.set_default_dtype(default)
            with enable_grad():
                outs = _tensors_in(self.fn(*args, **kwargs))
            got = run_backward([outs[plan.diff[j]] for j in mask], given, False,
                               capture=[inputs[i] for i in plan.wrt], each=True)
        finally:
            _autocast.enabled, _autocast.dtype = modes[:2]
            _dtypes.set_default_dtype(modes[2])
            for t, d in zip(inputs, now):
                t._data = d
            _restore(state)
        return [_listed(c) for c in got]

    def _validate(self, plan: _Plan, args: tuple, kwargs: dict) -> Any:
        if not getattr(plan, "graph", False):
            return super()._validate(plan, args, kwargs)
        ext = self.tensors
        state = _snapshot(ext)
        inputs, arrays = self._arrays(plan, args, kwargs)
        try:
            res = plan.forward(*arrays)
        except Diverged:
            return self.fn(*args, **kwargs)
        n = plan.n_out
        rng = np.random.default_rng(0)
        gs = [rng.standard_normal(s).astype(np.asarray(res[k]).dtype) for k, s in zip(plan.diff, plan.shapes)]
        got_grads = {mask: [_copy(x) for x in fn(*arrays, *res[n:], *[gs[j] for j in mask])]
                     for mask, (fn, _) in plan.backward.items()}
        got_outs = [_copy(np.asarray(r)) for r in res[:n]]
        got_state = [_copy(t._data) for t in ext]
        _restore(state)
        result = self.fn(*args, **kwargs)
        outs = _tensors_in(result)
        ok = len(outs) == n and _spec(result, iter(range(n))) == plan.spec and \
            [k for k, o in enumerate(outs) if o._grad_fn is not None] == plan.diff and \
            all(_equal(a, o._data) for a, o in zip(got_outs, outs)) and \
            all(_equal(a, t._data) for a, t in zip(got_state, ext))
        wrt = [inputs[i] for i in sorted(set(plan.edge_inputs))]
        for mask, got in got_grads.items():
            if not ok:
                break
            want = run_backward([outs[plan.diff[j]] for j in mask], [gs[j] for j in mask], True,
                                capture=wrt, each=True)
            want = [g for c in want for g in _listed(c)]
            ok = len(want) == len(got) and all(_equal(a, b) for a, b in zip(got, want))
        plan.settle(ok)
        return result


class _CompiledNode(Node):
    """``CompiledFunctionBackward``: one node for the outputs of a compiled module. The gradient
    an output gets from the other outputs (a loss computed from the logits) is computed inside
    its backward: a hook, ``retain_grad`` or ``autograd.grad`` with respect to that output would
    see only the gradient given to it directly, so they are refused."""

    __slots__ = ("inner",)

    def register_hook(self, hook: Any) -> Any:
        nr = getattr(hook, "nr", None)
        self.refuse(nr, "retain_grad()" if getattr(hook, "keep", None) is not None else "register_hook()")
        return super().register_hook(hook)

    def refuse(self, nr: int | None, what: str) -> None:
        """Raise if output ``nr`` is one another output is computed from (``what`` asks for its
        whole gradient: a hook, ``retain_grad``, ``autograd.grad`` with respect to it)."""
        if nr in self.inner:
            raise RuntimeError(
                f"{what} on output {nr} of a compiled module, which its output {self.inner[nr]} is "
                f"computed from: flambeau.compile computes the gradient that output {nr} gets from output "
                f"{self.inner[nr]} inside the module's backward, so it would not be seen. Ask it of a "
                f"tensor computed outside the module, or call the module without flambeau.compile.")


def _masks(k: int) -> list[tuple]:
    """The sets of outputs (of ``range(k)``, as sorted tuples) a backward is recorded for: every
    non-empty one for a few outputs; else each alone (a loss) and all together."""
    if k <= ALL_SUBSETS:
        return [tuple(j for j in range(k) if b >> j & 1) for b in range(1, 2 ** k)]
    return [(j,) for j in range(k)] + [tuple(range(k))]


def _listed(c: Any) -> list:
    """What a captured input received, as a list (``run_backward``'s ``each``: a leaf's is one)."""
    return c if isinstance(c, list) else [] if c is None else [c]


def _grad_array(g: np.ndarray, shape: tuple) -> np.ndarray:
    """A gradient from above as the recorded backward received it: of the output's shape, contiguous."""
    return np.ascontiguousarray(g if g.shape == shape else np.broadcast_to(g, shape))


def _spec(r: Any, k: Any) -> Any:
    """How a result is made: ``("t", k)`` for its k-th tensor, ``("c", v)`` for a constant,
    ``(tuple|list|dict, [parts])``; ``None`` for a result holding anything else."""
    if isinstance(r, Tensor):
        return ("t", next(k))
    if type(r) in (tuple, list):
        parts = [_spec(v, k) for v in r]
        return None if None in parts else (type(r), parts)
    if type(r) is dict:
        items = [(key, _spec(v, k)) for key, v in r.items()]
        return None if any(s is None for _, s in items) else (dict, items)
    if r is None or type(r) in (bool, int, float, str):
        return ("c", r)
    return None


def _nodes_from(fn: Any, first: int) -> dict[int, Node]:
    """The nodes of the graph behind ``fn`` made since node number ``first``, by id."""
    seen: dict[int, Node] = {}
    todo = [fn]
    while todo:
        n = todo.pop()
        if n.__class__ is tuple:
            n = n[0]
        if n is None or id(n) in seen or not isinstance(n, Node) or n.seq < first:
            continue
        seen[id(n)] = n
        todo.extend(n.next)
    return seen


def _own_outputs(tr: Tracer, traced_outs: list, data0: list) -> bool:
    """Whether each output is an array the forward pass made, sharing memory with no input and
    no other output (a replay returns new arrays, never views of the state)."""
    plain = [np.ndarray.view(x, np.ndarray) for x in traced_outs]
    if any(tr.slot(x) is None or tr.slot(x) in tr.inputs for x in traced_outs):
        return False
    for i, a in enumerate(plain):
        if any(np.may_share_memory(a, d) for d in data0) or any(np.may_share_memory(a, b) for b in plain[:i]):
            return False
    return True


class OptimizedModule(Module):
    """The module ``compile`` returns: calls and attributes go to ``_orig_mod``."""

    def __init__(self, mod: Module, compiled: bool = True) -> None:
        super().__init__()
        self._orig_mod = mod
        object.__setattr__(self, "_compiled", _CompiledModule(mod.__call__, mod) if compiled else None)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        compiled = self.__dict__.get("_compiled")
        if compiled is None:
            return self._orig_mod(*args, **kwargs)
        return compiled(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            mods = self.__dict__.get("_modules")
            if mods is None or "_orig_mod" not in mods:
                raise
            return getattr(mods["_orig_mod"], name)
