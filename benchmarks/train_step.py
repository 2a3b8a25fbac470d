"""Training-step time with nn + optim, flambeau against PyTorch and hand-written NumPy in the same
run, and peak memory of one step (tracemalloc for flambeau and NumPy; PyTorch's CPU allocator is
not seen by tracemalloc). Each library runs with its default number of threads.

(a) the lecture's small network: 2-8-8-1, tanh, batch 10, MSE, SGD;
(b) an MNIST-sized MLP: 784-256-128-10, ReLU, batch 128, cross-entropy, SGD.
"""

from __future__ import annotations

import tracemalloc

import numpy as np

import flambeau

from ._timing import per_call_us, ratio_spread, rounds, sgd_step, spread

try:
    import torch
except ImportError:
    torch = None

CASES = {
    "a": dict(sizes=(2, 8, 8, 1), act="tanh", batch=10, loss="mse", label="2-8-8-1 tanh, batch 10, MSE"),
    "b": dict(sizes=(784, 256, 128, 10), act="relu", batch=128, loss="ce",
              label="784-256-128-10 ReLU, batch 128, cross-entropy"),
}
LR = 0.01


def _data(case, rng):
    x = rng.standard_normal((case["batch"], case["sizes"][0])).astype(np.float32)
    if case["loss"] == "mse":
        y = rng.standard_normal((case["batch"], 1)).astype(np.float32)
    else:
        y = rng.integers(0, case["sizes"][-1], case["batch"])
    return x, y


def _weights(case, rng):
    s = case["sizes"]
    return [((rng.uniform(-1, 1, (o, i)) / np.sqrt(i)).astype(np.float32), np.zeros(o, np.float32))
            for i, o in zip(s[:-1], s[1:])]


def _framework(lib, case, weights, x, y):
    layers = []
    for k, (w, b) in enumerate(weights):
        lin = lib.nn.Linear(w.shape[1], w.shape[0])
        with lib.no_grad():
            lin.weight.copy_(lib.tensor(w))
            lin.bias.copy_(lib.tensor(b))
        layers.append(lin)
        if k < len(weights) - 1:
            layers.append(lib.nn.Tanh() if case["act"] == "tanh" else lib.nn.ReLU())
    model = lib.nn.Sequential(*layers)
    loss_fn = lib.nn.MSELoss() if case["loss"] == "mse" else lib.nn.CrossEntropyLoss()
    return sgd_step(lib, model, loss_fn, x, y, LR)


def _numpy(case, weights, x, y):
    ws = [w.copy() for w, _ in weights]
    bs = [b.copy() for _, b in weights]
    act_tanh = case["act"] == "tanh"

    def step():
        acts = [x]
        h = x
        for k in range(len(ws)):
            h = h @ ws[k].T + bs[k]
            if k < len(ws) - 1:
                h = np.tanh(h) if act_tanh else np.maximum(h, 0)
            acts.append(h)
        n = h.shape[0]
        if case["loss"] == "mse":
            g = 2 * (h - y) / h.size
        else:
            e = np.exp(h - h.max(1, keepdims=True))
            p = e / e.sum(1, keepdims=True)
            p[np.arange(n), y] -= 1
            g = p / n
        for k in range(len(ws) - 1, -1, -1):
            if k < len(ws) - 1:
                a = acts[k + 1]
                g = g * (1 - a * a) if act_tanh else g * (a > 0)
            gw = g.T @ acts[k]
            gb = g.sum(0)
            g = g @ ws[k]
            ws[k] -= LR * gw
            bs[k] -= LR * gb

    return step


def _peak_bytes(step) -> int:
    step()
    tracemalloc.start()
    tracemalloc.reset_peak()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


ROUNDS = 5


def run() -> list[dict]:
    rows = []
    for key, case in CASES.items():
        rng = np.random.default_rng(0)
        weights = _weights(case, rng)
        x, y = _data(case, rng)
        fl = _framework(flambeau, case, weights, x, y)
        npy = _numpy(case, weights, x, y)
        cases = {"flambeau_us": lambda fl=fl: per_call_us(fl, repeat=3),
                 "numpy_us": lambda npy=npy: per_call_us(npy, repeat=3)}
        if torch is not None:
            th = _framework(torch, case, weights, x, y)
            cases["torch_us"] = lambda th=th: per_call_us(th, repeat=3)
        times = rounds(cases, ROUNDS)
        row = {"case": key, "label": case["label"], "times": times,
               "flambeau_peak": _peak_bytes(fl), "numpy_peak": _peak_bytes(npy)}
        row.update({k: spread(v)[1] for k, v in times.items()})  # the medians
        rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    lines = [f"Times in µs per step: the median of {ROUNDS} interleaved rounds (each the best of 3 "
             "timed loops); ratios within each round: median (min-max).", "",
             "| network | flambeau (µs/step) | PyTorch | NumPy by hand | flambeau / PyTorch | "
             "NumPy / PyTorch (the floor) | peak memory of a step: flambeau, NumPy |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        t = r.get("torch_us")
        tm = r["times"]
        mem = f"{r['flambeau_peak'] / 1024:.0f} KiB, {r['numpy_peak'] / 1024:.0f} KiB"
        if t:
            lines.append(
                f"| ({r['case']}) {r['label']} | {r['flambeau_us']:.1f} | {t:.1f} | {r['numpy_us']:.1f} | "
                f"{ratio_spread(tm['flambeau_us'], tm['torch_us'])} | "
                f"{ratio_spread(tm['numpy_us'], tm['torch_us'])} | {mem} |")
        else:
            lines.append(f"| ({r['case']}) {r['label']} | {r['flambeau_us']:.1f} | - | {r['numpy_us']:.1f} | - | - | "
                         f"{mem} |")
    return "\n".join(lines)
