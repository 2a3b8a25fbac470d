"""Checkpoints: ``flambeau.save(obj, path)`` and ``flambeau.load(path)`` in the safetensors format.

safetensors is a plain format: an 8-byte little-endian header length, a JSON header naming each
tensor with its dtype, shape and byte range, then the raw bytes. Loading one runs no code (unlike
a pickle, which ``torch.save`` writes and which can execute anything when loaded): flambeau never
pickles and never unpickles.

What can be saved: tensors (and NumPy arrays), numbers, strings, booleans and None, in dicts,
lists and tuples nested as deep as needed, e.g.
``{"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}``.

How it is stored:

- each tensor under a dotted name built from its path: ``model.0.weight``,
  ``optimizer.state.0.exp_avg``. A plain state_dict therefore keeps its own keys, so the file is
  an ordinary safetensors checkpoint: PyTorch loads it with ``safetensors.torch.load_file`` and
  flambeau loads files written by ``safetensors.torch.save_file``;
- the structure (dict key types and order, lists, tuples, the non-tensor values) as JSON in the
  header's ``__metadata__["flambeau"]``, from which ``load`` rebuilds the object exactly: integer
  keys stay integers, tuples stay tuples. A file without it (written by another tool) loads as a
  flat dict of name -> tensor.

Files are written atomically: to a temporary file in the same directory, flushed to disk, then
renamed over the target, so a crash never leaves a half-written checkpoint under the real name.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import uuid
from typing import Any, BinaryIO, Union

import numpy as np

from .ops.creation import from_numpy
from .tensor import Tensor, device

PathOrFile = Union[str, "os.PathLike[str]", BinaryIO]

METADATA_KEY = "flambeau"
FORMAT_VERSION = 1
_HEADER_LIMIT = 100_000_000  # safetensors refuses larger headers
_SCALARS = (type(None), bool, int, float, str)


class CheckpointError(ValueError):
    """A file that is not a checkpoint flambeau can load; the message names the file."""


# ---------------------------------------------------------------------------------- saving
class _Flattener:
    """Walks an object, collecting its tensors under dotted names and describing everything
    else as a JSON tree: a scalar is itself, a tensor ``{"tensor": name}``, an array
    ``{"ndarray": name}``, a dict ``{"dict": [[key, value], ...]}``, a list ``{"list": [...]}``
    and a tuple ``{"tuple": [...]}``."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def _name(self, path: list[str]) -> str:
        base = ".".join(path) if path else "tensor"
        name, n = base, 1
        while name in self.arrays:  # two paths with the same dotted spelling
            name, n = f"{base}~{n}", n + 1
        return name

    def encode(self, value: Any, path: list[str]) -> Any:
        if isinstance(value, Tensor):
            name = self._name(path)
            self.arrays[name] = _storable(value._data, path)
            return {"tensor": name}
        if isinstance(value, np.ndarray):
            name = self._name(path)
            self.arrays[name] = _storable(value, path)
            return {"ndarray": name}
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, _SCALARS):
            return value
        if isinstance(value, dict):
            return {"dict": [[self.encode_key(k, path), self.encode(v, path + [_path_part(k)])]
                             for k, v in value.items()]}
        if isinstance(value, list):
            return {"list": [self.encode(v, path + [str(i)]) for i, v in enumerate(value)]}
        if isinstance(value, tuple):
            return {"tuple": [self.encode(v, path + [str(i)]) for i, v in enumerate(value)]}
        raise TypeError(f"flambeau.save cannot store a {type(value).__name__} (at "
                        f"{'.'.join(path) or 'the top level'}): it saves tensors, NumPy arrays, "
                        "numbers, strings, booleans, None, and dicts, lists and tuples of them")

    def encode_key(self, key: Any, path: list[str]) -> Any:
        if isinstance(key, np.generic):
            key = key.item()
        if isinstance(key, _SCALARS):
            return key
        if isinstance(key, tuple):
            return {"tuple": [self.encode_key(k, path) for k in key]}
        raise TypeError(f"flambeau.save cannot store a dict key of type {type(key).__name__} (in "
                        f"{'.'.join(path) or 'the top level'}): keys must be strings, numbers, "
                        "booleans, None or tuples of them")


_STORABLE_KINDS = "biuf"  # bool, signed and unsigned integers, floats: what safetensors holds


