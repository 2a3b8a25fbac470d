"""Memory layouts of tensors, as ``torch.layout``: ``strided`` (a dense array) and
``sparse_coo`` (coordinates and values, ``flambeau.sparse``)."""

from __future__ import annotations


class layout:
    """How a tensor keeps its values: ``flambeau.strided`` (every element, in a NumPy array)
    or ``flambeau.sparse_coo`` (the indices of the non-zero elements and their values)."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def __reduce__(self) -> str:
        return self._name


strided = layout("strided")
sparse_coo = layout("sparse_coo")
