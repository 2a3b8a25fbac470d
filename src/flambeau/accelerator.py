"""``flambeau.accelerator``: the device-agnostic way PyTorch asks for a GPU; there is none here.

Example::

    >>> dev = flambeau.accelerator.current_accelerator() if flambeau.accelerator.is_available() else "cpu"
    >>> dev
    'cpu'
"""

from __future__ import annotations

from typing import Any

from . import _device

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "synchronize"]


def is_available() -> bool:
    """False: flambeau computes on the CPU."""
    return False


def current_accelerator(check_available: bool = False) -> None:
    """None: there is no accelerator."""
    return None


def device_count() -> int:
    """0: there is no accelerator."""
    return 0


def current_device_index() -> int:
    raise RuntimeError(_device._NO_ACCELERATOR)


def synchronize(device: Any = None) -> None:
    raise RuntimeError(_device._NO_ACCELERATOR)
