"""Process-wide settings PyTorch scripts set at the top: threads, matmul precision, determinism.

``set_num_threads`` really sets the number of threads of the BLAS library NumPy computes matrix
products with (through ``threadpoolctl``, imported when first needed); the other settings are
kept and read back as in PyTorch. flambeau's CPU results are deterministic already, and its
float32 products always use full float32 precision.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Iterator
from typing import Any

from . import _trace

__all__ = ["get_num_threads", "set_num_threads", "get_num_interop_threads",
           "set_num_interop_threads", "set_float32_matmul_precision",
           "get_float32_matmul_precision", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled"]

_PRECISIONS = ("highest", "high", "medium")
_settings: dict[str, Any] = {"precision": "highest", "deterministic": False, "warn_only": False,
                             "threads": None, "interop": None}
_limiter: list[Any] = []  # the threadpoolctl limiter holding the current limit
_blas_libs: list[Any] = []  # threadpoolctl's controllers of the BLAS libraries, found once


def _blas_threads() -> int | None:
    from threadpoolctl import threadpool_info

    counts = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
    return max(counts) if counts else None


def get_num_threads() -> int:
    """The number of threads matrix products use (those of NumPy's BLAS library)."""
    if _settings["threads"] is not None:
        return _settings["threads"]
    n = _blas_threads()
    return n if n is not None else (os.cpu_count() or 1)


def set_num_threads(num: int) -> None:
    """Use ``num`` threads for matrix products: sets NumPy's BLAS library's thread count."""
    if not isinstance(num, int) or isinstance(num, bool):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(num).__name__}")
    if num <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    from threadpoolctl import threadpool_limits

    _limiter[:] = [threadpool_limits(limits=num, user_api="blas")]
    _settings["threads"] = num


def _blas_controllers() -> list[Any]:
    if not _blas_libs:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # nothing to limit
            _blas_libs.append(None)
        else:
            _blas_libs.extend(ThreadpoolController().select(user_api="blas").lib_controllers or [None])
    return [c for c in _blas_libs if c is not None]


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with NumPy's BLAS on one thread, then restore its count (a few
    microseconds each way). For loops of small matrix products, as a recurrent layer's steps:
    splitting a 20x200 by 200x800 product between threads saves little on an idle machine, and on
    a busy one each product waits for a helper thread that is not running (measured on 2 busy
    cores: an LSTM layer's step loop 3 to 4 times slower with 2 threads than with 1)."""
    tracer = _trace.active()  # flambeau.compile's replays do the same at the same places
    _to_one_thread() if tracer is None else tracer.effect(_to_one_thread)
    try:
        yield
    finally:
        _back_from_one_thread() if tracer is None else tracer.effect(_back_from_one_thread)


class _Counts(threading.local):
    stack: list[list[int]]  # the BLAS thread counts to restore, innermost last

    def __init__(self) -> None:
        self.stack = []


_counts_before = _Counts()


def _to_one_thread() -> None:
    libs = _blas_controllers()
    before = [c.num_threads for c in libs]
    _counts_before.stack.append(before)
    for c, n in zip(libs, before):
        if n != 1:
            c.set_num_threads(1)


def _back_from_one_thread() -> None:
    for c, n in zip(_blas_controllers(), _counts_before.stack.pop()):
        if n != 1:
            c.set_num_threads(n)


def get_num_interop_threads() -> int:
    """The number of threads for running independent ops in parallel (kept, as PyTorch's)."""
    return _settings["interop"] or (os.cpu_count() or 1)


def set_num_interop_threads(num: int) -> None:
    if not isinstance(num, int) or isinstance(num, bool) or num <= 0:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    _settings["interop"] = num


def set_float32_matmul_precision(precision: str) -> None:
    """``'highest'``, ``'high'`` or ``'medium'``: how much precision float32 matrix products may
    trade for speed on a GPU. Kept and read back; flambeau's products are full float32 always."""
    if precision not in _PRECISIONS:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", stacklevel=2)
        return
    _settings["precision"] = precision


def get_float32_matmul_precision() -> str:
    """The value given to ``set_float32_matmul_precision`` (``'highest'`` by default)."""
    return _settings["precision"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms only. flambeau's are all deterministic: kept and read
    back, as in PyTorch."""
    if not isinstance(mode, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be "
                        f"bool, not {type(mode).__name__}")
    _settings["deterministic"], _settings["warn_only"] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _settings["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _settings["warn_only"]
