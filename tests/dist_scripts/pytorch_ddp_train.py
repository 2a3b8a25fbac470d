"""A PyTorch data-parallel training script, written for PyTorch (init_process_group,
DistributedSampler with set_epoch, a DDP-wrapped model, all_reduce for logging, a rank-0
checkpoint). The tests run it unchanged on flambeau (through an import shim) under
`flambeau run` and `mpiexec`, on one process, and on real PyTorch under torchrun."""

import os
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

out_path = sys.argv[1]
ddp = int(os.environ.get("RANK", -1)) != -1
if ddp:
    dist.init_process_group(backend="gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
else:
    rank, world = 0, 1
torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)
X = torch.tensor(rng.normal(size=(64, 5)))
Y = torch.tensor(rng.normal(size=(64, 1)))
model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 1))
with torch.no_grad():  # the same start under any library
    for p in model.parameters():
        p.copy_(torch.tensor(rng.normal(scale=0.3, size=tuple(p.shape))))
if ddp:
    model = DDP(model)
dataset = TensorDataset(X, Y)
sampler = DistributedSampler(dataset, shuffle=False) if ddp else None
loader = DataLoader(dataset, batch_size=16 // world, sampler=sampler, shuffle=False)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(3):
    if ddp:
        sampler.set_epoch(epoch)
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
    logged = loss.detach().clone()
    if ddp:
        dist.all_reduce(logged, op=dist.ReduceOp.SUM)
        logged /= world
    if rank == 0:
        print(f"epoch {epoch} loss {logged.item():.6f}")
raw = model.module if ddp else model
if rank == 0:
    np.savez(out_path, **{k: v.detach().numpy() for k, v in raw.state_dict().items()})
if ddp:
    dist.barrier()  # no rank tears down gloo while another still uses it (PyTorch aborts then)
    dist.destroy_process_group()
