"""The playground's server for a class, in process (Starlette's TestClient, nothing bound): the
security headers and the Host check, the token of a non-loopback server, the session cap, the
teacher's page (students, pushed experiment, locks), training turns shared fairly, and the
memory returned."""

from __future__ import annotations

import asyncio
import json
import warnings

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

from flambeau.playground.classroom import Classroom, default_max_sessions  # noqa: E402
from flambeau.playground.scheduler import Scheduler, release_memory  # noqa: E402
from flambeau.playground.security import LOOPBACK_NAMES, host_name  # noqa: E402
from flambeau.playground.server import create_app  # noqa: E402

HOSTS = set(LOOPBACK_NAMES) | {"testserver"}


def _receive(ws, kind):
    while True:
        message = json.loads(ws.receive_text())
        if message["type"] == "frame":
            ws.send_text(json.dumps({"type": "ack", "frame": message["frame"]}))
        if message["type"] == kind:
            return message


def _send(ws, kind, **fields):
    ws.send_text(json.dumps({"type": kind, **fields}))


def test_security_headers_and_host_check():
    with TestClient(create_app(allowed_hosts=HOSTS)) as client:
        for path in ("/", "/static/js/main.js", "/api/health", "/static/missing.js"):
            r = client.get(path)
            csp = r.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert "default-src 'none'" in csp and "connect-src 'self' ws://testserver" in csp
            assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
        # a page of another site whose name points here (DNS rebinding) is refused
        r = client.get("/api/health", headers={"host": "evil.example:8000"})
        assert r.status_code == 400 and "nosniff" in r.headers["x-content-type-options"]
        # said in both languages (no page of ours has run to know the reader's)
        assert "text/html" in r.headers["content-type"] and "own address" in r.text and "propre adresse" in r.text
        with pytest.raises(WebSocketDisconnect):
            with client.websocket_connect("/ws", headers={"host": "evil.example"}) as ws:
                ws.receive_text()
        assert client.get("/api/health", headers={"host": "localhost:8000"}).status_code == 200
        # a mistyped address: a page in both languages, not the framework's English
        missing = client.get("/teacherz")
        assert missing.status_code == 404 and "no such page" in missing.text and "pas cette page" in missing.text
        assert "frame-ancestors 'none'" in missing.headers["content-security-policy"]
        assert client.get("/static/missing.js").status_code == 404
    assert host_name("[::1]:8000") == "::1" and host_name("127.0.0.1:80") == "127.0.0.1"
    assert host_name("Example.org") == "example.org"


def test_a_non_loopback_server_needs_its_token():
    room = Classroom(host="0.0.0.0", allowed_hosts=HOSTS)
    assert room.token and room.teacher_token and room.token != room.teacher_token
    with TestClient(create_app(classroom=room)) as client:
        refused = client.get("/")
        assert refused.status_code == 403 and "jeton" in refused.text and "token" in refused.text
        assert client.get(f"/?token={room.token}x").status_code == 403
        assert client.get("/static/js/main.js").status_code == 403
        ok = client.get(f"/?token={room.token}")
        assert ok.status_code == 200 and "HttpOnly" in ok.headers["set-cookie"]
        # the cookie carries the token to the scripts and the WebSocket
        assert client.get("/static/js/main.js").status_code == 200
        with client.websocket_connect("/ws") as ws:
            _send(ws, "hello", hash="")
            assert _receive(ws, "config")["config"]["dataset"] == "circle"
        # the students' token does not open the teacher's page
        assert client.get(f"/teacher?token={room.token}").status_code == 403
        assert client.get(f"/api/teacher/status?token={room.teacher_token}").status_code == 200
    with TestClient(create_app(classroom=room)) as client:  # the teacher's browser: its page's scripts load
        assert client.get("/static/js/teacher.js").status_code == 403
        assert client.get(f"/teacher?token={room.teacher_token}").status_code == 200
        assert client.get("/static/js/teacher.js").status_code == 200
        assert client.get("/static/style.css").status_code == 200
    with TestClient(create_app(classroom=Classroom(host="127.0.0.1", allowed_hosts=HOSTS))) as client:
        assert client.get("/").status_code == 200  # loopback: no token
        assert client.get("/teacher").status_code == 200


