"""``DistributedDataParallel``: the same model on every rank, gradients averaged during backward.

Each rank runs the model on its share of the batch. When ``backward`` has summed the gradient of
a parameter, a hook marks it ready; when every parameter of a *bucket* (a few MB of gradients) is
ready, the bucket is flattened and its all-reduce starts at once, without waiting, while backward
goes on with the earlier layers. When the last bucket has started, backward waits for them all and
writes the average back into each ``.grad``. The optimizer step that follows is then the same on
every rank, and so are the weights: the result of one process on the whole batch.

Buckets start in a fixed order (the reverse of ``parameters()``, roughly the order in which
backward finishes them) so that every rank issues the same collectives in the same order; they
travel on a communicator of their own, apart from the script's own collectives.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from ... import distributed as dist
from ...autograd.grad_mode import is_grad_enabled
from ...distributed.collectives import Work
from ...distributed.group import ProcessGroup, mpi, resolve
from ...tensor import Tensor, _make
from ..module import Module

_FIRST_BUCKET_BYTES = 1024 * 1024  # a small first bucket starts communicating early, as in PyTorch
_UNFINISHED = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error "
    "indicates that your module has parameters that were not used in producing loss. You can enable unused "
    "parameter detection by passing the keyword argument `find_unused_parameters=True` to "
    "`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
    "participate in calculating loss."
)


class _Bucket:
    """Parameters whose gradients are all-reduced together, as one flat array."""

    def __init__(self, params: list[Tensor]) -> None:
        self.params = params
        self.sizes = [p._data.size for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)
        self.dtype = params[0]._data.dtype
        self.buffer = np.zeros(int(self.offsets[-1]), dtype=self.dtype)
        self.work: Work | None = None

    def flatten(self, used: set[int]) -> None:
        for p, start, size in zip(self.params, self.offsets, self.sizes):
            view = self.buffer[start:start + size]
            if id(p) in used and p.grad is not None:
                view[...] = p.grad._data.reshape(-1)
            else:  # not used in this iteration on this rank: it contributes zeros
                view[...] = 0


class DistributedDataParallel(Module):
    r"""Data-parallel training: wrap the model once per rank, then train as usual.

    At construction the parameters and buffers of rank 0 are copied to every rank. During
    ``backward`` the gradients are averaged across ranks (bucketed all-reduce); with
    ``broadcast_buffers`` the buffers (BatchNorm's running statistics) of rank 0 are copied to the
    others before each forward. ``state_dict`` keys start with ``module.``, as in PyTorch.

    Args:
        module: the model.
        broadcast_buffers: copy rank 0's buffers before each forward (default True).
        process_group: the group to average over (default: every rank).
        bucket_cap_mb: size of a bucket of gradients, in MiB (default 25).
        find_unused_parameters: look, after each forward, for the parameters that did not take
            part in the output, and count them as ready (default False: every parameter must
            receive a gradient, else the next forward raises).
        init_sync: copy rank 0's parameters at construction (default True).

    Example::

        >>> dist.init_process_group("gloo")
        >>> model = DistributedDataParallel(nn.Linear(10, 1))
        >>> loss = model(x).pow(2).mean()
        >>> loss.backward()            # model.module.weight.grad is now the average over ranks
        >>> with model.no_sync():      # gradient accumulation: no communication
        ...     model(x2).sum().backward()
    """

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None, dim: int = 0,
                 broadcast_buffers: bool = True, init_sync: bool = True,
                 process_group: ProcessGroup | None = None, bucket_cap_mb: float | None = None,
                 find_unused_parameters: bool = False, check_reduction: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False, **kwargs: Any) -> None:
        super().__init__()
        pg = resolve(process_group)
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.static_graph = static_graph
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        object.__setattr__(self, "process_group", pg)
        # gradients travel on a communicator of their own: their order never mixes with the script's
        object.__setattr__(self, "_comm", pg.comm.Dup())
        params: list[Tensor] = []
        seen: set[int] = set()
        for p in module.parameters():
            if p.requires_grad and id(p) not in seen:
                seen.add(id(p))
                params.append(p)
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any "
                               "parameter that requires a gradient.")
        object.__setattr__(self, "_params", params)
        self._verify_same_model()
        if init_sync:
            self._broadcast([p for p in module.parameters()] + [b for b in module.buffers()])
        object.__setattr__(self, "_buckets", self._make_buckets(params))
        object.__setattr__(self, "_bucket_of", {id(p): k for k, b in enumerate(self._buckets) for p in b.params})
        object.__setattr__(self, "_hooks", [p.register_post_accumulate_grad_hook(self._grad_ready)
                                            for p in params])
        object.__setattr__(self, "_active", False)
        object.__setattr__(self, "_ready", set())
        object.__setattr__(self, "_used", set())
        object.__setattr__(self, "_next_bucket", 0)
        object.__setattr__(self, "comm_seconds", 0.0)  # time spent waiting for gradients (benchmarks)

    # ------------------------------------------------------------------ set-up
    def _verify_same_model(self) -> None:
        mine = [(tuple(p.shape), str(p.dtype)) for p in self._params]
        everyone = [None] * self.process_group.size()
        dist.all_gather_object(everyone, mine, group=self.process_group)
        for rank, theirs in enumerate(everyone):
            if len(theirs) != len(everyone[0]):
                raise RuntimeError(f"DDP expects same model across all ranks, but Rank {rank} has "
                                   f"{len(theirs)} params, while rank 0 has inconsistent {len(everyone[0])} params.")
            for i, (a, b) in enumerate(zip(everyone[0], theirs)):
                if a != b:
                    raise RuntimeError(f"DDP expects same model across all ranks, but parameter {i} has "
                                       f"shape {list(b[0])} ({b[1]}) on rank {rank} and {list(a[0])} ({a[1]}) "
                                       f"on rank 0.")

    def _broadcast(self, tensors: list[Tensor]) -> None:
        """Copy rank 0's values of ``tensors`` to every rank, one message per dtype."""
        if self.process_group.size() == 1:
            return
        root = 0
        by_dtype: dict[Any, list[Tensor]] = {}
        for t in tensors:
            by_dtype.setdefault(t._data.dtype, []).append(t)
        for dtype, group in by_dtype.items():
            flat = np.concatenate([t._data.reshape(-1) for t in group]).astype(dtype, copy=False)
            Work([self._comm.Ibcast(flat, root=root)], self.process_group, "DDP broadcast").wait()
            start = 0
            for t in group:
                n = t._data.size
                t._data[...] = flat[start:start + n].reshape(t._data.shape)
                bump = getattr(t, "_bump_version", None)
                if bump is not None:
                    bump()
                start += n

    def _make_buckets(self, params: list[Tensor]) -> list[_Bucket]:
        buckets: list[_Bucket] = []
        current: list[Tensor] = []
        size = 0
        cap = _FIRST_BUCKET_BYTES
        for p in reversed(params):  # the last layers finish their gradients first
            if current and (size + p._data.nbytes > cap or p._data.dtype != current[0]._data.dtype):
                buckets.append(_Bucket(current))
                current, size, cap = [], 0, self.bucket_bytes_cap
            current.append(p)
            size += p._data.nbytes
        if current:
            buckets.append(_Bucket(current))
        return buckets

    # ------------------------------------------------------------------ forward
    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if self._active and self._ready and not self.find_unused_parameters:
            raise RuntimeError(_UNFINISHED)  # the last backward left some parameters without gradient
        if self.broadcast_buffers and self.require_forward_param_sync:
            buffers = [b for b in self.module.buffers()]
            if buffers:
                self._broadcast(buffers)
        out = self.module(*inputs, **kwargs)
        if is_grad_enabled() and self.require_backward_grad_sync:
            self._start_iteration(out)
        else:
            object.__setattr__(self, "_active", False)
        return out

    def _start_iteration(self, out: Any) -> None:
        object.__setattr__(self, "_active", True)
        object.__setattr__(self, "_ready", set())
        object.__setattr__(self, "_next_bucket", 0)
        if self.find_unused_parameters:
            used = _reachable_leaves(out)
            object.__setattr__(self, "_used", {id(p) for p in self._params if id(p) in used})
            for p in self._params:
                if id(p) not in used:
                    self._mark_ready(p)
        else:
            object.__setattr__(self, "_used", {id(p) for p in self._params})

    # ------------------------------------------------------------------ backward
    def _grad_ready(self, param: Tensor) -> None:
        if self._active and self.require_backward_grad_sync:
            self._used.add(id(param))
            self._mark_ready(param)

    def _mark_ready(self, param: Tensor) -> None:
        if id(param) in self._ready:
            return
        self._ready.add(id(param))
        buckets = self._buckets
        # start every bucket that is complete, in bucket order (the same order on every rank)
        while self._next_bucket < len(buckets) and all(id(p) in self._ready for p in buckets[self._next_bucket].params):
            bucket = buckets[self._next_bucket]
            bucket.flatten(self._used)
            bucket.work = Work([self._comm.Iallreduce(mpi().IN_PLACE, bucket.buffer, mpi().SUM)],
                               self.process_group, "DDP gradient all_reduce")
            object.__setattr__(self, "_next_bucket", self._next_bucket + 1)
        if self._next_bucket == len(buckets):
            self._finish()

    def _finish(self) -> None:
        """Wait for every bucket and write the averaged gradients back."""
        world = self.process_group.size()
        globally_used = None
        if self.find_unused_parameters:
            mask = np.array([id(p) in self._used for p in self._params], dtype=np.int32)
            Work([self._comm.Iallreduce(mpi().IN_PLACE, mask, mpi().SUM)], self.process_group,
                 "DDP unused-parameter check").wait()
            globally_used = {id(p) for p, m in zip(self._params, mask) if m > 0}
        waited = time.perf_counter()
        for bucket in self._buckets:
            bucket.work.wait()
        object.__setattr__(self, "comm_seconds", self.comm_seconds + time.perf_counter() - waited)
        for bucket in self._buckets:
            bucket.work = None
            bucket.buffer /= world
            for p, start, size in zip(bucket.params, bucket.offsets, bucket.sizes):
                if globally_used is not None and id(p) not in globally_used:
                    continue  # no rank used it: its gradient stays as it was
                avg = bucket.buffer[start:start + size].reshape(p._data.shape)
                if p.grad is None:
                    p.grad = _make(avg.copy())
                else:
                    p.grad._data[...] = avg
        object.__setattr__(self, "_active", False)

    # ------------------------------------------------------------------ API
    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Gradient accumulation: inside, backward sums gradients locally without communicating;
        the first backward outside averages the accumulated gradients."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def _set_static_graph(self) -> None:
        self.static_graph = True

    def extra_repr(self) -> str:
        return ""


def _reachable_leaves(out: Any) -> set[int]:
    """ids of the leaf tensors that ``out`` (a tensor or a structure of tensors) depends on."""
    roots: list[Any] = []

    def collect(x: Any) -> None:
        if isinstance(x, Tensor):
            if x.grad_fn is not None:
                roots.append(x.grad_fn)
        elif isinstance(x, (list, tuple)):
            for v in x:
                collect(v)
        elif isinstance(x, dict):
            for v in x.values():
                collect(v)

    collect(out)
    leaves: set[int] = set()
    seen: set[int] = set()
    stack = roots
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        variable = getattr(node, "variable", None)
        if variable is not None:
            leaves.add(id(variable))
        edges = getattr(node, "edges", None)  # what backward follows (next_functions also shows
        for nxt, _ in (edges() if edges is not None else node.next_functions):  # fused nodes)
            stack.append(nxt)
    return leaves
