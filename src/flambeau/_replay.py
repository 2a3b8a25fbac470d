"""The replay of a tape (:mod:`flambeau._trace` records it): the tape made shorter with the
same results (calls nothing uses left out, calls on constants made once, copies of fresh arrays
skipped), then written as the source of one Python function that makes the remaining NumPy calls
in order, each array let go after its last use, as eager mode frees them.

Example (see :mod:`flambeau._trace`)::

    >>> f = tracer.replay_function([a], [b])   # b computed from a while tracing
    >>> f(new_a)                               # the same calls on new_a
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

_DEBUG = bool(os.environ.get("FLAMBEAU_TRACE_DEBUG"))  # print where a tape breaks


class Diverged(Exception):
    """A replay met a check that no longer holds (see :meth:`Tracer.read`): nothing was written
    yet, and the call is to be made eagerly."""


class _Slot:
    """A slot of the tape: an array an entry computes, or an input."""
    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


_WRITERS = frozenset({"__setitem__", "fill", "sort"})  # methods that write into their array
_WRITING_FUNCTIONS = frozenset({"at", "copyto", "put", "place", "putmask", "fill_diagonal"})


def _slots_of(t: Any) -> set[int]:
    if isinstance(t, _Slot):
        return {t.index}
    if type(t) in (tuple, list):
        return set().union(*(_slots_of(v) for v in t)) if t else set()
    if type(t) is dict:
        return set().union(*(_slots_of(v) for v in t.values())) if t else set()
    if type(t) is slice:
        return _slots_of((t.start, t.stop, t.step))
    return set()


def _substitute(t: Any, folded: dict[int, Any], alias: dict[int, _Slot]) -> Any:
    if isinstance(t, _Slot):
        if t.index in alias:
            return alias[t.index]
        return folded.get(t.index, t)
    if type(t) in (tuple, list):
        return type(t)(_substitute(v, folded, alias) for v in t)
    if type(t) is dict:
        return {k: _substitute(v, folded, alias) for k, v in t.items()}
    if type(t) is slice:
        return slice(*(_substitute(v, folded, alias) for v in (t.start, t.stop, t.step)))
    return t


class Replay:
    """What a tracer does with its tape once recorded (a mixin of :class:`._trace.Tracer`,
    whose ``tape``, ``values``, ``slot_of``... it reads)."""

    originals: dict[str, Any] = {}   # NumPy's own creation functions (the tracer's)
    def _pruned(self, needed: list[int | None], inputs: set[int | None], entries: list[tuple] | None = None) -> list[tuple]:
        """The tape made shorter, with the same results: the calls whose results nothing uses
        (and that write nowhere) left out; the calls on constants alone made once, now (their
        results become constants); a copy of an array that nothing else uses (``np.array(g)``
        of a gradient just computed) replaced by the array itself."""
        entries = self.tape if entries is None else entries
        written: set[int] = set()   # slots some call writes into: never folded
        uses: dict[int, int] = {}
        for kind, fn, args, kwargs, _slots, _scalar in entries:
            if kind == "method" and fn in _WRITERS:
                written |= _slots_of(args[0])
            written |= _slots_of(kwargs.get("out"))
            for k in _slots_of(args) | _slots_of(kwargs):
                uses[k] = uses.get(k, 0) + 1
        outputs = {k for k in needed if k is not None}
        written_values = [self.values[k] for k in written]
        folded: dict[int, Any] = {}   # slot -> the constant it always holds
        alias: dict[int, _Slot] = {}  # slot -> the slot whose array it can be
        tape = []
        for kind, fn, args, kwargs, slots, scalar in entries:
            if (folded or alias) and (_slots_of(args) | _slots_of(kwargs)) & (folded.keys() | alias.keys()):
                args, kwargs = _substitute(args, folded, alias), _substitute(kwargs, folded, alias)
            if kind == "call" and isinstance(slots, int) and slots not in written and "out" not in kwargs:
                if slots not in outputs and not (_slots_of(args) | _slots_of(kwargs)) and \
                        not any(np.may_share_memory(self.values[slots], w) for w in written_values):
                    folded[slots] = self.values[slots]
                    continue
                if fn is self.originals["array"] and len(args) == 1 and isinstance(args[0], _Slot) \
                        and set(kwargs) <= {"dtype"} and self._fresh(args[0].index, written, inputs, uses) \
                        and self.values[args[0].index].dtype == self.values[slots].dtype:
                    alias[slots] = args[0]
                    continue
            tape.append((kind, fn, args, kwargs, slots, scalar))
        live = outputs | {alias[k].index for k in outputs if k in alias}  # an output copy replaced by its array
        kept = []
        for entry in reversed(tape):
            kind, fn, args, kwargs, slots, scalar = entry
            made = {slots} if isinstance(slots, int) else set(s for s in slots or () if s is not None)
            writes = kind in ("check", "effect") or "out" in kwargs or (kind == "method" and fn in _WRITERS) or \
                (kind == "call" and getattr(fn, "__name__", "") in _WRITING_FUNCTIONS)
            if writes or made & live:
                kept.append(entry)
                live |= _slots_of(args) | _slots_of(kwargs)
        self.alias = alias
        return kept[::-1]

    def _fresh(self, k: int, written: set[int], inputs: set[int | None], uses: dict[int, int]) -> bool:
        """Slot ``k`` holds an array of its own that a call of the tape made, that nothing
        writes into and that one call only uses: a copy of it can be the array itself."""
        v = self.values[k]
        return k not in inputs and k not in written and uses.get(k, 0) == 1 and isinstance(v, np.ndarray) \
            and v.base is None and v.flags.c_contiguous and self.slot_of_value.get(id(v)) == k

    def reads(self, part: slice, outputs: list[Any]) -> set[int]:
        """The slots that the calls of ``tape[part]`` needed for ``outputs`` read without
        making them (what a replay of that part must be given)."""
        kept = self._pruned([self.slot(o) for o in outputs], set(), self.tape[part])
        made: set[int] = set()
        read: set[int] = set()
        for _kind, _fn, args, kwargs, slots, _scalar in kept:
            read |= (_slots_of(args) | _slots_of(kwargs)) - made
            made |= {slots} if isinstance(slots, int) else {k for k in slots or () if k is not None}
        return read | ({self.slot(o) for o in outputs} - made - {None})

    def traced(self, k: int) -> Any:
        """The traced array of slot ``k``."""
        return self.traced_of[k]

    def replay_function(self, inputs: list[Any], outputs: list[Any], part: slice | None = None) -> Any:
        """A function of the arrays in ``inputs`` (traced arrays of this tracer) returning the
        tuple of ``outputs`` (traced arrays, or anything else: returned as it was), that makes
        the tape's calls again (those of ``tape[part]`` only, if given)."""
        consts: dict[str, Any] = {"_asarray": self.originals["asarray"], "_Diverged": Diverged}
        const_names: dict[int, str] = {}

        def const(value: Any) -> str:
            if value is None or value is True or value is False or value is Ellipsis:
                return repr(value)
            if type(value) is int or (type(value) is float and np.isfinite(value)):
                return repr(value)
            name = const_names.get(id(value))
            if name is None or consts[name] is not value:
                name = f"k{len(consts)}"
                consts[name] = value
                const_names[id(value)] = name
            return name

        def src(t: Any) -> str:
            if isinstance(t, _Slot):
                return f"v{t.index}"
            if type(t) is tuple:
                return "(" + "".join(src(v) + ", " for v in t) + ")"
            if type(t) is list:
                return "[" + ", ".join(src(v) for v in t) + "]"
            if type(t) is dict and any(isinstance(v, _Slot) for v in t.values()):
                return "{" + ", ".join(f"{const(k)}: {src(v)}" for k, v in t.items()) + "}"
            if type(t) is slice and any(isinstance(v, _Slot) for v in (t.start, t.stop, t.step)):
                return f"slice({src(t.start)}, {src(t.stop)}, {src(t.step)})"
            return const(t)

        names = []
        for x in inputs:
            k = self.slot(x)
            if k is None:
                raise ValueError("replay_function: an input that is not a traced array of this tracer")
            names.append(f"v{k}")
        tape = self._pruned([self.slot(o) for o in outputs], {self.slot(x) for x in inputs},
                            None if part is None else self.tape[part])
        lines = [f"def replay({', '.join(names)}):"]
        keep = {self.slot(x) for x in inputs} | {self.slot(o) for o in outputs} | {a.index for a in self.alias.values()}
        last: dict[int, int] = {}   # slot -> the entry that uses it last: then it is let go
        for i, (_kind, _fn, args, kwargs, slots, _scalar) in enumerate(tape):
            for k in (slots if isinstance(slots, tuple) else (slots,)):
                if k is not None:
                    last.setdefault(k, i)
            for k in _slots_of(args) | _slots_of(kwargs):
                last[k] = i
        release: dict[int, list[int]] = {}
        for k, i in last.items():
            if k not in keep:
                release.setdefault(i, []).append(k)
        for i, (kind, fn, args, kwargs, slots, scalar) in enumerate(tape):
            if i - 1 in release:  # arrays no later call reads: freed, as eager mode frees them
                lines.append(f"    del {', '.join(f'v{k}' for k in sorted(release[i - 1]))}")
            kw = "".join(f", {k}={src(v)}" for k, v in kwargs.items())
            if kind == "check":
                lines.append(f"    if {src(args[0])}.{fn}({', '.join(src(a) for a in args[1:])}) != {scalar!r}:")
                lines.append("        raise _Diverged")
                continue
            if kind == "const":
                lines.append(f"    v{slots} = {const(fn)}")
                continue
            if kind in ("call", "effect"):
                expr = f"{const(fn)}({', '.join(src(a) for a in args)}{kw})"
            elif fn == "__getitem__":
                expr = f"{src(args[0])}[{src(args[1])}]"
            elif fn == "__setitem__":
                lines.append(f"    {src(args[0])}[{src(args[1])}] = {src(args[2])}")
                continue
            else:
                expr = f"{src(args[0])}.{fn}({', '.join(src(a) for a in args[1:])}{kw})"
            if scalar:
                expr = f"_asarray({expr})"
            if slots is None:
                lines.append(f"    {expr}")
            elif isinstance(slots, tuple):
                targets = ", ".join("_" if s is None else f"v{s}" for s in slots)
                lines.append(f"    {targets}, = {expr}")
            else:
                lines.append(f"    v{slots} = {expr}")
            if _DEBUG:
                for k in (slots if isinstance(slots, tuple) else (slots,)):
                    if k is not None:
                        lines.append(f"    _check_slot({k}, v{k})")
        rets = []
        for o in outputs:
            k = self.slot(o)
            if k in self.alias:
                k = self.alias[k].index
            rets.append(f"v{k}" if k is not None else const(o))
        lines.append(f"    return ({''.join(r + ', ' for r in rets)})")
        source = "\n".join(lines)
        namespace = dict(consts)
        if _DEBUG:
            def check_slot(k: int, v: Any) -> None:
                want = self.copies.get(k)
                if want is not None and not np.array_equal(np.asarray(v), want, equal_nan=True):
                    print(f"replay: slot v{k} differs from the trace")
            namespace["_check_slot"] = check_slot
        exec(compile(source, "<flambeau.compile replay>", "exec"), namespace)  # our own generated code
        replay = namespace["replay"]
        replay.source = source
        return replay

