"""Reading IDX files, the format of MNIST (``train-images-idx3-ubyte`` and friends).

An IDX file is a 4-byte magic number, then one big-endian 32-bit size per dimension, then the
values, big-endian, in C order. The magic number is two zero bytes, a type code and the number
of dimensions: ``00 00 08 03`` is a 3-D array of unsigned bytes (MNIST's images), ``00 00 08 01``
a vector of them (its labels). Files may be gzip-compressed (recognised by their first bytes).
"""

from __future__ import annotations

import gzip
import os
import zlib
from typing import Union

import numpy as np

from ..ops.creation import from_numpy
from ..tensor import Tensor

PathLike = Union[str, "os.PathLike[str]"]

# type code -> big-endian NumPy dtype
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """A file that is not a valid IDX file (the message names the file and what is wrong)."""


def _read_bytes(path: PathLike) -> bytes:
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"IDX file not found: {path}")
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise IDXError(f"{path}: broken or truncated gzip data ({e})") from None
    return raw


def read_idx(path: PathLike) -> Tensor:
    """The array stored in the IDX file at ``path`` (gzip-compressed or not), as a tensor of the
    file's type: uint8, int8, int16, int32, float32 or float64.

    Raises ``FileNotFoundError`` for a missing file and :class:`IDXError` (a ``ValueError``)
    for a wrong magic number, an unknown type code, or a file shorter or longer than its
    header says.
    """
    raw = _read_bytes(path)
    name = os.fspath(path)
    if len(raw) < 4:
        raise IDXError(f"{name}: truncated IDX file: {len(raw)} bytes, not even the 4-byte magic number")
    zero, code, ndim = raw[:2], raw[2], raw[3]
    if zero != b"\x00\x00" or code not in IDX_TYPES:
        raise IDXError(f"{name}: not an IDX file: magic number 0x{raw[:4].hex()} (an IDX file starts "
                       "with 00 00, a type code among "
                       f"{', '.join(f'{c:02x}' for c in IDX_TYPES)}, and the number of dimensions)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"{name}: truncated IDX file: the header of a {ndim}-dimensional array takes "
                       f"{header} bytes, the file has {len(raw)}")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_TYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header
    if found < expected:
        raise IDXError(f"{name}: truncated IDX file: shape {list(shape)} of {dtype.name} needs "
                       f"{expected} bytes of data, the file has {found}")
    if found > expected:
        raise IDXError(f"{name}: {found - expected} unexpected bytes after the data of shape "
                       f"{list(shape)} (is the header wrong?)")
    values = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return from_numpy(values.astype(dtype.newbyteorder("="), copy=True))


def write_idx(path: PathLike, array: np.ndarray | Tensor, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file (gzip-compressed if ``compress``, or, when None, if
    ``path`` ends in ``.gz``). Useful for tests and for making small MNIST-like files."""
    arr = np.asarray(array._data if isinstance(array, Tensor) else array)
    codes = {dt.newbyteorder("="): c for c, dt in IDX_TYPES.items()}
    native = arr.dtype.newbyteorder("=")
    if native not in codes:
        raise TypeError(f"IDX has no type for {arr.dtype}; use uint8, int8, int16, int32, "
                        "float32 or float64")
    if arr.ndim > 255:
        raise ValueError("IDX stores at most 255 dimensions")
    code = codes[native]
    raw = (bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, dtype=">u4").tobytes()
           + np.ascontiguousarray(arr, dtype=IDX_TYPES[code]).tobytes())
    if compress is None:
        compress = os.fspath(path).endswith(".gz")
    with open(path, "wb") as f:
        f.write(gzip.compress(raw) if compress else raw)