def _storable(arr: np.ndarray, path: list[str]) -> np.ndarray:
    """``arr`` as safetensors stores it: C-contiguous, in the machine's byte order."""
    if arr.dtype.kind not in _STORABLE_KINDS:
        raise TypeError(f"flambeau.save cannot store an array of dtype {arr.dtype} (at "
                        f"{'.'.join(path) or 'the top level'})")
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return np.require(arr, requirements="C")


def _path_part(key: Any) -> str:
    return key if isinstance(key, str) else str(key)


def _to_bytes(obj: Any) -> bytes:
    from safetensors.numpy import save as safetensors_save

    flattener = _Flattener()
    tree = flattener.encode(obj, [])
    structure = json.dumps({"version": FORMAT_VERSION, "structure": tree}, separators=(",", ":"))
    return safetensors_save(flattener.arrays, metadata={"format": "pt", METADATA_KEY: structure})


def _write_atomic(path: str, data: bytes) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (POSIX)
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def save(obj: Any, f: PathOrFile) -> None:
    """Save ``obj`` (a state_dict, or a nested dict/list/tuple of tensors and plain values) to
    the path ``f`` as a safetensors file, atomically; ``f`` may also be a binary file object.

    >>> flambeau.save({"model": model.state_dict(), "epoch": 3}, "checkpoint.safetensors")
    """
    data = _to_bytes(obj)
    if hasattr(f, "write"):
        f.write(data)  # type: ignore[union-attr]
        return
    _write_atomic(os.fspath(f), data)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------- loading
def _read(f: PathOrFile) -> tuple[bytes, str]:
    if hasattr(f, "read"):
        return f.read(), getattr(f, "name", repr(f))  # type: ignore[union-attr]
    path = os.fspath(f)  # type: ignore[arg-type]
    if not os.path.exists(path):
        raise FileNotFoundError(f"checkpoint not found: {path}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a directory, not a checkpoint file")
    with open(path, "rb") as fh:
        return fh.read(), path


