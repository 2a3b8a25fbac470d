"""``autocast``: a region where matrix products run in a lower precision, as ``torch.autocast``.

On the CPU, PyTorch's autocast computes matrix products (``matmul``, ``mm``, ``bmm``, ``addmm``,
``linear``, convolutions) in ``bfloat16`` (or ``float16``), and leaves the rest in float32.
flambeau does the same: inside the block, those ops cast their floating inputs to the autocast
dtype. For ``'cuda'`` it is disabled with PyTorch's warning, as without a GPU.

Example::

    >>> with flambeau.autocast(device_type="cpu", dtype=flambeau.bfloat16):
    ...     y = model(x)          # the Linear layers compute in bfloat16
"""

from __future__ import annotations

import functools
import threading
import warnings
from typing import Any

from .. import _dtype as dt
from .._device import device

__all__ = ["autocast", "is_autocast_enabled", "get_autocast_dtype", "is_autocast_available",
           "cast_inputs"]


class _State(threading.local):
    enabled = False  # CPU autocast on
    dtype: Any = None  # its dtype


_state = _State()


def is_autocast_available(device_type: str) -> bool:
    """True for ``'cpu'``: the only device flambeau autocasts on."""
    return device_type == "cpu"


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is on for ``device_type`` (without it, PyTorch asks about CUDA)."""
    return device_type == "cpu" and _state.enabled


def get_autocast_dtype(device_type: str) -> dt.dtype:
    """The dtype autocast computes in: ``bfloat16`` on the CPU unless a block chose another."""
    if device_type == "cpu":
        return _state.dtype if _state.dtype is not None else dt.bfloat16
    return dt.float16


class autocast:
    """Run the block (or the decorated function) with matrix products in ``dtype``.

    Args:
        device_type: ``'cpu'`` (``'cuda'`` is accepted and disabled, with PyTorch's warning).
        dtype: ``bfloat16`` (the default on the CPU) or ``float16``.
        enabled: False makes the block a plain one.
        cache_enabled: accepted, as in PyTorch (flambeau keeps no cast cache).
    """

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        device(device_type)  # an unknown type raises PyTorch's error
        self.device = device_type
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dt.to_dtype(dtype)
        if enabled and device_type == "cuda":
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                          stacklevel=2 + (type(self) is not autocast))
            enabled = False
        elif enabled and device_type != "cpu":
            warnings.warn(f"User provided device_type of '{device_type}', but the current device "
                          "is not available. Disabling autocast.", stacklevel=2 + (type(self) is not autocast))
            enabled = False
        elif enabled and self.fast_dtype not in (dt.bfloat16, dt.float16):
            warnings.warn("In CPU autocast, but the target dtype is not supported. Disabling "
                          "autocast.\nCPU Autocast only supports dtypes of torch.bfloat16, "
                          "torch.float16 currently.", stacklevel=2 + (type(self) is not autocast))
            enabled = False
        self._enabled = bool(enabled)
        self._saved: list[tuple[bool, Any]] = []

    def __enter__(self) -> None:
        if self.device != "cpu":
            return
        self._saved.append((_state.enabled, _state.dtype))
        _state.enabled, _state.dtype = self._enabled, self.fast_dtype

    def __exit__(self, *exc: object) -> None:
        if self.device != "cpu":
            return
        _state.enabled, _state.dtype = self._saved.pop()

    def __call__(self, fn: Any) -> Any:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper


def cast_inputs(*tensors: Any) -> tuple[Any, ...]:
    """Inside a CPU autocast block, floating tensors converted to its dtype (None and others
    unchanged); called by the matrix products, which check ``_state.enabled`` first."""
    from ..ops.shape import to_dtype
    from ..tensor import Tensor

    d = _state.dtype
    return tuple(to_dtype(t, d) if isinstance(t, Tensor) and t._data.dtype.kind in "fV" else t
                 for t in tensors)
