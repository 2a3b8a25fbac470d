"""Drawing random numbers: flambeau (PyTorch's streams, in NumPy) against PyTorch and NumPy's own
generator, a million float32 numbers per call."""

from __future__ import annotations

import numpy as np

from benchmarks._timing import per_call_us, ratio

N = 1_000_000


def run() -> list[tuple[str, float, float | None, float]]:
    import flambeau as fl

    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    rows = []
    for name, ours, theirs, numpy in (
        ("rand(1_000_000)", lambda: fl.rand(N), lambda: torch.rand(N), lambda: rng.random(N, dtype=np.float32)),
        ("randn(1_000_000)", lambda: fl.randn(N), lambda: torch.randn(N),
         lambda: rng.standard_normal(N, dtype=np.float32)),
        ("randperm(60_000)", lambda: fl.randperm(60_000), lambda: torch.randperm(60_000),
         lambda: rng.permutation(60_000)),
    ):
        rows.append((name, per_call_us(ours, min_time=0.2, repeat=3),
                     per_call_us(theirs, min_time=0.2, repeat=3) if torch else None,
                     per_call_us(numpy, min_time=0.2, repeat=3)))
    return rows


def table(rows: list) -> str:
    out = ["| call | flambeau ms | PyTorch ms | NumPy (its own generator) ms | flambeau / PyTorch |",
           "|---|---:|---:|---:|---:|"]
    for name, ours, theirs, numpy in rows:
        out.append(f"| `{name}` | {ours / 1e3:.2f} | {theirs / 1e3 if theirs else float('nan'):.2f} | "
                   f"{numpy / 1e3:.2f} | {ratio(ours, theirs) if theirs else '-'} |")
    return "\n".join(out)


if __name__ == "__main__":
    print(table(run()))
