"""Checkpoints: ``flambeau.save(obj, path)`` and ``flambeau.load(path)``, in two formats.

The format follows the file: a path named ``*.safetensors`` (and an unnamed buffer such as
``io.BytesIO``) gets safetensors, written here; any other name (``model.pt``, ``ckpt.pth``...)
gets PyTorch's own zip format (``_torch_zip.py``), so a script that saves and reloads runs
unchanged under both libraries and its files go both ways. ``load`` tells the two apart by the
file's first bytes. Neither runs code from the file: PyTorch's pickle is read under PyTorch's
``weights_only=True`` rule (tensors, containers, primitives; anything else is refused).

safetensors is a plain format: an 8-byte little-endian header length, a JSON header naming each
tensor with its dtype, shape and byte range, then the raw bytes.

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
renamed over the target, so a crash never leaves a half-written checkpoint under the real name
(and the next save to that name removes the temporary file a killed save left).
"""

from __future__ import annotations

import json
import os
import struct
from typing import Any, BinaryIO, Union

import numpy as np

from ._files import write_atomic
from ._safe_globals import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals  # noqa: F401
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


def save(obj: Any, f: PathOrFile, pickle_module: Any = None, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True, _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` (a state_dict, or a nested dict/list/tuple of tensors and plain values) to
    the path ``f``, atomically: PyTorch's zip format, or safetensors for ``*.safetensors``;
    ``f`` may also be a binary file object (named like a path, or an unnamed buffer:
    safetensors). PyTorch's other arguments are accepted; flambeau writes its own pickle
    (protocol 2) and only the zip format.

    A temporary file left beside ``f`` by a save that was killed is removed. An error writing
    names ``f`` (``PermissionError``, ``FileNotFoundError`` for a missing folder, ``OSError``).

    >>> flambeau.save({"model": model.state_dict(), "epoch": 3}, "checkpoint.safetensors")
    """
    if pickle_module is not None or not _use_new_zipfile_serialization:
        raise ValueError("flambeau.save writes PyTorch's zip format with its own pickle writer: "
                         "pickle_module and _use_new_zipfile_serialization=False are not supported")
    if _pytorch_format(f):
        from . import _torch_zip_write

        data = _torch_zip_write.to_bytes(obj, _torch_zip_write.archive_name(_name_of(f)))
    else:
        data = _to_bytes(obj)
    if hasattr(f, "write"):
        f.write(data)  # type: ignore[union-attr]
        return
    write_atomic(os.fspath(f), data)  # type: ignore[arg-type]


# ------------------------------------------------------------- the format follows the file
def _name_of(f: PathOrFile) -> str:
    return str(getattr(f, "name", "")) if hasattr(f, "write") or hasattr(f, "read") else os.fspath(f)


def _pytorch_format(f: PathOrFile) -> bool:
    """Save in PyTorch's zip format, unless the file is named ``*.safetensors`` (or is an unnamed
    buffer, which keeps flambeau's safetensors)."""
    name = _name_of(f)
    return bool(name) and not name.endswith(".safetensors")


def _peek(f: PathOrFile) -> bytes:
    """The first bytes of ``f`` (a file object is put back where it was); b"" if unreadable."""
    if hasattr(f, "read"):
        if not (hasattr(f, "seek") and hasattr(f, "tell")):
            return b""
        where = f.tell()  # type: ignore[union-attr]
        head = f.read(4)  # type: ignore[union-attr]
        f.seek(where)  # type: ignore[union-attr]
        return head
    import stat

    try:
        if not stat.S_ISREG(os.stat(f).st_mode):  # type: ignore[arg-type]
            return b""  # a FIFO or a device would block: _read refuses them
        with open(os.fspath(f), "rb") as fh:  # type: ignore[arg-type]
            return fh.read(4)
    except OSError:
        return b""  # the checks of _read name the problem


# ---------------------------------------------------------------------------------- loading
# safetensors' dtype names -> NumPy (little-endian, as the format stores them)
DTYPES = {"BOOL": np.dtype("?"), "U8": np.dtype("u1"), "I8": np.dtype("i1"), "U16": np.dtype("<u2"),
          "I16": np.dtype("<i2"), "U32": np.dtype("<u4"), "I32": np.dtype("<i4"), "U64": np.dtype("<u8"),
          "I64": np.dtype("<i8"), "F16": np.dtype("<f2"), "F32": np.dtype("<f4"), "F64": np.dtype("<f8")}


def _foreign(raw: bytes) -> str | None:
    """What a file that is not safetensors looks like, for the error message."""
    if raw[:1] == b"\x80" and raw[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "a pickle file (such as torch.save writes)"
    if raw[:4] == b"PK\x03\x04":
        return "a zip archive (torch.save's format)"
    if raw.lstrip()[:1] in (b"{", b"["):
        return "a JSON or text file"
    return None


def _header_size(head: bytes, file_size: int, name: str) -> int:
    """The header length stored in the first bytes ``head`` of a file of ``file_size`` bytes,
    checked against the file's size before anything else is read."""
    if file_size == 0:
        raise CheckpointError(f"{name} is empty (0 bytes): not a checkpoint")
    size = struct.unpack("<Q", head[:8])[0] if len(head) >= 8 else None
    looks_safetensors = size is not None and size <= _HEADER_LIMIT and head[8:9] in (b"{", b"")
    if looks_safetensors and size > file_size - 8:
        raise CheckpointError(f"{name} is truncated: its header takes {size} bytes, the file has "
                              f"{file_size - 8} after the length")
    if looks_safetensors:
        return size
    kind = _foreign(head)
    if kind is not None:
        hint = (" flambeau.load reads only safetensors files and never unpickles; in PyTorch, "
                "convert one with safetensors.torch.save_file(torch.load(path), new_path)"
                if "torch" in kind else "")
        raise CheckpointError(f"{name} is not a safetensors checkpoint: it looks like {kind}.{hint}")
    if size is None:
        raise CheckpointError(f"{name} is truncated or not a safetensors file: {file_size} bytes, "
                              "shorter than the 8-byte header length")
    raise CheckpointError(f"{name} is not a safetensors file (it does not start with a "
                          "header length followed by a JSON header)")


def _json(text: bytes | str, fault: str) -> Any:
    """``text`` decoded from JSON; ``fault`` begins the message if it is not JSON."""
    try:
        return json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{fault} is not JSON ({e})") from None
    except RecursionError:
        raise CheckpointError(f"{fault} is JSON nested too deeply to be a checkpoint's") from None


def _entries(header: Any, body_size: int, name: str) -> list[tuple[str, np.dtype, tuple, int, int]]:
    """The tensors a header describes, as (name, dtype, shape, begin, end), each checked: a
    known dtype, a shape of sizes >= 0 whose bytes fill its range, ranges that tile the body."""
    if not isinstance(header, dict):
        raise CheckpointError(f"{name} is not a valid safetensors file: its header is not a JSON object")
    entries = []
    for key, info in header.items():
        if key == "__metadata__":
            continue
        bad = f"{name} is not a valid safetensors file: bad entry for {key!r}"
        if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= set(info):
            raise CheckpointError(f"{bad} (it needs dtype, shape and data_offsets)")
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in DTYPES:
            raise CheckpointError(f"{name}: tensor {key!r} has dtype {str(dtype)[:20]!r}, which flambeau "
                                  f"cannot load (it reads {', '.join(DTYPES)})")
        if not (isinstance(shape, list) and all(type(s) is int and s >= 0 for s in shape)):
            raise CheckpointError(f"{bad} (shape {str(shape)[:60]})")
        if not (isinstance(offsets, list) and len(offsets) == 2
                and all(type(o) is int and o >= 0 for o in offsets) and offsets[0] <= offsets[1]):
            raise CheckpointError(f"{bad} (data_offsets {str(offsets)[:60]})")
        numel = 1
        for s in shape:
            numel *= s
        if numel * DTYPES[dtype].itemsize != offsets[1] - offsets[0]:
            raise CheckpointError(f"{bad}: shape {shape} of {dtype} takes {numel * DTYPES[dtype].itemsize} "
                                  f"bytes, its data_offsets {offsets} give {offsets[1] - offsets[0]}")
        entries.append((key, DTYPES[dtype], tuple(shape), offsets[0], offsets[1]))
    end = max((e[4] for e in entries), default=0)
    if end > body_size:
        raise CheckpointError(f"{name} is truncated: its tensors take {end} bytes after the header, "
                              f"the file has {body_size}")
    position = 0
    for key, _, _, begin, stop in sorted(entries, key=lambda e: (e[3], e[4])):
        if begin != position:
            raise CheckpointError(f"{name} is not a valid safetensors file: the data of {key!r} starts at "
                                  f"byte {begin}, not where the previous tensor ends ({position})")
        position = stop
    if position != body_size:
        raise CheckpointError(f"{name} is not a valid safetensors file: {body_size - position} bytes after "
                              "the last tensor")
    return entries


def _open_regular(path: str) -> BinaryIO:
    """``path`` opened for reading, after checking it is a regular file: a device such as
    /dev/zero or a FIFO would block or never end."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"checkpoint not found: {path}") from None
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"{path} is a directory, not a checkpoint file")
    if not stat.S_ISREG(mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode)
                or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise CheckpointError(f"{path} is {kind}, not a checkpoint file")
    return open(path, "rb")


def _read(f: PathOrFile) -> tuple[dict, bytearray, str]:
    """The header and the tensor bytes of the safetensors file ``f``: the length and the header
    are read and checked against the file's size first, then the body."""
    if hasattr(f, "read"):
        name = str(getattr(f, "name", repr(f)))
        raw = f.read()  # type: ignore[union-attr]
        size = _header_size(raw[:9], len(raw), name)
        return _json(raw[8:8 + size], f"{name} is not a valid safetensors file: its header"), bytearray(raw[8 + size:]), name
    name = os.fspath(f)  # type: ignore[arg-type]
    with _open_regular(name) as fh:
        file_size = os.fstat(fh.fileno()).st_size
        head = fh.read(9)
        size = _header_size(head, file_size, name)
        fh.seek(8)
        header = _json(fh.read(size), f"{name} is not a valid safetensors file: its header")
        _entries(header, file_size - 8 - size, name)  # refuse a wrong header before reading the body
        body = bytearray(file_size - 8 - size)
        if fh.readinto(body) != len(body):
            raise CheckpointError(f"{name} changed while it was read")
    return header, body, name


def _arrays(header: dict, body: bytearray, name: str) -> dict[str, np.ndarray]:
    arrays = {}
    for key, dtype, shape, begin, end in _entries(header, len(body), name):
        arr = np.frombuffer(body, dtype=dtype, count=(end - begin) // dtype.itemsize, offset=begin)
        if not (arr.flags.aligned and dtype.isnative):
            arr = arr.astype(dtype.newbyteorder("="))
        arrays[key] = arr.reshape(shape)
    return arrays


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


def _broken_zip_errors() -> tuple[type[BaseException], ...]:
    """What reading a damaged zip archive raises: zipfile, zlib, and the reader on garbage."""
    import zipfile
    import zlib

    return (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, KeyError,
            IndexError, ValueError, TypeError, struct.error, UnicodeDecodeError, RecursionError, OverflowError,
            OSError)  # a seek to a negative offset read from the archive


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


def load(f: PathOrFile, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = True, mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """Load what :func:`save` or ``torch.save`` wrote to ``f`` (a path or a binary file object),
    or the flat name -> tensor dict of any other safetensors file. Nothing in the file is executed.

    ``map_location``, ``weights_only``, ``mmap`` and pickle arguments are accepted for PyTorch
    compatibility: everything loads on the CPU, into memory, and only data is ever read (a
    pickle naming anything else is refused as ``weights_only=True`` refuses it, whatever
    ``weights_only`` says). A file that is missing, empty, truncated, not
    a regular file (a device, a FIFO) or not a valid safetensors file (a header that does not
    match the file's size, a dtype flambeau lacks such as BF16, JSON nested too deeply) raises an
    error naming it (``FileNotFoundError`` or :class:`CheckpointError`) before the body is read
    when the header already tells; nothing has been changed then.

    >>> model.load_state_dict(flambeau.load("model.safetensors"))
    """
    _check_map_location(map_location)
    if _peek(f) == b"PK\x03\x04":  # a zip archive: PyTorch's format
        from . import _torch_zip

        name = _name_of(f) or repr(f)
        try:
            return _torch_zip.load(f if hasattr(f, "read") else os.fspath(f), name)
        except CheckpointError:
            raise
        except Exception as e:
            if not isinstance(e, _broken_zip_errors()):
                raise
            raise CheckpointError(f"{name} is not a valid PyTorch checkpoint: {type(e).__name__}: {e}") from None
    header, body, name = _read(f)
    arrays = _arrays(header, body, name)
    metadata = header.get("__metadata__") or {}
    if not isinstance(metadata, dict) or METADATA_KEY not in metadata:
        return {key: from_numpy(arr) for key, arr in arrays.items()}
    info = _json(metadata[METADATA_KEY], f"{name}: corrupt flambeau metadata: it") \
        if isinstance(metadata[METADATA_KEY], str) else None
    if not (isinstance(info, dict) and "structure" in info and "version" in info):
        raise CheckpointError(f"{name}: corrupt flambeau metadata (not the expected JSON)")
    tree, version = info["structure"], info["version"]
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(f"{name} was written by a newer flambeau (format {version!r}; this one "
                              f"reads up to {FORMAT_VERSION})")
    rebuilder = _Rebuilder(arrays, name)
    try:
        obj = rebuilder.decode(tree)
    except RecursionError:
        raise CheckpointError(f"{name}: corrupt flambeau metadata (nested too deeply)") from None
    extra = sorted(set(arrays) - rebuilder.used)
    if extra:
        raise CheckpointError(f"{name}: corrupt flambeau metadata (tensors {extra[:5]} are in the "
                              "file but not in its structure)")
    return obj
