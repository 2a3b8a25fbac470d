"""Fair sharing of the machine between the playground's sessions.

- The answers to the pages' messages run at once, each in a worker thread (the event loop stays
  free for the sockets): a Step or a click never waits behind the other sessions' training.
- The training of the sessions that play goes by turns: at most one slice per core runs at a time,
  and the sessions waiting for a turn get it first come, first served (``asyncio.Semaphore``
  wakes its waiters in order). A session gives its turn back after each slice and queues again
  behind the others, so with N sessions playing each gets one slice in N: round-robin, and none
  starves. A slice is one chunk of ``speed`` epochs cut at :data:`SLICE_SECONDS` (see
  :meth:`.session.Session.play_chunk`).

:func:`release_memory` hands the memory of closed sessions back to the system.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from .. import _malloc

T = TypeVar("T")
SLICE_SECONDS = 0.05     # a playing session's turn before the next session's


def default_workers() -> int:
    """Training turns at once: one per core."""
    return max(1, os.cpu_count() or 1)


class Scheduler:
    """Requests at once, training slices by turns (see the module's docstring).

    Args:
        workers: training slices running at once (default: one per core).
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._turns = asyncio.Semaphore(self.workers)
        self._keyed: dict[object, asyncio.Semaphore] = {}
        self.slices_run = 0

    async def request(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` (the answer to a message) in a worker thread now."""
        return await asyncio.to_thread(fn)

    @contextlib.asynccontextmanager
    async def turn(self, key: object = None) -> AsyncIterator[None]:
        """Wait for a training turn (in order of arrival), hold it for one slice. With a ``key``
        (a worker process: :mod:`.workers`) the turns are that key's, one slice at a time."""
        turns = self._turns if key is None else self._keyed.setdefault(key, asyncio.Semaphore(1))
        async with turns:
            yield
            self.slices_run += 1
        await asyncio.sleep(0)  # the next waiter takes the turn before this session asks again

    async def train(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` (one training slice) in a worker thread when its turn comes."""
        async with self.turn():
            return await asyncio.to_thread(fn)


# ---------------------------------------------------------------------------------- memory
def release_memory() -> None:
    """Collect garbage and give the freed heap back to the system (glibc's ``malloc_trim``;
    elsewhere only the collection): the memory of closed sessions returns."""
    gc.collect()
    _malloc.release_memory()
