"""Rank 1 fails (or sleeps, with --hang); the others must not wait forever."""

import sys
import time

import flambeau as torch
import flambeau.distributed as dist

dist.init_process_group("gloo", timeout=__import__("datetime").timedelta(seconds=3))
if dist.get_rank() == 1:
    if "--hang" in sys.argv:
        time.sleep(60)
    raise ValueError("boom on rank 1")
t = torch.ones(2)
dist.all_reduce(t)  # rank 0 waits here: the job must end anyway
print("unreachable")
