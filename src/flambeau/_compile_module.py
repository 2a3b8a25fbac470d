"""``flambeau.compile`` of a module: an ``OptimizedModule``, as PyTorch's, whose calls are
recorded and replayed. Where no graph is needed, a call is a compiled function's
(:mod:`flambeau._compile`); with one, the forward and the backward passes are recorded apart and
the output's graph node, ``CompiledFunctionBackward``, replays the backward (see
:class:`_CompiledModule`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _trace
from ._compile import _Compiled, _copy, _equal, _plain, _Plan, _restore, _snapshot
from ._compile_reach import reached, read_scalar, same
from ._quiet import quiet
from ._trace import Diverged, Tracer
from .autograd import grad
from .autograd.backward import run_backward
from .autograd.grad_mode import _state as _grad_state
from .nn.module import Module
from .ops._core import OUT, record
from .tensor import Tensor, _make


class _CompiledModule(_Compiled):
    """A compiled module's calls. Where no graph is needed, as :class:`_Compiled`. With one (grad
    mode on, a parameter or an argument requiring grad), the forward pass and the backward pass
    are recorded apart: a replay of the forward gives the output, recorded as one graph node
    (``CompiledFunctionBackward``, as PyTorch names it) whose backward replays the recorded
    backward pass: the gradients eager mode's graph gives, bit for bit."""

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
        self.traces += 1
        self.tensors, self.modules, self.optims, self.scalars = reached(self.reach)
        self.reached_ids = {id(t) for t in self.tensors}
        state_before = self._state()
        inputs = self.tensors + self._arg_tensors(args, kwargs)
        data0 = [t._data for t in inputs]
        vc0 = [0 if t._vc is None else t._vc[0] for t in self.tensors]
        plan.tensor_sig = plan.signature(self)
        wrt = [i for i, t in enumerate(inputs) if t._requires_grad]
        hooked = any(t._grad_fn is not None and getattr(t._grad_fn, "hooks", None) for t in inputs)
        tr = Tracer()
        out = grads = None
        with tr:
            traced = [tr.input(d) for d in data0]
            for t, td in zip(inputs, traced):
                t._data = td
            try:
                out = self.fn(*args, **kwargs)
                n_forward = len(tr.tape)
                if isinstance(out, Tensor) and out._grad_fn is not None and not hooked:
                    g = tr.input(_trace._originals["ones"](out._data.shape, out._data.dtype))
                    # the gradients as the graph gives them, before autograd.grad copies them
                    grads = run_backward([out], [g], True, capture=[inputs[i] for i in wrt])
            finally:
                moved = [t for t, td in zip(inputs, traced) if t._data is not td]
                for t, d in zip(inputs, data0):
                    t._data = d
                if isinstance(out, Tensor):
                    traced_out = out._data
                    out._data = _plain(tr, out._data)
        if grads is None:
            tr.note("a result that is not one tensor with a graph")
        elif self._aliased(args, kwargs):
            tr.note("an argument that is a tensor it reaches, or given twice")
        elif moved:
            tr.note("a module that replaces its tensors' arrays")
        if not same(self._state(), state_before):
            tr.note("it changes Python values (numbers kept by a module)")
        if tr.broken:
            plan.dead = True
            plan.reason = tr.broken
            return out
        self.state_sig = self._state()
        self.state_objects = [read_scalar(src) for src in self.scalars]
        grad_arrays = list(grads)
        back = slice(n_forward, None)
        given = {tr.slot(x) for x in traced} | {tr.slot(g)}
        saved = sorted(tr.reads(back, grad_arrays) - given)
        saved_arrays = [tr.traced(k) for k in saved]
        plan.forward = quiet(tr.replay_function(traced, [traced_out, *saved_arrays], slice(0, n_forward)))
        plan.backward = quiet(tr.replay_function([*traced, *saved_arrays, g], grad_arrays, back))
        reads = tr.reads(back, grad_arrays)
        plan.saved_inputs = [t for t, td in zip(inputs, traced) if tr.slot(td) in reads]
        plan.out_saved = tr.slot(traced_out) in reads
        plan.wrt = wrt
        vc = [(t, (0 if t._vc is None else t._vc[0]) - v) for t, v in zip(self.tensors, vc0)]
        plan.vc = [(t, d) for t, d in vc if d]
        plan.replay = plan.forward
        return out

    def _arrays(self, plan: _Plan, args: tuple, kwargs: dict) -> tuple[list[Tensor], list[np.ndarray]]:
        inputs = self.tensors + self._arg_tensors(args, kwargs)
        return inputs, [t._data for t in inputs]

    def _node(self, plan: _Plan, inputs: list[Tensor], arrays: list[np.ndarray], res: tuple) -> Tensor:
        saved = res[1:]

        def backward(g: np.ndarray) -> tuple:
            return plan.backward(*arrays, *saved, np.ascontiguousarray(g))

        for t, d in plan.vc:
            if t._vc is None:
                t._vc = [d]
            else:
                t._vc[0] += d
        keep = plan.saved_inputs + ([OUT] if plan.out_saved else [])
        return record(res[0], "CompiledFunctionBackward", [inputs[i] for i in plan.wrt], backward, keep)

    def _replay(self, plan: _Plan, args: tuple, kwargs: dict) -> Any:
        if not getattr(plan, "graph", False):
            return super()._replay(plan, args, kwargs)
        inputs, arrays = self._arrays(plan, args, kwargs)
        try:
            res = plan.forward(*arrays)
        except Diverged:
            return self.fn(*args, **kwargs)
        return self._node(plan, inputs, arrays, res)

    def _validate(self, plan: _Plan, args: tuple, kwargs: dict) -> Any:
        if not getattr(plan, "graph", False):
            return super()._validate(plan, args, kwargs)
        ext = self.tensors
        saved = _snapshot(ext)
        inputs, arrays = self._arrays(plan, args, kwargs)
        try:
            res = plan.forward(*arrays)
        except Diverged:
            return self.fn(*args, **kwargs)
        out = np.asarray(res[0])
        g = np.random.default_rng(0).standard_normal(out.shape).astype(out.dtype)
        got_grads = [None if x is None else _copy(x) for x in plan.backward(*arrays, *res[1:], g)]
        got_out = _copy(out)
        got_state = [_copy(t._data) for t in ext]
        _restore(saved)
        result = self.fn(*args, **kwargs)
        same = isinstance(result, Tensor) and result._grad_fn is not None and _equal(got_out, result._data)
        if same:
            wrt = [inputs[i] for i in plan.wrt]
            want = grad([result], wrt, grad_outputs=[_make(g)], retain_graph=True, allow_unused=True)
            same = all((a is None) == (b is None) and (a is None or _equal(np.broadcast_to(a, b.shape), b._data))
                       for a, b in zip(got_grads, want))
            same = same and all(_equal(a, t._data) for a, t in zip(got_state, ext))
        plan.settle(same)
        return result


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
