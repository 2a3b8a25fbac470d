"""Collective communication on tensors, with ``torch.distributed``'s names and semantics.

Each collective starts a non-blocking MPI operation on the tensor's values and returns a
:class:`Work` (``async_op=True``) or waits for it. Waiting polls MPI and gives up after the group's
``timeout`` with a :class:`DistBackendError`, so a rank that never arrives stops the job instead
of hanging it. Results are written into the tensors in place, as PyTorch does.
"""

from __future__ import annotations

import datetime
import pickle
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _trace
from ..tensor import Tensor
from .group import GroupMember, ProcessGroup, RedOpType, ReduceOp, mpi, resolve


class DistError(RuntimeError):
    """An error of the distributed package (PyTorch's ``torch.distributed.DistError``)."""


class DistBackendError(DistError):
    """The communication itself failed (a timeout, a rank that left)."""


def _mpi_op(op: Any) -> Any:
    MPI = mpi()
    if isinstance(op, ReduceOp):
        op = op.op
    table = {RedOpType.SUM: MPI.SUM, RedOpType.AVG: MPI.SUM, RedOpType.PRODUCT: MPI.PROD,
             RedOpType.MIN: MPI.MIN, RedOpType.MAX: MPI.MAX, RedOpType.BAND: MPI.BAND,
             RedOpType.BOR: MPI.BOR, RedOpType.BXOR: MPI.BXOR}
    try:
        return table[RedOpType(int(op))]
    except (KeyError, ValueError, TypeError):
        raise ValueError(f"unknown reduce operation {op!r}: use dist.ReduceOp.SUM, AVG, PRODUCT, MIN or MAX") from None


def _seconds(timeout: Any) -> float:
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    return float(timeout)


class Work:
    """A collective in flight: ``wait()`` blocks until it is done (and raises on timeout),
    ``is_completed()`` asks without blocking."""

    def __init__(self, requests: list, pg: ProcessGroup, what: str,
                 finish: Callable[[], Any] | None = None) -> None:
        self._requests = requests
        self._pg = pg
        self._what = what
        self._finish = finish
        self._done = False
        self._result: Any = None
        self._statuses: list | None = None  # filled by MPI where the source must be known
        tracer = _trace.active()
        if tracer is not None:  # a flambeau.compile replay would skip it: the function stays eager
            tracer.note(f"a collective communication ({what})")

    def _complete(self) -> None:
        self._done = True
        self._requests = []
        if self._finish is not None:
            self._result = self._finish()

    def is_completed(self) -> bool:
        if not self._done and mpi().Request.Testall(self._requests, self._statuses):
            self._complete()
        return self._done

    def is_success(self) -> bool:
        return self.is_completed()

    def wait(self, timeout: Any = None) -> bool:
        if self._done:
            return True
        limit = _seconds(self._pg.timeout if timeout is None else timeout)
        Request = mpi().Request
        deadline = time.monotonic() + limit
        pause = 0.0
        while not Request.Testall(self._requests, self._statuses):
            if time.monotonic() > deadline:
                raise DistBackendError(
                    f"[Rank {GroupMember.WORLD.rank() if GroupMember.WORLD else '?'}] {self._what} timed "
                    f"out after {limit * 1000:.0f} ms: another rank did not reach the same collective "
                    f"(it failed, or runs different code). The job is stopped.")
            if pause:
                time.sleep(pause)
            pause = min(pause * 2 or 1e-6, 1e-3)
        self._complete()
        return True

    def result(self) -> Any:
        self.wait()
        return self._result

    def get_future(self) -> Any:
        return self


def _check_tensor(t: Any, name: str = "tensor") -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type torch.Tensor\n"
                        f"             but got {type(t)} instead.")
    return t


def _buffer(t: Tensor) -> np.ndarray:
    """A contiguous array MPI can read and write: the tensor's own when it is contiguous."""
    data = t._data
    if data.flags.c_contiguous and data.flags.writeable:
        return data
    return np.ascontiguousarray(data)


def _store(t: Tensor, values: np.ndarray) -> None:
    """Write ``values`` into ``t`` in place (an in-place write, as PyTorch's collectives do)."""
    if values is not t._data:
        np.copyto(t._data, values.reshape(t._data.shape), casting="unsafe")
    bump = getattr(t, "_bump_version", None)
    if bump is not None:
        bump()


def _run(requests: list, pg: ProcessGroup, what: str, finish: Callable | None, async_op: bool) -> Work | None:
    work = Work(requests, pg, what, finish)
    if async_op:
        return work
    work.wait()
    return None


