"""Writing PyTorch's zip checkpoints (the format is described in ``_torch_zip.py``): the pickle
opcodes are emitted directly, no ``pickle`` module and no PyTorch: tensors (views of one array
share one storage, as PyTorch saves them), parameters, containers, primitives, dtypes, devices and
sizes, which ``torch.load(..., weights_only=True)`` admits; and, as ``torch.save(model, f)``
pickles them, plain Python objects (a whole ``nn.Module``: its class by name, then its
``__dict__``) and classes and functions by name, which loading admits only when allowlisted
(``serialization.safe_globals``). An object met twice is written once, then referred to (pickle's
memo), so shared layers and tied weights stay shared."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import types
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from . import _dtype as dt
from ._torch_zip import ALIGNMENT, STORAGE_OF
from .tensor import Size, Tensor, device


class _Pickler:
    """Writes the pickle opcodes of an object made of tensors, containers and primitives, as
    ``torch.save`` pickles them; each tensor's storage is collected in ``storages``."""

    def __init__(self) -> None:
        self.out = bytearray(b"\x80\x02")  # PROTO 2
        self.storages: list[np.ndarray] = []
        self._keys: dict[int, int] = {}  # id of a storage's root array -> its key
        self._memo: dict[int, int] = {}  # id of an object already written -> its memo slot
        self._alive: list[Any] = []  # the objects of the memo, kept so that their ids stay theirs

    def dump(self, obj: Any) -> bytes:
        self.value(obj, "the top level")
        self.out += b"."  # STOP
        return bytes(self.out)

    def glob(self, module: str, name: str) -> None:
        self.out += f"c{module}\n{name}\n".encode()

    def recalled(self, v: Any) -> bool:
        """Write a reference to ``v`` if it was written before (pickle's BINGET)."""
        slot = self._memo.get(id(v))
        if slot is None:
            return False
        self.out += b"h" + bytes([slot]) if slot < 256 else b"j" + struct.pack("<I", slot)
        return True

    def remember(self, v: Any) -> None:
        """Store the object just written in the memo (pickle's BINPUT)."""
        slot = self._memo[id(v)] = len(self._memo)
        self._alive.append(v)
        self.out += b"q" + bytes([slot]) if slot < 256 else b"r" + struct.pack("<I", slot)

    def named(self, v: Any, where: str) -> None:
        """A class or a function, by its module and qualified name (as pickle writes them)."""
        module, name = getattr(v, "__module__", None), getattr(v, "__qualname__", "")
        if not module or "<" in name:  # a lambda, a function defined inside a function
            raise TypeError(f"flambeau.save cannot store {v!r} (at {where}): only classes and functions "
                            "defined at the top level of a module can be saved, by name")
        self.glob(module, name)

    def instance(self, v: Any, where: str) -> None:
        """A plain object, as pickle's protocol 2 writes it: ``cls.__new__(cls)``, then its
        state (its ``__dict__``, or what ``__getstate__`` returns) set by BUILD."""
        cls = type(v)
        self.named(cls, where)
        self.out += b")\x81"  # EMPTY_TUPLE, NEWOBJ
        self.remember(v)
        state = v.__getstate__()
        if state is not None:
            self.value(state, f"{where}.{cls.__name__}")
            self.out += b"b"  # BUILD

    def value(self, v: Any, where: str) -> None:
        out = self.out
        if isinstance(v, np.generic):
            v = v.item()
        if v is None:
            out += b"N"
        elif v is True or v is False:
            out += b"\x88" if v else b"\x89"
        elif isinstance(v, int):
            if 0 <= v < 256:
                out += b"K" + bytes([v])
            elif -(2 ** 31) <= v < 2 ** 31:
                out += b"J" + struct.pack("<i", v)
            else:
                raw = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
                out += b"\x8a" + bytes([len(raw)]) + raw  # LONG1 (up to 255 bytes)
        elif isinstance(v, float):
            out += b"G" + struct.pack(">d", v)
        elif isinstance(v, str):
            raw = v.encode("utf-8", "surrogatepass")
            out += b"X" + struct.pack("<I", len(raw)) + raw
        elif isinstance(v, Tensor):
            if not self.recalled(v):
                self.tensor(v, where)
                self.remember(v)
        elif isinstance(v, dt.dtype):
            self.glob("torch", v.name)
        elif isinstance(v, device):
            self.glob("torch", "device")
            self.value((str(v),), where)
            out += b"R"
        elif type(v) is Size:
            self.glob("torch", "Size")
            self.value((tuple(v),), where)
            out += b"R"
        elif type(v) is tuple:
            out += b"("
            for i, item in enumerate(v):
                self.value(item, f"{where}[{i}]")
            out += b"t"
        elif type(v) is list:
            out += b"]("
            for i, item in enumerate(v):
                self.value(item, f"{where}[{i}]")
            out += b"e"
        elif isinstance(v, dict) and type(v) in (dict, OrderedDict):
            if type(v) is OrderedDict:
                self.glob("collections", "OrderedDict")
                out += b")R"
            else:
                out += b"}"
            out += b"("
            for k, item in v.items():
                self.value(k, where)
                self.value(item, f"{where}[{k!r}]")
            out += b"u"
            meta = getattr(v, "_metadata", None)
            if type(v) is OrderedDict and isinstance(meta, dict):
                out += b"}("  # a state_dict's _metadata, set by BUILD
                self.value("_metadata", where)
                self.value(meta, where)
                out += b"ub"
        elif isinstance(v, (set, frozenset)):
            self.glob("__builtin__", type(v).__name__)
            out += b"]("
            for item in v:
                self.value(item, where)
            out += b"e\x85R"  # TUPLE1, REDUCE: set([items])
        elif isinstance(v, bytes):
            self.glob("_codecs", "encode")
            self.value(v.decode("latin1"), where)
            self.value("latin1", where)
            out += b"\x86R"
        elif isinstance(v, np.ndarray):
            raise TypeError(f"flambeau.save cannot store a NumPy array in PyTorch's format (at {where}): "
                            "torch.load(weights_only=True) refuses them. Convert it with "
                            "torch.from_numpy, or save to a .safetensors file")
        elif isinstance(v, (type, types.FunctionType, types.BuiltinFunctionType)):
            self.named(v, where)
        elif _plain(v):
            if not self.recalled(v):
                self.instance(v, where)
        else:
            raise TypeError(f"flambeau.save cannot store a {type(v).__name__} (at {where}): it saves "
                            "tensors, numbers, strings, booleans, None, bytes, dicts, lists, tuples and "
                            "sets of them, and objects of plain Python classes (an nn.Module...) by "
                            "their __dict__")

    def tensor(self, t: Tensor, where: str) -> None:
        from .nn.parameter import Parameter

        arr = t._data
        kind = STORAGE_OF.get(arr.dtype.name)
        if kind is None:
            raise TypeError(f"flambeau.save cannot store a tensor of dtype {t.dtype} (at {where})")
        root, offset, stride = _storage_of(arr)
        key = self._keys.get(id(root))
        if key is None:
            key = self._keys[id(root)] = len(self.storages)
            self.storages.append(root)
        param = isinstance(t, Parameter)
        if param:
            self.glob("torch._utils", "_rebuild_parameter")
            self.out += b"("
        self.glob("torch._utils", "_rebuild_tensor_v2")
        self.out += b"(("
        for v in ("storage",):
            self.value(v, where)
        self.glob("torch", kind)
        self.value(str(key), where)
        self.value("cpu", where)
        self.value(int(root.size), where)
        self.out += b"tQ"  # the persistent id of the storage
        self.value(offset, where)
        self.value(tuple(arr.shape), where)
        self.value(stride, where)
        self.value(bool(t.requires_grad) and not param, where)
        self.glob("collections", "OrderedDict")
        self.out += b")Rt" + b"R"
        if param:
            self.value(bool(t.requires_grad), where)
            self.glob("collections", "OrderedDict")
            self.out += b")RtR"


