"""``flambeau.cuda``: what a CPU-only PyTorch answers, so that the usual device-picking lines run.

``is_available()`` is False and ``device_count()`` 0; the seeding functions and ``empty_cache``
do nothing, as PyTorch's do without a GPU; what needs a GPU (``synchronize``, ``current_device``,
``get_device_name``) raises PyTorch's error, ``Torch not compiled with CUDA enabled``.

Example::

    >>> device = "cuda" if flambeau.cuda.is_available() else "cpu"
    >>> device
    'cpu'
"""

from __future__ import annotations

from typing import Any

from .. import _device
from . import amp

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "is_bf16_supported", "synchronize", "empty_cache", "current_device", "get_device_name",
           "get_device_capability", "memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "reset_peak_memory_stats", "is_initialized", "amp"]


def is_available() -> bool:
    """False: flambeau computes on the CPU."""
    return False


def device_count() -> int:
    """0: no GPU."""
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Seeds the GPU's generator; without a GPU, PyTorch ignores the call, and so does flambeau
    (seed the CPU with ``flambeau.manual_seed``)."""
    int(seed)


def manual_seed_all(seed: int) -> None:
    """Seeds every GPU's generator: nothing to seed here, as in PyTorch without a GPU."""
    int(seed)


def seed() -> None:
    """Seeds the GPU's generator at random: nothing to do without a GPU."""


def seed_all() -> None:
    """Seeds every GPU's generator at random: nothing to do without a GPU."""


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: there is no GPU to compute in bfloat16 (on the CPU, ``bfloat16`` tensors work)."""
    return False


def synchronize(device: Any = None) -> None:
    """Waits for the GPU: PyTorch raises without one."""
    raise _device._not_compiled("cuda")


def empty_cache() -> None:
    """Frees the GPU's cached memory: nothing to free, as in PyTorch without a GPU."""


def _no_gpu(*args: Any, **kwargs: Any) -> Any:
    raise _device._not_compiled("cuda")


current_device = get_device_name = get_device_capability = get_device_properties = _no_gpu
set_device = _no_gpu


def memory_allocated(device: Any = None) -> int:
    """0 bytes: nothing is on a GPU."""
    return 0


max_memory_allocated = memory_reserved = max_memory_reserved = memory_allocated


def reset_peak_memory_stats(device: Any = None) -> None:
    """Resets the GPU's peak memory statistics: PyTorch raises without a GPU."""
    raise _device._not_compiled("cuda")
