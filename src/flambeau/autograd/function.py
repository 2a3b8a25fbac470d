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

        from .views import edge, version_counter

        kept = tuple(t if (t is not None and t.requires_grad) else None for t in tensor_args)
        edges = [None if t is None else edge(t) for t in kept]
        n = len(outputs)
        node = Node(name, (lambda g: run([g])) if n == 1 else (lambda g: run(list(g))), edges, kept,
                    None, n)
        res = []
        wrapped = {}
        for k, o in enumerate(outputs):
            t = _make(o._data, None if id(o) in ctx._non_differentiable else node)
            t._nr = k
            wrapped[id(o)] = t
            res.append(t)
        # saved tensors are checked for in-place changes; a saved output is the tensor returned
        saved = [wrapped.get(id(t), t) for t in ctx._saved or () if isinstance(t, Tensor)]
        entries: list = []
        for t in saved:
            vc = version_counter(t)
            entries += (vc, vc[0], t._data if any(t is r for r in res) else t)
        node.saved = entries or None
        return tuple(res) if isinstance(out, tuple) else res[0]
