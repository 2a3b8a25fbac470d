"""`make bench`: flambeau against PyTorch and hand-written NumPy, in the same run."""

from __future__ import annotations

import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import mlp_step, ops_overhead  # noqa: E402


def main() -> None:
    try:
        import torch

        tv = torch.__version__
    except ImportError:
        tv = "not installed"
    import numpy as np

    print(f"# flambeau benchmarks: Python {platform.python_version()}, NumPy {np.__version__}, "
          f"PyTorch {tv}, {os.cpu_count()} CPUs\n")
    print("## Per-op overhead on tiny float32 tensors (µs per call, lower is better)\n")
    print(ops_overhead.table(ops_overhead.run()))
    print("\n## One training step, 2-8-8-1 tanh MLP, batch 10, SGD (µs per step)\n")
    r = mlp_step.run()
    line = f"flambeau {r['flambeau']:.1f} µs, NumPy by hand {r['numpy']:.1f} µs"
    if "torch" in r:
        line += (f", PyTorch {r['torch']:.1f} µs; flambeau / PyTorch = {r['flambeau'] / r['torch']:.2f}x, "
                 f"flambeau / NumPy = {r['flambeau'] / r['numpy']:.2f}x")
    print(line)


if __name__ == "__main__":
    main()
