"""Keep freed memory mapped between training steps (glibc only).

A training step allocates and frees the same large arrays again and again (a convolution's
unfolded columns, activations, gradients). By default glibc's allocator hands large blocks to the
kernel with ``mmap``/``munmap`` and returns freed memory at the top of the heap with ``brk``: the
next step then page-faults its way back, one fault per 4 KiB, which costs a LeNet step on 28x28
images about 2 ms. Two settings of ``mallopt`` keep that memory in the process instead, as
``GLIBC_TUNABLES=glibc.malloc.trim_threshold=...:glibc.malloc.mmap_threshold=...`` would:
blocks up to 32 MiB come from the heap, and the heap is trimmed only above 128 MiB free.

Applied once, at ``import flambeau``, where the C library is glibc and the variable
``FLAMBEAU_KEEP_MEMORY`` is not ``0``. A long-running server that wants memory back after a burst
calls :func:`release_memory` (``malloc_trim``).
"""

from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
TRIM_THRESHOLD = 128 << 20
MMAP_THRESHOLD = 32 << 20  # glibc's largest allowed value on 64-bit systems
applied = False


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def keep_freed_memory() -> bool:
    """Apply the two settings; True when they were applied."""
    global applied
    if applied or os.environ.get("FLAMBEAU_KEEP_MEMORY", "1") == "0":
        return applied
    libc = _libc()
    if libc is None:
        return False
    ok = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    ok = libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1 and ok
    applied = ok
    return ok


def release_memory() -> bool:
    """Give the memory the allocator keeps free back to the system (``malloc_trim(0)``)."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
