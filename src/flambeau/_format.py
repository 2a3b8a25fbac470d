"""Printing tensors as PyTorch prints them: ``tensor([1.0000, 0.5000], requires_grad=True)``.

The rules, PyTorch's:

- every element is printed with one format, chosen from the finite non-zero values: integers
  ``1.`` if they are all integral, 4 decimals ``0.5000`` otherwise, and scientific notation
  ``1.0000e-05`` when the largest is over 1e8 or over 1000 times the smallest (or, for
  non-integral values, the smallest is under 1e-4);
- elements are right-aligned to the width of the widest finite non-zero one;
- rows longer than 80 characters wrap; tensors of more than 1000 elements are summarised by
  their first and last 3 entries along each dimension;
- ``dtype=`` is shown unless it is the default float dtype, int64 or bool (always, for an
  empty tensor, unless it is the default float dtype), then ``grad_fn=`` or
  ``requires_grad=True``; these suffixes go to a new line when the last line would pass 80.

The numbers above (4 decimals, 1000 elements, 3 entries, 80 characters) are the defaults of
``set_printoptions``, PyTorch's ``torch.set_printoptions``, which also forces or forbids the
scientific notation (``sci_mode``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor


@dataclasses.dataclass
class _Options:
    precision: int = 4  # decimals
    threshold: float = 1000  # more elements than this: summarise
    edgeitems: int = 3  # entries shown at each end of a summarised dimension
    linewidth: int = 80
    sci_mode: bool | None = None  # None: chosen from the values


PRINT_OPTS = _Options()
_PROFILES = {"default": _Options(), "short": _Options(precision=2, edgeitems=2),
             "full": _Options(threshold=math.inf)}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    r"""Set the options for printing tensors, as ``torch.set_printoptions``.

    Args:
        precision: digits after the decimal point of floating-point values (default 4).
        threshold: number of elements above which a tensor is summarised (default 1000).
        edgeitems: entries shown at each end of a summarised dimension (default 3).
        linewidth: characters per line before a row wraps (default 80).
        profile: ``'default'``, ``'short'`` (2 decimals, 2 entries) or ``'full'`` (never
            summarise), applied before the other arguments.
        sci_mode: True or False to force or forbid scientific notation; None (what every
            call without it sets) lets the values decide.

    Example::

        >>> flambeau.set_printoptions(precision=2)
        >>> flambeau.tensor([1.12345])
        tensor([1.12])
        >>> flambeau.set_printoptions(profile='default')
    """
    if profile in _PROFILES:
        base = _PROFILES[profile]
        for field in ("precision", "threshold", "edgeitems", "linewidth"):
            setattr(PRINT_OPTS, field, getattr(base, field))
    for field, value in (("precision", precision), ("threshold", threshold),
                         ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(PRINT_OPTS, field, value)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current printing options, as a dictionary ``set_printoptions(**d)`` accepts."""
    return dataclasses.asdict(PRINT_OPTS)


class _Formatter:
    """Formats every element of one tensor the same way, right-aligned to a common width."""

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = values.reshape(-1)
        if not floating:
            self.width = max([self.width] + [len(_plain(v)) for v in flat.tolist()])
            return
        x = flat.astype(np.float64)
        nonzero = x[np.isfinite(x) & (x != 0)]
        if nonzero.size == 0:
            return
        lo, hi = float(np.abs(nonzero).min()), float(np.abs(nonzero).max())
        self.int_mode = bool(np.all(nonzero == np.ceil(nonzero)))
        if self.int_mode:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8
            if PRINT_OPTS.sci_mode is not None:
                self.sci_mode = PRINT_OPTS.sci_mode
            shown = [self._sci(v) if self.sci_mode else f"{v:.0f}." for v in nonzero.tolist()]
        else:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
            if PRINT_OPTS.sci_mode is not None:
                self.sci_mode = PRINT_OPTS.sci_mode
            shown = [self._sci(v) if self.sci_mode else f"{v:.{PRINT_OPTS.precision}f}"
                     for v in nonzero.tolist()]
        self.width = max([self.width] + [len(s) for s in shown])

    @staticmethod
    def _sci(v: float) -> str:
        return f"{v:.{PRINT_OPTS.precision}e}"

    def __call__(self, v: float | int | bool) -> str:
        if not self.floating:
            s = _plain(v)
        elif self.sci_mode:
            s = self._sci(v)
        elif self.int_mode:
            s = f"{v:.0f}" + ("" if math.isinf(v) or math.isnan(v) else ".")
        else:
            s = f"{v:.{PRINT_OPTS.precision}f}"
        return s.rjust(self.width)


def _plain(v: float | int | bool) -> str:
    return str(v)


def _summary(a: np.ndarray) -> np.ndarray:
    """The elements shown when ``a`` is summarised: its first and last entries along each
    dimension (they choose the format)."""
    if a.ndim == 0:
        return a
    rows = list(range(a.shape[0]))
    edge = PRINT_OPTS.edgeitems
    if a.shape[0] > 2 * edge:
        rows = rows[:edge] + rows[-edge:]
    if a.ndim == 1:
        return a[rows]
    return np.stack([_summary(a[i]) for i in rows])


def _vector(a: np.ndarray, fmt: Callable, indent: int, summarize: bool) -> str:
    """A 1-D tensor: as many elements per line as fit in the line width."""
    edge = PRINT_OPTS.edgeitems
    if summarize and a.shape[0] > 2 * edge:
        items = [fmt(v) for v in a[:edge].tolist()] + [" ..."] + [fmt(v) for v in a[-edge:].tolist()]
    else:
        items = [fmt(v) for v in a.tolist()]
    per_line = max(1, (PRINT_OPTS.linewidth - indent) // (fmt.width + 2))
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _body(a: np.ndarray, fmt: Callable, indent: int, summarize: bool) -> str:
    if a.ndim == 0:
        return fmt(a.item())
    if a.ndim == 1:
        return _vector(a, fmt, indent, summarize)
    edge = PRINT_OPTS.edgeitems
    if summarize and a.shape[0] > 2 * edge:
        rows = [_body(r, fmt, indent + 1, summarize) for r in a[:edge]] + ["..."] + \
               [_body(r, fmt, indent + 1, summarize) for r in a[-edge:]]
    else:
        rows = [_body(r, fmt, indent + 1, summarize) for r in a]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def format_array(a: np.ndarray, indent: int) -> str:
    """The values of ``a`` as PyTorch prints them, the first line starting at column ``indent``."""
    if a.size == 0:
        return "[]"
    summarize = a.size > PRINT_OPTS.threshold
    if a.dtype == np.float16:
        a = a.astype(np.float32)
    fmt = _Formatter(_summary(a) if summarize else a, a.dtype.kind in "fV")
    return _body(a, fmt, indent, summarize)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ``, suffix`` to ``text``, on a new line when the last line would get too long."""
    out = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last_line + len(s) + 2 > PRINT_OPTS.linewidth:
            out.append(",\n" + " " * indent + s)
            last_line = indent + len(s)
        else:
            out.append(", " + s)
            last_line += len(s) + 2
    return "".join(out) + ")"


def format_tensor(t: Tensor, prefix: str = "tensor(") -> str:
    from . import _dtype as dt

    a = t._data
    d = t.dtype
    indent = len(prefix)
    suffixes = []
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if d is not dt.get_default_dtype():  # nothing shows the dtype of an empty tensor
            suffixes.append(f"dtype={d!r}")
    elif d not in (dt.get_default_dtype(), dt.int64, dt.bool):
        suffixes.append(f"dtype={d!r}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name().replace('torch::autograd::', '')}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + format_array(a, indent), suffixes, indent)
