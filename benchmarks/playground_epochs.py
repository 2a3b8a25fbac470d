"""Playground speed: epochs per second of a session (circle, 250 training points, batch 10, the
playground's rule with flambeau's nn and optim), training alone, with the frame the page draws
after each epoch (the 100 x 100 heatmap and every neuron's 10 x 10 thumbnail), and with that
frame encoded as the JSON sent over the WebSocket; on one BLAS thread, as the server's worker
processes run.

Targets (a 2-core machine): the default 4-2 tanh network at least 30 epochs/s with its frames,
six layers of 8 neurons at least 10.

The last column plays as the server does with the speed control at 10: a slice of 10 epochs,
then the frame, encoded (at speed 1, the default, the page's own pace sets the frames and the
epochs: one epoch per frame drawn, as in the TensorFlow Playground).
"""

from __future__ import annotations

import json
import time

NETWORKS = {"4-2": [4, 2], "6x8": [8] * 6}
TARGETS = {"4-2": 30, "6x8": 10}
SPEED = 10  # epochs per frame while playing


def _epochs_per_second(session, work, min_time: float = 0.5, repeat: int = 3) -> float:
    """The best of ``repeat`` rates, each over at least ``min_time`` seconds of ``work()``."""
    work()  # warm up
    best = 0.0
    for _ in range(repeat):
        count, start = 0, time.perf_counter()
        while True:
            work()
            count += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        best = max(best, count / elapsed)
    return best


def run() -> list[dict]:
    import flambeau

    threads = flambeau.get_num_threads()
    # as the server's worker processes train (workers.py): a frame's 10,000-row products on one
    # BLAS thread; two made 6x8's frames 4-10x dearer on a busy machine (a helper thread waiting
    # for a core at every product)
    flambeau.set_num_threads(1)
    try:
        return _run()
    finally:
        flambeau.set_num_threads(threads)


def _run() -> list[dict]:
    from flambeau.playground import config as cfg
    from flambeau.playground.session import Session

    rows = []
    for name, shape in NETWORKS.items():
        session = Session(cfg.apply_changes(cfg.default_config(), {"networkShape": shape}), weight_seed=0)

        def train() -> None:
            session.train_epoch()

        def train_and_frame() -> None:
            session.train_epoch()
            session.frame()

        def train_frame_json() -> None:
            session.train_epoch()
            json.dumps(session.frame(), separators=(",", ":"), allow_nan=False)

        player = Session(cfg.apply_changes(cfg.default_config(), {"networkShape": shape, "speed": SPEED}),
                         weight_seed=0)
        player.chunk_seconds = 10.0  # a slice is the speed's epochs

        def play() -> None:  # one slice while playing, and its frame
            player.playing = True
            json.dumps(player.play_chunk(make_frame=True), separators=(",", ":"), allow_nan=False)

        rows.append({
            "network": name, "train_points": len(session.data.x_train),
            "train": _epochs_per_second(session, train),
            "with_frame": _epochs_per_second(session, train_and_frame),
            "with_json": _epochs_per_second(session, train_frame_json),
            "playing": SPEED * _epochs_per_second(player, play),
            "target": TARGETS[name],
        })
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| network (tanh, batch 10) | training points | training only (epochs/s) | + heatmap and thumbnails "
             f"| + JSON frame | playing at speed {SPEED} (a frame every {SPEED} epochs) | target with frames |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['network']} | {r['train_points']} | {r['train']:.0f} | {r['with_frame']:.0f} | "
                     f"{r['with_json']:.0f} | {r['playing']:.0f} | >= {r['target']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(run()))
