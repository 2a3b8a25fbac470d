"""The playground's web server: a Starlette app served by uvicorn (see docs/playground-protocol.md).

- ``GET /`` and ``GET /static/...``: the page (``static/``, all local files);
- ``GET /api/health``: ``{"ok": true, "version": ...}``;
- ``POST /api/export``: a runnable script for a configuration;
- ``WS /ws``: one training session per connection. Every message is validated (type, fields,
  ranges, sizes; nothing is ever evaluated); bad input is answered by an ``error`` message and
  changes nothing. The session lives in a worker process (:mod:`.workers`; or in this process,
  trained in a thread, with ``workers=0``), so the event loop stays free for the other
  connections. While playing, a task asks for a training slice at each turn and sends its frame,
  with at most two frames not yet acknowledged (``ack``). A closed socket cancels its task and
  frees its session.

``main()`` starts uvicorn on 127.0.0.1 (unless told otherwise), prints the URL, opens a browser
when one is available and stops cleanly on Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import math
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

try:  # Starlette 1.x: a send on a socket the page is closing
    from starlette.websockets import WebSocketDisconnected as _SocketClosing
except ImportError:  # older Starlette: a bare RuntimeError, not told apart
    _SocketClosing = WebSocketDisconnect

import flambeau

from . import config as cfg
from .classroom import Classroom
from .config import PlaygroundError
from .export import generate_script
from .scheduler import Scheduler, default_workers, release_memory
from .security import Guard, refusal_page
from .session import Session
from .workers import LocalHandle, RemoteHandle, WorkerGone, WorkerPool, local_handle

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_MESSAGE_BYTES = 8 * 1024 * 1024     # a larger message closes the socket
MAX_EXPORT_BODY = 1024 * 1024
MAX_UNACKED = 2                         # frames sent while playing and not yet acknowledged
MAX_CHANGES = 200                       # keys in one `set`
CLOSE_TOO_BIG = 1009
CLOSE_POLICY = 1008
CLOSE_TRY_AGAIN = 1013

log = logging.getLogger("flambeau.playground")


# ---------------------------------------------------------------------------------- validation
def _field(message: dict[str, Any], name: str, kind: str, default: Any = ..., optional: bool = False) -> Any:
    """``message[name]`` checked to be of ``kind`` (``int``, ``number``, ``str``, ``dict``,
    ``any``); missing: ``default`` if given, None if ``optional``, else an error."""
    if name not in message:
        if default is not ...:
            return default
        if optional:
            return None
        raise PlaygroundError(f"{name}: missing", name, code="missing_field", name=name)
    value = message[name]
    if value is None and optional:
        return None
    if kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53
    elif kind == "number":
        ok = (isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53) or \
            (isinstance(value, float) and math.isfinite(value))
    elif kind == "str":
        ok = isinstance(value, str)
    elif kind == "dict":
        ok = isinstance(value, dict)
    else:
        ok = True
    if not ok:
        what = {"int": "an integer", "number": "a finite number", "str": "a string", "dict": "an object"}[kind]
        raise PlaygroundError(f"{name}: {str(value)[:40]!r} must be {what}", name, code="bad_field", name=name,
                              expect=kind)
    return value


def _error(error: PlaygroundError) -> dict[str, Any]:
    return error.to_message()


#: the page left (its socket closed, or closing under a send): no error of the server's
SOCKET_GONE = (WebSocketDisconnect, _SocketClosing)


def _dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), allow_nan=False)


# ---------------------------------------------------------------------------------- handlers
# Each handler runs in a worker thread, with the connection's lock held, and returns the
# messages to send back.
def _hello(session: Session, msg: dict) -> list[dict]:
    errors = session.load_hash(_field(msg, "hash", "str", default=""))
    session.playing = False
    return [_error(e) for e in errors] + [session.config_message(), session.frame()]


def _set(session: Session, msg: dict) -> list[dict]:
    changes = _field(msg, "changes", "dict")
    if len(changes) > MAX_CHANGES:
        raise PlaygroundError(f"changes: too many settings at once ({len(changes)})", "changes",
                              code="too_many_changes", n=len(changes), max=MAX_CHANGES)
    try:
        session.update(changes)
    except PlaygroundError as e:
        return [_error(e), session.config_message()]  # the page redraws the kept configuration
    return [session.config_message(), session.frame()]


def _step(session: Session, msg: dict) -> list[dict]:
    session.step(_field(msg, "unit", "str", default="epoch"))
    return [session.frame()]


def _pause(session: Session, msg: dict) -> list[dict]:
    session.playing = False
    return [session.frame()]


def _reset(session: Session, msg: dict) -> list[dict]:
    session.reset()
    return [session.frame()]


def _regenerate(session: Session, msg: dict) -> list[dict]:
    session.regenerate()
    return [session.config_message(), session.frame()]


def _set_weight(session: Session, msg: dict) -> list[dict]:
    session.set_weight(_field(msg, "layer", "int"), _field(msg, "to", "int"), _field(msg, "from", "int"),
                       _field(msg, "value", "number"))
    return [session.frame()]


def _set_bias(session: Session, msg: dict) -> list[dict]:
    session.set_bias(_field(msg, "layer", "int"), _field(msg, "node", "int"), _field(msg, "value", "number"))
    return [session.frame()]


def _add_point(session: Session, msg: dict) -> list[dict]:
    x, y = _field(msg, "x", "number"), _field(msg, "y", "number")
    label = _field(msg, "label", "number")
    session.add_point(x, y, label)
    return [session.config_message(), session.frame()]  # the points travel in the hash


def _clear_points(session: Session, msg: dict) -> list[dict]:
    session.clear_points()
    return [session.config_message(), session.frame()]


def _upload_csv(session: Session, msg: dict) -> list[dict]:
    text = _field(msg, "text", "str")
    session.upload_csv(text)
    return [session.config_message(), session.frame()]


def _download_csv(session: Session, msg: dict) -> list[dict]:
    return [session.download_csv()]


def _node(session: Session, msg: dict) -> list[dict]:
    return [session.node_grid(_field(msg, "id", "str", optional=True))]


def _export(session: Session, msg: dict) -> list[dict]:
    return [session.export_code(_field(msg, "framework", "str", default="flambeau"))]


def _get_weights(session: Session, msg: dict) -> list[dict]:
    return [session.get_weights()]


def _load_weights(session: Session, msg: dict) -> list[dict]:
    session.load_weights(_field(msg, "data", "str"))
    return [session.frame()]


def _get_config_json(session: Session, msg: dict) -> list[dict]:
    return [session.config_json()]


def _load_config_json(session: Session, msg: dict) -> list[dict]:
    session.load_config_json(_field(msg, "data", "any"))
    session.playing = False
    return [session.config_message(), session.frame()]


HANDLERS: dict[str, Callable[[Session, dict], list[dict]]] = {
    "hello": _hello, "set": _set, "step": _step, "pause": _pause, "reset": _reset,
    "regenerate": _regenerate, "set_weight": _set_weight, "set_bias": _set_bias,
    "add_point": _add_point, "clear_points": _clear_points, "upload_csv": _upload_csv,
    "download_csv": _download_csv, "node": _node, "export": _export, "get_weights": _get_weights,
    "load_weights": _load_weights, "get_config_json": _get_config_json,
    "load_config_json": _load_config_json,
}
MESSAGE_TYPES = tuple(HANDLERS) + ("play", "ack")


# ---------------------------------------------------------------------------------- connection
class Connection:
    """One WebSocket and its session: reads messages, answers them, and plays."""

    _count = 0

    def __init__(self, websocket: WebSocket, classroom: Classroom, scheduler: Scheduler,
                 pool: WorkerPool | None = None) -> None:
        Connection._count += 1
        self.number = Connection._count
        self.websocket = websocket
        self.classroom = classroom
        self.scheduler = scheduler
        self.pool = pool                    # the worker processes, if the sessions live there
        self.session: LocalHandle | RemoteHandle = None  # type: ignore[assignment]  # built by run()
        self.lock = asyncio.Lock()          # one operation on the session at a time
        self.send_lock = asyncio.Lock()     # one message written at a time
        self.acked = 0                      # the last frame the page drew
        self.sent = 0                       # the last frame sent
        self.ack_event = asyncio.Event()
        self.play_task: asyncio.Task | None = None
        self.is_teacher = False             # the teacher's own tab (see Classroom.teacher_tab)

    async def send(self, texts: list[str]) -> None:
        async with self.send_lock:
            for text in texts:
                await self.websocket.send_text(text)

    def _count_frames(self, answer: tuple[list[str], int]) -> list[str]:
        texts, frame = answer
        self.sent = max(self.sent, frame)
        return texts

    async def run(self) -> None:
        """Read messages until the socket closes, then stop playing and free the session."""
        if self.classroom.full():  # said on the page, which tries again a little later
            await self.websocket.send_text(_dumps(_error(self.classroom.full_error())))
            await self.websocket.close(code=CLOSE_TRY_AGAIN, reason="the server is full")
            return
        self.classroom.connections.add(self)
        try:
            self.session = await (self.pool.open() if self.pool else local_handle(self.scheduler))
            while True:
                event = await self.websocket.receive()
                if event["type"] == "websocket.disconnect":
                    break
                text = event.get("text")
                raw = event.get("bytes")
                size = len(text) if text is not None else len(raw or b"")
                if size > MAX_MESSAGE_BYTES:
                    await self.websocket.close(code=CLOSE_TOO_BIG, reason="message too large")
                    break
                if text is None:
                    await self.send([_dumps(_error(PlaygroundError("messages must be JSON text", code="not_json")))])
                    continue
                await self.handle(text)
        except WebSocketDisconnect:
            pass
        except Exception:  # e.g. writing to a socket the page just closed
            log.debug("playground: connection ended", exc_info=True)
        finally:
            await self.close()

    async def close(self) -> None:
        """Stop playing (cancelling the task) and drop the session."""
        if self.session is not None:
            self.session.playing = False
        self.ack_event.set()
        if self.play_task is not None:
            self.play_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.play_task
        self.play_task = None
        was_open = self in self.classroom.connections
        handle, self.session = self.session, None  # type: ignore[assignment]  # frees the network and data
        local = await handle.close() if handle is not None else True
        self.classroom.connections.discard(self)
        if self.classroom.teacher_tab is self:
            self.classroom.teacher_tab = None
        if was_open and local and not self.classroom.connections:
            await asyncio.to_thread(release_memory)  # the last page left: give the memory back

    async def handle(self, text: str) -> None:
        """Answer one message (errors included); never raises but for a closed socket."""
        try:
            try:
                message = json.loads(text)
            except (ValueError, RecursionError):
                raise PlaygroundError("not a JSON message", code="not_json") from None
            if not isinstance(message, dict):
                raise PlaygroundError("a message must be a JSON object with a type", code="not_json")
            kind = message.get("type")
            if not isinstance(kind, str) or kind not in MESSAGE_TYPES:
                raise PlaygroundError(f"unknown message type {str(kind)[:40]!r}", "type", code="unknown_message")
            if kind == "ack":
                frame = _field(message, "frame", "int")
                self.acked = max(self.acked, min(frame, self.sent))
                self.ack_event.set()
                return
            if kind == "hello" and self.classroom.is_teacher_key(message.get("teacher")):
                self.is_teacher = True  # the teacher's own tab: not locked, pushed from in one click
                self.classroom.teacher_tab = self
            student = not self.is_teacher
            if self.session is not None and student:
                self.classroom.check(kind, message, self.session.config)
            if kind == "play":
                self.play()
                return
            if kind in ("pause", "step", "reset", "hello", "load_config_json"):
                self.session.playing = False  # stop the play loop at the end of its chunk
                self.ack_event.set()          # or wake it if it waits for an ack
            session = self.session
            if kind == "hello" and self.classroom.locks and student:
                message = dict(message, hash=self.classroom.lock_hash(_field(message, "hash", "str", default=""),
                                                                      session.config))
            elif kind == "load_config_json" and self.classroom.locks and student:
                message = dict(message, data=self.classroom.lock_config(message.get("data"), session.config))
            async with self.lock:  # sending under the lock keeps the frames in their order
                await self.send(self._count_frames(await session.handle(kind, message)))
            if kind == "hello" and self.classroom.experiment and student:
                await self.send([_dumps(self.classroom.experiment_message())])
        except PlaygroundError as e:
            await self.send([_dumps(_error(e))])
        except WorkerGone:
            await self._worker_gone()
        except SOCKET_GONE:  # e.g. a tab closed while its pause was answered
            raise
        except Exception as e:  # a bug must not end the session: report it
            log.exception("playground: error while handling a message")
            # the details are in the server's log, not for the page
            await self.send([_dumps(PlaygroundError(f"internal error ({type(e).__name__}); see the server's log",
                                                    code="internal").to_message())])

    async def _worker_gone(self) -> None:
        """The session's process ended: close the socket; the page reconnects and its hash
        brings the experiment back in a live worker."""
        log.warning("playground: page %d lost its worker process; it reconnects", self.number)
        if self.session is not None:
            self.session.playing = False
        with contextlib.suppress(Exception):
            await self.websocket.close(code=CLOSE_TRY_AGAIN, reason="the session's process ended")

    async def apply_locks(self, flags: dict[str, bool]) -> None:
        """Set the teacher's ``*_hide`` flags in the session and send the new configuration."""
        session = self.session
        if session is None:
            return
        async with self.lock:
            await self.send(self._count_frames(await session.update(flags)))

    def play(self) -> None:
        """Start playing (the loop runs as a task until paused or stopped)."""
        self.session.playing = True
        if self.play_task is None or self.play_task.done():
            self.play_task = asyncio.create_task(self._play_loop())

    async def _play_loop(self) -> None:
        session = self.session
        try:
            while session.playing:
                # waiting for its turn, the session answers its messages
                async with self.scheduler.turn(session.turn_key):
                    async with self.lock:
                        if not session.playing:
                            break
                        # the page is behind: train on, but drop this frame (its losses go with the next)
                        make_frame = self.sent - self.acked < MAX_UNACKED
                        await self.send(self._count_frames(await session.chunk(make_frame)))
        except asyncio.CancelledError:
            raise
        except SOCKET_GONE:
            session.playing = False
        except WorkerGone:
            await self._worker_gone()
        except Exception as e:
            session.playing = False
            log.exception("playground: error while training")
            with contextlib.suppress(Exception):
                await self.send([_dumps(PlaygroundError(f"training stopped by an internal error ({type(e).__name__}); "
                                                        "see the server's log", code="internal").to_message())])