def test_the_session_cap_is_said_on_the_page():
    room = Classroom(max_sessions=2, allowed_hosts=HOSTS)
    assert default_max_sessions() >= 16
    with TestClient(create_app(classroom=room)) as client:
        with client.websocket_connect("/ws") as a, client.websocket_connect("/ws") as b:
            for ws in (a, b):
                _send(ws, "hello", hash="")
                _receive(ws, "config")
            assert client.get("/api/health").json()["sessions"] == 2
            with client.websocket_connect("/ws") as c:
                error = json.loads(c.receive_text())
                assert error["type"] == "error" and error["code"] == "session_full" and error["params"] == {"max": 2}
                with pytest.raises(WebSocketDisconnect) as closed:
                    c.receive_text()
                assert closed.value.code == 1013
        with client.websocket_connect("/ws") as again:  # the others left: room again
            _send(again, "hello", hash="")
            _receive(again, "config")


def test_teacher_pushes_an_experiment_and_locks_controls():
    room = Classroom(allowed_hosts=HOSTS)
    with TestClient(create_app(classroom=room, student_url="http://192.0.2.1:8000/?token=abc")) as client:
        with client.websocket_connect("/ws") as ws:
            _send(ws, "hello", hash="")
            _receive(ws, "config")
            _send(ws, "step")
            while _receive(ws, "frame")["epoch"] < 1:
                pass
            status = client.get("/api/teacher/status").json()
            assert status["connected"] == 1 and status["students"][0]["epoch"] == 1
            assert status["student_url"] == "http://192.0.2.1:8000/?token=abc"
            qr = client.get("/api/teacher/qr.svg")
            # a file an <img> can draw: the SVG namespace, a white background
            assert qr.status_code == 200 and "<svg xmlns=\"http://www.w3.org/2000/svg\"" in qr.text and "#fff" in qr.text
            # a bad experiment is refused with its code; a good one reaches every page
            bad = client.post("/api/teacher/experiment", json={"hash": "activation=bogus"})
            assert bad.status_code == 400 and bad.json()["code"] == "bad_value"
            pushed = client.post("/api/teacher/experiment",
                                 json={"hash": "http://x/#dataset=xor&networkShape=3&learningRate=0.1&lang=fr"})
            assert pushed.json()["students"] == 1
            message = _receive(ws, "teacher_experiment")
            assert "dataset=xor" in message["hash"] and "learningRate=0.1" in message["hash"]
            assert "lang=" not in message["hash"]  # the experiment, not the teacher's language
            # locks: hidden on the page, refused by the server, kept when the address is edited
            assert client.post("/api/teacher/locks", json={"locks": {"bogus": True}}).status_code == 400
            client.post("/api/teacher/locks", json={"locks": {"learningRate": True, "dataset": True}})
            config = _receive(ws, "config")["config"]
            assert config["learningRate_hide"] is True and config["dataset_hide"] is True
            for kind, fields in (("set", {"changes": {"learningRate": 3}}), ("add_point", {"x": 1, "y": 1, "label": 1}),
                                 ("clear_points", {}), ("upload_csv", {"text": "1,1,1\n"}),
                                 ("set", {"changes": {"dataset_hide": False}})):
                _send(ws, kind, **fields)
                error = _receive(ws, "error")
                assert error["code"] == "locked", (kind, error)
            _send(ws, "hello", hash="learningRate=10&dataset=spiral&activation=relu")
            config = _receive(ws, "config")
            assert config["config"]["learningRate"] == 0.1 and config["config"]["dataset"] == "xor"
            assert config["config"]["activation"] == "relu" and config["config"]["learningRate_hide"] is True
            assert "dataset=xor" in _receive(ws, "teacher_experiment")["hash"]  # told again after hello
            client.post("/api/teacher/locks", json={"locks": {}})
            assert _receive(ws, "config")["config"]["learningRate_hide"] is False
            _send(ws, "set", changes={"learningRate": 3})
            assert _receive(ws, "config")["config"]["learningRate"] == 3