def _root(pg: ProcessGroup, rank: int | None, group_rank: int | None, arg: str) -> int:
    if rank is not None and group_rank is not None:
        raise ValueError(f"Can not specify both {arg} and group_{arg}")
    if group_rank is not None:
        return int(group_rank)
    if rank is None:
        raise ValueError(f"Must specify either {arg} or group_{arg}")
    return pg.group_rank(int(rank))


def all_reduce(tensor: Tensor, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Combine ``tensor`` across all ranks with ``op``; every rank gets the result in place.

    Example::

        >>> t = torch.ones(2) * (dist.get_rank() + 1)   # on 2 ranks: [1, 1] and [2, 2]
        >>> dist.all_reduce(t)                         # both: [3, 3]
    """
    _check_tensor(tensor)
    pg = resolve(group)
    MPI = mpi()
    buf = _buffer(tensor)
    req = pg.comm.Iallreduce(MPI.IN_PLACE, buf, _mpi_op(op))
    average = int(op.op if isinstance(op, ReduceOp) else op) == RedOpType.AVG

    def finish() -> None:
        if average:
            np.divide(buf, pg.size(), out=buf, casting="unsafe")
        _store(tensor, buf)

    return _run([req], pg, "all_reduce", finish, async_op)


def broadcast(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None,
              async_op: bool = False, group_src: int | None = None) -> Work | None:
    """Copy rank ``src``'s ``tensor`` into the ``tensor`` of every rank."""
    _check_tensor(tensor)
    pg = resolve(group)
    root = _root(pg, src, group_src, "src")
    buf = _buffer(tensor)
    req = pg.comm.Ibcast(buf, root=root)
    return _run([req], pg, "broadcast", lambda: _store(tensor, buf), async_op)


def reduce(tensor: Tensor, dst: int | None = None, op: Any = ReduceOp.SUM,
           group: ProcessGroup | None = None, async_op: bool = False,
           group_dst: int | None = None) -> Work | None:
    """Combine ``tensor`` across ranks with ``op``; only rank ``dst`` receives the result."""
    _check_tensor(tensor)
    pg = resolve(group)
    root = _root(pg, dst, group_dst, "dst")
    buf = _buffer(tensor)
    is_root = pg.rank() == root
    out = np.empty_like(buf) if is_root else None
    req = pg.comm.Ireduce(buf, out, op=_mpi_op(op), root=root)
    average = int(op.op if isinstance(op, ReduceOp) else op) == RedOpType.AVG

    def finish() -> None:
        if is_root:
            if average:
                np.divide(out, pg.size(), out=out, casting="unsafe")
            _store(tensor, out)

    return _run([req], pg, "reduce", finish, async_op)


def _same_shapes(tensors: list, like: Tensor, what: str) -> None:
    for t in tensors:
        _check_tensor(t, "tensor_list")
        if t._data.shape != like._data.shape or t._data.dtype != like._data.dtype:
            raise ValueError(f"{what}: every tensor must have the input's shape {list(like.shape)} and dtype "
                             f"{like.dtype}, got shape {list(t.shape)} and dtype {t.dtype}")


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Every rank receives every rank's ``tensor``: ``tensor_list[r]`` gets rank r's."""
    _check_tensor(tensor)
    pg = resolve(group)
    if len(tensor_list) != pg.size():
        raise ValueError(f"all_gather: tensor_list must hold world_size={pg.size()} tensors, got {len(tensor_list)}")
    _same_shapes(tensor_list, tensor, "all_gather")
    send = _buffer(tensor)
    recv = np.empty((pg.size(),) + send.shape, dtype=send.dtype)
    req = pg.comm.Iallgather(send, recv)

    def finish() -> None:
        for r, t in enumerate(tensor_list):
            _store(t, recv[r])

    return _run([req], pg, "all_gather", finish, async_op)


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: ProcessGroup | None = None,
                           async_op: bool = False) -> Work | None:
    """Gather every rank's ``input_tensor`` into one tensor, stacked or concatenated along the
    first dimension (``output_tensor`` holds world_size times as many elements)."""
    _check_tensor(output_tensor, "output_tensor")
    _check_tensor(input_tensor, "input_tensor")
    pg = resolve(group)
    if output_tensor.numel() != input_tensor.numel() * pg.size():
        raise ValueError("output tensor size must be equal to world_size times input tensor size")
    if output_tensor._data.dtype != input_tensor._data.dtype:
        raise ValueError("output tensor must have the same type as input tensor")
    send = _buffer(input_tensor)
    recv = np.empty(output_tensor._data.size, dtype=send.dtype)
    req = pg.comm.Iallgather(send, recv)
    return _run([req], pg, "all_gather_into_tensor", lambda: _store(output_tensor, recv), async_op)


def reduce_scatter(output: Tensor, input_list: list[Tensor], op: Any = ReduceOp.SUM,
                   group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Combine ``input_list`` across ranks with ``op``; rank r receives the r-th result."""
    _check_tensor(output, "output")
    pg = resolve(group)
    if len(input_list) != pg.size():
        raise ValueError(f"reduce_scatter: input_list must hold world_size={pg.size()} tensors, got {len(input_list)}")
    _same_shapes(input_list, output, "reduce_scatter")
    send = np.ascontiguousarray(np.stack([t._data for t in input_list]))
    recv = np.empty_like(send[0])
    req = pg.comm.Ireduce_scatter_block(send, recv, op=_mpi_op(op))
    average = int(op.op if isinstance(op, ReduceOp) else op) == RedOpType.AVG

    def finish() -> None:
        if average:
            np.divide(recv, pg.size(), out=recv, casting="unsafe")
        _store(output, recv)

    return _run([req], pg, "reduce_scatter", finish, async_op)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: Any = ReduceOp.SUM,  # noqa: A002
                          group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    pg = resolve(group)
    if input.numel() != output.numel() * pg.size():
        raise ValueError("input tensor must be the same size as output size times world size")
    from ..ops.creation import from_numpy
    flat = np.ascontiguousarray(input._data).reshape(pg.size(), -1)
    parts = [from_numpy(flat[r].reshape(output._data.shape)) for r in range(pg.size())]
    return reduce_scatter(output, parts, op, group, async_op)


def _rooted(tensor: Tensor, tensors: list[Tensor] | None, group: ProcessGroup | None,
            rank: int | None, group_rank: int | None, what: str) -> tuple[ProcessGroup, int, bool]:
    """Check the arguments of ``gather``/``scatter``: the list of tensors is given on the root
    only, one per rank, each like ``tensor``. Returns (group, root's group rank, am I the root)."""
    _check_tensor(tensor)
    pg = resolve(group)
    arg, role = ("dst", "destination") if what == "gather" else ("src", "source")
    if rank is None and group_rank is None:
        rank = 0
    root = _root(pg, rank, group_rank, arg)
    is_root = pg.rank() == root
    if is_root:
        if not tensors:
            raise ValueError(f"Argument ``{what}_list`` must be specified on {role} rank.")
        if len(tensors) != pg.size():
            raise ValueError(f"{what}: ``{what}_list`` must hold world_size={pg.size()} tensors, "
                             f"got {len(tensors)}")
        _same_shapes(tensors, tensor, what)
    elif tensors:
        raise ValueError(f"Argument ``{what}_list`` must NOT be specified on non-{role} ranks.")
    return pg, root, is_root


def gather(tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int | None = None,
           group: ProcessGroup | None = None, async_op: bool = False,
           group_dst: int | None = None) -> Work | None:
    """Rank ``dst`` receives every rank's ``tensor`` in ``gather_list``."""
    pg, root, is_root = _rooted(tensor, gather_list, group, dst, group_dst, "gather")
    send = _buffer(tensor)
    recv = np.empty((pg.size(),) + send.shape, dtype=send.dtype) if is_root else None
    req = pg.comm.Igather(send, recv, root=root)

    def finish() -> None:
        if is_root:
            for r, t in enumerate(gather_list):
                _store(t, recv[r])

    return _run([req], pg, "gather", finish, async_op)


def scatter(tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int | None = None,
            group: ProcessGroup | None = None, async_op: bool = False,
            group_src: int | None = None) -> Work | None:
    """Rank ``src`` sends ``scatter_list[r]`` to rank r, which receives it in ``tensor``."""
    pg, root, is_root = _rooted(tensor, scatter_list, group, src, group_src, "scatter")
    send = np.ascontiguousarray(np.stack([t._data for t in scatter_list])) if is_root else None
    recv = np.empty_like(_buffer(tensor))
    req = pg.comm.Iscatter(send, recv, root=root)
    return _run([req], pg, "scatter", lambda: _store(tensor, recv), async_op)


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids: Any = None,
            timeout: datetime.timedelta | None = None) -> Work | None:
    """Wait until every rank of ``group`` reaches the barrier."""
    pg = resolve(group)
    work = Work([pg.comm.Ibarrier()], pg, "barrier")
    if async_op:
        return work
    work.wait(timeout)
    return None


