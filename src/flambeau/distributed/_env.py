"""Who am I in the job: rank and world size, read from the launcher's environment.

``torchrun`` (and ``flambeau run``) set ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and
``LOCAL_WORLD_SIZE``; ``mpiexec`` sets its own names. One table maps each MPI's names to
torchrun's, so a script that reads ``os.environ["RANK"]`` before ``init_process_group`` (as
nanoGPT's ``train.py`` does) works under ``mpiexec -n 2 python train.py`` too.
"""

from __future__ import annotations

import os

# torchrun's variable -> the names MPI launchers use for it (Open MPI, then MPICH/PMI, then PMIx)
MPI_NAMES = {
    "RANK": ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"),
    "WORLD_SIZE": ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE"),
    "LOCAL_RANK": ("OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID"),
    "LOCAL_WORLD_SIZE": ("OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"),
}


def launched_by_mpi() -> bool:
    """True in a process that ``mpiexec`` started (it set its rank variables)."""
    return any(name in os.environ for name in MPI_NAMES["RANK"])


def export_torchrun_variables() -> None:
    """Set torchrun's variables from MPI's where a launcher set MPI's only (never overriding)."""
    if "RANK" in os.environ or not launched_by_mpi():
        return
    for ours, theirs in MPI_NAMES.items():
        for name in theirs:
            if name in os.environ:
                os.environ.setdefault(ours, os.environ[name])
                break
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29500")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"environment variable {name} is expected to be an integer, got {value!r}") from None
