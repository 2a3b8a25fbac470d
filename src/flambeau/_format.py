"""Printing tensors as PyTorch prints them: ``tensor([1.0000, 0.5000], requires_grad=True)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor

_SUMMARIZE_OVER = 1000
_EDGE = 3


def _float_formatter(values: np.ndarray):
    finite = values[np.isfinite(values)]
    nonzero = np.abs(finite[finite != 0])
    if nonzero.size == 0:
        return lambda v: _special(v) or "0."
    lo, hi = float(nonzero.min()), float(nonzero.max())
    if np.all(finite == np.round(finite)):
        if hi > 1e8:
            return lambda v: _special(v) or f"{v:.4e}"
        return lambda v: _special(v) or f"{v:.0f}."
    if hi / lo > 1000.0 or hi > 1e8 or lo < 1e-4:
        return lambda v: _special(v) or f"{v:.4e}"
    return lambda v: _special(v) or f"{v:.4f}"


def _special(v: float) -> str | None:
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return None


def _summarized(a: np.ndarray) -> bool:
    return a.size > _SUMMARIZE_OVER


def _edges(a: np.ndarray) -> np.ndarray:
    """The values shown when a large tensor is summarised (first and last three per dim)."""
    if a.ndim == 0:
        return a.reshape(1)
    parts = []
    if a.shape[0] > 2 * _EDGE:
        rows = list(a[:_EDGE]) + list(a[-_EDGE:])
    else:
        rows = list(a)
    for r in rows:
        parts.append(_edges(r).ravel())
    return np.concatenate(parts) if parts else a.ravel()


def _body(a: np.ndarray, fmt, width: int, indent: int, summarize: bool) -> str:
    if a.ndim == 0:
        return fmt(a.item()).rjust(width)
    if a.ndim == 1:
        if summarize and a.shape[0] > 2 * _EDGE:
            items = [fmt(v).rjust(width) for v in a[:_EDGE].tolist()] + ["..."] + \
                    [fmt(v).rjust(width) for v in a[-_EDGE:].tolist()]
        else:
            items = [fmt(v).rjust(width) for v in a.tolist()]
        return "[" + ", ".join(items) + "]"
    sep = "," + "\n" * (a.ndim - 1) + " " * (indent + 1)
    if summarize and a.shape[0] > 2 * _EDGE:
        rows = [_body(r, fmt, width, indent + 1, summarize) for r in a[:_EDGE]] + ["..."] + \
               [_body(r, fmt, width, indent + 1, summarize) for r in a[-_EDGE:]]
    else:
        rows = [_body(r, fmt, width, indent + 1, summarize) for r in a]
    return "[" + sep.join(rows) + "]"


def format_array(a: np.ndarray, indent: int) -> str:
    summarize = _summarized(a)
    shown = _edges(a) if summarize else a.ravel()
    kind = a.dtype.kind
    if kind == "b":
        def fmt(v):
            return "True" if v else "False"
    elif kind == "f":
        fmt = _float_formatter(shown.astype(np.float64))
    else:
        def fmt(v):
            return str(v)
    width = max((len(fmt(v)) for v in shown.tolist()), default=0)
    return _body(a, fmt, width, indent, summarize)


def format_tensor(t: Tensor, prefix: str = "tensor(") -> str:
    from . import _dtype as dt

    a = t._data
    suffix = []
    if a.size == 0 and a.ndim != 1:
        body = "[]"
        suffix.append(f"size={tuple(a.shape)}")
    else:
        body = format_array(a, len(prefix))
    d = t.dtype
    if d not in (dt.get_default_dtype(), dt.int64, dt.bool):
        suffix.append(f"dtype={d!r}")
    if t.grad_fn is not None:
        suffix.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffix.append("requires_grad=True")
    return prefix + body + "".join(", " + s for s in suffix) + ")"
