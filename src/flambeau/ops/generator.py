"""PyTorch's CPU random number generator, number for number.

``torch.manual_seed(s)`` seeds a Mersenne Twister (mt19937) with the low 32 bits of ``s`` (the
textbook initialisation); every distribution then turns its 32-bit draws (``random()``) or 64-bit
draws (two of them, the first as the high half: ``random64()``) into values in a fixed way (see
:mod:`flambeau.ops.sampling`). NumPy ships the same Mersenne Twister (``numpy.random.MT19937``,
raw 32-bit outputs, settable state): flambeau drives it vectorised, so drawing a million numbers
costs a few NumPy calls. Box-Muller's second value is cached in the generator between calls, as
PyTorch does, and ``get_state()`` returns PyTorch's 5056-byte state layout, so a state saved by one
library restores the other.
"""

from __future__ import annotations

import os
import struct
from typing import Any

import numpy as np

DEFAULT_SEED = 67280421310721  # PyTorch's default_rng_seed_val
STATE_BYTES = 5056             # sizeof(CPUGeneratorImplState)
_N = 624
_U64 = np.uint64


def _mt_key(seed: int) -> np.ndarray:
    """The 624 words of mt19937 initialised from a 32-bit seed (Knuth's multiplier 1812433253)."""
    key = np.empty(_N, dtype=np.uint32)
    x = seed & 0xFFFFFFFF
    key[0] = x
    for j in range(1, _N):
        x = (1812433253 * (x ^ (x >> 30)) + j) & 0xFFFFFFFF
        key[j] = x
    return key


class Generator:
    """A stream of random numbers, PyTorch's CPU generator: ``manual_seed``, ``seed``,
    ``initial_seed``, ``get_state`` and ``set_state``; pass it as ``generator=``.

    Example::

        >>> g = flambeau.Generator().manual_seed(2147483647)
        >>> flambeau.rand(3, generator=g)      # the numbers torch.rand(3, generator=g) gives
    """

    def __init__(self, device: Any = "cpu") -> None:
        self.device = device
        self.manual_seed(DEFAULT_SEED)

    # ------------------------------------------------------------------ seeding and state
    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed`` (negative seeds count modulo 2**64, as in PyTorch)."""
        seed = int(seed)
        if not -2**63 <= seed < 2**64:  # PyTorch's range: a C long long or an unsigned one
            raise ValueError("Overflow when unpacking long long")
        seed &= 0xFFFFFFFFFFFFFFFF
        self._seed = seed
        self._bits = np.random.MT19937(0)
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": _mt_key(seed), "pos": _N}}
        self._fresh = True  # seeded, nothing drawn yet (PyTorch's state then says next = 0)
        self.next_double_normal: float | None = None
        self.next_float_normal: float | None = None
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy; returns the seed."""
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Any:
        """The state as PyTorch lays it out: a uint8 tensor of 5056 bytes."""
        from ..tensor import _make

        st = self._bits.state["state"]
        pos = int(st["pos"])
        nxt = 0 if self._fresh else pos
        left = 625 - pos
        head = struct.pack("<QiiQ", self._seed, left, 1, nxt)
        words = np.asarray(st["key"], dtype=np.uint32).astype("<u8").tobytes()
        normal_valid = self.next_double_normal is not None
        tail = struct.pack("<dddi4x", 0.0, self.next_double_normal if normal_valid else 0.0, 0.0, int(normal_valid))
        float_valid = self.next_float_normal is not None
        tail += struct.pack("<f?3x", self.next_float_normal if float_valid else 0.0, float_valid)
        raw = head + words + tail
        assert len(raw) == STATE_BYTES
        return _make(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state: Any) -> Generator:
        """Restore a state from :meth:`get_state` (or from PyTorch's ``get_rng_state()``)."""
        data = np.asarray(getattr(new_state, "_data", new_state))
        if data.dtype != np.uint8:
            raise RuntimeError(f"expected a torch.ByteTensor, but got {_type_name(data)}")
        if data.size != STATE_BYTES:
            raise RuntimeError(f"Expected either a CPUGeneratorImplStateLegacy of size 5048 or a "
                               f"CPUGeneratorImplState of size 5056 but found the input RNG state size to be "
                               f"{data.size}")
        raw = data.tobytes()
        seed, left, _seeded, nxt = struct.unpack_from("<QiiQ", raw, 0)
        key = np.frombuffer(raw, dtype="<u8", count=_N, offset=24).astype(np.uint32)
        _x, normal_y, _rho, normal_valid = struct.unpack_from("<dddi", raw, 24 + 8 * _N)
        float_sample, float_valid = struct.unpack_from("<f?", raw, 24 + 8 * _N + 32)
        if not 1 <= left <= _N:
            raise RuntimeError(f"Invalid mt19937 state: left = {left} is not in [1, 624]")
        self._seed = seed
        self._bits = np.random.MT19937(0)
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": 625 - left}}
        self._fresh = left == 1 and nxt == 0
        self.next_double_normal = normal_y if normal_valid else None
        self.next_float_normal = float(float_sample) if float_valid else None
        return self

    def clone_state(self) -> Generator:
        """A copy with the same state (the copy and the original then give the same numbers)."""
        other = Generator.__new__(Generator)
        other.device = self.device
        other._seed = self._seed
        other._bits = np.random.MT19937(0)
        other._bits.state = self._bits.state
        other._fresh = self._fresh
        other.next_double_normal = self.next_double_normal
        other.next_float_normal = self.next_float_normal
        return other

    # ------------------------------------------------------------------ raw draws
    def random32(self, n: int) -> np.ndarray:
        """``n`` draws of PyTorch's ``random()``: 32-bit words (as uint64)."""
        if n <= 0:
            return np.empty(0, dtype=_U64)
        self._fresh = False
        return self._bits.random_raw(int(n))

    def random64(self, n: int) -> np.ndarray:
        """``n`` draws of ``random64()``: two words each, the first the high half."""
        r = self.random32(2 * n)
        return (r[0::2] << _U64(32)) | r[1::2]

    # ------------------------------------------------------------------ distributions
    # NumPy-like names, PyTorch's algorithms (see ops/sampling.py); ``dtype`` chooses how many
    # bits each value takes, as in PyTorch, so pass the tensor's dtype.
    def random(self, size: Any = None, dtype: Any = np.float64) -> np.ndarray:
        from .sampling import uniform

        return uniform(self, 0.0, 1.0, size, dtype)

    def uniform(self, low: float = 0.0, high: float = 1.0, size: Any = None, dtype: Any = np.float64) -> np.ndarray:
        from .sampling import uniform

        return uniform(self, low, high, size, dtype)

    def normal(self, loc: float = 0.0, scale: float = 1.0, size: Any = None, dtype: Any = np.float64) -> np.ndarray:
        from .sampling import normal

        return normal(self, loc, scale, size, dtype)

    def standard_normal(self, size: Any = None, dtype: Any = np.float64) -> np.ndarray:
        return self.normal(0.0, 1.0, size, dtype)

    def integers(self, low: int, high: int | None = None, size: Any = None, dtype: Any = np.int64) -> np.ndarray:
        from .sampling import integers

        if high is None:
            low, high = 0, low
        return integers(self, low, high, size, dtype)

    def permutation(self, n: int) -> np.ndarray:
        from .sampling import permutation

        return permutation(self, n)

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {id(self):#x}>"


def _type_name(a: np.ndarray) -> str:
    names = {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor", "int32": "IntTensor"}
    return "torch." + names.get(a.dtype.name, a.dtype.name)


default_generator = Generator()
