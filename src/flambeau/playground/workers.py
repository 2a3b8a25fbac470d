"""Where a connection's session lives: in the server's process, or in a worker process.

The engine's small operations hold Python's GIL, so one process trains on little more than one
core whatever the machine has. With ``workers=N`` (the command line's default: one per core) the
sessions are spread over N worker processes, each given to the one with the fewest; a worker
trains its sessions by turns and encodes their frames as JSON itself, and the server only passes
the texts on. With ``workers=0`` (the tests' default) the sessions live in the server's process.

Both kinds of handle answer the same calls, each returning the texts to send and the highest
frame number among them: ``handle`` (a page's message, by the handlers of :mod:`.server`),
``chunk`` (one training slice while playing, :meth:`.session.Session.play_chunk`), ``update``
(the teacher's locks) and ``share_hash`` (what the teacher pushes from their own tab); and keep
what the server reads between calls: ``config``, ``epoch``, ``loss_test``, ``playing``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from typing import Any

from .config import PlaygroundError
from .scheduler import SLICE_SECONDS, Scheduler, release_memory
from .session import Session

log = logging.getLogger("flambeau.playground")


def serialise(messages: list[dict]) -> tuple[list[str], int]:
    """The messages as JSON texts, and the highest frame number among them (0: none)."""
    from .server import _dumps

    frame = max((m["frame"] for m in messages if m.get("type") == "frame"), default=0)
    return [_dumps(m) for m in messages], frame


def answer(session: Session, kind: str, message: dict) -> list[dict]:
    """The messages answering ``message`` (a refusal is an ``error`` message)."""
    from .server import HANDLERS

    try:
        return HANDLERS[kind](session, message)
    except PlaygroundError as e:
        return [e.to_message()]


def _locks_applied(session: Session, flags: dict[str, bool]) -> list[dict]:
    session.update(flags)
    return [session.config_message(), session.frame()]


def _slice(session: Session, make_frame: bool) -> list[dict]:
    return [m for m in [session.play_chunk(make_frame)] if m is not None]


# ---------------------------------------------------------------------------------- in process
class LocalHandle:
    """A session in the server's process (its ``playing`` flag is the session's own, so a pause
    stops a slice between two epochs)."""

    def __init__(self, session: Session, scheduler: Scheduler) -> None:
        self.session = session
        self.scheduler = scheduler
        session.chunk_seconds = SLICE_SECONDS
        self.turn_key = None

    config = property(lambda self: self.session.config)
    epoch = property(lambda self: self.session.epoch)
    loss_test = property(lambda self: self.session.loss_test)

    @property
    def playing(self) -> bool:
        return self.session.playing

    @playing.setter
    def playing(self, value: bool) -> None:
        self.session.playing = value

    async def handle(self, kind: str, message: dict) -> tuple[list[str], int]:
        return await self.scheduler.request(lambda: serialise(answer(self.session, kind, message)))

    async def chunk(self, make_frame: bool) -> tuple[list[str], int]:
        return await asyncio.to_thread(lambda: serialise(_slice(self.session, make_frame)))

    async def update(self, flags: dict[str, bool]) -> tuple[list[str], int]:
        return await self.scheduler.request(lambda: serialise(_locks_applied(self.session, flags)))

    async def share_hash(self) -> str:
        return self.session.config_message()["hash"]

    async def close(self) -> bool:
        self.session.playing = False
        return True  # the server gives the memory back when its last page leaves


async def local_handle(scheduler: Scheduler) -> LocalHandle:
    return LocalHandle(await scheduler.request(Session), scheduler)


# ---------------------------------------------------------------------------------- in a worker
def _serve(conn: Any) -> None:
    """A worker process's loop: requests (session id, operation, payload) in, replies out,
    until the server's end of the pipe closes (Ctrl-C in the terminal is the server's to handle:
    it then closes the pipes)."""
    import signal

    import flambeau

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # one core per worker, the BLAS products too: two BLAS threads in each worker would fight
    # the other workers for the cores (a frame's 10000-row products then wait for a thread)
    flambeau.set_num_threads(1)
    sessions: dict[int, Session] = {}
    configs_sent: dict[int, dict] = {}  # the configuration the server last got, per session
    operations: dict[str, Callable[[Session, Any], list[dict]]] = {
        "handle": lambda s, p: answer(s, p[0], p[1]),
        "chunk": lambda s, p: _slice(s, p),
        "update": _locks_applied,
        "hash": lambda s, p: [{"type": "hash", "hash": s.config_message()["hash"]}],
    }
    while True:
        try:
            sid, op, payload = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        reply: dict[str, Any] = {}
        try:
            if op == "open":
                sessions[sid] = Session()
                sessions[sid].chunk_seconds = SLICE_SECONDS
                messages: list[dict] = []
            elif op == "ping":  # started: its imports done
                messages = []
            elif op == "close":
                sessions.pop(sid, None)
                configs_sent.pop(sid, None)
                if not sessions:
                    release_memory()
                messages = []
            else:
                session = sessions[sid]
                if op == "chunk":
                    session.playing = True
                messages = operations[op](session, payload)
            reply["texts"], reply["frame"] = serialise([m for m in messages if m.get("type") != "hash"])
            if op == "hash":
                reply["hash"] = messages[0]["hash"]
            session = sessions.get(sid)
            if session is not None:
                reply["info"] = {"epoch": session.epoch, "loss_test": session.loss_test, "playing": session.playing}
                if configs_sent.get(sid) != session.config:  # most replies (training slices) change none
                    reply["info"]["config"] = configs_sent[sid] = dict(session.config)
        except Exception as e:  # a bug must not end the worker: the server reports it
            log.exception("playground worker: error in %s", op)
            reply = {"internal": type(e).__name__}
        try:
            conn.send(reply)
        except (EOFError, OSError, BrokenPipeError):
            return


class WorkerGone(RuntimeError):
    """The session's worker process ended (killed, out of memory): the page must reconnect."""


