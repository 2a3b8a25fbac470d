r"""Batches of sequences of different lengths: ``pad_sequence`` (pad to the longest),
``pack_padded_sequence`` / ``pad_packed_sequence`` (a ``PackedSequence`` keeps only the real
steps, so a recurrent layer skips the padding), ``pack_sequence``, ``unpad_sequence``.

A ``PackedSequence`` stores the steps time by time: first step 0 of every sequence, then step
1 of the sequences at least 2 long, and so on; ``batch_sizes[t]`` counts the sequences longer
than t. The batch is sorted by decreasing length (``sorted_indices``) and put back in its
order on unpacking (``unsorted_indices``). Moving between the two layouts is an index
operation; its gradient goes back through the same indices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ...ops._core import Tensor, _make, record


class PackedSequence(NamedTuple):
    """``(data, batch_sizes, sorted_indices, unsorted_indices)``: ``data`` is
    :math:`(\\sum_t \\text{batch\\_sizes}[t], *)`; ``batch_sizes`` an int64 tensor."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self._replace(data=self.data.to(*args, **kwargs))

    def float(self) -> PackedSequence:
        return self._replace(data=self.data.float())

    def double(self) -> PackedSequence:
        return self._replace(data=self.data.double())

    def cpu(self) -> PackedSequence:
        return self

    @property
    def is_cuda(self) -> bool:
        return False


def _positions(batch_sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(time, batch) of each row of the packed data."""
    bs = np.asarray(batch_sizes, dtype=np.int64)
    t = np.repeat(np.arange(len(bs)), bs)
    b = np.concatenate([np.arange(n) for n in bs]) if len(bs) else np.zeros(0, np.int64)
    return t, b


def _packed_to_padded(data: Tensor, batch_sizes: np.ndarray) -> Tensor:
    """(sum of batch_sizes, *) -> (T, B, *), zeros where a sequence has ended."""
    t, b = _positions(batch_sizes)
    a = data._data
    out = np.zeros((len(batch_sizes), int(batch_sizes[0]) if len(batch_sizes) else 0) + a.shape[1:], a.dtype)
    out[t, b] = a
    return record(out, "PackedToPaddedBackward0", (data,), lambda g: (g[t, b],))


def _padded_to_packed(padded: Tensor, batch_sizes: np.ndarray) -> Tensor:
    """(T, B, *) -> (sum of batch_sizes, *): the real steps only."""
    t, b = _positions(batch_sizes)
    a = padded._data

    def backward(g: np.ndarray) -> tuple:
        gx = np.zeros(a.shape, g.dtype)
        gx[t, b] = g
        return (gx,)

    return record(a[t, b], "PaddedToPackedBackward0", (padded,), backward)


def _lengths(lengths: Any) -> np.ndarray:
    if isinstance(lengths, Tensor):
        return lengths._data.astype(np.int64).reshape(-1)
    return np.asarray(lengths, dtype=np.int64).reshape(-1)


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,  # noqa: A002
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) whose sequence i is
    ``lengths[i]`` long. With ``enforce_sorted=False`` the lengths may come in any order.

    Example::

        >>> x = torch.randn(4, 3, 8)                        # 3 sequences, the longest 4 steps
        >>> packed = pack_padded_sequence(x, [4, 2, 1])
        >>> packed.batch_sizes
        tensor([3, 2, 1, 1])
    """
    n = _lengths(lengths)
    if enforce_sorted:
        if np.any(n[:-1] < n[1:]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can "
                "pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this "
                "requirement if you do not need ONNX exportability.")
        sorted_indices = None
        order = np.arange(len(n))
    else:
        order = np.argsort(-n, kind="stable")
        sorted_indices = _make(order.astype(np.int64))
    x = input.transpose(0, 1) if batch_first else input
    if len(n) != x.shape[1]:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(n)} (batch_size={x.shape[1]})")
    if n.size and n.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if n.size and n.max() > x.shape[0]:
        raise RuntimeError(f"Expected a sequence of length at most {x.shape[0]} (the padded length), got "
                           f"lengths {n.tolist()}")
    if sorted_indices is not None:
        x = x.index_select(1, sorted_indices)
    ns = n[order]
    batch_sizes = (ns[None, :] > np.arange(int(ns[0]))[:, None]).sum(axis=1).astype(np.int64)
    data = _padded_to_packed(x, batch_sizes)
    unsorted = None if sorted_indices is None else _make(np.argsort(order).astype(np.int64))
    return PackedSequence(data, _make(batch_sizes), sorted_indices, unsorted)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Undo ``pack_padded_sequence``: the padded batch ``(T, B, *)`` (``(B, T, *)`` with
    ``batch_first``) filled with ``padding_value``, and the lengths (int64), in the batch's
    original order."""
    bs = sequence.batch_sizes._data
    T = len(bs)
    if total_length is not None:
        if total_length < T:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in "
                             f"input, but got total_length={total_length} and max sequence length being {T}")
    padded = _packed_to_padded(sequence.data, bs)
    lengths = (bs[None, :] > np.arange(int(bs[0]))[:, None]).sum(axis=1).astype(np.int64)
    if padding_value != 0:
        mask = np.arange(T)[:, None] >= lengths[None, :]
        padded = padded.masked_fill(_make(mask.reshape(mask.shape + (1,) * (padded.ndim - 2))), padding_value)
    if total_length is not None and total_length > T:
        from ...ops.creation import full

        extra = full((total_length - T,) + tuple(padded.shape[1:]), padding_value, dtype=padded.dtype)
        from ...ops.shape import cat

        padded = cat([padded, extra], 0)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices._data]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, _make(lengths)


def pad_sequence(sequences: Sequence[Tensor] | Tensor, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of shape ``(L_i, *)`` into ``(L_max, B, *)`` (``(B, L_max, *)`` with
    ``batch_first``), padded with ``padding_value`` on the right (or the left)."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    seqs = list(sequences.unbind(0)) if isinstance(sequences, Tensor) else list(sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    from ... import _dtype as dt

    d = dt.result_type(*seqs).np
    L = max(s.shape[0] for s in seqs)
    trail = tuple(seqs[0].shape[1:])
    out = np.full((len(seqs), L) + trail, padding_value, dtype=d)
    where = []
    for i, s in enumerate(seqs):
        n = s.shape[0]
        w = (i, slice(0, n)) if padding_side == "right" else (i, slice(L - n, L))
        out[w] = s._data
        where.append(w)
    if not batch_first:
        out = np.ascontiguousarray(out.swapaxes(0, 1))

    def backward(g: np.ndarray) -> tuple:
        gb = g if batch_first else g.swapaxes(0, 1)
        return tuple(gb[w].astype(s._data.dtype, copy=False) for w, s in zip(where, seqs))

    return record(out, "PadSequenceBackward0", tuple(seqs), backward)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """``pack_padded_sequence(pad_sequence(sequences), lengths)``."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False) -> list[Tensor]:
    """The sequences of a padded batch, each cut to its length."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :int(n)] for i, n in enumerate(_lengths(lengths))]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The sequences of a ``PackedSequence``, each at its length, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence"]