def _foreign(raw: bytes) -> str | None:
    """What a file that is not safetensors looks like, for the error message."""
    if raw[:1] == b"\x80" and raw[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "a pickle file (such as torch.save writes)"
    if raw[:4] == b"PK\x03\x04":
        return "a zip archive (torch.save's format)"
    if raw.lstrip()[:1] in (b"{", b"["):
        return "a JSON or text file"
    return None


def _parse_header(raw: bytes, name: str) -> dict:
    """The JSON header of a safetensors file, checked against the file's size."""
    if not raw:
        raise CheckpointError(f"{name} is empty (0 bytes): not a checkpoint")
    size = struct.unpack("<Q", raw[:8])[0] if len(raw) >= 8 else None
    looks_safetensors = size is not None and size <= _HEADER_LIMIT and raw[8:9] in (b"{", b"")
    if looks_safetensors and size > len(raw) - 8:
        raise CheckpointError(f"{name} is truncated: its header takes {size} bytes, the file has "
                              f"{len(raw) - 8} after the length")
    if not looks_safetensors:
        kind = _foreign(raw)
        if kind is not None:
            hint = (" flambeau.load reads only safetensors files and never unpickles; in PyTorch, "
                    "convert one with safetensors.torch.save_file(torch.load(path), new_path)"
                    if "torch" in kind else "")
            raise CheckpointError(f"{name} is not a safetensors checkpoint: it looks like {kind}.{hint}")
        if size is None:
            raise CheckpointError(f"{name} is truncated or not a safetensors file: {len(raw)} bytes, "
                                  "shorter than the 8-byte header length")
        raise CheckpointError(f"{name} is not a safetensors file (it does not start with a "
                              "header length followed by a JSON header)")
    try:
        header = json.loads(raw[8:8 + size])
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{name} is not a valid safetensors file: its header is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{name} is not a valid safetensors file: its header is not a JSON object")
    end = 0
    for key, info in header.items():
        if key == "__metadata__":
            continue
        try:
            end = max(end, int(info["data_offsets"][1]))
        except (TypeError, KeyError, IndexError, ValueError):
            raise CheckpointError(f"{name} is not a valid safetensors file: bad entry for {key!r}") from None
    if end > len(raw) - 8 - size:
        raise CheckpointError(f"{name} is truncated: its tensors take {end} bytes after the header, "
                              f"the file has {len(raw) - 8 - size}")
    return header


class _Rebuilder:
    """Turns the JSON tree written by :class:`_Flattener` back into the saved object."""

    def __init__(self, arrays: dict[str, np.ndarray], name: str) -> None:
        self.arrays, self.name, self.used = arrays, name, set()

    def _error(self, what: str) -> CheckpointError:
        return CheckpointError(f"{self.name}: corrupt flambeau metadata ({what})")

    def _array(self, key: Any) -> np.ndarray:
        if not isinstance(key, str) or key not in self.arrays:
            raise self._error(f"it names a tensor {key!r} that is not in the file")
        self.used.add(key)
        arr = self.arrays[key]
        return arr if arr.flags.writeable else arr.copy()

    def decode(self, node: Any) -> Any:
        if isinstance(node, _SCALARS):
            return node
        if isinstance(node, dict) and len(node) == 1:
            (tag, body), = node.items()
            if tag == "tensor":
                return from_numpy(self._array(body))
            if tag == "ndarray":
                return self._array(body)
            if tag == "list" and isinstance(body, list):
                return [self.decode(v) for v in body]
            if tag == "tuple" and isinstance(body, list):
                return tuple(self.decode(v) for v in body)
            if tag == "dict" and isinstance(body, list):
                out = {}
                for pair in body:
                    if not isinstance(pair, list) or len(pair) != 2:
                        raise self._error("a dict entry is not a [key, value] pair")
                    out[self.decode_key(pair[0])] = self.decode(pair[1])
                return out
        raise self._error(f"unexpected node {str(node)[:80]}")

    def decode_key(self, node: Any) -> Any:
        if isinstance(node, _SCALARS):
            return node
        if isinstance(node, dict) and list(node) == ["tuple"] and isinstance(node["tuple"], list):
            return tuple(self.decode_key(k) for k in node["tuple"])
        raise self._error(f"unexpected dict key {str(node)[:80]}")


def _check_map_location(map_location: Any) -> None:
    if map_location is None or callable(map_location) or isinstance(map_location, dict):
        return
    kind = device(map_location).type  # flambeau has the CPU only: anything else is an error
    if kind == "cuda":
        raise RuntimeError(
            "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
            "False. If you are running on a CPU-only machine, please use torch.load with "
            "map_location=torch.device('cpu') to map your storages to the CPU.")
    if kind != "cpu":
        raise RuntimeError(f"torch.UntypedStorage(): Storage device not recognized: {kind}")


def load(f: PathOrFile, map_location: Any = None, *, weights_only: bool = True) -> Any:
    """Load what :func:`save` wrote to ``f`` (a path or a binary file object), or the flat
    name -> tensor dict of any other safetensors file. Nothing in the file is executed.

    ``map_location`` and ``weights_only`` are accepted for PyTorch compatibility: everything
    loads on the CPU, and only data is ever read. A file that is missing, empty, truncated or not
    safetensors raises an error naming it (``FileNotFoundError`` or :class:`CheckpointError`).

    >>> model.load_state_dict(flambeau.load("model.safetensors"))
    """
    _check_map_location(map_location)
    raw, name = _read(f)
    header = _parse_header(raw, name)
    from safetensors import SafetensorError
    from safetensors.numpy import load as safetensors_load

    try:
        arrays = safetensors_load(raw)
    except (SafetensorError, ValueError, TypeError) as e:
        raise CheckpointError(f"{name} is not a valid safetensors file: {e}") from None
    metadata = header.get("__metadata__") or {}
    if not isinstance(metadata, dict) or METADATA_KEY not in metadata:
        return {key: from_numpy(arrays[key] if arrays[key].flags.writeable else arrays[key].copy())
                for key in header if key != "__metadata__"}
    try:
        info = json.loads(metadata[METADATA_KEY])
        tree, version = info["structure"], info["version"]
    except (TypeError, KeyError, json.JSONDecodeError):
        raise CheckpointError(f"{name}: corrupt flambeau metadata (not the expected JSON)") from None
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(f"{name} was written by a newer flambeau (format {version!r}; this one "
                              f"reads up to {FORMAT_VERSION})")
    rebuilder = _Rebuilder(arrays, name)
    obj = rebuilder.decode(tree)
    extra = sorted(set(arrays) - rebuilder.used)
    if extra:
        raise CheckpointError(f"{name}: corrupt flambeau metadata (tensors {extra[:5]} are in the "
                              "file but not in its structure)")
    return obj
