"""``Variable``: PyTorch's pre-0.4 wrapper around a tensor, kept for old tutorials.

Since PyTorch 0.4 tensors carry ``requires_grad`` and ``grad`` themselves, and ``Variable`` is only
a name: ``Variable(x, requires_grad=True)`` gives a plain tensor that shares ``x``'s values (a
detached alias, so writing to one is seen in the other) and requires grad, and every tensor is an
instance of ``Variable``.

Example::

    >>> x = Variable(torch.ones(2, 2), requires_grad=True)
    >>> type(x) is torch.Tensor, isinstance(torch.zeros(1), Variable)
    (True, True)
"""

from __future__ import annotations

import warnings
from typing import Any

from ..tensor import Tensor


class _VariableMeta(type):
    def __instancecheck__(cls, other: Any) -> bool:
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data, requires_grad=False)``: ``data`` detached, with ``requires_grad`` set (a
    ``Tensor``, not a ``Variable``: the class only survives as a name)."""

    def __new__(cls, data: Any = None, requires_grad: bool = False, volatile: bool = False,
                _grad_fn: Any = None, name: str | None = None) -> Tensor:  # type: ignore[misc]
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` "
                          "instead.", UserWarning, stacklevel=2)
        if data is None:
            from ..ops.creation import empty

            data = empty(0)
        elif not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        out.requires_grad_(bool(requires_grad))
        return out