def _same_origin(websocket: WebSocket) -> bool:
    """A browser's WebSocket may come from any page: accept only the page this server serves
    (no Origin header: not a browser, accepted)."""
    origin = websocket.headers.get("origin")
    if not origin:
        return True
    return urlsplit(origin).netloc.lower() == websocket.headers.get("host", "").lower()


async def _websocket(websocket: WebSocket) -> None:
    if not _same_origin(websocket):
        await websocket.close(code=CLOSE_POLICY)
        return
    await websocket.accept()
    state = websocket.app.state
    await Connection(websocket, state.classroom, state.scheduler, state.pool).run()


# ---------------------------------------------------------------------------------- HTTP
async def _index(request: Request) -> Response:
    index = request.app.state.static_dir / "index.html"
    if not index.is_file():
        return PlainTextResponse("the playground's page is missing (static/index.html)", status_code=404)
    return FileResponse(index, headers={"Cache-Control": "no-cache"})


_NOT_FOUND_PAGE = refusal_page(
    "This playground has no such page: open the address your teacher gives, or the playground's first page (/).",
    "Ce bac à sable n'a pas cette page : ouvrez l'adresse que donne votre enseignant, ou la première page du "
    "bac à sable (/).")


async def _not_found(request: Request, exc: Exception) -> Response:
    """A page or a file this server does not have: said in both languages (a mistyped address)."""
    return HTMLResponse(_NOT_FOUND_PAGE, status_code=404)


