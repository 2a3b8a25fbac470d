"""Checking a gradient against finite differences: for each input element, the central
difference (f(x + eps) - f(x - eps)) / 2eps is compared with what backpropagation computed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical gradients differ."""


def _as_tuple(x: Any) -> tuple:
    return x if isinstance(x, tuple) else (x,)


def gradcheck(func: Callable, inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, **_: Any) -> bool:
    """Compare the gradients of ``func`` at ``inputs`` with central finite differences.

    Inputs that require grad should be float64, as in PyTorch. Each output element is
    backpropagated in turn (one row of the Jacobian) and compared with the numerical Jacobian.
    """
    from ..tensor import Tensor
    from .backward import run_backward

    inputs = _as_tuple(inputs)
    diff = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for t in diff:
        if t._data.dtype != np.float64:
            import warnings

            warnings.warn("Input #0 requires gradient and is not a double precision floating point. "
                          "This check will likely fail if all the inputs are not of double precision "
                          "floating point.", stacklevel=2)

    def outputs() -> list:
        return [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]

    outs = outputs()
    for oi, out in enumerate(outs):
        n_out = out._data.size
        analytical = [np.zeros((n_out, t._data.size)) for t in diff]
        if out.requires_grad:
            for j in range(n_out):
                g = np.zeros(out._data.shape, out._data.dtype)
                g.reshape(-1)[j] = 1
                o = outputs()[oi]
                grads = run_backward([o], [g], False, capture=diff)
                for k, gk in enumerate(grads):
                    if gk is not None:
                        analytical[k][j] = np.broadcast_to(gk, diff[k]._data.shape).reshape(-1)
        from .grad_mode import no_grad

        for k, t in enumerate(diff):
            if not t._data.flags.c_contiguous:  # perturb in place: needs a flat view, not a copy
                t._data = np.ascontiguousarray(t._data)
            flat = t._data.reshape(-1)
            numerical = np.zeros((n_out, flat.size))
            for i in range(flat.size):
                orig = flat[i]
                with no_grad():
                    flat[i] = orig + eps
                    plus = outputs()[oi]._data.astype(np.float64).reshape(-1)
                    flat[i] = orig - eps
                    minus = outputs()[oi]._data.astype(np.float64).reshape(-1)
                flat[i] = orig
                numerical[:, i] = (plus - minus) / (2 * eps)
            if not np.allclose(analytical[k], numerical, rtol=rtol, atol=atol):
                worst = np.unravel_index(np.argmax(np.abs(analytical[k] - numerical)), numerical.shape)
                msg = (f"Jacobian mismatch for output {oi} with respect to input {k} "
                       f"(shape {list(t._data.shape)}),\nnumerical:{numerical}\nanalytical:{analytical[k]}\n"
                       f"largest difference at (output {worst[0]}, input {worst[1]})")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True