def monitored_barrier(group: ProcessGroup | None = None, timeout: Any = None,
                      wait_all_ranks: bool = False) -> None:
    barrier(group, timeout=timeout)


# ------------------------------------------------------------------ point to point
def _tag(tag: int) -> int:
    return int(tag) % 32767  # MPI guarantees tags up to 32767


def isend(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_dst: int | None = None) -> Work:
    """Send ``tensor`` to rank ``dst`` without waiting; ``wait()`` on the result."""
    _check_tensor(tensor)
    pg = resolve(group)
    peer = _root(pg, dst, group_dst, "dst")
    buf = np.ascontiguousarray(tensor._data).copy()
    return Work([pg.comm.Isend(buf, dest=peer, tag=_tag(tag))], pg, "send")


def irecv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_src: int | None = None) -> Work:
    """Receive into ``tensor`` from rank ``src`` (any rank when ``None``) without waiting."""
    _check_tensor(tensor)
    pg = resolve(group)
    MPI = mpi()
    peer = MPI.ANY_SOURCE if src is None and group_src is None else _root(pg, src, group_src, "src")
    buf = np.empty_like(_buffer(tensor))
    req = pg.comm.Irecv(buf, source=peer, tag=_tag(tag))
    statuses = [MPI.Status()]

    def finish() -> int:
        _store(tensor, buf)
        return pg.ranks[statuses[0].Get_source()]

    work = Work([req], pg, "recv", finish)
    work._statuses = statuses
    return work


