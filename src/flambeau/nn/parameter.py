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


# ---------------------------------------------------------------------- lazy (uninitialized) tensors
_RAW = Tensor.__dict__["_data"]  # the storage slot, read and written past the guard below
_USE_MSG = ("Attempted to use an uninitialized parameter in {}. This error happens when you are using a "
            "`LazyModule` or explicitly manipulating `torch.nn.parameter.{}` objects. When using "
            "LazyModules Call `forward` with a dummy batch to initialize the parameters before calling "
            "torch functions")


class UninitializedTensorMixin:
    """What ``UninitializedParameter`` and ``UninitializedBuffer`` share: a tensor whose shape is
    not known yet (a lazy layer learns it from its first input). Any computation with it raises
    PyTorch's ``ValueError``; ``.data``, ``.dtype``, ``size()`` and ``materialize`` work."""

    __slots__ = ()
    cls_to_become: type = Tensor

    @property
    def _data(self) -> np.ndarray:  # every operation reads ``_data``: refuse them all
        raise ValueError(_USE_MSG.format("an operation", type(self).__name__))

    @_data.setter
    def _data(self, value: np.ndarray) -> None:
        _RAW.__set__(self, value)

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give the tensor its shape (uninitialised values) and turn it into a ``Parameter``
        (a plain ``Tensor`` for a buffer), in place: optimizers holding it see the new one."""
        from .. import _dtype as dt
        from .._device import check

        check(device)
        d = _RAW.__get__(self).dtype if dtype is None else dt.to_dtype(dtype).np
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self.__class__ = self.cls_to_become  # type: ignore[assignment]
        self._data = np.zeros(shape, d)

    @property
    def shape(self) -> Any:
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually happens "
            "in `load_state_dict` when trying to load an uninitialized parameter into an initialized one. "
            "Call `forward` to initialize the parameters before accessing their attributes.")

    def size(self, dim: int | None = None) -> Any:
        from ..tensor import Size

        shape = _RAW.__get__(self).shape
        return Size(shape) if dim is None else shape[dim]

    @property
    def dtype(self) -> Any:
        from .. import _dtype as dt

        return dt._FROM_NUMPY[_RAW.__get__(self).dtype]

    @property
    def data(self) -> Tensor:
        """An empty tensor (as in PyTorch: filling it changes nothing; ``materialize`` gives the
        parameter new storage)."""
        from ..tensor import _make

        return _make(_RAW.__get__(self))

    def is_floating_point(self) -> bool:
        return _RAW.__get__(self).dtype.kind in "fV"

    def _set_dtype(self, d: np.dtype) -> None:
        """``Module.to(dtype)`` / ``.double()`` before the first forward: the dtype to materialize in."""
        _RAW.__set__(self, np.zeros(0, d))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def is_lazy(t: Any) -> bool:
    """Whether ``t`` is an uninitialized parameter or buffer (of a lazy layer not yet called)."""
    return isinstance(t, UninitializedTensorMixin)


def _empty_raw(device: Any, dtype: Any) -> np.ndarray:
    from .. import _dtype as dt
    from .._device import check

    check(device)
    return np.zeros(0, (dt.get_default_dtype() if dtype is None else dt.to_dtype(dtype)).np)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter of unknown shape, which a lazy layer materializes at its first forward."""

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> UninitializedParameter:
        return object.__new__(cls)

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        _init(self, _empty_raw(device, dtype), None)
        self._requires_grad = bool(requires_grad)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer of unknown shape (a lazy ``BatchNorm``'s running statistics)."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device: Any = None, dtype: Any = None) -> None:
        _init(self, _empty_raw(device, dtype), None)
        self._requires_grad = bool(requires_grad)
