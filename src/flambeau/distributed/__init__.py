"""``flambeau.distributed``: data-parallel training on several processes, with
``torch.distributed``'s API, running on MPI (``mpi4py`` and Open MPI, both from pip).

Start N processes with ``flambeau run --nproc-per-node N script.py`` (torchrun's flags) or
``mpiexec -n N python script.py``; in the script::

    import flambeau as torch
    import flambeau.distributed as dist

    dist.init_process_group("gloo")          # every backend name runs on MPI
    rank, world = dist.get_rank(), dist.get_world_size()
    t = torch.ones(3) * rank
    dist.all_reduce(t, op=dist.ReduceOp.SUM)  # every rank now holds the sum

Nothing heavy is imported here: MPI starts at ``init_process_group``.
"""

from __future__ import annotations

from ._env import export_torchrun_variables as _export_torchrun_variables
from .collectives import (
    DistBackendError,
    DistError,
    Work,
    all_gather,
    all_gather_into_tensor,
    all_gather_object,
    all_reduce,
    barrier,
    broadcast,
    broadcast_object_list,
    gather,
    irecv,
    isend,
    monitored_barrier,
    recv,
    reduce,
    reduce_scatter,
    reduce_scatter_tensor,
    scatter,
    send,
)
from .group import (
    Backend,
    GroupMember,
    ProcessGroup,
    ReduceOp,
    destroy_process_group,
    get_backend,
    get_global_rank,
    get_group_rank,
    get_process_group_ranks,
    get_rank,
    get_world_size,
    group,
    init_process_group,
    is_available,
    is_gloo_available,
    is_initialized,
    is_mpi_available,
    is_nccl_available,
    is_torchelastic_launched,
    new_group,
)

# A script started by mpiexec sees torchrun's RANK/WORLD_SIZE/LOCAL_RANK as soon as it imports
# flambeau, as under torchrun: scripts read them before init_process_group.
_export_torchrun_variables()
