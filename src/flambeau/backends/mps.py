"""``flambeau.backends.mps``: Apple's GPU backend, absent (``is_available()`` is False)."""

from __future__ import annotations


def is_available() -> bool:
    """False: flambeau computes on the CPU."""
    return False


def is_built() -> bool:
    """False: flambeau has no MPS backend."""
    return False
