"""Reading IDX files, the format of MNIST (``train-images-idx3-ubyte`` and friends).

An IDX file is a 4-byte magic number, then one big-endian 32-bit size per dimension, then the
values, big-endian, in C order. The magic number is two zero bytes, a type code and the number
of dimensions: ``00 00 08 03`` is a 3-D array of unsigned bytes (MNIST's images), ``00 00 08 01``
a vector of them (its labels). Files may be gzip-compressed (recognised by their first bytes).
"""

from __future__ import annotations

import gzip
import os
import stat
import zlib
from typing import BinaryIO, Union

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


MAX_BYTES = 2**31  # the most data read_idx reads (MNIST's training images take 47 MB)


class IDXError(ValueError):
    """A file that is not a valid IDX file (the message names the file and what is wrong)."""


def _open(path: str) -> BinaryIO:
    """``path`` opened for reading, decompressed on the fly if it is gzip, after checking that it
    is a regular file (a device or a FIFO would never end)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"IDX file not found: {path}") from None
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"{path} is a directory, not an IDX file")
    if not stat.S_ISREG(mode):
        raise IDXError(f"{path} is not a regular file (a device, FIFO or socket), not an IDX file")
    f = open(path, "rb")
    if f.read(2) == _GZIP_MAGIC:
        f.seek(0)
        return gzip.GzipFile(fileobj=f, mode="rb")  # type: ignore[return-value]
    f.seek(0)
    return f


def _read(f: BinaryIO, n: int, name: str) -> bytes:
    """At most ``n`` bytes of ``f``; a broken gzip stream raises :class:`IDXError`."""
    try:
        return f.read(n)
    except (OSError, EOFError, zlib.error) as e:
        raise IDXError(f"{name}: broken or truncated gzip data ({e})") from None


def read_idx(path: PathLike, max_bytes: int | None = None) -> Tensor:
    """The array stored in the IDX file at ``path`` (gzip-compressed or not), as a tensor of the
    file's type: uint8, int8, int16, int32, float32 or float64.

    The header is read first; the data is then read (and decompressed) only up to the size the
    header gives, at most ``max_bytes`` (default :data:`MAX_BYTES`, 2 GiB): a small gzip file that
    would expand to gigabytes is refused without being expanded.

    Raises ``FileNotFoundError`` for a missing file and :class:`IDXError` (a ``ValueError``)
    for a wrong magic number, an unknown type code, a header announcing more than ``max_bytes``,
    a file shorter or longer than its header says, or broken gzip data.
    """
    name = os.fspath(path)
    limit = MAX_BYTES if max_bytes is None else max_bytes
    with _open(name) as f:
        magic = _read(f, 4, name)
        if len(magic) < 4:
            raise IDXError(f"{name}: truncated IDX file: {len(magic)} bytes, not even the 4-byte magic number")
        zero, code, ndim = magic[:2], magic[2], magic[3]
        if zero != b"\x00\x00" or code not in IDX_TYPES:
            raise IDXError(f"{name}: not an IDX file: magic number 0x{magic.hex()} (an IDX file starts "
                           "with 00 00, a type code among "
                           f"{', '.join(f'{c:02x}' for c in IDX_TYPES)}, and the number of dimensions)")
        sizes = _read(f, 4 * ndim, name)
        if len(sizes) < 4 * ndim:
            raise IDXError(f"{name}: truncated IDX file: the header of a {ndim}-dimensional array takes "
                           f"{4 + 4 * ndim} bytes, the file has {4 + len(sizes)}")
        shape = tuple(int(s) for s in np.frombuffer(sizes, dtype=">u4"))
        dtype = IDX_TYPES[code]
        expected = dtype.itemsize
        for s in shape:
            expected *= s
        if expected > limit:
            raise IDXError(f"{name}: its header announces shape {list(shape)} of {dtype.name}, "
                           f"{expected / 1e9:.3g} GB of data, more than the {limit / 1e9:.3g} GB read_idx "
                           "reads (max_bytes): a corrupt header, or a file too large")
        raw = _read(f, expected + 1, name)  # one byte more tells a file that is too long
    found = len(raw)
    if found < expected:
        raise IDXError(f"{name}: truncated IDX file: shape {list(shape)} of {dtype.name} needs "
                       f"{expected} bytes of data, the file has {found}")
    if found > expected:
        raise IDXError(f"{name}: unexpected bytes after the data of shape {list(shape)} "
                       "(is the header wrong?)")
    values = np.frombuffer(raw, dtype=dtype).reshape(shape)
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
