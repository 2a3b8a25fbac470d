"""Trace and replay: the NumPy calls one run of a function makes, recorded, then replayed.

While a :class:`Tracer` is active in a thread, the arrays it follows are :class:`TracedArray`
views: every NumPy call on them (ufuncs and their methods through ``__array_ufunc__``, NumPy
functions through ``__array_function__``, and the array methods that make views or copies) is
computed as usual and appended to the tape, its arguments written as *slots* (arrays the tape
computes or receives) or *constants* (anything else); a view NumPy makes inside a function
(``as_strided``, ``nditer``) is recorded by its offset and strides from the array it views.
:meth:`Tracer.replay_function` (:mod:`flambeau._replay`) turns the tape into one Python function,
generated as source, that makes the same NumPy calls in the same order on new input arrays: the
same operations, so bit for bit the same results.

What a tape cannot hold is noted in ``Tracer.broken`` (the run itself goes on, eagerly and
correctly): a float read into Python (``x.item()``), whose later use the tape would freeze; a
boolean or an integer read (``if bad.any(): raise``) becomes a check of the tape instead. Arrays
made outside the tape (a random mask) become constants: :mod:`flambeau._compile` checks each tape
once against eager mode before using it.

Example::

    >>> tr, x = Tracer(), np.ones(3)
    >>> with tr:
    ...     a = tr.input(x)
    ...     b = np.tanh(a) * 2
    >>> f = tr.replay_function([a], [b])
    >>> f(np.zeros(3))
    (array([0., 0., 0.]),)
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ._replay import _DEBUG, _WRITERS, _WRITING_FUNCTIONS, Diverged, Replay, _Slot, _slots_of  # noqa: F401

_local = threading.local()
_ndarray = np.ndarray
_plain_view = np.ndarray.view


def active() -> Tracer | None:
    """The tracer recording in this thread, if any."""
    return getattr(_local, "tracer", None)


def _plain(x: Any) -> Any:
    """``x`` with traced arrays as plain views of the same memory (in tuples, lists, dicts)."""
    if isinstance(x, TracedArray):
        return _plain_view(x, _ndarray)
    if type(x) in (tuple, list):
        return type(x)(_plain(v) for v in x)
    if type(x) is dict:
        return {k: _plain(v) for k, v in x.items()}
    return x


def _has_traced(x: Any) -> bool:
    if isinstance(x, TracedArray):
        return True
    if type(x) in (tuple, list):
        return any(_has_traced(v) for v in x)
    if type(x) is dict:
        return any(_has_traced(v) for v in x.values())
    return False


class TracedArray(np.ndarray):
    """An array whose NumPy calls the active tracer records (a view: no copy is made)."""

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        fn = ufunc if method == "__call__" else getattr(ufunc, method)
        tr = active()
        if tr is None:
            return fn(*_plain(inputs), **_plain(kwargs))
        return tr.call(fn, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        tr = active()
        if tr is None:
            return func(*_plain(args), **_plain(kwargs))
        return tr.call(func, args, kwargs)

    # ------------------------------------------------ methods that make views or copies
    def _method(self, name: str, *args: Any, **kwargs: Any) -> Any:
        tr = active()
        plain = getattr(_plain_view(self, _ndarray), name)
        if tr is None:
            return plain(*_plain(args), **_plain(kwargs))
        return tr.method(self, name, args, kwargs)

    def reshape(self, *a: Any, **k: Any) -> Any: return self._method("reshape", *a, **k)
    def transpose(self, *a: Any) -> Any: return self._method("transpose", *a)
    def swapaxes(self, *a: Any) -> Any: return self._method("swapaxes", *a)
    def squeeze(self, *a: Any, **k: Any) -> Any: return self._method("squeeze", *a, **k)
    def ravel(self, *a: Any) -> Any: return self._method("ravel", *a)
    def flatten(self, *a: Any) -> Any: return self._method("flatten", *a)
    def copy(self, *a: Any, **k: Any) -> Any: return self._method("copy", *a, **k)
    def astype(self, *a: Any, **k: Any) -> Any: return self._method("astype", *a, **k)
    def fill(self, value: Any) -> Any: return self._method("fill", value)
    def argmax(self, *a: Any, **k: Any) -> Any: return self._method("argmax", *a, **k)
    def argmin(self, *a: Any, **k: Any) -> Any: return self._method("argmin", *a, **k)
    def cumsum(self, *a: Any, **k: Any) -> Any: return self._method("cumsum", *a, **k)
    def cumprod(self, *a: Any, **k: Any) -> Any: return self._method("cumprod", *a, **k)
    def argsort(self, *a: Any, **k: Any) -> Any: return self._method("argsort", *a, **k)
    def sort(self, *a: Any, **k: Any) -> Any: return self._method("sort", *a, **k)
    def take(self, *a: Any, **k: Any) -> Any: return self._method("take", *a, **k)
    def repeat(self, *a: Any, **k: Any) -> Any: return self._method("repeat", *a, **k)
    def dot(self, *a: Any, **k: Any) -> Any: return self._method("dot", *a, **k)
    def diagonal(self, *a: Any, **k: Any) -> Any: return self._method("diagonal", *a, **k)
    def conj(self) -> Any: return self._method("conj")
    def __getitem__(self, index: Any) -> Any: return self._method("__getitem__", index)
    def __setitem__(self, index: Any, value: Any) -> None: self._method("__setitem__", index, value)

    def view(self, *a: Any, **k: Any) -> Any:
        if a and isinstance(a[0], type) and issubclass(a[0], _ndarray):
            return _plain_view(self, *a, **k)  # a change of class, not of dtype
        return self._method("view", *a, **k)

    @property
    def T(self) -> Any:  # noqa: N802
        return self._method("transpose")

    @property
    def mT(self) -> Any:  # noqa: N802
        return self._method("swapaxes", -1, -2)

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    # ------------------------------------------------ values read into Python
    def _read(self, name: str, *args: Any) -> Any:
        value = getattr(_plain_view(self, _ndarray), name)(*args)
        tr = active()
        if tr is not None:
            tr.read(self, name, args, value)
        return value

    def __bool__(self) -> bool: return self._read("__bool__")
    def __float__(self) -> float: return self._read("__float__")
    def __int__(self) -> int: return self._read("__int__")
    def __index__(self) -> int: return self._read("__index__")
    def __complex__(self) -> complex: return self._read("__complex__")
    def item(self, *a: Any) -> Any: return self._read("item", *a)
    def tolist(self) -> Any: return self._read("tolist")
    def tobytes(self, *a: Any) -> Any: return self._read("tobytes", *a)
    def nonzero(self) -> Any: return self._read("nonzero")
    def __reduce__(self) -> Any: return self._read("__reduce__")
    def __reduce_ex__(self, protocol: Any) -> Any: return self._read("__reduce_ex__", protocol)

    def __repr__(self) -> str:
        return repr(_plain_view(self, _ndarray))


_METADATA = frozenset({np.ndim, np.shape, np.size, np.result_type, np.may_share_memory, np.shares_memory,
                       np.iscomplexobj, np.isrealobj, np.min_scalar_type, np.can_cast})  # no values read
_CHECKED = frozenset({"__bool__", "__int__", "__index__", "item"})
def _wrap(x: np.ndarray) -> TracedArray:
    return _plain_view(x, TracedArray)


# NumPy's creation functions, followed while tracing (they make arrays the tape then writes into)
_CREATORS = ("zeros", "ones", "empty", "full", "asarray", "array", "ascontiguousarray")
_originals = {name: getattr(np, name) for name in _CREATORS}
_patch_lock = threading.Lock()
_patched = 0


def _creator(name: str) -> Any:
    original = _originals[name]

    def create(*args: Any, **kwargs: Any) -> Any:
        tr = active()
        if tr is None:
            return original(*args, **kwargs)
        base = getattr(args[0], "base", None) if args else None
        if name == "asarray" and isinstance(base, TracedArray) and not isinstance(args[0], _ndarray) \
                and hasattr(args[0], "__array_interface__"):
            return _strided_view(tr, args[0].__array_interface__, base)  # as_strided's way
        if name in ("asarray", "ascontiguousarray") and isinstance(args[0] if args else None, TracedArray):
            x = args[0]
            dtype = args[1] if len(args) > 1 else kwargs.get("dtype")
            if (dtype is None or np.dtype(dtype) == x.dtype) and len(kwargs) <= ("dtype" in kwargs) and \
                    (name == "asarray" or x.flags.c_contiguous):
                return x  # what NumPy returns: the same memory, unchanged
        return tr.call(original, args, kwargs, created=True)

    create.__name__ = name
    return create


_creators = {name: _creator(name) for name in _CREATORS}


class _Interface:
    """An object NumPy makes an array of from its ``__array_interface__`` (keeping ``base``)."""

    def __init__(self, interface: dict, base: np.ndarray) -> None:
        self.__array_interface__ = interface
        self.base = base


def _strided(base: np.ndarray, offset: int, shape: tuple, strides: tuple, readonly: bool) -> np.ndarray:
    """The view of ``base``'s memory from ``offset`` bytes on, of this shape and strides."""
    interface = dict(base.__array_interface__)
    interface.update(data=(interface["data"][0] + offset, readonly), shape=shape, strides=strides)
    return _originals["asarray"](_Interface(interface, base))


