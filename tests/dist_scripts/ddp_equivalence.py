"""DDP on N ranks, each on 1/N of the global batch, ends with the weights of one process on the
whole batch (float64), for SGD, momentum and Adam, with and without no_sync accumulation; also
find_unused_parameters, SyncBatchNorm and a rank-0 checkpoint. Writes nothing unless all hold."""

import sys

import flambeau as torch
import flambeau.distributed as dist
from flambeau import nn
from flambeau.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
torch.set_default_dtype(torch.float64)
torch.manual_seed(0)
X, Y = torch.randn(16, 4), torch.randn(16, 1)


def make(seed: int = 1) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))


def optimizer(name: str, params):
    if name == "sgd":
        return torch.optim.SGD(params, lr=0.1)
    if name == "momentum":
        return torch.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True)
    return torch.optim.Adam(params, lr=0.01)


def max_diff(a: nn.Module, b: nn.Module) -> float:
    return max(float((p - q).abs().max()) for p, q in zip(a.parameters(), b.parameters()))


for name in ("sgd", "momentum", "adam"):
    for accum in (1, 2):
        ref = make()
        model = DDP(make(seed=1 if rank == 0 else 100 + rank))  # rank 0's weights are broadcast
        o_ref, o = optimizer(name, ref.parameters()), optimizer(name, model.parameters())
        for _ in range(6):
            o_ref.zero_grad()
            o.zero_grad()
            for m in range(accum):
                xb, yb = X[m * 8:(m + 1) * 8], Y[m * 8:(m + 1) * 8]
                ((ref(xb) - yb) ** 2).mean().div(accum).backward()
                xs, ys = xb[rank::world], yb[rank::world]
                if m < accum - 1:
                    with model.no_sync():
                        ((model(xs) - ys) ** 2).mean().div(accum).backward()
                else:
                    ((model(xs) - ys) ** 2).mean().div(accum).backward()
            o_ref.step()
            o.step()
        assert max_diff(ref, model.module) < 1e-9, (name, accum, max_diff(ref, model.module))


# a branch used by rank 0 only: find_unused_parameters averages what was used
class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 1)
        self.b = nn.Linear(4, 1)
        self.never = nn.Linear(4, 1)

    def forward(self, x, use_b):
        return self.a(x) + (self.b(x) if use_b else 0)


torch.manual_seed(3)
model = DDP(Branchy(), find_unused_parameters=True)
model(X[rank::world], use_b=(rank == 0)).sum().backward()
# reference: the average over ranks of each rank's gradient (zero where unused)
for p_name, p in model.module.named_parameters():
    if p_name.startswith("never"):
        assert p.grad is None, p_name
x0 = X[0::world]
want_b = x0.sum(0) / world
assert torch.allclose(model.module.b.weight.grad[0], want_b, atol=1e-12)

# SyncBatchNorm: statistics over every rank's batch = BatchNorm on the whole batch
torch.manual_seed(5)
bn_ref = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.Tanh(), nn.Linear(6, 1))
torch.manual_seed(5)
bn = DDP(nn.SyncBatchNorm.convert_sync_batchnorm(
    nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.Tanh(), nn.Linear(6, 1))))
assert isinstance(bn.module[1], nn.SyncBatchNorm)
o_ref = torch.optim.SGD(bn_ref.parameters(), lr=0.1)
o = torch.optim.SGD(bn.parameters(), lr=0.1)
for _ in range(4):
    o_ref.zero_grad()
    o.zero_grad()
    ((bn_ref(X) - Y) ** 2).mean().backward()
    ((bn(X[rank::world]) - Y[rank::world]) ** 2).mean().backward()
    o_ref.step()
    o.step()
assert max_diff(bn_ref, bn.module) < 1e-9, max_diff(bn_ref, bn.module)
assert torch.allclose(bn_ref[1].running_var, bn.module[1].running_var, atol=1e-12)

# checkpoint by rank 0 only, loadable without distributed
if rank == 0:
    torch.save(model.module.state_dict(), sys.argv[1])
dist.barrier()
print(f"rank {rank}: ddp ok")