def send(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_dst: int | None = None) -> None:
    isend(tensor, dst, group, tag, group_dst).wait()


def recv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_src: int | None = None) -> int:
    """Receive into ``tensor``; returns the rank it came from."""
    work = irecv(tensor, src, group, tag, group_src)
    work.wait()
    return work._result


# ------------------------------------------------------------------ Python objects
def _bytes_of(obj: Any) -> np.ndarray:
    return np.frombuffer(pickle.dumps(obj), dtype=np.uint8)


def all_gather_object(object_list: list, obj: Any, group: ProcessGroup | None = None) -> None:
    """Every rank receives every rank's picklable ``obj``: ``object_list[r]`` gets rank r's.
    (Objects are pickled: only exchange them between processes of your own job.)"""
    pg = resolve(group)
    if len(object_list) != pg.size():
        raise ValueError(f"all_gather_object: object_list must have world_size={pg.size()} entries, "
                         f"got {len(object_list)}")
    data = _bytes_of(obj)
    sizes = np.empty(pg.size(), dtype=np.int64)
    Work([pg.comm.Iallgather(np.array([data.size], dtype=np.int64), sizes)], pg, "all_gather_object").wait()
    recv = np.empty(int(sizes.sum()), dtype=np.uint8)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    Work([pg.comm.Iallgatherv(data, [recv, sizes, offsets, mpi().BYTE])], pg, "all_gather_object").wait()
    for r in range(pg.size()):
        object_list[r] = pickle.loads(recv[offsets[r]:offsets[r] + sizes[r]].tobytes())


def broadcast_object_list(object_list: list, src: int | None = None, group: ProcessGroup | None = None,
                          device: Any = None, group_src: int | None = None) -> None:
    """Rank ``src``'s ``object_list`` entries replace every rank's, in place."""
    pg = resolve(group)
    if src is None and group_src is None:
        src = 0
    root = _root(pg, src, group_src, "src")
    data = _bytes_of(list(object_list)) if pg.rank() == root else None
    size = np.array([data.size if data is not None else 0], dtype=np.int64)
    Work([pg.comm.Ibcast(size, root=root)], pg, "broadcast_object_list").wait()
    if data is None:
        data = np.empty(int(size[0]), dtype=np.uint8)
    Work([pg.comm.Ibcast(data, root=root)], pg, "broadcast_object_list").wait()
    if pg.rank() != root:
        values = pickle.loads(data.tobytes())
        if len(values) != len(object_list):
            raise ValueError(f"broadcast_object_list: rank {src} sent {len(values)} objects, "
                             f"this rank's list holds {len(object_list)}")
        object_list[:] = values


__all__ = [
    "Work", "DistError", "DistBackendError", "all_reduce", "broadcast", "reduce", "all_gather",
    "all_gather_into_tensor", "reduce_scatter", "reduce_scatter_tensor", "gather", "scatter",
    "barrier", "monitored_barrier", "isend", "irecv", "send", "recv", "all_gather_object",
    "broadcast_object_list",
]
