"""PyTorch's own checkpoint format (``torch.save`` since 1.6), read and written without PyTorch.

A ``.pt`` file is an uncompressed zip archive whose entries sit in one folder (the file's stem,
or ``archive``):

- ``data.pkl``: the saved object as a pickle (protocol 2). A tensor is pickled as a call
  ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)`` and its
  storage as a *persistent id* ``("storage", torch.FloatStorage, "0", "cpu", numel)``;
- ``data/0``, ``data/1``...: each storage's raw bytes, little-endian, aligned to 64 bytes;
- ``version``, ``byteorder``, ``.format_version``, ``.storage_alignment``,
  ``.data/serialization_id``: small text records.

Reading follows PyTorch's ``weights_only=True`` rule: the unpickler builds tensors, containers
(dict, OrderedDict, list, tuple, set) and primitives, and nothing else. Any other global a pickle
names (``os.system``, a class of your program) is refused with PyTorch's message before anything
runs: flambeau never executes code from a checkpoint, whatever ``weights_only`` says.

Writing is in ``_torch_zip_write.py``.
"""

from __future__ import annotations

import _compat_pickle
import codecs
import io
import pickle
import struct
import zipfile
from collections import Counter, OrderedDict
from typing import Any

import numpy as np

from . import _dtype as dt
from . import _safe_globals
from .serialization import CheckpointError
from .tensor import Size, Tensor, _make, device

ZIP_MAGIC = b"PK\x03\x04"
ALIGNMENT = 64

# PyTorch's legacy storage classes and the element type each holds (little-endian)
STORAGES = {"DoubleStorage": "<f8", "FloatStorage": "<f4", "HalfStorage": "<f2", "LongStorage": "<i8",
            "IntStorage": "<i4", "ShortStorage": "<i2", "CharStorage": "i1", "ByteStorage": "u1",
            "BoolStorage": "?", "BFloat16Storage": "bfloat16"}
TORCH_DTYPES = ("float64", "float32", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8",
                "bool", "uint16", "uint32", "uint64", "complex64", "complex128")
# NumPy dtype name -> storage class, for writing
STORAGE_OF = {np.dtype(v).name if v != "bfloat16" else v: k for k, v in STORAGES.items()}

_UNSAFE = ("In PyTorch 2.6, we changed the default value of the `weights_only` argument in "
           "`torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` set to "
           "`False` will likely succeed, but it can result in arbitrary code execution. Do it only if "
           "you got the file from a trusted source.")
_DOCS = ("\n\nCheck the documentation of torch.load to learn more about types accepted by default "
         "with weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")
_BLOCKED_MODULES = {"sys", "os", "posix", "nt"}


class WeightsOnlyError(pickle.UnpicklingError, CheckpointError):
    """A checkpoint refused by the ``weights_only`` rule: PyTorch's ``UnpicklingError`` (and a
    :class:`CheckpointError`, so that code catching bad checkpoints as ``ValueError`` catches it)."""


# ---------------------------------------------------------------------------------- reading
def _numpy_dtype(code: str, name: str) -> np.dtype:
    if code == "bfloat16":
        try:
            return dt.bfloat16.np
        except ImportError as e:
            raise CheckpointError(f"{name} holds bfloat16 tensors: {e}") from None
    return np.dtype(code)


class _StorageType:
    """What the pickle's ``torch.FloatStorage`` stands for: an element type (``code``)."""

    def __init__(self, name: str, code: str) -> None:
        self.name, self.code = name, code

    def __repr__(self) -> str:
        return f"torch.{self.name}"


