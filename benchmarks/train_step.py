"""Training-step time with nn + optim, flambeau against PyTorch and hand-written NumPy in the same
run, and peak memory of one step (tracemalloc for flambeau and NumPy; PyTorch's CPU allocator is
not seen by tracemalloc). Each library runs with its default number of threads, then with one
thread each (NumPy's BLAS through threadpoolctl), timed in CPU time: on a busy machine the
default-threads wall-clock times mostly measure helper threads waiting for a core, the one-thread
CPU times the libraries' own work.

(a) the lecture's small network: 2-8-8-1, tanh, batch 10, MSE, SGD;
(b) an MNIST-sized MLP: 784-256-128-10, ReLU, batch 128, cross-entropy, SGD.

The same step compiled with ``flambeau.compile`` (recorded once, then its NumPy calls replayed:
the same results bit for bit) is timed beside eager flambeau.
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
            if k > 0:  # the input needs no gradient, as in the frameworks
                g = g @ ws[k]
            ws[k] -= LR * gw
            bs[k] -= LR * gb

    step.weights = list(zip(ws, bs))  # type: ignore[attr-defined]
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


def _timed(step, lib_threads: int | None, is_torch: bool):
    """A measure of ``step`` (µs per call) with the library on ``lib_threads`` threads (None:
    its default, timed by the wall clock; else timed in CPU time), the count restored after."""
    def measure() -> float:
        if lib_threads is None:
            return per_call_us(step, repeat=3)
        if is_torch:
            before = torch.get_num_threads()
            torch.set_num_threads(lib_threads)
            try:
                return per_call_us(step, repeat=3, cpu=True)
            finally:
                torch.set_num_threads(before)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=lib_threads, user_api="blas"):
            return per_call_us(step, repeat=3, cpu=True)
    return measure


def run() -> list[dict]:
    """One row per network and thread setting (each library's default, then one thread each);
    all its cases take turns in the same rounds."""
    rows = []
    for key, case in CASES.items():
        rng = np.random.default_rng(0)
        weights = _weights(case, rng)
        x, y = _data(case, rng)
        fl = _framework(flambeau, case, weights, x, y)
        flc = flambeau.compile(_framework(flambeau, case, weights, x, y))
        for _ in range(4):  # eager, recorded, checked: replayed from then on
            flc()
        npy = _numpy(case, weights, x, y)
        th = _framework(torch, case, weights, x, y) if torch is not None else None
        cases = {}
        for tag, n in (("", None), ("_1t", 1)):
            cases["flambeau_us" + tag] = _timed(fl, n, False)
            cases["compiled_us" + tag] = _timed(flc, n, False)
            cases["numpy_us" + tag] = _timed(npy, n, False)
            if th is not None:
                cases["torch_us" + tag] = _timed(th, n, True)
        times = rounds(cases, ROUNDS)
        peaks = {"flambeau_peak": _peak_bytes(fl), "numpy_peak": _peak_bytes(npy)}
        for tag, threads in (("", "default threads"), ("_1t", "1 thread each, CPU time")):
            t = {k[:-len(tag)] if tag else k: v for k, v in times.items()
                 if (k.endswith(tag) if tag else not k.endswith("_1t"))}
            row = {"case": key, "label": case["label"], "threads": threads, "times": t, **peaks}
            row.update({k: spread(v)[1] for k, v in t.items()})  # the medians
            rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    lines = [f"Times in µs per step: the median of {ROUNDS} interleaved rounds (each the best of 3 "
             "timed loops); ratios within each round: median (min-max).", "",
             "| network | threads | flambeau (µs/step) | flambeau.compile | PyTorch | NumPy by hand | "
             "flambeau / PyTorch | compiled / PyTorch | NumPy / PyTorch (the floor) | "
             "peak memory of a step: flambeau, NumPy |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        t = r.get("torch_us")
        tm = r["times"]
        mem = f"{r['flambeau_peak'] / 1024:.0f} KiB, {r['numpy_peak'] / 1024:.0f} KiB"
        head = f"| ({r['case']}) {r['label']} | {r['threads']} | {r['flambeau_us']:.1f} | {r['compiled_us']:.1f} |"
        if t:
            lines.append(
                f"{head} {t:.1f} | {r['numpy_us']:.1f} | {ratio_spread(tm['flambeau_us'], tm['torch_us'])} | "
                f"{ratio_spread(tm['compiled_us'], tm['torch_us'])} | "
                f"{ratio_spread(tm['numpy_us'], tm['torch_us'])} | {mem} |")
        else:
            lines.append(f"{head} - | {r['numpy_us']:.1f} | - | - | - | {mem} |")
    return "\n".join(lines)
