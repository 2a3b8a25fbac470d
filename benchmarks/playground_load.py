"""`make loadtest`: a class of students on one playground server, headless, on loopback.

Starts ``flambeau playground`` in its own process on 127.0.0.1 (a free port; ``--workers``
worker processes, default one per core), then drives N
WebSocket sessions as N browser tabs would: each opens the default experiment, presses play and
acknowledges every frame as soon as it arrives (a page acknowledges a frame once drawn). One more
session, not playing, presses Step every half second, as a student stepping through an epoch
while the others train. Bounded in time (``--seconds``), it prints per session epochs per
second and frames per second, the time between frames, the Step's answer time, and the
server's memory (RSS) before, at the peak and after the sessions leave.

    python benchmarks/playground_load.py --students 30 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree(pid: int) -> list[int]:
    """The process and its descendants (the server's worker processes)."""
    pids = [pid]
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            children = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
        except OSError:
            continue
        for child in children:
            pids += _tree(int(child))
    return pids


def _cpu_seconds(pid: int, tree: bool = True) -> float:
    """The user + system CPU time so far of the process and (``tree``) its worker processes."""
    total = 0.0
    for p in _tree(pid) if tree else [pid]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _rss_mb(pid: int) -> float:
    """The resident memory of the process and its worker processes, MB."""
    total = 0.0
    for p in _tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


async def _student(url: str, stop: float, results: list[dict]) -> None:
    import websockets

    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "hello", "hash": ""}))
        await ws.send(json.dumps({"type": "play"}))
        first = None
        frames, gaps, last = 0, [], None
        epoch = 0
        while time.monotonic() < stop:
            try:
                text = await asyncio.wait_for(ws.recv(), timeout=max(0.05, stop - time.monotonic()))
            except asyncio.TimeoutError:
                break
            message = json.loads(text)
            if message.get("type") == "error":
                results.append({"error": message.get("code")})
                return
            if message.get("type") != "frame" or not message.get("playing"):
                continue
            now = time.monotonic()
            await ws.send(json.dumps({"type": "ack", "frame": message["frame"]}))
            if first is None:
                first = (now, message["epoch"])
            else:
                frames += 1
                gaps.append(now - last)
            last, epoch = now, message["epoch"]
        await ws.send(json.dumps({"type": "pause"}))
        if first is not None and last is not None and last > first[0]:
            results.append({"epochs_s": (epoch - first[1]) / (last - first[0]),
                            "frames_s": frames / (last - first[0]), "gap_ms": 1000 * statistics.mean(gaps)})


async def _stepper(url: str, stop: float, latencies: list[float]) -> None:
    import websockets

    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "hello", "hash": ""}))
        epoch = -1
        while epoch < 0:  # the hello's answer: config, then the first frame
            message = json.loads(await ws.recv())
            epoch = message["epoch"] if message.get("type") == "frame" else epoch
        await asyncio.sleep(1.0)
        while time.monotonic() < stop - 1:
            start = time.monotonic()
            await ws.send(json.dumps({"type": "step", "unit": "epoch"}))
            while True:  # the Step's frame: one epoch more
                message = json.loads(await ws.recv())
                if message.get("type") == "frame":
                    await ws.send(json.dumps({"type": "ack", "frame": message["frame"]}))
                    if message["epoch"] > epoch:
                        epoch = message["epoch"]
                        break
            latencies.append(1000 * (time.monotonic() - start))
            await asyncio.sleep(0.5)


async def _drive(url: str, students: int, seconds: float) -> tuple[list[dict], list[float]]:
    stop = time.monotonic() + seconds
    results: list[dict] = []
    latencies: list[float] = []
    await asyncio.gather(*[_student(url, stop, results) for _ in range(students)], _stepper(url, stop, latencies))
    return results, latencies


