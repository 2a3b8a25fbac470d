"""The one place where an op without a sparse kernel stops: reading a sparse tensor's dense
array (``SparseTensor._data``) raises PyTorch's ``NotImplementedError``, naming the op the user
called ("Could not run 'aten::exp' with arguments from the 'SparseCPU' backend..."), found on
the call stack."""

from __future__ import annotations

import os
import sys
from typing import Any

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_GLUE = ("_methods.py", "_keywords.py", "_quiet.py")  # the wrappers around the ops
_MADE = ("op", "fn", "run", "call", "method", "wrapper")  # what ops made by a factory are called


def op_name() -> str:
    """The flambeau op the user called, read from the stack: the outermost public flambeau
    function under the user's call (``exp`` for ``s.exp()``, ``gt`` for ``s > 0``)."""
    frame = sys._getframe(2)
    found = None
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        code = frame.f_code
        if not code.co_name.startswith(("_", "<")) and not code.co_filename.endswith(_GLUE):
            found = frame
        frame = frame.f_back
    if found is None:  # a private helper of flambeau's: its name
        return sys._getframe(2).f_code.co_name.strip("_<>") or "unknown"
    name = found.f_code.co_name
    if name in _MADE:
        name = _factory_name(found) or name
    return _ATEN.get(name, name)


# NumPy's names of the comparisons that flambeau's ops take, and PyTorch's
_ATEN = {"greater": "gt", "greater_equal": "ge", "less": "lt", "less_equal": "le", "equal": "eq",
         "not_equal": "ne", "getitem": "index"}


def _factory_name(frame: Any) -> str | None:
    """The ``__name__`` of the function a frame runs, for an op made by a factory (``gt`` and
    ``lt`` share their code, and differ by the values of their closure)."""
    import gc
    import types

    code = frame.f_code
    local = frame.f_locals
    for f in gc.get_referrers(code):
        if type(f) is types.FunctionType and f.__code__ is code and all(
                c.cell_contents is local.get(n) for n, c in zip(code.co_freevars, f.__closure__ or ())):
            return f.__name__
    return None


def refuse(op: str) -> NotImplementedError:
    """PyTorch's error for an op that has no kernel for sparse tensors."""
    return NotImplementedError(
        f"Could not run 'aten::{op}' with arguments from the 'SparseCPU' backend. This could be "
        "because the operator doesn't exist for this backend, or was omitted during the "
        "selective/custom build process (if using custom build). If you are a Facebook employee "
        "using PyTorch on mobile, please visit https://fburl.com/ptmfixes for possible "
        f"resolutions. 'aten::{op}' is only available for these backends: [CPU] (flambeau: "
        "call .to_dense() first).")

