"""Every collective on 2+ ranks, checked on each rank (run by tests/test_distributed.py)."""

import os

import flambeau as torch
import flambeau.distributed as dist

assert os.environ["RANK"] == os.environ["OMPI_COMM_WORLD_RANK"]  # torchrun's names, set at import
dist.init_process_group("gloo")
r, w = dist.get_rank(), dist.get_world_size()
assert (r, w) == (int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])) and w >= 2
assert dist.is_initialized() and dist.get_backend() == "gloo"
total = w * (w + 1) / 2

for dtype in (torch.float32, torch.float64, torch.int64):
    t = torch.full((2, 3), r + 1, dtype=dtype)
    dist.all_reduce(t)
    assert t.dtype == dtype and (t == total).all(), t
for op, want in ((dist.ReduceOp.SUM, total), (dist.ReduceOp.AVG, total / w), (dist.ReduceOp.MAX, w),
                 (dist.ReduceOp.MIN, 1), (dist.ReduceOp.PRODUCT, float(__import__("math").factorial(w)))):
    t = torch.full((3,), float(r + 1))
    dist.all_reduce(t, op=op)
    assert torch.allclose(t, torch.full((3,), float(want))), (op, t)

# a non-contiguous tensor is written in place, the base sees it
base = torch.zeros(4, 4)
view = base[:, 1]
view += r + 1
dist.all_reduce(view)
assert (base[:, 1] == total).all() and (base[:, 0] == 0).all()

work = dist.all_reduce(torch.ones(2), async_op=True)
assert work.wait() and work.is_completed()

t = torch.arange(3.0) if r == 0 else torch.zeros(3)
dist.broadcast(t, src=0)
assert t.tolist() == [0.0, 1.0, 2.0]

parts = [torch.zeros(2) for _ in range(w)]
dist.all_gather(parts, torch.full((2,), float(r)))
assert [p.tolist() for p in parts] == [[float(k)] * 2 for k in range(w)]

out = torch.zeros(w, 2)
dist.all_gather_into_tensor(out, torch.full((2,), float(r)))
assert out[:, 0].tolist() == [float(k) for k in range(w)]

t = torch.full((2,), float(r + 1))
dist.reduce(t, dst=0)
assert t.tolist() == ([total] * 2 if r == 0 else [float(r + 1)] * 2)

out = torch.zeros(2)
dist.reduce_scatter(out, [torch.full((2,), float(r * 10 + k)) for k in range(w)])
assert out.tolist() == [float(sum(q * 10 + r for q in range(w)))] * 2

gathered = [torch.zeros(1) for _ in range(w)] if r == 0 else None
dist.gather(torch.tensor([float(r)]), gathered, dst=0)
if r == 0:
    assert [g.item() for g in gathered] == [float(k) for k in range(w)]

got = torch.zeros(1)
dist.scatter(got, [torch.tensor([float(k * 7)]) for k in range(w)] if r == 0 else None, src=0)
assert got.item() == r * 7

objects = [None] * w
dist.all_gather_object(objects, {"rank": r, "name": f"r{r}"})
assert objects == [{"rank": k, "name": f"r{k}"} for k in range(w)]
lst = [r, "from-rank"] if r == 1 else [None, None]
dist.broadcast_object_list(lst, src=1)
assert lst == [1, "from-rank"]

if r == 0:
    dist.send(torch.tensor([5.0, 6.0]), dst=1)
    dist.isend(torch.tensor([7.0]), dst=1, tag=3).wait()
elif r == 1:
    t = torch.zeros(2)
    assert dist.recv(t) == 0 and t.tolist() == [5.0, 6.0]
    t = torch.zeros(1)
    work = dist.irecv(t, src=0, tag=3)
    work.wait()
    assert t.item() == 7.0

g = dist.new_group([0, 1])
t = torch.ones(1)
dist.all_reduce(t, group=g)
assert t.item() == 2.0 and dist.get_world_size(g) == 2

try:
    dist.all_gather_into_tensor(torch.zeros(3), torch.zeros(2))
except ValueError as e:
    assert "world_size times input tensor size" in str(e)
else:
    raise AssertionError("expected a ValueError")
# gather/scatter: the list is given on the root only (PyTorch's texts).
for call, role in ((lambda lst: dist.gather(torch.zeros(1), lst, dst=0), "destination"),
                   (lambda lst: dist.scatter(torch.zeros(1), lst, src=0), "source")):
    name = "gather_list" if role == "destination" else "scatter_list"
    try:
        call(None if r == 0 else [torch.zeros(1)] * w)
    except ValueError as e:
        expected = (f"Argument ``{name}`` must be specified on {role} rank." if r == 0 else
                    f"Argument ``{name}`` must NOT be specified on non-{role} ranks.")
        assert str(e) == expected, (str(e), expected)
    else:
        raise AssertionError("expected a ValueError")
dist.barrier()
dist.destroy_process_group()
assert not dist.is_initialized()
print(f"rank {r}: collectives ok")