async def _health(request: Request) -> Response:
    classroom = request.app.state.classroom
    return JSONResponse({"ok": True, "version": flambeau.__version__, "sessions": len(classroom.connections),
                         "max_sessions": classroom.max_sessions})


async def _export(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_EXPORT_BODY:
        return JSONResponse({"error": "the request is too large"}, status_code=400)
    try:
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            raise PlaygroundError("the body is not JSON", code="not_json") from None
        if not isinstance(payload, dict):
            raise PlaygroundError('the body must be {"config": {...}, "framework": "flambeau"}', code="not_json")
        config = _field(payload, "config", "dict", default={})
        framework = _field(payload, "framework", "str", default="flambeau")
        filename, text = await asyncio.to_thread(generate_script, config, framework)
    except PlaygroundError as e:
        return JSONResponse({"error": str(e), "field": e.field, "code": e.code, "params": e.params}, status_code=400)
    return Response(text, media_type="text/x-python",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# ---------------------------------------------------------------------------------- the teacher
async def _teacher_page(request: Request) -> Response:
    return FileResponse(request.app.state.static_dir / "teacher.html", headers={"Cache-Control": "no-cache"})


async def _teacher_status(request: Request) -> Response:
    state = request.app.state
    return JSONResponse(dict(state.classroom.status(), student_url=state.student_url or str(request.base_url)))


async def _teacher_qr(request: Request) -> Response:
    state = request.app.state
    try:
        import segno
    except ImportError:
        return PlainTextResponse("segno is missing: pip install 'flambeau[playground]'", status_code=404)
    # a standalone SVG file (with its namespace: an <img> draws nothing without it), dark on white
    out = io.BytesIO()
    segno.make(state.student_url or str(request.base_url), error="m").save(out, kind="svg", scale=6, light="#fff")
    return Response(out.getvalue(), media_type="image/svg+xml")


async def _json_body(request: Request) -> dict[str, Any]:
    body = await request.body()
    try:
        payload = json.loads(body) if len(body) <= MAX_EXPORT_BODY else None
    except (ValueError, RecursionError):
        payload = None
    if not isinstance(payload, dict):
        raise PlaygroundError("the body must be a JSON object", code="not_json")
    return payload


async def _teacher_experiment(request: Request) -> Response:
    """Push an experiment to every student's page: ``{"from": "teacher_tab"}`` the one the
    teacher's own playground tab shows, else ``{"hash": ...}`` (a playground address or hash)."""
    classroom = request.app.state.classroom
    try:
        body = await _json_body(request)
        if body.get("from") == "teacher_tab":
            hash_text = await classroom.teacher_hash()
        else:
            hash_text = _field(body, "hash", "str")
        message = classroom.set_experiment(hash_text)
    except PlaygroundError as e:
        return JSONResponse(e.to_message(), status_code=400)
    text = _dumps(message)
    for connection in classroom.students():
        with contextlib.suppress(Exception):
            await connection.send([text])
    return JSONResponse({"ok": True, "hash": classroom.experiment, "students": len(classroom.students())})


async def _teacher_locks(request: Request) -> Response:
    """Lock the controls named true (of the ``*_hide`` list) for every student, unlock the others."""
    classroom = request.app.state.classroom
    try:
        classroom.set_locks(_field(await _json_body(request), "locks", "dict"))
    except PlaygroundError as e:
        return JSONResponse(e.to_message(), status_code=400)
    flags = {f"{name}_hide": name in classroom.locks for name in cfg.HIDE_NAMES}
    for connection in classroom.students():
        with contextlib.suppress(Exception):
            await connection.apply_locks(flags)
    return JSONResponse({"ok": True, "locks": sorted(classroom.locks)})


# ---------------------------------------------------------------------------------- the app
def create_app(static_dir: str | Path | None = None, classroom: Classroom | None = None,
               allowed_hosts: set[str] | None = None, student_url: str | None = None, workers: int = 0) -> Any:
    """The playground's ASGI app.

    Args:
        static_dir: the page's files (default ``static/``).
        classroom: the shared state: session cap, tokens, the teacher's experiment and locks
            (default: one person on this machine, no token, :func:`.classroom.default_max_sessions`).
        allowed_hosts: the ``Host`` names accepted (default: the classroom's).
        student_url: the address the teacher page shows and draws as a QR code.
        workers: the worker processes the sessions live in (0: in this process; see
            :mod:`.workers`). They start here and end with this process (``app.state.pool.stop()``
            ends them sooner).
    """
    directory = Path(static_dir) if static_dir is not None else STATIC_DIR
    classroom = classroom or Classroom(allowed_hosts=allowed_hosts)
    app = Starlette(routes=[
        Route("/", _index),
        Route("/api/health", _health),
        Route("/api/export", _export, methods=["POST"]),
        Route("/teacher", _teacher_page),
        Route("/api/teacher/status", _teacher_status),
        Route("/api/teacher/qr.svg", _teacher_qr),
        Route("/api/teacher/experiment", _teacher_experiment, methods=["POST"]),
        Route("/api/teacher/locks", _teacher_locks, methods=["POST"]),
        WebSocketRoute("/ws", _websocket),
        Mount("/static", StaticFiles(directory=directory, check_dir=False), name="static"),
    ], exception_handlers={404: _not_found})
    app.state.static_dir = directory
    app.state.classroom = classroom
    app.state.scheduler = Scheduler()
    app.state.pool = WorkerPool(workers) if workers > 0 else None
    app.state.student_url = student_url
    guarded = Guard(app, allowed_hosts if allowed_hosts is not None else classroom.allowed_hosts,
                    classroom.token, classroom.teacher_token)
    guarded.state = app.state  # type: ignore[attr-defined]  # for the tests and main()
    return guarded


# ---------------------------------------------------------------------------------- main
def _display_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else ("[::1]" if host == "::" else host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def _announce_when_started(server: Any, url: str, open_browser: bool, teacher_url: str | None) -> None:
    """Print the URL once uvicorn listens (and in a classroom its QR code and the teacher's page),
    and open a browser (failures ignored)."""
    while not server.started and not server.should_exit:
        threading.Event().wait(0.05)
    if not server.started:
        return
    print(f"flambeau playground: {url}", flush=True)
    if teacher_url:
        try:
            import segno

            segno.make(url, error="m").terminal(compact=True)
        except ImportError:
            print("(pip install segno to print the address as a QR code)")
        print(f"flambeau playground: the teacher's page: {teacher_url}", flush=True)
    if open_browser:
        with contextlib.suppress(Exception):
            webbrowser.open(teacher_url or url)


def main(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True, classroom: bool = False,
         max_sessions: int | None = None, workers: int | None = None) -> int:
    """Serve the playground until Ctrl-C; returns the exit status.

    ``classroom``: print the students' address (with its token when ``host`` is not loopback) as
    text and as a QR code, and the teacher's page (``/teacher?token=...``); ``max_sessions``:
    the most pages at once (default :func:`.classroom.default_max_sessions`); ``workers``: the
    worker processes the sessions train in (default: one per core, none on a single core).
    """
    import uvicorn

    from .security import is_loopback, local_addresses

    room = Classroom(host=host, max_sessions=max_sessions)
    shown = host
    if classroom and host in ("0.0.0.0", "::"):
        shown = next(iter(local_addresses()), host)  # the address a student's phone can reach
    url = _display_url(shown, port)
    if room.token:
        url += f"?token={room.token}"
    teacher_url = None
    if classroom:
        teacher_url = _display_url("127.0.0.1" if is_loopback(host) or host in ("0.0.0.0", "::") else shown, port)
        teacher_url += "teacher" + (f"?token={room.teacher_token}" if room.teacher_token else "")
        room.allowed_hosts.add(shown.lower())
    if workers is None:
        workers = default_workers() if default_workers() > 1 else 0
    app = create_app(classroom=room, student_url=url, workers=workers)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning",
                            lifespan="off", ws_max_size=MAX_MESSAGE_BYTES,
                            # compressing every frame (70 KB, most of it the base64 heatmap, which
                            # deflate barely shrinks) cost the server more than the training
                            ws_per_message_deflate=False)
    server = uvicorn.Server(config)
    threading.Thread(target=_announce_when_started, args=(server, url, open_browser, teacher_url), daemon=True).start()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    except SystemExit:  # uvicorn exits when it cannot bind the port
        if server.started:
            raise
    finally:
        if app.state.pool is not None:
            app.state.pool.stop()
    if not server.started:
        print(f"flambeau playground: could not start on {host}:{port}", flush=True)
        return 1
    print("flambeau playground: stopped", flush=True)
    return 0
