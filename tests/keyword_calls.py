"""Calling flambeau's public functions and methods with PyTorch's keyword names, as PyTorch's own
signatures (the first line of each docstring) spell them. Used by tests/test_keywords.py."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np

_SIG = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\((.*)\)\s*->")
RNG = np.random.default_rng(0)
X = RNG.random((3, 4)) + 0.5
Y = RNG.random((3, 4)) + 0.5


def torch_signature(obj: Any) -> list[tuple[str, bool, bool]] | None:
    """(name, required, keyword_only) for each parameter of the first signature in ``obj``'s
    docstring, or None."""
    doc = getattr(obj, "__doc__", None) or ""
    for line in doc.splitlines()[:4]:
        m = _SIG.match(line)
        if m:
            break
    else:
        return None
    out, kw_only = [], False
    depth, part, parts = 0, "", []
    for ch in m.group(2):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(part)
            part = ""
        else:
            part += ch
    parts.append(part)
    for p in (p.strip() for p in parts):
        if not p:
            continue
        if p == "*":
            kw_only = True
            continue
        if p.startswith("*"):
            return None
        name = p.split("=")[0].split(":")[0].strip()
        if not name.isidentifier():
            return None
        out.append((name, "=" not in p, kw_only))
    return out


def values(m: Any) -> dict[str, Any]:
    """A value for each parameter name the generated calls know."""
    x, y = m.tensor(X), m.tensor(Y)
    return {"input": x, "other": y, "dim": 1, "dim0": 0, "dim1": 1, "keepdim": True,
            "tensors": [x, y], "exponent": 2.0, "min": 0.7, "max": 1.2, "start_dim": 0,
            "end_dim": -1, "diagonal": 0, "alpha": 2, "value": 0.5, "k": 2, "end": 5,
            "chunks": 2, "split_size_or_sections": 2, "split_size": 2, "p": 2.0, "dims": [1, 0],
            "shape": (4, 3), "size": (4, 3), "repeats": 2, "sizes": (2, 1), "correction": 1,
            "descending": True, "weight": y, "tensor1": x, "tensor2": y, "vec": m.tensor(X[0]),
            "mat2": m.tensor(Y.T), "mat": m.tensor(Y.T), "vec2": m.tensor(Y[0]),
            "condition": x > 1.0, "mask": x > 1.0, "rtol": 1e-5, "atol": 1e-8}


def build(m: Any, sig: list, rename: dict[str, str] | None = None, method: bool = False):
    """The keyword arguments of a call, or None when a required parameter is unknown."""
    vals = values(m)
    kwargs = {}
    for name, required, _ in sig:
        if method and name == "input":
            continue
        if name in vals and (required or name in ("dim", "keepdim")):
            kwargs[(rename or {}).get(name, name)] = vals[name]
        elif required:
            return None
    return kwargs


def call(fn: Any, kwargs: dict, self: Any = None) -> tuple[str, Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = fn(**kwargs) if self is None else fn(self, **kwargs)
    except Exception as e:  # noqa: BLE001
        return "error", f"{type(e).__name__}: {e}"
    return "ok", r


def as_arrays(r: Any) -> Any:
    if isinstance(r, (tuple, list)):
        return [as_arrays(v) for v in r]
    if hasattr(r, "detach") and hasattr(r, "shape"):
        return np.asarray(r.detach().double().tolist() if r.dtype.is_floating_point else r.tolist())
    return r


def equal(a: Any, b: Any) -> bool:
    a, b = as_arrays(a), as_arrays(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(u, v) for u, v in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))
    return a == b