def run(students: int = 30, seconds: float = 30.0, workers: int | None = None) -> dict:
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = [sys.executable, "-m", "flambeau.cli", "playground", "--host", "127.0.0.1",
               "--port", str(port), "--no-browser", "--max-sessions", str(students + 1)]
    if workers is not None:
        command += ["--workers", str(workers)]
    server = subprocess.Popen(command,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = server.stdout.readline()  # "flambeau playground: URL" once it listens
        if "http://" not in line:
            raise RuntimeError(f"the server did not start: {line}{server.stdout.read()}")
        rss_start = _rss_mb(server.pid)
        peak = [rss_start]
        cpu_start, wall_start = _cpu_seconds(server.pid), time.monotonic()
        own_start = _cpu_seconds(server.pid, tree=False)

        async def main() -> tuple[list[dict], list[float]]:
            async def watch() -> None:
                while True:
                    peak[0] = max(peak[0], _rss_mb(server.pid))
                    await asyncio.sleep(0.5)

            watcher = asyncio.create_task(watch())
            try:
                return await _drive(f"ws://127.0.0.1:{port}/ws", students, seconds)
            finally:
                watcher.cancel()

        results, latencies = asyncio.run(main())
        cpu_used, wall = _cpu_seconds(server.pid) - cpu_start, time.monotonic() - wall_start
        own_used = _cpu_seconds(server.pid, tree=False) - own_start
        time.sleep(3)  # the sessions are closed; the server gives their memory back
        rss_end = _rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    good = [r for r in results if "error" not in r]
    return {
        "students": students, "seconds": seconds, "cpus": os.cpu_count(), "sessions_measured": len(good),
        "workers": workers,
        "errors": [r["error"] for r in results if "error" in r],
        "epochs_s": [r["epochs_s"] for r in good], "frames_s": [r["frames_s"] for r in good],
        "gap_ms": [r["gap_ms"] for r in good], "step_ms": latencies,
        "rss_start_mb": rss_start, "rss_peak_mb": peak[0], "rss_end_mb": rss_end,
        "cpu_share": cpu_used / wall / (os.cpu_count() or 1), "load": os.getloadavg()[0],
        "server_process_share": own_used / cpu_used if cpu_used else float("nan"),
        # what the CPU the server got bought: epochs with frames per CPU-second, all sessions together
        "epochs_per_cpu_s": sum(r["epochs_s"] for r in good) * wall / cpu_used if cpu_used else float("nan"),
    }


def table(r: dict) -> str:
    def spread(values: list[float], fmt: str = ".1f") -> str:
        if not values:
            return "–"
        return f"{min(values):{fmt}} / {statistics.median(values):{fmt}} / {max(values):{fmt}}"

    rows = [
        ("sessions playing (measured)", f"{r['students']} ({r['sessions_measured']}), {r['cpus']} CPUs, {r['seconds']:g} s, "
         + ("the server's default workers" if r.get("workers") is None else f"{r['workers']} worker processes")),
        ("epochs per second per session (min / median / max)", spread(r["epochs_s"])),
        ("frames per second per session (min / median / max)", spread(r["frames_s"])),
        ("time between frames, ms (min / median / max)", spread(r["gap_ms"], ".0f")),
        ("Step answered, ms (min / median / max)", spread(r["step_ms"], ".0f")),
        ("share of the CPUs the server got (load average)", f"{100 * r['cpu_share']:.0f}% ({r['load']:.1f})"),
        ("epochs with frames per CPU-second, all sessions", f"{r['epochs_per_cpu_s']:.1f}"),
        ("of that CPU, the server's own process (sockets, passing frames on)",
         f"{100 * r['server_process_share']:.0f}%"),
        ("server RSS, MB: start / peak / after they left",
         f"{r['rss_start_mb']:.0f} / {r['rss_peak_mb']:.0f} / {r['rss_end_mb']:.0f}"),
    ]
    if r["errors"]:
        rows.append(("sessions refused", ", ".join(r["errors"])))
    return "| measure | value |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=None, help="the server's worker processes (default: its own)")
    args = parser.parse_args()
    print(f"## Playground under load: {args.students} students on loopback\n")
    print(table(run(args.students, args.seconds, args.workers)))


if __name__ == "__main__":
    main()