def _strided_view(tr: Tracer, interface: dict, base: TracedArray) -> Any:
    """``np.lib.stride_tricks.as_strided`` of a traced array, recorded by offset, not address."""
    offset = interface["data"][0] - base.__array_interface__["data"][0]
    return tr.call(_strided, (base, offset, interface["shape"], interface["strides"], interface["data"][1]), {})


class Tracer(Replay):
    """Records the NumPy calls made on the arrays it follows (see the module's docstring); its
    replays are made by :class:`._replay.Replay`."""

    originals = _originals

    def __init__(self) -> None:
        self.values: list[Any] = []      # slot -> the array it held while tracing
        self.traced_of: list[Any] = []   # slot -> its traced array
        self.slot_of: dict[int, int] = {}   # id(traced array) -> slot
        self.slot_of_value: dict[int, int] = {}  # id(an array owning its memory) -> its slot
        self.keep: list[Any] = []        # every traced object, alive (their ids stay theirs)
        self.tape: list[tuple] = []      # (kind, fn-or-name, args, kwargs, result slots, scalar)
        self.inputs: list[int] = []
        self.broken: str | None = None
        self.state_written = False       # a call wrote into what the tape received
        self.alias: dict[int, _Slot] = {}
        self.copies: dict[int, Any] = {}  # with FLAMBEAU_TRACE_DEBUG: each slot's first value

    # ------------------------------------------------ activation
    def __enter__(self) -> Tracer:
        global _patched
        if active() is not None:
            raise RuntimeError("a tracer is already active in this thread")
        _local.tracer = self
        with _patch_lock:
            if _patched == 0:
                for name, fn in _creators.items():
                    setattr(np, name, fn)
            _patched += 1
        return self

    def __exit__(self, *exc: Any) -> None:
        global _patched
        _local.tracer = None
        with _patch_lock:
            _patched -= 1
            if _patched == 0:
                for name, fn in _originals.items():
                    setattr(np, name, fn)

    def note(self, why: str) -> None:
        """Note that the tape cannot be replayed, and why (the first reason is kept)."""
        if self.broken is None:
            self.broken = why
            if _DEBUG:
                import traceback
                traceback.print_stack(limit=8)

    def read(self, x: TracedArray, name: str, args: tuple, value: Any) -> None:
        """``x.name(*args)`` gave ``value`` to Python. A boolean or an integer (a check: ``if
        bad.any(): raise ...``, a size) becomes a *check* of the tape, that replays only while
        it gives the same value, provided nothing the tape received was written yet (a replay
        that stops there has changed nothing); anything else breaks the tape."""
        if type(value) not in (bool, int) or name not in _CHECKED:
            self.note(f"a value read into Python ({name})")
        elif self.state_written:
            self.note(f"a value read into Python ({name}) after the state was written")
        else:
            self.tape.append(("check", name, (self._template(x), *args), {}, None, value))

    def effect(self, fn: Any, *args: Any) -> Any:
        """Call ``fn(*args)``, a change outside the arrays that the results depend on (BLAS's
        number of threads), and make every replay call it at the same place."""
        self.tape.append(("effect", fn, self._template(args), {}, None, False))
        return fn(*args)

    def constant(self, x: np.ndarray) -> TracedArray:
        """A traced view of ``x``, an array every replay uses as it is (a work buffer the
        caller keeps from call to call)."""
        t = _wrap(x)
        k = self._new_slot(t, x)
        self.tape.append(("const", x, (), {}, k, False))
        return t

    def _writes(self, target: Any) -> None:
        """Note a write into ``target`` (a template): does it touch what the tape received?"""
        if self.state_written:
            return
        for k in _slots_of(target):
            v = self.values[k]
            if any(np.may_share_memory(v, self.values[i]) for i in self.inputs):
                self.state_written = True
                return

    # ------------------------------------------------ slots
    def _new_slot(self, traced: Any, value: Any) -> int:
        k = len(self.values)
        self.values.append(value)
        self.traced_of.append(traced)
        if isinstance(value, _ndarray) and value.base is None:
            self.slot_of_value.setdefault(id(value), k)
        if _DEBUG:
            self.copies[k] = _originals["array"](value, copy=True)
        self.slot_of[id(traced)] = k
        self.keep.append(traced)
        return k

    def input(self, x: np.ndarray) -> TracedArray:
        """A traced view of ``x``, an input of the tape (given again to each replay)."""
        t = _wrap(x)
        self.inputs.append(self._new_slot(t, x))
        return t

    def slot(self, x: Any) -> int | None:
        """The slot of traced array ``x`` (None for anything else)."""
        return self.slot_of.get(id(x)) if isinstance(x, TracedArray) else None

    def _template(self, x: Any) -> Any:
        if isinstance(x, _ndarray):
            k = self.slot_of.get(id(x))
            if k is None:
                k = self._view_slot(x)
            return x if k is None else _Slot(k)
        if type(x) in (tuple, list):
            return type(x)(self._template(v) for v in x)
        if type(x) is dict:
            return {k: self._template(v) for k, v in x.items()}
        return x

    def _view_slot(self, x: np.ndarray) -> int | None:
        """For an array the tape did not see being made: when it is a view of a slot's array
        (NumPy made it inside a function: ``nditer``, ``as_strided``), a new slot recorded as
        that view (by offset, shape and strides); None for an array of its own (a constant)."""
        b = x.base
        while b is not None:
            k = self.slot_of.get(id(b)) if isinstance(b, TracedArray) else self.slot_of_value.get(id(b))
            if k is not None:
                offset = x.__array_interface__["data"][0] - b.__array_interface__["data"][0]
                args = (_Slot(k), offset, x.shape, x.strides, not x.flags.writeable)
                t = _wrap(x) if not isinstance(x, TracedArray) else x
                k = self._new_slot(t, x)
                self.slot_of[id(x)] = k  # this plain view too (kept alive with its traced one)
                self.keep.append(x)
                self.tape.append(("call", _strided, args, {}, k, False))
                return k
            b = getattr(b, "base", None)
        if isinstance(x, TracedArray):
            self.note("an array the tape did not see being made")
        return None

    def _results(self, res: Any, outs: Any) -> tuple[Any, Any, bool]:
        """(what the traced code gets, the slots the entry fills, whether it is a scalar);
        ``outs``: pairs (the ``out`` argument as given, as passed plain)."""
        if res is None:
            return None, None, False
        if isinstance(res, tuple) and not isinstance(res, np.generic):
            got, slots = [], []
            for r in res:
                g, s, scalar = self._results(r, outs)
                if scalar:
                    self.note("a scalar in a tuple of results")
                got.append(g)
                slots.append(s)
            return tuple(got), tuple(slots), False
        for given, plain in outs:
            if res is plain:
                if isinstance(given, TracedArray):
                    return given, None, False  # NumPy returned `out` itself
                if self._view_slot(given) is None:  # a view of a slot's array: followed from now on
                    self.note("a result written into an array the tape does not follow")
                return res, None, False
        if isinstance(res, np.generic):
            arr = _originals["asarray"](res)
            t = _wrap(arr)
            return t, self._new_slot(t, arr), True
        if isinstance(res, _ndarray):
            t = _wrap(res)
            return t, self._new_slot(t, res), False
        self.note(f"a result that is not an array ({type(res).__name__})")
        return res, None, False

    # ------------------------------------------------ recording
    def call(self, fn: Any, args: Any, kwargs: dict, created: bool = False) -> Any:
        """Compute ``fn(*args, **kwargs)`` on plain arrays and record it."""
        plain_kwargs = _plain(kwargs)
        _local.tracer = None  # NumPy's own Python inside ``fn`` is not recorded: ``fn`` is
        try:
            res = fn(*_plain(args), **plain_kwargs)
        finally:
            _local.tracer = self
        if fn in _METADATA:
            return res
        if created and not _has_traced(args) and not _has_traced(kwargs):
            if not isinstance(res, _ndarray) or res.dtype == object:
                return res
        outs = kwargs.get("out")
        if outs is None:
            outs = ()
        elif isinstance(outs, tuple):
            outs = tuple(zip(outs, plain_kwargs["out"]))
        else:
            outs = ((outs, plain_kwargs["out"]),)
        got, slots, scalar = self._results(res, outs)
        entry = ("call", fn, self._template(args), self._template(kwargs), slots, scalar)
        self.tape.append(entry)
        if "out" in kwargs:
            self._writes(entry[3]["out"])
        elif getattr(fn, "__name__", "") in _WRITING_FUNCTIONS:
            self._writes(entry[2][:1])
        return got

    def method(self, x: TracedArray, name: str, args: Any, kwargs: dict) -> Any:
        """Compute ``x.name(*args, **kwargs)`` and record it."""
        _local.tracer = None
        try:
            res = getattr(_plain_view(x, _ndarray), name)(*_plain(args), **_plain(kwargs))
        finally:
            _local.tracer = self
        got, slots, scalar = self._results(res, ())
        entry = ("method", name, (self._template(x), *self._template(args)), self._template(kwargs), slots, scalar)
        self.tape.append(entry)
        if name in _WRITERS:
            self._writes(entry[2][0])
        return got
