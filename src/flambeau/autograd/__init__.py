"""Automatic differentiation: the graph (``graph``), grad mode (``grad_mode``), custom ops
(``Function``), ``grad`` and ``gradcheck``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .function import Function, FunctionCtx
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck
from .graph import Node

__all__ = ["Function", "FunctionCtx", "grad", "backward", "gradcheck", "GradcheckError",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "Node"]


def _grad_arrays(outputs: Sequence[Any], grad_outputs: Any) -> list[np.ndarray]:
    from ..tensor import Tensor

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
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            res.append(np.ones_like(o._data))
        else:
            ga = g._data if isinstance(g, Tensor) else np.asarray(g)
            if ga.shape != o._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {list(ga.shape)} "
                                   f"and output[0] has a shape of {list(o._data.shape)}.")
            res.append(ga.astype(o._data.dtype, copy=False))
    return res


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None, **_: Any) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, returned (not added to ``.grad``)."""
    from ..tensor import Tensor, _make
    from .graph import run_backward

    if create_graph:
        raise RuntimeError("create_graph=True (gradients of gradients) is not supported by flambeau")
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = run_backward(outs, _grad_arrays(outs, grad_outputs), bool(retain_graph), capture=ins)
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
            result.append(_make(np.array(np.broadcast_to(g, t._data.shape), dtype=t._data.dtype)))
    return tuple(result)


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Backpropagate from several tensors at once, summing into the leaves' ``.grad``."""
    from ..tensor import Tensor
    from .graph import run_backward

    outs = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    run_backward(outs, _grad_arrays(outs, grad_tensors), bool(retain_graph))