class Worker:
    """One worker process and the pipe to it (one request at a time)."""

    def __init__(self, context: Any) -> None:
        parent, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True, name="flambeau-playground-worker")
        self.process.start()
        child.close()
        self.conn = parent
        self.sessions = 0
        self._lock = threading.Lock()
        self._alock: asyncio.Lock | None = None

    def _roundtrip(self, request: tuple) -> dict[str, Any]:
        """A request and its reply, blocking (before the worker serves the event loop's calls)."""
        with self._lock:
            self.conn.send(request)
            return self.conn.recv()

    async def _exchange(self, request: tuple) -> dict[str, Any]:
        """A request and its reply, one at a time, in the event loop: the request written at once
        (a few bytes), the reply read when the pipe has it (no thread handed each call: a third
        of the server's cost of a training slice). Runs to the end even if its caller is
        cancelled (see :meth:`call`): a reply left in the pipe would answer the next request."""
        if self._alock is None:
            self._alock = asyncio.Lock()
        async with self._alock:
            if os.name != "posix":  # Windows' event loop cannot watch a pipe: a thread waits on it
                return await asyncio.to_thread(self._roundtrip, request)
            loop = asyncio.get_running_loop()
            readable = loop.create_future()
            fd = self.conn.fileno()
            loop.add_reader(fd, lambda: readable.done() or readable.set_result(None))
            try:
                self.conn.send(request)
                await readable
            finally:
                loop.remove_reader(fd)
            return self.conn.recv()  # the worker builds a reply whole, then writes it at once

    async def call(self, sid: int, op: str, payload: Any = None) -> dict[str, Any]:
        exchange = asyncio.ensure_future(self._exchange((sid, op, payload)))
        # the outcome of an exchange whose caller was cancelled is nobody's: not an unread error
        exchange.add_done_callback(lambda task: task.cancelled() or task.exception())
        try:
            reply = await asyncio.shield(exchange)
        except (EOFError, OSError) as e:
            raise WorkerGone(f"the worker process ended ({type(e).__name__})") from e
        if "internal" in reply:
            raise RuntimeError(f"the worker failed ({reply['internal']}); see the server's log")
        return reply

    def stop(self) -> None:
        self.conn.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.terminate()


class RemoteHandle:
    """A session in a worker process; what the server reads between calls is the worker's last
    word. Its ``playing`` flag is the server's: a pause takes effect at the end of a slice."""

    def __init__(self, worker: Worker, sid: int) -> None:
        self.worker = worker
        self.sid = sid
        self.turn_key = id(worker)  # a worker trains one slice at a time
        self.config: dict[str, Any] = {}
        self.epoch = 0
        self.loss_test: float | None = None
        self.playing = False

    async def _call(self, op: str, payload: Any = None) -> dict[str, Any]:
        reply = await self.worker.call(self.sid, op, payload)
        info = reply.get("info")
        if info:
            self.config = info.get("config", self.config)
            self.epoch, self.loss_test = info["epoch"], info["loss_test"]
            if op == "chunk" and not info["playing"]:
                self.playing = False  # a stop condition
        return reply

    async def handle(self, kind: str, message: dict) -> tuple[list[str], int]:
        reply = await self._call("handle", (kind, message))
        return reply["texts"], reply["frame"]

    async def chunk(self, make_frame: bool) -> tuple[list[str], int]:
        reply = await self._call("chunk", make_frame)
        return reply["texts"], reply["frame"]

    async def update(self, flags: dict[str, bool]) -> tuple[list[str], int]:
        reply = await self._call("update", flags)
        return reply["texts"], reply["frame"]

    async def share_hash(self) -> str:
        return (await self._call("hash"))["hash"]

    async def close(self) -> bool:
        self.playing = False
        self.worker.sessions -= 1
        try:
            await self.worker.call(self.sid, "close")
        except Exception:  # the worker is gone: nothing to free
            log.debug("playground: closing a session in a worker", exc_info=True)
        return False  # the worker gave its memory back itself


class WorkerPool:
    """``count`` worker processes (spawned: a fresh interpreter each, nothing of the server's
    threads inherited); each new session goes to the worker with the fewest."""

    def __init__(self, count: int) -> None:
        self._context = multiprocessing.get_context("spawn")
        self.workers = [Worker(self._context) for _ in range(count)]
        for worker in self.workers:  # ready (a failure to start is the server's, at once)
            worker._roundtrip((0, "ping", None))
        self._ids = itertools.count(1)

    def _replace(self, dead: Worker) -> Worker:
        """A new worker in place of one that died (its sessions' pages get an error and
        reconnect)."""
        log.warning("playground: a worker process ended (exit code %s); starting another", dead.process.exitcode)
        worker = Worker(self._context)
        worker._roundtrip((0, "ping", None))
        self.workers[self.workers.index(dead)] = worker
        return worker

    async def open(self) -> RemoteHandle:
        for dead in [w for w in self.workers if not w.process.is_alive()]:
            await asyncio.to_thread(self._replace, dead)
        worker = min(self.workers, key=lambda w: w.sessions)
        worker.sessions += 1
        handle = RemoteHandle(worker, next(self._ids))
        try:
            await handle._call("open")
        except Exception:
            worker.sessions -= 1
            raise
        return handle

    def pids(self) -> list[int]:
        return [w.process.pid for w in self.workers if w.process.pid is not None]

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
