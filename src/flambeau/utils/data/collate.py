"""Collation: turning the list of examples of a batch into tensors.

:func:`default_collate` follows PyTorch's rules, recursively:

- tensors are stacked along a new first dimension (they must have the same shape);
- NumPy arrays and NumPy scalars become tensors of their own dtype, stacked;
- Python floats become a float64 tensor, ints an int64 tensor, bools a bool tensor;
- strings and bytes stay a list;
- dicts give a dict of collated values, namedtuples a namedtuple, tuples and lists a *list* of
  collated fields (``[(x0, y0), (x1, y1)]`` gives ``[stack(x0, x1), stack(y0, y1)]``).
"""

from __future__ import annotations

import collections.abc
import numbers
from typing import Any

import numpy as np

from ...ops.creation import from_numpy
from ...ops.shape import stack
from ...tensor import Tensor

_ELEMENT_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _numpy_array(values: Any, what: Any) -> Tensor:
    """A tensor from NumPy data, refusing dtypes a tensor cannot hold (strings, objects)."""
    arr = np.asarray(values)
    if arr.dtype.kind in "USOV":
        raise TypeError(_ELEMENT_ERROR.format(arr.dtype))
    try:
        return from_numpy(np.require(arr, requirements="C"))
    except (TypeError, KeyError, ValueError):
        raise TypeError(f"default_collate: NumPy dtype {arr.dtype} (in {what}) has no tensor "
                        "dtype") from None


def _check_same_shape(shapes: list[tuple[int, ...]], kind: str) -> None:
    for i, s in enumerate(shapes):
        if s != shapes[0]:
            raise RuntimeError(
                f"default_collate: cannot stack the {kind}s of this batch: sample 0 has shape "
                f"{list(shapes[0])} but sample {i} has shape {list(s)}. Examples of different "
                "sizes need a collate_fn that pads or keeps them in a list")


def _collate_numbers(batch: list) -> Tensor:
    if all(isinstance(b, bool) for b in batch):
        return from_numpy(np.array(batch, dtype=np.bool_))
    if all(isinstance(b, numbers.Integral) and not isinstance(b, bool) for b in batch):
        return from_numpy(np.array(batch, dtype=np.int64))
    if all(isinstance(b, numbers.Real) for b in batch):
        return from_numpy(np.array(batch, dtype=np.float64))
    raise TypeError(_ELEMENT_ERROR.format(type(next(b for b in batch if not isinstance(b, numbers.Real)))))


def default_collate(batch: list) -> Any:
    """Merge a list of examples into a batch of tensors (see the module docstring for the rules).

    >>> default_collate([(flambeau.zeros(2), 1), (flambeau.ones(2), 0)])
    [tensor([[0., 0.], [1., 1.]]), tensor([1, 0])]
    """
    if not isinstance(batch, (list, tuple)):
        batch = list(batch)
    if not batch:
        raise ValueError("default_collate: the batch is empty")
    elem = batch[0]
    if isinstance(elem, Tensor):
        if not all(isinstance(b, Tensor) for b in batch):
            raise TypeError("default_collate: sample 0 is a tensor but not every sample is")
        _check_same_shape([tuple(b.shape) for b in batch], "tensor")
        return stack(batch, 0)
    if isinstance(elem, np.ndarray):
        _check_same_shape([np.shape(b) for b in batch], "NumPy array")
        return _numpy_array(np.stack(batch), "a batch of arrays")
    if isinstance(elem, np.generic):
        return _numpy_array(np.array(batch), "a batch of NumPy scalars")
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, numbers.Number):
        return _collate_numbers(batch)
    if isinstance(elem, collections.abc.Mapping):
        out = {}
        for key in elem:
            values = []
            for i, d in enumerate(batch):
                if key not in d:
                    raise KeyError(f"default_collate: sample {i} has no key {key!r} (sample 0 has it)")
                values.append(d[key])
            out[key] = default_collate(values)
        if type(elem) is dict:
            return out
        try:
            return type(elem)(out)
        except TypeError:
            return out
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(b) != len(elem) for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size "
                               f"(default_collate got sequences of lengths {[len(b) for b in batch]})")
        fields = [default_collate(s) for s in zip(*batch)]
        if isinstance(elem, (tuple, list)):
            return fields
        try:
            return type(elem)(fields)
        except TypeError:
            return fields
    raise TypeError(_ELEMENT_ERROR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays and NumPy scalars into tensors, recursively through dicts, namedtuples
    and sequences, leaving everything else as it is (used when a DataLoader does not batch)."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
        return data if arr.dtype.kind in "USOV" else _numpy_array(arr, "an example")
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        out = {k: default_convert(v) for k, v in data.items()}
        try:
            return out if type(data) is dict else type(data)(out)
        except TypeError:
            return out
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence):
        items = [default_convert(d) for d in data]
        try:
            return items if isinstance(data, list) else type(data)(items)
        except TypeError:
            return items
    return data
