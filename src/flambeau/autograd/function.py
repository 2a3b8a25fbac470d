"""Custom differentiable operations, written as in PyTorch::

    class Cube(flambeau.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad_output):      # local gradient times the gradient from above
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * grad_output

    y = Cube.apply(x)

``forward`` runs without recording a graph; ``backward`` receives one gradient per output and
returns one per input of ``forward`` (``None`` for inputs that are not tensors or need none).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import grad_mode
from .graph import Node


class FunctionCtx:
    """The ``ctx`` object: what ``forward`` saves for ``backward``."""

    def __init__(self) -> None:
        self._saved: tuple | None = ()
        self.needs_input_grad: tuple[bool, ...] = ()
        self._non_differentiable: set[int] = set()
        self._freed = False

    def save_for_backward(self, *tensors: Any) -> None:
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self._freed:
            from .graph import _FREED

            raise RuntimeError(_FREED)
        return self._saved or ()

    def mark_non_differentiable(self, *tensors: Any) -> None:
        self._non_differentiable.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        pass


class Function:
    """Base class of a differentiable operation defined by its ``forward`` and ``backward``."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a Function subclass must define a static forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise TypeError("a Function subclass must define a static backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        from ..tensor import Tensor, _make

        ctx = FunctionCtx()
        tensor_args = [a if isinstance(a, Tensor) else None for a in args]
        ctx.needs_input_grad = tuple(t is not None and t.requires_grad for t in tensor_args)
        with grad_mode.no_grad():
            out = cls.forward(ctx, *args, **kwargs)
        outputs = out if isinstance(out, tuple) else (out,)
        for o in outputs:
            if not isinstance(o, Tensor):
                raise TypeError(f"{cls.__name__}.forward must return a Tensor or a tuple of Tensors, "
                                f"got {type(o).__name__}")
        if not (grad_mode.is_grad_enabled() and any(ctx.needs_input_grad)):
            return out
        n_in = len(args)
        name = f"{cls.__name__}Backward"
        shapes = [o._data.shape for o in outputs]
        dtypes = [o._data.dtype for o in outputs]

        def run(grads: list) -> tuple:
            gs = [_make(np.zeros(s, d) if g is None else g) for g, s, d in zip(grads, shapes, dtypes)]
            with grad_mode.no_grad():
                res = cls.backward(ctx, *gs)
            res = res if isinstance(res, tuple) else (res,)
            if len(res) != n_in:
                raise RuntimeError(
                    f"function {name} returned an incorrect number of gradients (expected {n_in}, "
                    f"got {len(res)})")
            out_g = []
            for k, (r, t) in enumerate(zip(res, tensor_args)):
                if r is None or t is None:
                    out_g.append(None)
                    continue
                r = r._data if isinstance(r, Tensor) else np.asarray(r)
                if r.shape != t._data.shape:
                    raise RuntimeError(
                        f"Function {name} returned an invalid gradient at index {k} - got "
                        f"{list(r.shape)} but expected shape compatible with {list(t._data.shape)}")
                out_g.append(r)
            return tuple(out_g)

        inputs = tuple(t if (t is not None and t.requires_grad) else None for t in tensor_args)
        if len(outputs) == 1:
            node = Node(name, lambda g: run([g]), inputs)
            res = outputs[0]
            o = _make(res._data, None if id(res) in ctx._non_differentiable else node)
            return (o,) if isinstance(out, tuple) else o
        return _multi_output(name, outputs, inputs, run, ctx)


def _multi_output(name: str, outputs: tuple, inputs: tuple, run: Any, ctx: FunctionCtx) -> tuple:
    """Several outputs share one node: each output gets a small node that hands its gradient,
    at its position, to a joint node that calls ``backward`` once with all of them."""
    from ..tensor import _make

    n = len(outputs)
    joint = Node(name, lambda g: run(list(g)), inputs)
    joint_out = _make(np.zeros(0), joint)  # stands for "all outputs"; carries a tuple gradient

    def part(k: int) -> Node:
        def backward(g: np.ndarray) -> tuple:
            return (_Slot(k, n, g),)

        return Node(f"{name}Output{k}", backward, (joint_out,))

    return tuple(
        _make(o._data, None if id(o) in ctx._non_differentiable else part(k))
        for k, o in enumerate(outputs))


class _Slot:
    """A gradient for one output of a multi-output function; slots add up into a tuple."""

    __slots__ = ("grads",)

    def __init__(self, k: int, n: int, g: Any) -> None:
        self.grads = [None] * n
        self.grads[k] = g

    def __add__(self, other: _Slot) -> _Slot:
        s = _Slot(0, len(self.grads), None)
        s.grads = [b if a is None else a if b is None else a + b for a, b in zip(self.grads, other.grads)]
        return s

    def __iter__(self) -> Any:
        return iter(self.grads)
