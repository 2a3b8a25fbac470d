"""``flambeau.compile``: record the NumPy calls of one run of a function, then replay them.

A training step of a small network spends most of its time in flambeau's bookkeeping (tensors,
graph nodes, the backward pass's queue, the optimizer's loops), not in NumPy. A compiled function
runs eagerly the first time; the second time it runs *traced* (:mod:`flambeau._trace`: every
NumPy call it makes, forward, backward and optimizer step alike, is recorded); the third time the
recording is replayed and checked against eager mode, bit for bit, on the same state; from then
on, each call replays the recorded NumPy calls directly on the current arrays of the parameters,
gradients and optimizer buffers, without building a graph. The results are those of eager mode,
bit for bit, because the calls are the same.

A call goes back to eager mode (and the function is traced again a few calls later) when
anything the recording depends on changed: the shapes, dtypes or strides of the arguments or of
the tensors the function reaches (the parameters and buffers of the modules it uses, the state of
its optimizers), whether gradients exist, grad mode, a module's ``training`` flag, a
hyper-parameter of an optimizer (a learning-rate scheduler's step). A recording is never used when
the function read a value into Python (``loss.item()``, ``if x.sum() > 0:``), used random numbers
(dropout: the check against eager mode sees the mask change), returned a graph to backpropagate
through later, or when its check against eager mode differed: the function then simply stays
eager. ``flambeau.compile(..., backend="eager")`` and ``disable=True`` never trace.

The tensors a function reaches are found where Python finds them: its globals and closure
variables, the object of a bound method and the attributes of those objects (modules, optimizers,
tensors, and lists or dicts of them).

As in PyTorch, a compiled module is an ``OptimizedModule`` holding the original as ``_orig_mod``
(so its ``state_dict`` keys start with ``_orig_mod.``), whose attributes are the original's. Its
forward and backward passes are recorded apart: a call replays the forward and returns a tensor
whose graph node (``CompiledFunctionBackward``) replays the backward (:class:`_CompiledModule`).

Example::

    >>> model = nn.Linear(2, 1)
    >>> opt = flambeau.optim.SGD(model.parameters(), lr=0.1)
    >>> @flambeau.compile
    ... def step(x, y):
    ...     opt.zero_grad()
    ...     loss = nn.functional.mse_loss(model(x), y)
    ...     loss.backward()
    ...     opt.step()
    ...     return loss
    >>> for _ in range(5):
    ...     loss = step(flambeau.ones(4, 2), flambeau.zeros(4, 1))
"""

from __future__ import annotations

import functools
import inspect
import types
from typing import Any

import numpy as np

from . import _trace
from ._trace import Diverged, Tracer
from .autograd import grad
from .autograd.backward import run_backward
from .autograd.graph import _freed_backward
from .autograd.grad_mode import _state as _grad_state
from .nn.module import Module, _Handle
from .ops._core import OUT, record
from .optim.optimizer import Optimizer
from .tensor import Tensor, _make

__all__ = ["compile", "OptimizedModule"]

MAX_TRACES = 8   # recordings made for one function before it stays eager for good


# ---------------------------------------------------------------------- what a function reaches
def _code_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= _code_names(c)
    return names