class _Storage:
    """One storage of the file: its raw bytes, shared by the tensors that view them, and the
    element type its record names (an untyped storage's tensors name their own)."""

    def __init__(self, raw: bytearray, element: np.dtype, big_endian: bool) -> None:
        self.raw, self.element, self.big_endian = raw, element, big_endian

    def elements(self, d: np.dtype) -> np.ndarray:
        """The bytes as a 1-D array of ``d`` (in the machine's byte order)."""
        if not self.big_endian or d.itemsize == 1:
            return np.frombuffer(self.raw, dtype=d, count=len(self.raw) // d.itemsize)
        arr = np.frombuffer(self.raw, dtype=d.newbyteorder(">"), count=len(self.raw) // d.itemsize)
        return arr.astype(d)


def _rebuild_tensor_v2(storage: _Storage, offset: int, size: tuple, stride: tuple,
                       requires_grad: bool = False, hooks: Any = None, metadata: Any = None,
                       *, element: Any = None) -> Tensor:
    """A tensor viewing ``storage`` from element ``offset`` with ``size`` and ``stride`` (in
    elements), as PyTorch rebuilds it: tensors of one storage share memory."""
    if not (isinstance(storage, _Storage) and isinstance(size, tuple) and isinstance(stride, tuple)
            and len(size) == len(stride) and all(type(v) is int and v >= 0 for v in (offset, *size, *stride))):
        raise pickle.UnpicklingError(f"bad tensor record (size {str(size)[:40]}, stride {str(stride)[:40]})")
    base = storage.elements(storage.element if element is None else element)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride)) if 0 not in size else offset - 1
    if last >= base.size:
        raise pickle.UnpicklingError(f"a tensor of size {list(size)} (stride {list(stride)}, offset "
                                     f"{offset}) does not fit its storage of {base.size} elements")
    dt.from_numpy_dtype(base.dtype)  # a dtype flambeau lacks (uint16, complex...) raises TypeError
    arr = np.ndarray(size, base.dtype, buffer=base, offset=offset * base.itemsize if 0 not in size else 0,
                     strides=[s * base.itemsize for s in stride])
    t = _make(arr)
    if requires_grad:
        t.requires_grad = True
    return t


def _rebuild_tensor_v3(storage: _Storage, offset: int, size: tuple, stride: tuple, requires_grad: bool,
                       hooks: Any, dtype: Any, metadata: Any = None) -> Tensor:
    """``_rebuild_tensor_v2`` for an untyped storage: the record names the element type."""
    return _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks, metadata,
                              element=_element(dtype, "a tensor"))


def _element(kind: Any, name: str) -> np.dtype:
    """The NumPy element type of a storage class or a dtype named in the pickle."""
    if isinstance(kind, dt.dtype):
        try:
            return kind.np
        except ImportError as e:
            raise CheckpointError(f"{name} holds {kind.name} tensors: {e}") from None
    if isinstance(kind, _StorageType):
        return _numpy_dtype(kind.code, name)
    raise pickle.UnpicklingError(f"unexpected element type {str(kind)[:60]}")


def _rebuild_parameter(data: Tensor, requires_grad: bool, hooks: Any = None, state: Any = None) -> Any:
    from .nn.parameter import Parameter

    return Parameter(data, requires_grad=requires_grad)


def _rebuild_from_type_v2(func: Any, new_type: Any, args: tuple, state: Any) -> Any:
    """A tensor subclass's record: PyTorch's ``Tensor`` and ``Parameter`` only."""
    return func(*args)


def _allowed() -> dict[str, Any]:
    """The globals a checkpoint may name (PyTorch's ``weights_only`` list, as flambeau has them)."""
    from .nn.parameter import Parameter

    table: dict[str, Any] = {
        "collections.OrderedDict": OrderedDict, "collections.Counter": Counter,
        "builtins.set": set, "builtins.frozenset": frozenset, "builtins.bytearray": bytearray,
        "builtins.complex": complex, "_codecs.encode": codecs.encode,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
        "torch.storage.UntypedStorage": _StorageType("UntypedStorage", "u1"),
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.nn.parameter.Parameter": Parameter, "torch.Tensor": Tensor, "torch.Size": Size,
        "torch.device": device,
    }
    for name, code in STORAGES.items():
        table[f"torch.{name}"] = _StorageType(name, code)
    for name in TORCH_DTYPES:  # dtypes flambeau has are its own; the others only name elements
        table[f"torch.{name}"] = getattr(dt, name, None) or _StorageType(name, name)
    return table