def _plain(v: Any) -> bool:
    """An object pickled by its class and its ``__dict__``: a Python class's instance that does not
    define its own pickling (``__reduce__``, ``__reduce_ex__``), nor hides state in slots."""
    cls = type(v)
    return (hasattr(v, "__dict__") and cls.__reduce_ex__ is object.__reduce_ex__
            and cls.__reduce__ is object.__reduce__ and not hasattr(cls, "__slots__")
            and cls.__module__ not in ("builtins", "numpy"))


def _storage_of(arr: np.ndarray) -> tuple[np.ndarray, int, tuple]:
    """The array whose memory ``arr`` views (so that views of one array share one storage, as in
    PyTorch), the element offset of ``arr`` in it and its strides in elements; a copy when ``arr``
    cannot be described so (negative strides, another dtype)."""
    root = arr
    while isinstance(root.base, np.ndarray):
        root = root.base
    size = arr.itemsize
    if root is not arr and (root.dtype != arr.dtype or not root.flags.c_contiguous):
        root = arr
    if root is arr and not arr.flags.c_contiguous:
        root = np.ascontiguousarray(arr)
        return root, 0, tuple(s // size for s in root.strides) if root.ndim else ()
    offset = arr.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    strides = arr.strides
    if offset % size or any(s % size or s < 0 for s in strides) or offset < 0:
        root = np.ascontiguousarray(arr)
        offset, strides = 0, root.strides
    return root, offset // size, tuple(0 if n == 1 and s == 0 else s // size
                                       for n, s in zip(arr.shape, strides))


def _records(obj: Any) -> list[tuple[str, bytes]]:
    pickler = _Pickler()
    data = pickler.dump(obj)
    records = [("data.pkl", data), (".format_version", b"1"), (".storage_alignment", b"64"),
               ("byteorder", b"little")]
    for i, root in enumerate(pickler.storages):
        little = root if root.dtype.byteorder != ">" else root.astype(root.dtype.newbyteorder("<"))
        records.append((f"data/{i}", np.ascontiguousarray(little).tobytes()))
    records.append(("version", b"3\n"))
    digest = int.from_bytes(hashlib.sha256(data).digest()[:8], "little")
    records.append((".data/serialization_id", f"{digest:020d}".encode()))
    return records


def to_bytes(obj: Any, archive: str = "archive") -> bytes:
    """``obj`` as the bytes of a PyTorch zip checkpoint: uncompressed records, each one's data
    aligned to 64 bytes (by padding the local header's extra field, as PyTorch does), so that
    ``torch.load`` can map the storages."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        for name, data in _records(obj):
            info = zipfile.ZipInfo(f"{archive}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            start = buffer.tell() + 30 + len(info.filename.encode()) + 4
            pad = -start % ALIGNMENT
            info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
            z.writestr(info, data)
    return buffer.getvalue()


def archive_name(path: Any) -> str:
    """The folder of the records: the file's name without its extension, as ``torch.save``."""
    stem = os.path.splitext(os.path.basename(os.fspath(path)))[0]
    return stem if stem and stem.isprintable() and "/" not in stem else "archive"
