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
hyper-parameter of an optimizer (a learning-rate scheduler's step), the Python numbers it reads.
A boolean or an integer read from an array (``if bad.any(): raise ...``) becomes a check of the
recording: a replay that fails it has written nothing yet, and the call runs eagerly. A recording
is never used when the function read a float into Python (``loss.item()``), used random numbers
(dropout: the check against eager mode sees the mask change), changed Python numbers, called a
collective of ``torch.distributed``, returned a graph to backpropagate through later, or when its
check against eager mode differed: the function then simply stays eager.
``flambeau.compile(..., backend="eager")`` and ``disable=True`` never trace.

The tensors a function reaches are found where Python finds them: its globals and closure
variables, the object of a bound method and the attributes of those objects (modules, optimizers,
tensors, and lists or dicts of them).

As in PyTorch, a compiled module is an ``OptimizedModule`` holding the original as ``_orig_mod``
(so its ``state_dict`` keys start with ``_orig_mod.``), whose attributes are the original's. Its
forward and backward passes are recorded apart: a call replays the forward and returns its
tensors (alone, or in tuples, lists and dicts), whose graph node (``CompiledFunctionBackward``)
replays the backward (:mod:`flambeau._compile_module`).

Each recording keeps the state it was made in; one whose state was left is shelved (a few per
signature of the arguments), and used again when that state comes back (a model put in eval
mode for an evaluation, then back in training mode). Each replayed call checks the guards the
fast way first: if no module changed anywhere (a counter), nor a hook, and what the guards read
(the arrays, gradients and ``requires_grad`` flags of the tensors, the Python values) are the
objects they read the last time they held, only the optimizers' hyper-parameters and state are
compared; otherwise everything is.

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
from operator import is_
from typing import Any

import numpy as np

from . import _dtype as _dtypes
from ._compile_reach import SCALARS, reached, read_scalar, same
from ._layout import strided
from ._quiet import quiet
from ._trace import Diverged, Tracer
from ._trace import active as _tracing
from .amp.autocast_mode import _state as _autocast
from .autograd.grad_mode import _state as _grad_state
from .autograd.graph import _POST_ACCUMULATE, _freed_backward
from .nn.module import CHANGES as _module_changes
from .nn.module import Module, _Handle
from .optim.optimizer import Optimizer
from .tensor import Tensor, _make

__all__ = ["compile"]

MAX_TRACES = 8   # recordings made for one function before it stays eager for good
SHELVED = 3      # recordings kept per signature for states left (a model in eval mode, then back)


def _identity_or_value(v: Any) -> Any:
    """A number, string or flag as itself; anything else by identity (an array is not compared
    element by element: a rebound name is what matters)."""
    return v if type(v) in SCALARS else id(v)


# ---------------------------------------------------------------------- one recording
class _Plan:
    """One recording of the function, for one signature of its arguments."""

    def __init__(self) -> None:
        self.calls = 0            # eager calls seen with this signature before tracing
        self.replay: Any = None
        self.validated = False
        self.dead = False         # stays eager
        self.reason = ""
        self.seen: tuple | None = None  # what the guards read the last time they held
        self.reach: tuple = ()    # what the function reached when recorded (see _Compiled._use)
        self.state_sig: Any = None  # _Compiled._state() then
        self.stable: bool | None = None  # the guards hold after a replay (known after the first)

    def settle(self, same_as_eager: bool) -> None:
        """After the check against eager mode: replayed from now on, or never."""
        if same_as_eager:
            self.validated = True
        else:
            self.dead = True
            self.reason = "its replay differed from eager mode"

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
    array_args = True    # NumPy arrays are accepted as arguments (inputs of the recording)

    def __init__(self, fn: Any, reach: Any = None) -> None:
        self.fn = fn
        self.reach = fn if reach is None else reach
        self.plans: dict[tuple, _Plan] = {}
        self.traces = 0
        self.tensors: list[Tensor] = []
        self.modules: list[Module] = []
        self.optims: list[Optimizer] = []
        self.scalars: list[tuple] = []
        self.reached_ids: set[int] = set()
        self.shelf: dict[tuple, list[_Plan]] = {}  # recordings made in states left, per signature
        self.current: _Plan | None = None  # the plan whose reach is the one above
        functools.update_wrapper(self, fn)

    # ------------------------------------------------ guards
    def _args_key(self, args: tuple, kwargs: dict) -> tuple | None:
        # the modes ops read: grad mode, autocast and its dtype, the default float dtype
        key: list[Any] = [_grad_state.enabled, _autocast.enabled, _autocast.dtype, _dtypes.get_default_dtype()]
        for a in (*args, *kwargs.values()):
            if isinstance(a, Tensor):
                if a.layout is not strided:
                    return None  # a sparse tensor: not recorded
                d = a._data
                key.append((d.shape, d.dtype, d.strides, a._requires_grad, a._grad_fn is None))
            elif type(a) is np.ndarray and self.array_args:
                key.append(("ndarray", a.shape, a.dtype, a.strides))
            elif a is None or isinstance(a, (bool, int, float, str)):
                key.append((type(a), a))
            elif type(a) in (tuple, list) and (k := _nested_key(a)) is not None:
                key.append(k)  # tensors in a tuple (an LSTM's state)
            else:
                return None  # an argument the recording cannot check: eager
        key.append(tuple(kwargs))
        return tuple(key)

    def _state(self) -> tuple:
        """What a recording depends on besides the arrays: each module's attributes (counted
        by ``Module.__setattr__``: its ``training`` flag, its settings, which parameters and
        buffers it holds) and hooks, each optimizer's hyper-parameters and state (numbers, and
        which tensors), which tensors have gradients, the Python numbers the function reads."""
        return (tuple([m.__dict__.get("_version", 0) for m in self.modules]),
                tuple([m.training for m in self.modules]), _Handle.changes,
                self._optim_state(),
                tuple([t._grad is None for t in self.tensors]) if self.grads_matter else (),
                tuple(map(_identity_or_value, map(read_scalar, self.scalars))))

    def _optim_state(self) -> tuple:
        return tuple([(id(o.state), id(o.param_groups), tuple([tuple(g.values()) for g in o.param_groups]),
                       tuple([tuple(st.values()) for st in o.state.values()])) for o in self.optims])

    def _seen(self) -> list:
        """What the guards read, for a comparison by identity: each reached tensor's array, its
        gradient's array (or ``None``) and its ``requires_grad`` flag, the Python values read."""
        ts = self.tensors
        seen = [t._data for t in ts]
        if self.grads_matter:
            seen += [None if t._grad is None else t._grad._data for t in ts]
        seen += [t._requires_grad for t in ts]
        seen += map(read_scalar, self.scalars)
        return seen

    def _unchanged(self, plan: _Plan) -> bool:
        """Whether nothing ``plan`` depends on changed since it was recorded: :meth:`_state` and
        the tensors' :meth:`_Plan.signature` as they were then. The fast way first: no module
        changed anywhere, nor a hook, and what the guards read is what they read the last time
        they held (the same objects; the optimizers' state compared as always)."""
        seen = self._seen()
        last = plan.seen
        if last is not None and last[0] == _module_changes[0] and last[1] == _Handle.changes and \
                all(map(is_, seen, last[2])) and same(self._optim_state(), last[3]):
            return True
        if same(self._state(), plan.state_sig) and plan.tensor_sig == plan.signature(self):
            plan.seen = (_module_changes[0], _Handle.changes, seen, self._optim_state())
            return True
        return False

    # ------------------------------------------------ calls
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        key = self._args_key(args, kwargs)
        if key is None or self.traces > MAX_TRACES or _tracing() is not None:
            # (called while another compiled function records: it records this call's NumPy calls)
            return self.fn(*args, **kwargs)
        plan = self.plans.get(key)
        if plan is not None and plan.replay is not None:
            if self.current is not plan:
                self._use(plan)
            if not self._unchanged(plan):
                plan = self._other_state(key, plan)
        elif self.shelf.get(key):  # (not recorded yet in this state: maybe it was in an earlier one)
            plan = self._from_shelf(key) or plan
        if plan is not None and plan.replay is not None:
            if (args or kwargs) and self._aliased(args, kwargs):
                return self.fn(*args, **kwargs)
            if plan.validated:
                return self._replay(plan, args, kwargs)
            return self._validate(plan, args, kwargs)
        if plan is None:
            plan = self.plans[key] = _Plan()
        if plan.dead:
            return self.fn(*args, **kwargs)
        plan.calls += 1
        if plan.calls < 2:  # the first call of a signature creates what steps keep (optimizer state)
            return self.fn(*args, **kwargs)
        return self._trace(plan, args, kwargs)

    def _hooked(self) -> str | None:
        """Why a replay would differ: hooks it would not call (a module's forward hooks, a
        parameter's post-accumulate hooks), whose Python effects (an activation kept in a list)
        would be lost."""
        if any(m._forward_hooks or m._forward_pre_hooks for m in self.modules):
            return "a module with forward hooks (a replay would not call them)"
        if any(id(t) in _POST_ACCUMULATE and _POST_ACCUMULATE[id(t)][1] for t in self.tensors):
            return "a tensor with post-accumulate-grad hooks (a replay would not call them)"
        return None

    def _use(self, plan: _Plan) -> None:
        """Make what ``plan``'s function reached when recorded the reach the guards read."""
        self.tensors, self.modules, self.optims, self.scalars, self.reached_ids = plan.reach
        self.current = plan

    def _other_state(self, key: tuple, plan: _Plan) -> _Plan | None:
        """What the recording ``plan`` depends on changed: it is put on the shelf, and a
        recording of the same signature made in the state now (a model back in training mode
        after an evaluation) is taken from the shelf, if there is one; else ``None`` (the
        function is recorded again)."""
        shelf = self.shelf.setdefault(key, [])
        del self.plans[key]
        if plan.validated:
            shelf.insert(0, plan)
            del shelf[SHELVED + 1:]
            other = self._from_shelf(key, plan)
        else:
            other = self._from_shelf(key)
        return other

    def _from_shelf(self, key: tuple, left: _Plan | None = None) -> _Plan | None:
        """The shelved recording of signature ``key`` that holds in the state now (other than
        ``left``), made the current one; ``None`` if none does."""
        shelf = self.shelf[key]
        for other in shelf:
            if other is not left:
                self._use(other)
                if self._unchanged(other):
                    shelf.remove(other)
                    self.plans[key] = other
                    return other
        return None

    def _arg_tensors(self, args: tuple, kwargs: dict) -> list[Tensor]:
        return [a for a in _flat((*args, *kwargs.values())) if isinstance(a, Tensor)]

    def _aliased(self, args: tuple, kwargs: dict) -> bool:
        """Whether an argument is one of the tensors the function reaches, or is given twice: a
        recording is for distinct arguments (it reads each from its own place)."""
        ids = [id(a) for a in _flat((*args, *kwargs.values())) if isinstance(a, (Tensor, np.ndarray))]
        return len(set(ids)) != len(ids) or not self.reached_ids.isdisjoint(ids)

    def _start_recording(self, plan: _Plan) -> Any:
        """Count a recording, find what the function reaches now, keep it in ``plan``; returns
        the state before the call (what the recording's effects are checked against)."""
        self.traces += 1
        self.tensors, self.modules, self.optims, self.scalars = reached(self.reach)
        self.reached_ids = {id(t) for t in self.tensors}
        plan.reach = (self.tensors, self.modules, self.optims, self.scalars, self.reached_ids)
        self.current = plan
        return self._state()

    def _trace(self, plan: _Plan, args: tuple, kwargs: dict) -> Any:
        state_before = self._start_recording(plan)
        ext = self.tensors
        if any(t.layout is not strided for t in ext):  # it reads a sparse tensor: not recorded
            plan.dead = True
            return self.fn(*args, **kwargs)
        inputs = ext + self._arg_tensors(args, kwargs)
        flat = (*args, *kwargs.values())
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
            traced_arrays = [tr.input(a) for a in flat if type(a) is np.ndarray]
            traced_grads = [None if g is None else tr.input(g._data) for g in grad0]
            for g, td in zip(grad0, traced_grads):
                if g is not None:
                    g._data = td
            given = iter(traced_arrays)  # NumPy arrays given as arguments: their traced views
            flat = [next(given) if type(a) is np.ndarray else a for a in flat]
            try:
                result = self.fn(*flat[:len(args)], **dict(zip(kwargs, flat[len(args):])))
            finally:
                installs = self._untrace(tr, inputs, traced, data0, grad0, traced_grads, gdata0)
        outputs, rebuild = self._outputs(tr, result)
        if outputs is None:
            tr.broken = tr.broken or "a result that is not tensors"
        for r in _tensors_in(result):
            fn = r._grad_fn
            if fn is not None and fn.backward is not _freed_backward:
                tr.broken = tr.broken or "a result with a graph to backpropagate through"
        if self._aliased(args, kwargs):
            tr.broken = tr.broken or "an argument that is a tensor it reaches, or given twice"
        tr.broken = tr.broken or self._hooked()
        if not same(self._state(), state_before) and not tr.broken:
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
        plan.state_sig = self._state()
        plan.state_objects = [read_scalar(src) for src in self.scalars]  # their ids stay theirs
        ins = traced + traced_arrays + [td for td in traced_grads if td is not None]
        # quiet, as flambeau's ops are: no NumPy warning for log(0) or 0/0
        plan.replay = quiet(tr.replay_function(ins, outputs + [v for _, _, v in installs]))
        plan.n_outputs = len(outputs)
        plan.installs = [(t, what) for t, what, _ in installs]
        # where what it installs stands in :meth:`_seen` (-1: an argument's)
        where = {id(t): i for i, t in enumerate(ext)}
        plan.seen_at = [where[id(t)] if what == "data" and id(t) in where else
                        where[id(t)] + len(ext) if self.grads_matter and id(t) in where else -1
                        for t, what, _ in installs]
        plan.grad_inputs = [t for t, g in zip(ext, grad0) if g is not None]
        vc = [(t, (0 if t._vc is None else t._vc[0]) - v) for t, v in zip(ext, vc0)]
        plan.vc = [(t, d) for t, d in vc if d]
        plan.rebuild = rebuild
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
            if type(r) is dict:
                return (dict, [(k, shape(v)) for k, v in r.items()])
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
        if args or kwargs:
            arrays += [a._data for a in self._arg_tensors(args, kwargs)]
            arrays += [a for a in (*args, *kwargs.values()) if type(a) is np.ndarray]
        if plan.grad_inputs:
            arrays += [t._grad._data for t in plan.grad_inputs]
        return plan.replay(*arrays)

    def _install(self, plan: _Plan, res: tuple, seen: list | None = None) -> Any:
        """Put what a replay gave where eager mode puts it (and into ``seen``, the objects the
        guards last read, where they stand there)."""
        k = plan.n_outputs
        for (t, what), at in zip(plan.installs, plan.seen_at):
            v = res[k]
            k += 1
            if what == "data":
                t._data = v
            elif what == "grad_data":
                t._grad._data = v
            else:
                t._grad = None if v is None else _make(v)
            if seen is not None and at >= 0:
                seen[at] = v
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
        if plan.stable:  # what the guards read is then what the replay installed
            return self._install(plan, res, plan.seen[2])
        result = self._install(plan, res)
        if plan.stable is None:
            # after its first replay, do the guards hold? Then they hold after each replay (the same
            # NumPy calls give arrays of the same layouts), and what it installs is what they read
            plan.seen = None
            plan.stable = self._unchanged(plan)
        return result

    def _validate(self, plan: _Plan, args: tuple, kwargs: dict) -> Any:
        """Replay, keep what it gives, put the state back, run eagerly, compare bit for bit."""
        ext = self.tensors
        saved = _snapshot(ext)
        try:
            replayed = self._install(plan, self._run_replay(plan, args, kwargs))
        except Diverged:  # a check fails before anything was written: this call is eager
            return self.fn(*args, **kwargs)
        got = [(_copy(t._data), None if t._grad is None else _copy(t._grad._data)) for t in ext]
        got_out = [_copy(t._data) for t in _tensors_in(replayed)]
        _restore(saved)
        result = self.fn(*args, **kwargs)
        same = len(got_out) == len(list(_tensors_in(result))) and all(
            _equal(a, t._data) for a, t in zip(got_out, _tensors_in(result)))
        for t, (d, g) in zip(ext, got):
            same = same and _equal(d, t._data) and ((g is None) == (t._grad is None)) and \
                (g is None or _equal(g, t._grad._data))
        plan.settle(same)
        return result


def _nested_key(seq: tuple | list) -> tuple | None:
    """The key of a tuple or list of tensors, numbers, strings and ``None`` (nested)."""
    key: list[Any] = [type(seq)]
    for a in seq:
        if isinstance(a, Tensor):
            d = a._data
            key.append((d.shape, d.dtype, d.strides, a._requires_grad, a._grad_fn is None))
        elif a is None or isinstance(a, (bool, int, float, str)):
            key.append((type(a), a))
        elif type(a) in (tuple, list) and (k := _nested_key(a)) is not None:
            key.append(k)
        else:
            return None
    return tuple(key)


def _flat(xs: Any) -> list:
    """The arguments, those in tuples and lists (nested) in their place."""
    out: list[Any] = []
    for a in xs:
        if type(a) in (tuple, list):
            out += _flat(a)
        else:
            out.append(a)
    return out


def _snapshot(tensors: list[Tensor]) -> list[tuple]:
    """What :func:`_restore` puts back: each tensor's values, gradient and version."""
    return [(t, t._data, t._data.copy(), t._grad, None if t._grad is None else t._grad._data,
             None if t._grad is None else t._grad._data.copy(), None if t._vc is None else t._vc[0])
            for t in tensors]


def _restore(snapshot: list[tuple]) -> None:
    """The tensors of ``snapshot`` as they were (a replay checked against eager mode ran)."""
    for t, d, dc, g, gd, gc, vc in snapshot:
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
    if type(r) in (tuple, list, dict):
        return [t for v in (r.values() if type(r) is dict else r) for t in _tensors_in(v)]
    return []


def _rebuild(spec: Any, res: Any, make: Any = None) -> Any:
    """The result ``spec`` (made by :meth:`_Compiled._outputs`) describes, its k-th tensor being
    ``make(k)`` (by default a tensor of ``res[k]``)."""
    kind, v = spec
    if kind == "t":
        return _make(np.asarray(res[v])) if make is None else make(v)
    if kind == "c":
        return v
    if kind is dict:
        return {k: _rebuild(s, res, make) for k, s in v}
    return kind(_rebuild(s, res, make) for s in v)


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
        from ._compile_module import OptimizedModule
        return OptimizedModule(model, compiled=not eager)
    if eager:
        @functools.wraps(model)
        def compiled(*args: Any, **kwargs: Any) -> Any:
            return model(*args, **kwargs)
        return compiled
    return _Compiled(model)
