"""The playground's server in process (Starlette's TestClient): HTTP routes, the WebSocket
protocol (docs/playground-protocol.md), bad messages, flow control, and twenty sessions at once."""

from __future__ import annotations

import base64
import contextlib
import json
import warnings

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 and says so on import
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect

from flambeau.playground import server  # noqa: E402
from flambeau.playground.security import LOOPBACK_NAMES  # noqa: E402
from flambeau.playground.server import create_app as _create_app  # noqa: E402

TEST_HOSTS = set(LOOPBACK_NAMES) | {"testserver"}  # the test client's Host


def create_app(*args, **kwargs):
    return _create_app(*args, allowed_hosts=kwargs.pop("allowed_hosts", TEST_HOSTS), **kwargs)


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


class Socket:
    """A WebSocket of the test client speaking the protocol (acknowledging the frames it reads)."""

    def __init__(self, ws):
        self.ws = ws

    def send(self, kind, **fields):
        self.ws.send_text(json.dumps({"type": kind, **fields}))

    def receive(self, ack=True):
        message = json.loads(self.ws.receive_text())
        if ack and message["type"] == "frame":
            self.send("ack", frame=message["frame"])
        return message

    def until(self, kind, ack=True, skip=("frame",)):
        """The next message of type ``kind``, skipping frames (and acknowledging them)."""
        while True:
            message = self.receive(ack)
            if message["type"] == kind:
                return message
            assert message["type"] in skip, message

    def hello(self, hash_=""):
        self.send("hello", hash=hash_)
        config = self.until("config")
        frame = self.until("frame")
        return config, frame

    def error(self):
        message = self.receive()
        assert message["type"] == "error", message
        return message

    def paused(self):
        """Pause and return the pause's frame (the play loop may send one more before it)."""
        self.send("pause")
        while True:
            frame = self.until("frame")
            if not frame["playing"]:
                return frame


@contextlib.contextmanager
def connect(client):
    with client.websocket_connect("/ws") as ws:
        yield Socket(ws)


# ------------------------------------------------------------------ HTTP
def test_health_page_and_static_files(client, tmp_path):
    health = client.get("/api/health").json()
    assert health["ok"] is True and health["version"] and health["sessions"] >= 0
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert client.get("/static/index.html").status_code == 200
    assert client.get("/static/no-such-file.js").status_code == 404
    with TestClient(create_app(tmp_path)) as empty:
        assert empty.get("/").status_code == 404