def _reached(fn: Any) -> tuple[list[Tensor], list[Module], list[Optimizer], list[tuple]]:
    """The tensors, modules and optimizers ``fn`` reaches (see the module's docstring), and
    where it reads Python numbers, strings and flags: ``(namespace or cell, name)`` pairs."""
    roots: list[Any] = []
    scalars: list[tuple] = []
    if isinstance(fn, Module):
        roots.append(fn)
        fn = type(fn).forward
    if inspect.ismethod(fn):
        roots.append(fn.__self__)
        fn = fn.__func__
    while isinstance(fn, functools.partial):
        roots.extend(fn.args)
        roots.extend(fn.keywords.values())
        fn = fn.func
    code = getattr(fn, "__code__", None)
    if code is not None:
        glob = getattr(fn, "__globals__", {})
        for n in _code_names(code):
            if n in glob:
                roots.append(glob[n])
                if type(glob[n]) in _SCALARS:
                    scalars.append((glob, n))
        for cell in fn.__closure__ or ():
            try:
                roots.append(cell.cell_contents)
            except ValueError:  # an empty cell
                continue
            if type(cell.cell_contents) in _SCALARS:
                scalars.append((cell, None))
    tensors: dict[int, Tensor] = {}
    modules: dict[int, Module] = {}
    optims: dict[int, Optimizer] = {}

    def visit(obj: Any, depth: int) -> None:
        if isinstance(obj, Tensor):
            tensors.setdefault(id(obj), obj)
        elif isinstance(obj, Module):
            for m in obj.modules():
                if id(m) in modules:
                    continue
                modules[id(m)] = m
                for t in (*m._parameters.values(), *m._buffers.values()):
                    if t is not None:
                        tensors.setdefault(id(t), t)
        elif isinstance(obj, Optimizer):
            if id(obj) not in optims:
                optims[id(obj)] = obj
                for group in obj.param_groups:
                    for p in group["params"]:
                        tensors.setdefault(id(p), p)
                for entry in obj.state.values():
                    for v in entry.values():
                        if isinstance(v, Tensor):
                            tensors.setdefault(id(v), v)
        elif depth > 0:
            if isinstance(obj, (list, tuple, set, frozenset)):
                for i, v in enumerate(obj):
                    if type(v) in _SCALARS and type(obj) is list:
                        scalars.append((obj, i))
                    visit(v, depth - 1)
            elif isinstance(obj, dict):
                for k, v in obj.items():
                    if type(v) in _SCALARS:
                        scalars.append((obj, k))
                    visit(v, depth - 1)
            elif hasattr(obj, "__dict__") and not isinstance(obj, (type, types.ModuleType, types.FunctionType)):
                attrs = vars(obj)
                for k, v in attrs.items():
                    if type(v) in _SCALARS:
                        scalars.append((attrs, k))
                    else:
                        visit(v, depth - 1)

    for r in roots:
        visit(r, 2)
    return list(tensors.values()), list(modules.values()), list(optims.values()), scalars


def _read_scalar(source: tuple) -> Any:
    where, name = source
    if name is None:
        try:
            return where.cell_contents
        except ValueError:
            return _read_scalar
    if type(where) is list:
        return where[name] if name < len(where) else _read_scalar
    return where.get(name, _read_scalar)


_SCALARS = (bool, int, float, str, type(None))


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # values that do not compare (tensors as hyper-parameters)
        return False


# ---------------------------------------------------------------------- one recording
class _Plan:
    """One recording of the function, for one signature of its arguments."""

    def __init__(self) -> None:
        self.calls = 0            # eager calls seen with this signature before tracing
        self.replay: Any = None
        self.validated = False
        self.dead = False         # stays eager
        self.reason = ""

    def signature(self, comp: _Compiled) -> tuple:
        """What the recording depends on in the reached tensors (checked at every call)."""
        sig = []
        for t in comp.tensors:
            d = t._data
            g = t._grad
            sig.append((d.shape, d.dtype, d.strides, t._requires_grad,
                        None if g is None or not comp.grads_matter else (g._data.shape, g._data.dtype, g._data.strides)))
        return tuple(sig)


