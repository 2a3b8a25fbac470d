r"""``flambeau.testing.assert_close``: PyTorch's comparison of results, for students' checks and
tests, with PyTorch's default tolerances and messages.

Two tensors are close when every element satisfies
:math:`|a - e| \le \text{atol} + \text{rtol} \cdot |e|` (``isclose``), after their shapes and
dtypes are found equal. The default tolerances follow the dtype (float16: ``rtol=1e-3,
atol=1e-5``; bfloat16: ``1.6e-2, 1e-5``; float32: ``1.3e-6, 1e-5``; float64: ``1e-7, 1e-7``;
integers and booleans: exact). Numbers compare with numbers, sequences and mappings item by item.

Example::

    >>> torch.testing.assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]))
    AssertionError: Tensor-likes are not close!
    <BLANKLINE>
    Mismatched elements: 1 / 2 (50.0%)
    Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)
    Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from . import _dtype as dt
from .tensor import Tensor, _make

__all__ = ["assert_close"]

_TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
               "float64": (1e-7, 1e-7)}


def _tolerances(*dtypes: Any) -> tuple[float, float]:
    pairs = [_TOLERANCES.get(d.name, (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _type_name(v: Any) -> str:
    return "<class 'torch.Tensor'>" if isinstance(v, Tensor) else str(type(v))


def _mismatch(identifier: str, extra: str, abs_diff: Any, abs_idx: Any, atol: float, rel_diff: Any, rel_idx: Any,
              rtol: float) -> str:
    equality = rtol == 0 and atol == 0

    def line(kind: str, diff: Any, idx: Any, tol: float) -> str:
        text = f"{kind.title()} difference: {diff}" if idx is None else f"Greatest {kind} difference: {diff} at index {idx}"
        return text + ("" if equality else f" (up to {tol} allowed)") + "\n"

    text = f"{identifier} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    text += line("absolute", abs_diff, abs_idx, atol) + line("relative", rel_diff, rel_idx, rtol)
    return text.strip()


def _scalars(actual: Any, expected: Any, rtol: float, atol: float, equal_nan: bool) -> str | None:
    if actual == expected or abs(actual - expected) <= atol + rtol * abs(expected):
        return None
    if equal_nan and actual != actual and expected != expected:
        return None
    return _scalar_message(actual, expected, rtol, atol)


def _scalar_message(actual: Any, expected: Any, rtol: float, atol: float) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, atol, rel_diff, None, rtol)


def _tensors(actual: Tensor, expected: Tensor, rtol: float | None, atol: float | None, equal_nan: bool,
             check_dtype: bool) -> str | None:
    if tuple(actual.shape) != tuple(expected.shape):
        return f"The values for attribute 'shape' do not match: {actual.shape} != {expected.shape}."
    if actual.dtype != expected.dtype:
        if check_dtype:
            return f"The values for attribute 'dtype' do not match: {actual.dtype} != {expected.dtype}."
        common = dt.promote_types(actual.dtype, expected.dtype)
        actual, expected = actual.to(common), expected.to(common)
    if rtol is None:
        rtol, atol = _tolerances(actual.dtype, expected.dtype)
    a, e = actual.detach(), expected.detach()
    matches = a.isclose(e, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if bool(matches.all()):
        return None
    if a.ndim == 0:
        return _scalar_message(a.item(), e.item(), rtol, atol)
    m = matches._data.reshape(-1)
    af, ef = a._data.reshape(-1), e._data.reshape(-1)
    if not a.dtype.is_floating_point:
        af, ef = af.astype(np.int64), ef.astype(np.int64)
    abs_diff = _make(np.abs(af - ef))
    abs_diff._data[m] = 0
    rel_diff = abs_diff / _make(np.abs(ef))  # PyTorch's true division (integers: the default float dtype)
    rel_diff._data[m] = 0
    abs_i, rel_i = _argmax(abs_diff._data), _argmax(rel_diff._data)
    n = m.size
    bad = n - int(m.sum())
    extra = f"Mismatched elements: {bad} / {n} ({bad / n:.1%})"
    shape = tuple(a.shape)
    return _mismatch("Tensor-likes", extra, abs_diff._data[abs_i].item(), _index(abs_i, shape),
                     atol, rel_diff._data[rel_i].item(), _index(rel_i, shape), rtol)


def _index(flat: int, shape: tuple) -> tuple:
    return tuple(int(i) for i in np.unravel_index(flat, shape))


def _argmax(v: np.ndarray) -> int:
    """The first index of the largest value, NaN counting as the largest (as torch.max)."""
    nan = np.isnan(v) if v.dtype.kind == "f" else np.zeros(v.shape, bool)
    return int(np.argmax(nan)) if nan.any() else int(np.argmax(v))


def _compare(actual: Any, expected: Any, rtol: float | None, atol: float | None, equal_nan: bool,
             check_dtype: bool, where: str) -> tuple[str, str] | None:
    """(message, where) of the first difference, or None."""
    if isinstance(actual, np.ndarray):
        actual = _make(actual)
    if isinstance(expected, np.ndarray):
        expected = _make(expected)
    if isinstance(actual, Tensor) and isinstance(expected, Tensor):
        msg = _tensors(actual, expected, rtol, atol, equal_nan, check_dtype)
        return None if msg is None else (msg, where)
    numbers = (int, float, bool, np.number, np.bool_)
    if isinstance(actual, numbers) and isinstance(expected, numbers):
        if check_dtype and type(actual) is not type(expected):
            return (f"The values for attribute 'dtype' do not match: {type(actual)} != {type(expected)}.", where)
        if rtol is None:
            rtol, atol = (1e-7, 1e-7) if isinstance(actual, float) or isinstance(expected, float) else (0.0, 0.0)
        msg = _scalars(actual, expected, rtol, atol, equal_nan)
        return None if msg is None else (msg, where)
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            missing = sorted(set(expected) - set(actual), key=repr)
            extra = sorted(set(actual) - set(expected), key=repr)
            text = "The keys of the mappings do not match:\n"
            if missing:
                text += f"Missing keys in the actual mapping: {missing}\n"
            if extra:
                text += f"Extra keys in the actual mapping: {extra}\n"
            return (text.strip(), where)
        for k in expected:
            found = _compare(actual[k], expected[k], rtol, atol, equal_nan, check_dtype, f"{where}[{k!r}]")
            if found:
                return found
        return None
    if isinstance(actual, Sequence) and isinstance(expected, Sequence) and not isinstance(actual, str) \
            and not isinstance(expected, str):
        if len(actual) != len(expected):
            return (f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", where)
        for i, (x, y) in enumerate(zip(actual, expected)):
            found = _compare(x, y, rtol, atol, equal_nan, check_dtype, f"{where}[{i}]")
            if found:
                return found
        return None
    raise TypeError(f"No comparison pair was able to handle inputs of type {_type_name(actual)} and "
                    f"{_type_name(expected)}.")


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg: str | Callable[[str], str] | None = None) -> None:
    """Raise ``AssertionError`` (PyTorch's message) unless ``actual`` and ``expected`` are close:
    tensors (or NumPy arrays) of the same shape and dtype, numbers, or sequences and mappings of
    them. ``rtol`` and ``atol`` go together; ``equal_nan``: NaN equals NaN; ``check_dtype=False``
    compares in the promoted dtype; ``msg`` replaces the message (a callable gets it)."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'rtol' if rtol is None else 'atol'}.")
    found = _compare(actual, expected, rtol, atol, equal_nan, check_dtype, "")
    if found is None:
        return
    text, where = found
    if where:
        text += f"\n\nThe failure occurred for item {where}"
    if callable(msg):
        text = msg(text)
    elif msg is not None:
        text = msg
    raise AssertionError(text)