def test_the_teacher_pushes_their_own_tab_in_one_click():
    room = Classroom(host="0.0.0.0", allowed_hosts=HOSTS)
    teacher = f"?token={room.teacher_token}"
    with TestClient(create_app(classroom=room)) as client:
        # no tab of the teacher's yet: the refusal's code says what to do
        refused = client.post(f"/api/teacher/experiment{teacher}", json={"from": "teacher_tab"})
        assert refused.status_code == 400 and refused.json()["code"] == "no_teacher_tab"
        client.get(f"/?token={room.token}")  # the student's cookie
        with client.websocket_connect("/ws") as student:
            _send(student, "hello", hash="")
            _receive(student, "config")
            client.get(f"/?token={room.teacher_token}")  # now the teacher's cookie
            with client.websocket_connect("/ws") as tab:
                _send(tab, "hello", hash="dataset=spiral", teacher=room.token)  # the students' token: no teacher
                _receive(tab, "config")
                assert client.get(f"/api/teacher/status{teacher}").json()["teacher_tab"] is False
                _send(tab, "hello", hash="dataset=spiral", teacher=room.teacher_token)
                _receive(tab, "config")
                status = client.get(f"/api/teacher/status{teacher}").json()
                assert status["teacher_tab"] is True and status["connected"] == 1 and len(status["students"]) == 1
                _send(tab, "set", changes={"learningRate": 0.3, "networkShape": [5]})
                _receive(tab, "config")
                pushed = client.post(f"/api/teacher/experiment{teacher}", json={"from": "teacher_tab"}).json()
                assert pushed["students"] == 1
                for part in ("dataset=spiral", "learningRate=0.3", "networkShape=5"):
                    assert part in pushed["hash"]
                assert _receive(student, "teacher_experiment")["hash"] == pushed["hash"]
                # the locks are the students': the teacher's tab keeps every control
                client.post(f"/api/teacher/locks{teacher}", json={"locks": {"learningRate": True}})
                assert _receive(student, "config")["config"]["learningRate_hide"] is True
                _send(tab, "set", changes={"learningRate": 1})
                config = _receive(tab, "config")["config"]
                assert config["learningRate"] == 1 and not config.get("learningRate_hide")
            # the teacher's tab closed: nothing to push from
            refused = client.post(f"/api/teacher/experiment{teacher}", json={"from": "teacher_tab"})
            assert refused.json()["code"] == "no_teacher_tab"


def test_a_cancelled_call_to_a_worker_leaves_no_reply_behind():
    """A page that leaves while its slice trains cancels the server's wait, not the exchange:
    the reply is still read, so the worker's next answer goes to the next caller. Only the
    configurations that changed travel back."""
    from flambeau.playground.workers import WorkerPool

    async def main() -> None:
        pool = WorkerPool(1)
        try:
            a, b = await pool.open(), await pool.open()
            await b.handle("hello", {"type": "hello", "hash": "dataset=xor"})
            assert b.config["dataset"] == "xor" and a.config["dataset"] == "circle"
            for _ in range(3):
                slice_ = asyncio.ensure_future(a.chunk(True))
                await asyncio.sleep(0.002)  # the request is written, the slice trains
                slice_.cancel()
                assert "dataset=xor" in await b.share_hash()  # b's answer, not a's frame
                texts, frame = await b.handle("step", {"type": "step"})
                assert frame > 0 and json.loads(texts[-1])["type"] == "frame"
            texts, _ = await a.chunk(True)
            assert a.epoch >= 1 and a.config["dataset"] == "circle"
            reply = await pool.workers[0].call(a.sid, "chunk", True)
            assert "config" not in reply["info"]  # unchanged since the last reply
        finally:
            pool.stop()

    asyncio.run(main())


def test_sessions_in_worker_processes():
    """With workers (the command line's default) every call goes to the session's process: the
    answers, playing by turns, Step while another plays, the teacher's push and locks, errors."""
    room = Classroom(allowed_hosts=HOSTS)
    app = create_app(classroom=room, workers=2)
    pool = app.state.pool
    try:
        with TestClient(app) as client:
            with client.websocket_connect("/ws") as a, client.websocket_connect("/ws") as b:
                _send(a, "hello", hash="networkShape=3&learningRate=0.1")
                assert _receive(a, "config")["config"]["networkShape"] == [3]
                _send(b, "hello", hash="dataset=xor", teacher="1")  # loopback: the teacher's tab
                _receive(b, "config")
                assert sorted(w.sessions for w in pool.workers) == [1, 1]  # one session each
                _send(a, "set", changes={"activation": "bogus"})
                assert _receive(a, "error")["code"] == "bad_value"
                _send(a, "play")
                _send(b, "play")
                epochs = {}
                for name, ws in (("a", a), ("b", b)):
                    while epochs.get(name, 0) < 3:
                        epochs[name] = _receive(ws, "frame")["epoch"]
                _send(b, "step")  # answered while a plays
                frame = _receive(b, "frame")
                while frame["playing"]:
                    frame = _receive(b, "frame")
                _send(a, "pause")
                while _receive(a, "frame")["playing"]:
                    pass
                status = client.get("/api/teacher/status").json()
                assert status["teacher_tab"] and status["students"][0]["epoch"] >= 3
                pushed = client.post("/api/teacher/experiment", json={"from": "teacher_tab"}).json()
                assert "dataset=xor" in pushed["hash"] and pushed["students"] == 1
                assert _receive(a, "teacher_experiment")["hash"] == pushed["hash"]
                client.post("/api/teacher/locks", json={"locks": {"learningRate": True}})
                assert _receive(a, "config")["config"]["learningRate_hide"] is True
                _send(a, "set", changes={"learningRate": 3})
                assert _receive(a, "error")["code"] == "locked"
            client.post("/api/teacher/locks", json={"locks": {}})
            # a worker that dies: its page is closed (it reconnects), the next page gets a new one
            with client.websocket_connect("/ws") as c:
                _send(c, "hello", hash="")
                _receive(c, "frame")  # after the config
                dead = next(w for w in pool.workers if w.sessions)
                dead.process.kill()
                dead.process.join(timeout=10)
                _send(c, "step")
                with pytest.raises(WebSocketDisconnect) as closed:
                    _receive(c, "frame")
                assert closed.value.code == 1013
            with client.websocket_connect("/ws") as c:
                _send(c, "hello", hash="")
                assert _receive(c, "config")["config"]["dataset"] == "circle"
            assert dead not in pool.workers and all(w.process.is_alive() for w in pool.workers)
    finally:
        pool.stop()
    assert [w.sessions for w in pool.workers] == [0, 0]
    assert not any(w.process.is_alive() for w in pool.workers)