def test_export_route(client):
    response = client.post("/api/export", json={"config": {"networkShape": "6,4", "dataset": "xor"},
                                                "framework": "pytorch"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/x-python")
    assert "import torch" in response.text and "playground_pytorch.py" in response.headers["content-disposition"]
    compile(response.text, "script.py", "exec")
    assert "import flambeau" in client.post("/api/export", json={"config": {}}).text
    for body, field in [({"config": {"learningRate": -1}}, "learningRate"), ({"framework": "jax"}, "framework"),
                        ({"config": [1]}, "config"), ([1, 2], None), ({"config": {"dataset": "custom"}}, "config")]:
        response = client.post("/api/export", json=body)
        assert response.status_code == 400 and response.json()["error"]
        assert response.json().get("field") == field
    assert client.post("/api/export", content=b"{not json").status_code == 400
    assert client.post("/api/export", content=b" " * (1024 * 1024 + 1)).status_code == 400


def parameters(frame):
    """A frame's weights, biases, gradients and deltas: per layer float64 bytes in base64, weights
    and gradients [to][from] with the layers' sizes in ``sizes`` -> arrays (None stays None)."""
    sizes = frame["sizes"]

    def layers(texts, matrix):
        if texts is None:
            return None
        arrays = [np.frombuffer(base64.b64decode(t), np.float64) for t in texts]
        return [a.reshape(sizes[i + 1], sizes[i]) if matrix else a for i, a in enumerate(arrays)]

    return {key: layers(frame[key], key in ("weights", "grads"))
            for key in ("weights", "biases", "grads", "bias_grads", "deltas")}


# ------------------------------------------------------------------ the WebSocket
def test_hello_answers_config_then_frame(client):
    with connect(client) as s:
        config, frame = s.hello("#activation=relu&networkShape=3&seed=0.5&unknownKey=1")
        assert config["config"]["activation"] == "relu" and config["config"]["networkShape"] == [3]
        assert config["hash"].startswith("activation=relu&") and "unknownKey" not in config["hash"]
        assert config["limits"]["max_layers"] == 10 and config["inputs"] == ["x", "y"]
        assert frame["epoch"] == 0 and frame["history_reset"] is True and len(frame["points"]["train"]) == 250
        heatmap = np.frombuffer(base64.b64decode(frame["heatmap"]), np.uint8)  # 8-bit codes
        assert heatmap.shape == (10000,)
        # a bad value: an error naming it, the rest applied
        s.send("hello", hash="noise=abc&dataset=xor")
        error = s.error()
        assert error["field"] == "noise" and "abc" in error["message"]
        assert s.until("config")["config"]["dataset"] == "xor"
        s.until("frame")


def test_training_messages(client):
    with connect(client) as s:
        s.hello()
        s.send("step")
        assert s.until("frame")["epoch"] == 1
        s.send("step", unit="batch")
        frame = s.until("frame")
        assert frame["epoch"] == 1 and len(frame["grads"]) == 3 and frame["sizes"] == [2, 4, 2, 1]
        s.send("set", changes={"learningRate": 0.1, "view": "backward"})
        config = s.until("config")
        assert config["config"]["learningRate"] == 0.1 and s.until("frame")["epoch"] == 1
        s.send("set", changes={"networkShape": [2, 2, 2]})
        s.until("config")
        frame = s.until("frame")
        assert frame["epoch"] == 0 and len(frame["weights"]) == 4
        s.send("set_weight", layer=1, to=0, **{"from": 1}, value=0.25)
        assert parameters(s.until("frame"))["weights"][0][0][1] == 0.25
        s.send("set_bias", layer=4, node=0, value=-0.5)
        assert parameters(s.until("frame"))["biases"][3][0] == -0.5
        s.send("node", id="2:1")
        node = s.until("node")
        assert node["id"] == "2:1" and len(base64.b64decode(node["grid"])) == 40000
        s.send("node", id=None)
        assert s.until("node")["grid"] is None
        s.send("reset")
        assert s.until("frame")["history_reset"] is True
        s.send("regenerate")
        seed = s.until("config")["config"]["seed"]
        assert seed != "0.12345" and "points" in s.until("frame")


def test_points_csv_weights_code_and_config_files(client):
    with connect(client) as s:
        s.hello()
        s.send("add_point", x=1.0, y=-2.0, label=1)
        assert s.until("config")["config"]["dataset"] == "custom"
        assert len(s.until("frame")["points"]["train"]) == 251
        s.send("clear_points")
        assert "points=" not in s.until("config")["hash"]  # an empty set travels as no points
        cleared = s.until("frame")
        assert cleared["points"] == {"train": [], "test": []} and cleared["no_data"] is True
        s.send("upload_csv", text="x,y,label\n1,1,1\n-1,-1,-1\n2,2,1\n-2,-2,-1\n")
        s.until("config")
        frame = s.until("frame")
        assert len(frame["points"]["train"]) + len(frame["points"]["test"]) == 4
        s.send("download_csv")
        csv = s.until("csv")
        assert csv["text"].startswith("x,y,label,split") and csv["filename"].endswith(".csv")
        s.send("export", framework="flambeau")
        code = s.until("code")
        assert code["framework"] == "flambeau" and "POINTS = [" in code["text"]
        s.send("get_weights")
        weights = s.until("weights")
        s.send("set_weight", layer=1, to=0, **{"from": 0}, value=3.0)
        s.until("frame")
        s.send("load_weights", data=weights["data"])
        assert parameters(s.until("frame"))["weights"][0][0][0] != 3.0
        s.send("get_config_json")
        text = s.until("config_json")["text"]
        s.send("set", changes={"activation": "sigmoid"})
        s.until("config")
        s.send("load_config_json", data=text)
        assert s.until("config")["config"]["activation"] == "tanh"
        s.until("frame")


BAD_MESSAGES = [
    ("not json", None),
    ("[1, 2, 3]", None),
    ('"hello"', None),
    ('{"no": "type"}', "type"),
    ('{"type": "fly"}', "type"),
    ('{"type": 7}', "type"),
    ('{"type": "set", "changes": [1]}', "changes"),
    ('{"type": "set", "changes": {"learningRate": "fast"}}', "learningRate"),
    ('{"type": "set", "changes": {"networkShape": "4,99"}}', "networkShape"),
    ('{"type": "set", "changes": {"unknown": 1}}', "unknown"),
    ('{"type": "set_weight", "layer": "1", "to": 0, "from": 0, "value": 1}', "layer"),
    ('{"type": "set_weight", "layer": 1, "to": 0, "from": 0}', "value"),
    ('{"type": "set_weight", "layer": 9, "to": 0, "from": 0, "value": 1}', "layer"),
    ('{"type": "set_weight", "layer": 1, "to": 0, "from": 0, "value": NaN}', "value"),
    ('{"type": "set_weight", "layer": 1, "to": 0, "from": 0, "value": 1e400}', "value"),
    ('{"type": "set_bias", "layer": 1, "node": 17, "value": 1}', "node"),
    ('{"type": "step", "unit": "century"}', "unit"),
    ('{"type": "ack", "frame": "x"}', "frame"),
    ('{"type": "add_point", "x": 9, "y": 0, "label": 1}', "x"),
    ('{"type": "add_point", "x": 0, "y": 0, "label": 5}', "label"),
    ('{"type": "node", "id": "9-9"}', "id"),
    ('{"type": "export", "framework": "cobol"}', "framework"),
    ('{"type": "upload_csv", "text": 5}', "text"),
    ('{"type": "upload_csv", "text": "' + "1,2,1\\n" * 5001 + '"}', "text"),
    ('{"type": "load_weights", "data": "%%% not base64"}', "data"),
    ('{"type": "load_weights", "data": "' + base64.b64encode(b"junk" * 10).decode() + '"}', "data"),
    ('{"type": "load_config_json", "data": "{nope"}', "data"),
    ('{"type": "set", "changes": ' + "[" * 100_000 + "]" * 100_000 + '}', None),
]


def test_bad_messages_get_errors_and_change_nothing(client):
    with connect(client) as s:
        config, frame = s.hello("networkShape=3,2")
        for text, field in BAD_MESSAGES:
            s.ws.send_text(text)
            error = s.error()
            assert error["message"] and error.get("field") == field, (text[:80], error)
            assert error["code"] != "invalid" and isinstance(error["params"], dict), (text[:80], error)
            if text.startswith('{"type": "set", "changes": {'):
                assert s.until("config")["config"] == config["config"]  # the kept configuration
        s.ws.send_bytes(b"\x00\x01")
        assert s.error()["message"] == "messages must be JSON text"
        s.send("step")
        after = s.until("frame")
        assert after["epoch"] == 1 and np.shape(parameters(after)["weights"][0]) == (3, 2)   # the session goes on


def test_oversized_messages_close_the_socket(client):
    with connect(client) as s:
        s.hello()
        s.ws.send_text("x" * (server.MAX_MESSAGE_BYTES + 1))
        with pytest.raises(WebSocketDisconnect) as info:
            s.ws.receive_text()
        assert info.value.code == 1009


def test_play_is_flow_controlled_by_acks(client):
    with connect(client) as s:
        s.hello()                                   # frame 1, acknowledged
        s.send("play")
        first = s.receive(ack=False)
        second = s.receive(ack=False)
        assert first["type"] == second["type"] == "frame" and first["playing"]
        assert second["epoch"] > first["epoch"]
        # two frames unacknowledged: the loop waits, and the next message is the answer to ours
        s.send("node", id="1:0")
        assert s.receive()["type"] == "node"
        s.send("ack", frame=second["frame"])
        third = s.receive()
        assert third["type"] == "frame" and third["frame"] == second["frame"] + 1
        frame = s.paused()
        s.send("step")
        assert s.until("frame")["epoch"] == frame["epoch"] + 1


def test_play_stops_on_its_stop_condition(client):
    with connect(client) as s:
        s.hello("stopEpochs=12&speed=5")
        s.send("play")
        frames = []
        while not frames or frames[-1]["playing"]:
            frames.append(s.until("frame"))
        assert frames[-1]["stopped"] == "epochs" and frames[-1]["epoch"] == 12
        epochs = [f["epoch"] for f in frames]
        assert all(0 < b - a <= 5 for a, b in zip([0, *epochs], epochs))   # at most `speed` per frame
        history = [point[0] for f in frames for point in f["history"]]
        assert history == list(range(1, 13))


def test_a_closed_socket_ends_its_session(client):
    before = client.get("/api/health").json()["sessions"]
    with connect(client) as s:
        s.hello()
        s.send("play")
        s.until("frame")
        assert client.get("/api/health").json()["sessions"] == before + 1
    assert client.get("/api/health").json()["sessions"] == before


def test_twenty_sessions_train_at_once_and_stay_responsive(client):
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(connect(client)) for _ in range(20)]
        for k, s in enumerate(sockets):
            s.hello(f"seed=0.{k:05d}&networkShape=4,4")
        for s in sockets:
            s.send("play")
        for _ in range(3):
            for s in sockets:
                assert s.until("frame")["playing"]
        assert client.get("/api/health").json()["sessions"] >= 20
        for k, s in enumerate(sockets):              # every session still answers while training
            s.send("node", id=f"1:{k % 4}")
        for k, s in enumerate(sockets):
            assert s.until("node")["id"] == f"1:{k % 4}"
        epochs = [s.paused()["epoch"] for s in sockets]
        assert min(epochs) >= 3


def test_pages_of_other_sites_cannot_open_a_session(client):
    with pytest.raises(WebSocketDisconnect) as info:
        with client.websocket_connect("/ws", headers={"origin": "http://evil.example"}) as ws:
            ws.receive_text()
    assert info.value.code == 1008
    with client.websocket_connect("/ws", headers={"origin": "http://testserver"}) as ws:
        Socket(ws).hello()


# ------------------------------------------------------------------ the command
def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_flambeau_playground_serves_and_stops_on_ctrl_c():
    import signal
    import subprocess
    import sys

    import httpx

    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "flambeau", "playground", "--port", str(port), "--no-browser"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.strip() == f"flambeau playground: http://127.0.0.1:{port}/"
        assert httpx.get(f"http://127.0.0.1:{port}/api/health").json()["ok"] is True
        assert "<html" in httpx.get(f"http://127.0.0.1:{port}/").text.lower()
        # the same port again: a clear failure, not a traceback
        busy = subprocess.run([sys.executable, "-m", "flambeau", "playground", "--port", str(port), "--no-browser"],
                              capture_output=True, text=True, timeout=60)
        assert busy.returncode == 1 and "could not start" in busy.stdout
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert "stopped" in out and "Traceback" not in err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_bug_in_a_handler_is_reported_and_the_session_goes_on(client, monkeypatch):
    def broken(session, message):
        raise RuntimeError("boom")

    monkeypatch.setitem(server.HANDLERS, "node", broken)
    with connect(client) as s:
        s.hello()
        s.send("node", id="1:0")
        error = s.error()
        assert error["code"] == "internal" and error["field"] is None and error["params"] == {}
        assert "boom" not in error["message"]  # the details are for the server's log
        s.send("step")
        assert s.until("frame")["epoch"] == 1


def test_a_page_that_leaves_while_answered_is_no_error(caplog):
    """A tab closed right after a message (the load test's pause, a student leaving): the answer
    meets a closing socket, which ends the connection quietly, not as a bug in the server's log."""
    import asyncio

    from flambeau.playground.classroom import Classroom
    from flambeau.playground.scheduler import Scheduler

    class ClosingSocket:
        async def send_text(self, text):
            raise server.SOCKET_GONE[-1]("Cannot call \"send\" once a close message has been sent.")

    async def main() -> None:
        scheduler = Scheduler(workers=1)
        connection = server.Connection(ClosingSocket(), Classroom(), scheduler)
        connection.session = await server.local_handle(scheduler)
        with pytest.raises(server.SOCKET_GONE):
            await connection.handle(json.dumps({"type": "pause"}))

    with caplog.at_level("DEBUG", logger="flambeau.playground"):
        asyncio.run(main())
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "WARNING")]


def test_frames_arrive_in_order_while_messages_interleave(client):
    with connect(client) as s:
        s.hello("speed=2")
        s.send("play")
        for k in range(10):
            s.send("set_weight", layer=1, to=k % 4, **{"from": 0}, value=0.1 * k)
            s.send("node", id="1:1")
        frames = []
        nodes = 0
        while nodes < 10 or len(frames) < 12:
            message = s.receive()
            if message["type"] == "frame":
                frames.append(message)
            else:
                assert message["type"] == "node"
                nodes += 1
        s.paused()
        numbers = [f["frame"] for f in frames]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
        epochs = [point[0] for f in frames for point in f["history"]]
        assert epochs == sorted(epochs)
