"""`make bench`: flambeau against PyTorch and hand-written NumPy, in the same run.

Prints Markdown tables (the README's performance section is pasted from them)."""

from __future__ import annotations

import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import (  # noqa: E402
    conv_step,
    distributed_scaling,
    ops_overhead,
    playground_epochs,
    random_draws,
    seq_step,
    sparse_gcn,
    train_step,
)


def main() -> None:
    import numpy as np

    try:
        import torch

        tv = f"{torch.__version__} ({torch.get_num_threads()} threads)"
    except ImportError:
        tv = "not installed"
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i['internal_api']} {i['version']} ({i.get('architecture', '?')}, "
                         f"{i['num_threads']} threads)" for i in threadpool_info() if i["user_api"] == "blas")
    except ImportError:
        blas = "BLAS unknown (threadpoolctl not installed)"
    print(f"# flambeau benchmarks: Python {platform.python_version()}, NumPy {np.__version__} with {blas}, "
          f"PyTorch {tv}, {os.cpu_count()} CPUs\n")
    print("Each library runs with its default number of threads unless a column says otherwise.\n")
    print("## Per-op overhead on tiny float32 tensors (µs per call, lower is better)\n")
    print(ops_overhead.table(ops_overhead.run()))
    print("\n## One training step with nn + optim.SGD (µs per step, lower is better)\n")
    print(train_step.table(train_step.run()))
    print("\n## Playground: epochs per second (circle, 250 training points, batch 10)\n")
    print(playground_epochs.table(playground_epochs.run()))
    print("\n## Convolutions: one LeNet-5 training step (1x28x28, batch 64, SGD)\n")
    print(conv_step.table(conv_step.run()))
    print("\n## Sequence models: one training step of an LSTM language model and of a small GPT\n")
    print(seq_step.table(seq_step.run()))
    print("\n## Sparse tensors: gcn/main.py's GCN, forward and backward\n")
    print(sparse_gcn.table(sparse_gcn.run()))
    print("\n## Random numbers: PyTorch's streams, bit for bit (ms per call, lower is better)\n")
    print(random_draws.table(random_draws.run()))
    print("\n## Data-parallel: DistributedDataParallel on 1 and 2 processes (MPI, 1 BLAS thread each)\n")
    print(distributed_scaling.table(distributed_scaling.run()))


if __name__ == "__main__":
    main()