class _Compiled:
    """The callable ``compile(fn)`` returns (see the module's docstring)."""

    grads_matter = True  # a training step reads and writes the gradients

    def __init__(self, fn: Any, reach: Any = None) -> None:
        self.fn = fn
        self.reach = fn if reach is None else reach
        self.plans: dict[tuple, _Plan] = {}
        self.traces = 0
        self.tensors: list[Tensor] = []
        self.modules: list[Module] = []
        self.optims: list[Optimizer] = []
        self.scalars: list[tuple] = []
        self.state_sig: Any = None
        functools.update_wrapper(self, fn)

    # ------------------------------------------------ guards
    def _args_key(self, args: tuple, kwargs: dict) -> tuple | None:
        key: list[Any] = [_grad_state.enabled]
        for a in (*args, *kwargs.values()):
            if isinstance(a, Tensor):
                d = a._data
                key.append((d.shape, d.dtype, d.strides, a._requires_grad, a._grad_fn is None))
            elif a is None or isinstance(a, (bool, int, float, str)):
                key.append((type(a), a))
            else:
                return None  # an argument the recording cannot check: eager
        key.append(tuple(kwargs))
        return tuple(key)

    def _state(self) -> tuple:
        """What a recording depends on besides the arrays: each module's attributes (counted
        by ``Module.__setattr__``: its ``training`` flag, its settings, which parameters and
        buffers it holds) and hooks, each optimizer's hyper-parameters and state (numbers, and
        which tensors), which tensors have gradients, the Python numbers the function reads."""
        return (tuple([m.__dict__.get("_version", 0) for m in self.modules]), _Handle.changes,
                tuple([(id(o.state), id(o.param_groups), tuple([tuple(g.values()) for g in o.param_groups]),
                        tuple([tuple(st.values()) for st in o.state.values()])) for o in self.optims]),
                tuple([t._grad is None for t in self.tensors]) if self.grads_matter else (),
                tuple(map(_read_scalar, self.scalars)))

    # ------------------------------------------------ calls
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        key = self._args_key(args, kwargs)
        if key is None or self.traces > MAX_TRACES:
            return self.fn(*args, **kwargs)
        plan = self.plans.get(key)
        if plan is not None and plan.replay is not None:
            if _same(self._state(), self.state_sig) and plan.tensor_sig == plan.signature(self):
                if plan.validated:
                    return self._replay(plan, args, kwargs)
                return self._validate(plan, args, kwargs)
            self.plans.clear()  # the reached state changed: record again
            plan = None
        if plan is None:
            plan = self.plans[key] = _Plan()
        if plan.dead:
            return self.fn(*args, **kwargs)
        plan.calls += 1
        if plan.calls < 2:  # the first call of a signature creates what steps keep (optimizer state)
            return self.fn(*args, **kwargs)
        return self._trace(plan, args, kwargs)

    def _arg_tensors(self, args: tuple, kwargs: dict) -> list[Tensor]:
        seen = {id(t) for t in self.tensors}
        out = []
        for a in (*args, *kwargs.values()):
            if isinstance(a, Tensor) and id(a) not in seen:
                seen.add(id(a))
                out.append(a)
        return out

    def _trace(self, plan: _Plan, args: tuple, kwargs: dict) -> Any:
        self.traces += 1
        self.tensors, self.modules, self.optims, self.scalars = _reached(self.reach)
        state_before = self._state()
        ext = self.tensors
        inputs = ext + self._arg_tensors(args, kwargs)
        data0 = [t._data for t in inputs]
        grad0 = [t._grad for t in ext]
        gdata0 = [None if g is None else g._data for g in grad0]
        vc0 = [0 if t._vc is None else t._vc[0] for t in ext]
        plan.tensor_sig = plan.signature(self)
        tr = Tracer()
        with tr:
            traced = [tr.input(d) for d in data0]
            for t, td in zip(inputs, traced):
                t._data = td
            traced_grads = [None if g is None else tr.input(g._data) for g in grad0]
            for g, td in zip(grad0, traced_grads):
                if g is not None:
                    g._data = td
            try:
                result = self.fn(*args, **kwargs)
            finally:
                installs = self._untrace(tr, inputs, traced, data0, grad0, traced_grads, gdata0)
        outputs, rebuild = self._outputs(tr, result)
        if outputs is None:
            tr.broken = tr.broken or "a result that is not tensors"
        for r in _tensors_in(result):
            fn = r._grad_fn
            if fn is not None and fn.backward is not _freed_backward:
                tr.broken = tr.broken or "a result with a graph to backpropagate through"
        if not _same(self._state(), state_before) and not tr.broken:
            # Python values changed (a step count kept as a number, a scheduler stepped inside):
            # a replay would not change them. Or an optimizer's state was still being created.
            if self.traces > 2:
                tr.broken = "it changes Python values (numbers kept by a module or an optimizer)"
            else:
                plan.calls = 0   # try again later
                return result
        if tr.broken:
            plan.dead = True
            plan.reason = tr.broken
            return result
        self.state_sig = self._state()
        ins = traced + [td for td in traced_grads if td is not None]
        plan.replay = tr.replay_function(ins, outputs + [v for _, _, v in installs])
        plan.n_outputs = len(outputs)
        plan.installs = [(t, what) for t, what, _ in installs]
        plan.grad_inputs = [t for t, g in zip(ext, grad0) if g is not None]
        vc = [(t, (0 if t._vc is None else t._vc[0]) - v) for t, v in zip(ext, vc0)]
        plan.vc = [(t, d) for t, d in vc if d]
        plan.rebuild = rebuild
        plan.n_args = len(inputs) - len(ext)
        return result

    def _untrace(self, tr: Tracer, inputs: list[Tensor], traced: list, data0: list, grad0: list,
                 traced_grads: list, gdata0: list) -> list:
        """Give the tensors their plain arrays back; returns what a replay must install:
        (tensor, what, the traced array or None), what being "data" (``t._data``), "grad_data"
        (``t._grad._data``) or "grad" (``t._grad``, a new tensor or None)."""
        installs = []
        for t, td, d in zip(inputs, traced, data0):
            if t._data is td:
                t._data = d
            else:
                installs.append((t, "data", t._data))
                t._data = _plain(tr, t._data)
        for t, g, td, gd in zip(self.tensors, grad0, traced_grads, gdata0):
            if g is not None:
                changed = g._data is not td
                now = g._data
                g._data = _plain(tr, now) if changed else gd
                if changed and t._grad is g:
                    installs.append((t, "grad_data", now))
            if t._grad is not g:
                now = t._grad
                installs.append((t, "grad", None if now is None else now._data))
                if now is not None:
                    now._data = _plain(tr, now._data)
        return installs

    def _outputs(self, tr: Tracer, result: Any) -> tuple[list | None, Any]:
        """The traced arrays of the tensors in ``result`` and how to rebuild it from them."""
        outs: list[Any] = []

        def shape(r: Any) -> Any:
            if isinstance(r, Tensor):
                outs.append(r._data)
                k = len(outs) - 1
                r._data = _plain(tr, r._data)
                return ("t", k)
            if type(r) in (tuple, list):
                return (type(r), [shape(v) for v in r])
            if r is None or isinstance(r, (bool, int, float, str)):
                if isinstance(r, float) and r != r:
                    tr.broken = tr.broken or "a result read into Python"
                return ("c", r)
            raise TypeError

        try:
            rebuild = shape(result)
        except TypeError:
            return None, None
        return outs, rebuild

    def _run_replay(self, plan: _Plan, args: tuple, kwargs: dict) -> tuple:
        arrays = [t._data for t in self.tensors]
        arrays += [a._data for a in (*args, *kwargs.values()) if isinstance(a, Tensor)][:plan.n_args]
        arrays += [t._grad._data for t in plan.grad_inputs]
        return plan.replay(*arrays)

    def _install(self, plan: _Plan, res: tuple) -> Any:
        k = plan.n_outputs
        for t, what in plan.installs:
            v = res[k]
            k += 1
            if what == "data":
                t._data = v
            elif what == "grad_data":
                t._grad._data = v
            else:
                t._grad = None if v is None else _make(v)
        for t, d in plan.vc:
            if t._vc is None:
                t._vc = [d]
            else:
                t._vc[0] += d
        return _rebuild(plan.rebuild, res)

    def _replay(self, plan: _Plan, args: tuple, kwargs: dict) -> Any:
        try:
            res = self._run_replay(plan, args, kwargs)
        except Diverged:  # a check of the recording fails (an index out of range...): eager mode
            return self.fn(*args, **kwargs)
        return self._install(plan, res)

    def _validate(self, plan: _Plan, args: tuple, kwargs: dict) -> Any:
        """Replay, keep what it gives, put the state back, run eagerly, compare bit for bit."""
        ext = self.tensors
        saved = [(t._data, t._data.copy(), t._grad, None if t._grad is None else t._grad._data.copy(),
                  None if t._grad is None else t._grad._data, None if t._vc is None else t._vc[0])
                 for t in ext]
        replayed = self._install(plan, self._run_replay(plan, args, kwargs))
        got = [(_copy(t._data), None if t._grad is None else _copy(t._grad._data)) for t in ext]
        got_out = [_copy(t._data) for t in _tensors_in(replayed)]
        for t, (d, dc, g, gc, gd, vc) in zip(ext, saved, strict=True):
            np.copyto(d, dc)
            t._data = d
            if g is not None:
                np.copyto(gd, gc)
                g._data = gd
            t._grad = g
            if vc is None:
                t._vc = None
            else:
                t._vc[0] = vc
        result = self.fn(*args, **kwargs)
        same = len(got_out) == len(list(_tensors_in(result))) and all(
            _equal(a, t._data) for a, t in zip(got_out, _tensors_in(result)))
        for t, (d, g) in zip(ext, got):
            same = same and _equal(d, t._data) and ((g is None) == (t._grad is None)) and \
                (g is None or _equal(g, t._grad._data))
        if same:
            plan.validated = True
        else:
            plan.dead = True
            plan.reason = "its replay differed from eager mode"
        return result