class _Unpickler(pickle._Unpickler):  # type: ignore[name-defined]
    """A pickle reader that admits only the globals of :func:`_allowed` and builds only
    OrderedDicts (a state_dict's ``_metadata``): what ``torch.load(weights_only=True)`` admits."""

    dispatch = dict(pickle._Unpickler.dispatch)  # type: ignore[attr-defined]

    def __init__(self, data: bytes, storage: Any) -> None:
        super().__init__(io.BytesIO(data), encoding="bytes")
        self._table, self._storage = _allowed(), storage

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _compat_pickle.NAME_MAPPING:  # Python 2 names, as protocol 2 writes
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        full = f"{module}.{name}"
        if module in _BLOCKED_MODULES:
            raise pickle.UnpicklingError(f"Trying to load unsupported GLOBAL {full} whose module "
                                         f"{module} is blocked.")
        if full in self._table:
            return self._table[full]
        allowed, obj = _safe_globals.lookup(full)
        if allowed:
            return obj
        if full.startswith("torch.") and _safe_globals.lookup("flambeau." + full[len("torch."):])[0]:
            raise CheckpointError(f"this checkpoint holds a whole {full} object saved by PyTorch: flambeau "
                                  "loads whole objects saved by flambeau only (the two libraries' objects "
                                  "hold different attributes). Save model.state_dict() in PyTorch and load "
                                  "it with load_state_dict")
        shown = full[len("builtins."):] if full.startswith("builtins.") else full
        raise pickle.UnpicklingError(
            f"Unsupported global: GLOBAL {shown} was not an allowed global by default. Please use "
            f"`torch.serialization.add_safe_globals([{shown}])` or the "
            f"`torch.serialization.safe_globals([{shown}])` context manager to allowlist this global "
            "if you trust this class/function.")

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] in ("storage", b"storage")):
            raise pickle.UnpicklingError(f"unexpected persistent id {str(pid)[:80]}")
        _, kind, key, _location, numel = pid
        return self._storage(key.decode() if isinstance(key, bytes) else str(key), kind)

    def load_build(self) -> None:
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) is OrderedDict and isinstance(state, dict):
            inst.__dict__.update(state)
            return
        if isinstance(inst, Tensor) and not state:
            return
        if isinstance(inst, _safe_globals.allowed_types()):  # an allowlisted class: pickle's BUILD
            if getattr(type(inst), "__setstate__", None) is not None:
                inst.__setstate__(state)
                return
            slots = None
            if isinstance(state, tuple) and len(state) == 2:
                state, slots = state
            if state:
                inst.__dict__.update(state)
            for k, v in (slots or {}).items():
                setattr(inst, k, v)
            return
        raise pickle.UnpicklingError("Can only build Tensor, Parameter, OrderedDict or types allowlisted "
                                     f"via `add_safe_globals`, but got {type(inst)}")

    dispatch[pickle.BUILD[0]] = load_build


def _wrap(message: str) -> str:
    """PyTorch's text around an unpickling refusal."""
    if "was not an allowed global by default" in message:
        return ("Weights only load failed. This file can still be loaded, to do so you have two options, "
                "\033[1mdo those steps only if you trust the source of the checkpoint\033[0m. "
                f"\n\t(1) {_UNSAFE}\n\t(2) Alternatively, to load with `weights_only=True` please check "
                "the recommended steps in the following error message.\n\tWeightsUnpickler error: "
                + message + _DOCS)
    text = f"Weights only load failed. {_UNSAFE}\n"
    if "is blocked" not in message:
        text += ("Please file an issue with the following so that we can make `weights_only=True` "
                 "compatible with your use case: WeightsUnpickler error: ")
    return text + "\n\n" + message + _DOCS


def load(source: Any, name: str) -> Any:
    """The object in the PyTorch zip checkpoint ``source`` (a path or a binary file object)."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, EOFError) as e:
        raise CheckpointError(f"{name} is not a valid PyTorch checkpoint (a damaged zip archive: {e})") from None
    with archive:
        entries = archive.namelist()
        pickles = [e for e in entries if e.endswith("data.pkl") and e.count("/") == 1]
        if not pickles:
            raise CheckpointError(f"{name} is a zip archive without data.pkl: not a PyTorch checkpoint")
        prefix = pickles[0][: -len("data.pkl")]
        order = "little"
        if prefix + "byteorder" in entries:
            order = archive.read(prefix + "byteorder").decode().strip()
        loaded: dict[str, _Storage] = {}

        def storage(key: str, kind: Any) -> _Storage:
            if key not in loaded:
                record = f"{prefix}data/{key}"
                if record not in entries:
                    raise CheckpointError(f"{name}: storage {key!r} is missing from the archive")
                loaded[key] = _Storage(bytearray(archive.read(record)), _element(kind, name), order == "big")
            return loaded[key]

        try:
            return _Unpickler(archive.read(pickles[0]), storage).load()
        except pickle.UnpicklingError as e:
            raise WeightsOnlyError(_wrap(str(e))) from None
        except TypeError as e:
            raise CheckpointError(f"{name}: {e}") from None
        except (EOFError, IndexError, KeyError, struct.error, ValueError) as e:
            if isinstance(e, CheckpointError):
                raise
            raise CheckpointError(f"{name}: corrupt data.pkl ({type(e).__name__}: {e})") from None
