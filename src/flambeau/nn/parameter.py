"""``Parameter``: a tensor that a ``Module`` registers as one of its weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, _init


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and that ``Module`` lists in ``parameters()``."""

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        return object.__new__(cls)

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            arr = np.zeros(0, np.float32)
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            arr = np.asarray(data)
        _init(self, arr, None)
        if requires_grad:
            self.requires_grad = True

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> Parameter:
        p = Parameter(self._data.copy(), requires_grad=self._requires_grad)
        memo[id(self)] = p
        return p


def _tensor_deepcopy(self: Tensor, memo: dict) -> Any:
    from ..tensor import _make

    if self.grad_fn is not None:
        raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                           "deepcopy protocol at the moment.")
    t = _make(self._data.copy())
    t._requires_grad = self._requires_grad
    memo[id(self)] = t
    return t


Tensor.__deepcopy__ = _tensor_deepcopy  # type: ignore[attr-defined]
