"""`make bench`: flambeau against PyTorch and hand-written NumPy, in the same run.

Prints Markdown tables (the README's performance section is pasted from them)."""

from __future__ import annotations

import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import ops_overhead, playground_epochs, train_step  # noqa: E402


def main() -> None:
    import numpy as np

    try:
        import torch

        tv = torch.__version__
        torch.set_num_threads(1)
    except ImportError:
        tv = "not installed"
    print(f"# flambeau benchmarks: Python {platform.python_version()}, NumPy {np.__version__}, "
          f"PyTorch {tv} (1 thread), {os.cpu_count()} CPUs\n")
    print("## Per-op overhead on tiny float32 tensors (µs per call, lower is better)\n")
    print(ops_overhead.table(ops_overhead.run()))
    print("\n## One training step with nn + optim.SGD (µs per step, lower is better)\n")
    print(train_step.table(train_step.run()))
    print("\n## Playground: epochs per second (circle, 250 training points, batch 10)\n")
    print(playground_epochs.table(playground_epochs.run()))


if __name__ == "__main__":
    main()
