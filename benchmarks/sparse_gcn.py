"""Sparse tensors: one forward and backward pass of gcn/main.py's two-layer GCN on a Cora-sized
random graph (2708 nodes, 1433 binary features at Cora's density, 5429 edges plus self-loops,
hidden size 16, 7 classes, float32), on one thread: flambeau's sparse @ dense, PyTorch's, and the
same step in hand-written NumPy with dense matrices (what the sparsity saves)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np

from benchmarks._timing import cpu_ms_per_call, ratio_spread, rounds, spread

V, F, H, C, E = 2708, 1433, 16, 7, 5429


def _graph() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    feats = (rng.random((V, F)) < 0.0127).astype(np.float32)
    edges = rng.integers(0, V, (2, E))
    w1 = rng.standard_normal((F, H)).astype(np.float32)
    w2 = rng.standard_normal((H, C)).astype(np.float32)
    return feats, edges, w1, w2


def _step(lib, feats, edges, w1, w2):  # noqa: ANN001, ANN202 - flambeau or torch
    x = lib.tensor(feats).to_sparse()
    adj = (lib.eye(V) + lib.sparse_coo_tensor(lib.tensor(edges), lib.ones(E), (V, V), check_invariants=False)).to_sparse()
    p1 = lib.tensor(w1, requires_grad=True)
    p2 = lib.tensor(w2, requires_grad=True)

    def step() -> tuple:  # the gradients of w1 and w2 for a loss of sum()
        p1.grad = p2.grad = None
        h = lib.relu(lib.spmm(adj, lib.mm(x, p1)))
        lib.spmm(adj, lib.mm(h, p2)).sum().backward()
        return p1.grad, p2.grad

    return step


def _numpy_step(feats, edges, w1, w2):  # noqa: ANN001, ANN202
    adj = np.eye(V, dtype=np.float32)
    np.add.at(adj, tuple(edges), 1)

    def step() -> tuple:  # forward, then the gradients of w1 and w2 for a loss of sum()
        xw = feats @ w1
        h = np.maximum(adj @ xw, 0)
        g = np.ones((V, C), np.float32)
        ag = adj.T @ g
        dw2 = h.T @ ag
        dh = (ag @ w2.T) * (h > 0)
        return feats.T @ (adj.T @ dh), dw2

    return step


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        limits = contextlib.nullcontext()
    else:
        limits = threadpool_limits(limits=1, user_api="blas")
    try:
        with limits:
            yield
    finally:
        torch.set_num_threads(before)


def run() -> dict[str, list[float]]:
    import torch

    import flambeau

    data = _graph()
    steps = {"flambeau": _step(flambeau, *data), "PyTorch": _step(torch, *data),
             "NumPy (dense)": _numpy_step(*data)}
    with _one_thread():
        return rounds({k: (lambda s=s: cpu_ms_per_call(s, calls=5)) for k, s in steps.items()}, n=3)


def table(times: dict[str, list[float]]) -> str:
    out = ["| step (one thread, CPU time) | flambeau ms | PyTorch ms | NumPy, dense matrices ms | "
           "flambeau / PyTorch |", "|---|---:|---:|---:|---:|"]
    med = {k: spread(v)[1] for k, v in times.items()}
    out.append(f"| GCN forward + backward, Cora-sized | {med['flambeau']:.2f} | {med['PyTorch']:.2f} | "
               f"{med['NumPy (dense)']:.2f} | {ratio_spread(times['flambeau'], times['PyTorch'])} |")
    return "\n".join(out)


if __name__ == "__main__":
    print(table(run()))