def _plain(tr: Tracer, x: Any) -> Any:
    return np.ndarray.view(x, np.ndarray) if tr.slot(x) is not None or isinstance(x, np.ndarray) else x


def _copy(x: np.ndarray) -> np.ndarray:
    return np.array(x, copy=True)


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and \
        np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def _tensors_in(r: Any) -> list[Tensor]:
    if isinstance(r, Tensor):
        return [r]
    if type(r) in (tuple, list):
        return [t for v in r for t in _tensors_in(v)]
    return []


def _rebuild(spec: Any, res: tuple) -> Any:
    kind, v = spec
    if kind == "t":
        return _make(np.asarray(res[v]))
    if kind == "c":
        return v
    return kind(_rebuild(s, res) for s in v)


# ---------------------------------------------------------------------- modules
class _CompiledModule(_Compiled):
    """A compiled module's calls. Where no graph is needed, as :class:`_Compiled`. With one (grad
    mode on, a parameter or an argument requiring grad), the forward pass and the backward pass
    are recorded apart: a replay of the forward gives the output, recorded as one graph node
    (``CompiledFunctionBackward``, as PyTorch names it) whose backward replays the recorded
    backward pass: the gradients eager mode's graph gives, bit for bit."""

    grads_matter = False  # a module's call does not touch ``.grad``

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
        self.tensors, self.modules, self.optims, self.scalars = _reached(self.reach)
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
        elif moved:
            tr.note("a module that replaces its tensors' arrays")
        if not _same(self._state(), state_before):
            tr.note("it changes Python values (numbers kept by a module)")
        if tr.broken:
            plan.dead = True
            plan.reason = tr.broken
            return out
        self.state_sig = self._state()
        grad_arrays = list(grads)
        back = slice(n_forward, None)
        given = {tr.slot(x) for x in traced} | {tr.slot(g)}
        saved = sorted(tr.reads(back, grad_arrays) - given)
        saved_arrays = [tr.traced(k) for k in saved]
        plan.forward = tr.replay_function(traced, [traced_out, *saved_arrays], slice(0, n_forward))
        plan.backward = tr.replay_function([*traced, *saved_arrays, g], grad_arrays, back)
        reads = tr.reads(back, grad_arrays)
        plan.saved_inputs = [t for t, td in zip(inputs, traced) if tr.slot(td) in reads]
        plan.out_saved = tr.slot(traced_out) in reads
        plan.wrt = wrt
        plan.n_args = len(inputs) - len(self.tensors)
        vc = [(t, (0 if t._vc is None else t._vc[0]) - v) for t, v in zip(self.tensors, vc0)]
        plan.vc = [(t, d) for t, d in vc if d]
        plan.replay = plan.forward
        return out

    def _arrays(self, plan: _Plan, args: tuple, kwargs: dict) -> tuple[list[Tensor], list[np.ndarray]]:
        inputs = self.tensors + [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)][:plan.n_args]
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
        saved = [(t._data, t._data.copy(), None if t._vc is None else t._vc[0]) for t in ext]
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
        for t, (d, dc, vc) in zip(ext, saved):
            np.copyto(d, dc)
            t._data = d
            if vc is None:
                t._vc = None
            else:
                t._vc[0] = vc
        result = self.fn(*args, **kwargs)
        same = isinstance(result, Tensor) and result._grad_fn is not None and _equal(got_out, result._data)
        if same:
            wrt = [inputs[i] for i in plan.wrt]
            want = grad([result], wrt, grad_outputs=[_make(g)], retain_graph=True, allow_unused=True)
            same = all((a is None) == (b is None) and (a is None or _equal(np.broadcast_to(a, b.shape), b._data))
                       for a, b in zip(got_grads, want))
            same = same and all(_equal(a, t._data) for a, t in zip(got_state, ext))
        if same:
            plan.validated = True
        else:
            plan.dead = True
            plan.reason = "its replay differed from eager mode"
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


def compile(model: Any = None, *, fullgraph: bool = False, dynamic: bool | None = None,  # noqa: A001
            backend: Any = "inductor", mode: str | None = None, options: dict | None = None,
            disable: bool = False) -> Any:
    """Return ``model`` compiled, as ``torch.compile``: a module becomes an
    :class:`OptimizedModule`, a function a recorded-and-replayed version of it (see the module's
    docstring); ``@compile`` and ``@compile(mode=...)`` decorate. The results are eager mode's,
    bit for bit. ``backend="eager"`` or ``disable=True``: the function runs eagerly."""
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                 mode=mode, options=options, disable=disable)
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    eager = disable or backend == "eager"
    if isinstance(model, Module):
        return OptimizedModule(model, compiled=not eager)
    if eager:
        @functools.wraps(model)
        def compiled(*args: Any, **kwargs: Any) -> Any:
            return model(*args, **kwargs)
        return compiled
    return _Compiled(model)