def test_own_data_follows_the_dataset_hide_flag():
    with TestClient(create_app(allowed_hosts=HOSTS)) as client:
        with client.websocket_connect("/ws") as ws:
            _send(ws, "hello", hash="dataset_hide=true")
            _receive(ws, "config")
            for kind, fields in (("add_point", {"x": 1, "y": 1, "label": 1}), ("clear_points", {})):
                _send(ws, kind, **fields)
                assert _receive(ws, "error")["code"] == "locked"


def test_training_turns_go_round_robin():
    async def run() -> list[str]:
        scheduler = Scheduler(workers=1)
        order: list[str] = []

        async def player(name: str) -> None:
            for _ in range(4):
                await scheduler.train(lambda: order.append(name))

        await asyncio.gather(player("a"), player("b"), player("c"))
        assert scheduler.slices_run == 12
        return order

    order = asyncio.run(run())
    assert order == ["a", "b", "c"] * 4  # one slice each in turn: nobody starves


def test_playing_sessions_all_progress_and_step_is_answered():
    with TestClient(create_app(allowed_hosts=HOSTS)) as client:
        with client.websocket_connect("/ws") as a, client.websocket_connect("/ws") as b:
            for ws in (a, b):
                _send(ws, "hello", hash="networkShape=3")
                _receive(ws, "config")
            _send(a, "play")
            _send(b, "play")
            epochs = {}
            for name, ws in (("a", a), ("b", b)):
                while epochs.get(name, 0) < 3:
                    epochs[name] = _receive(ws, "frame")["epoch"]
            _send(a, "step")  # answered while b plays
            frame = _receive(a, "frame")
            while frame["playing"]:
                frame = _receive(a, "frame")
            _send(b, "pause")
            release_memory()


def test_the_classroom_address_is_printed_with_its_qr_code(capsys):
    from flambeau.playground.server import _announce_when_started

    class Started:
        started, should_exit = True, False

    _announce_when_started(Started(), "http://192.0.2.1:8000/?token=abc", False, "http://127.0.0.1:8000/teacher?token=xyz")
    out = capsys.readouterr().out
    assert "flambeau playground: http://192.0.2.1:8000/?token=abc" in out
    assert "teacher's page: http://127.0.0.1:8000/teacher?token=xyz" in out
    assert sum(ch in out for ch in "█▀▄") >= 2  # the QR code's blocks


def test_cli_classroom_options():
    from flambeau import cli

    args = cli.build_parser().parse_args(["playground", "--classroom", "--host", "0.0.0.0", "--max-sessions", "12"])
    assert args.classroom and args.host == "0.0.0.0" and args.max_sessions == 12


def test_the_load_test_runs(tmp_path):
    """``make loadtest``'s script, tiny (2 students, 3 s): it reports every figure (no threshold)."""
    import sys
    from pathlib import Path

    pytest.importorskip("websockets")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks import playground_load

    result = playground_load.run(students=2, seconds=3)
    assert result["errors"] == [] and result["sessions_measured"] <= 2
    assert result["rss_start_mb"] > 0 and result["rss_peak_mb"] >= result["rss_start_mb"]
    text = playground_load.table(result)
    assert "epochs per second per session" in text and "server RSS" in text
