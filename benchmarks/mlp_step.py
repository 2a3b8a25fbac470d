"""One training step of the lecture's small network, 2-8-8-1 with tanh, batch 10, squared
error, plain gradient descent: flambeau's autograd, PyTorch's, and the same step written by hand
in NumPy (forward, backward and update), all in the same run."""

from __future__ import annotations

import numpy as np

import flambeau

from ._timing import per_call_us

try:
    import torch
except ImportError:
    torch = None

SIZES = (2, 8, 8, 1)
BATCH = 10
LR = 0.03


def _init(rng):
    ws = [rng.uniform(-0.5, 0.5, (o, i)).astype(np.float32) for i, o in zip(SIZES[:-1], SIZES[1:])]
    bs = [np.full(o, 0.1, np.float32) for o in SIZES[1:]]
    x = rng.uniform(-6, 6, (BATCH, SIZES[0])).astype(np.float32)
    y = np.sign(x[:, :1] * x[:, 1:2]).astype(np.float32)
    return ws, bs, x, y


def _framework_step(lib, ws, bs, x, y):
    params = [lib.tensor(a, requires_grad=True) for pair in zip(ws, bs) for a in pair]
    xt, yt = lib.tensor(x), lib.tensor(y)

    def step():
        h = xt
        for k in range(0, len(params), 2):
            h = h @ params[k].T + params[k + 1]
            if k < len(params) - 2:
                h = h.tanh()
        loss = ((h - yt) ** 2).mean()
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss

    return step


def _numpy_step(ws, bs, x, y):
    ws = [w.copy() for w in ws]
    bs = [b.copy() for b in bs]

    def step():
        acts = [x]
        h = x
        for k, (w, b) in enumerate(zip(ws, bs)):
            h = h @ w.T + b
            if k < len(ws) - 1:
                h = np.tanh(h)
            acts.append(h)
        diff = h - y
        g = 2 * diff / diff.size
        for k in range(len(ws) - 1, -1, -1):
            if k < len(ws) - 1:
                g = g * (1 - acts[k + 1] ** 2)
            gw = g.T @ acts[k]
            gb = g.sum(0)
            g = g @ ws[k]
            ws[k] -= LR * gw
            bs[k] -= LR * gb
        return (diff ** 2).mean()

    return step


def run() -> dict:
    rng = np.random.default_rng(0)
    ws, bs, x, y = _init(rng)
    res = {"flambeau": per_call_us(_framework_step(flambeau, ws, bs, x, y)),
           "numpy": per_call_us(_numpy_step(ws, bs, x, y))}
    if torch is not None:
        torch.set_num_threads(1)
        res["torch"] = per_call_us(_framework_step(torch, ws, bs, x, y))
    return res
