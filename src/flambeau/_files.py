"""Writing files safely: atomically (checkpoints, the CLI's config.json: to a hidden temporary
file in the same folder, flushed to disk, then renamed over the target), and checking that an
output folder can be written before long work starts."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid

_TMP_SUFFIX = ".tmp"


def _tmp_name(path: str) -> str:
    """``.NAME.PID-RANDOM.tmp`` beside ``path``: hidden, unique, and naming its writer."""
    directory, base = os.path.split(os.path.abspath(path))
    return os.path.join(directory, f".{base}.{os.getpid()}-{uuid.uuid4().hex}{_TMP_SUFFIX}")


def _writer_gone(tmp_name: str, base: str) -> bool:
    """Whether the temporary file ``tmp_name`` (of a save to ``base``) was left by a save that
    was killed: its process no longer runs (on POSIX; elsewhere: it is older than an hour)."""
    middle = tmp_name[len(base) + 2:-len(_TMP_SUFFIX)]
    pid, _, token = middle.partition("-")
    if not (pid.isdigit() and len(token) == 32):
        return False  # not one of ours
    if os.name != "posix":
        return True
    if int(pid) == os.getpid():
        return False  # another thread of this process may be saving right now
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _remove_stale_temporaries(path: str) -> None:
    """Delete what a save to ``path`` killed halfway left behind."""
    import time

    directory, base = os.path.split(os.path.abspath(path))
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            name = entry.name
            if not (name.startswith(f".{base}.") and name.endswith(_TMP_SUFFIX)):
                continue
            if _writer_gone(name, base) and (
                    os.name == "posix" or time.time() - entry.stat().st_mtime > 3600):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def write_atomic(path: str, data: bytes, what: str = "the checkpoint") -> None:
    """Write ``data`` to ``path`` atomically: to a temporary file beside it, flushed to disk,
    then renamed over it, so a crash never leaves a half-written file under the real name. A
    temporary file that a killed write to ``path`` left is removed first. An ``OSError`` names
    ``path`` (``what`` says what it is), never the temporary file."""
    directory = os.path.dirname(os.path.abspath(path))
    _remove_stale_temporaries(path)
    tmp = _tmp_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as e:
        raise _error(e, path, what) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise _error(e, path, what) from None
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (POSIX)
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _error(e: OSError, path: str, what: str) -> OSError:
    """``e`` (of the same type and errno) saying which file could not be written."""
    if isinstance(e, FileNotFoundError) and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        reason = f"the folder {os.path.dirname(os.path.abspath(path))} does not exist"
    elif isinstance(e, IsADirectoryError) or os.path.isdir(path):
        reason = "it is a directory"
    else:
        reason = e.strerror or str(e)
    err = type(e)(f"cannot save {what} {path}: {reason}")
    err.errno = e.errno
    return err


def folder_problem(folder: str | os.PathLike) -> str | None:
    """Why files cannot be written into ``folder`` (created if needed), or None if they can.

    The check is real: the folder is created and a file written in it, then what the check
    created is removed again, so a failed run leaves nothing behind."""
    path = os.path.abspath(folder)
    if os.path.exists(path) and not os.path.isdir(path):
        return "it is a file, not a folder"
    existing = path
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        return f"{existing} is a file, not a folder"
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        return f"cannot write there ({e.strerror or e})"
    finally:
        created = path
        while created != existing:  # remove what the check made, up to the folder that existed
            with contextlib.suppress(OSError):
                os.rmdir(created)
            created = os.path.dirname(created)
    return None
