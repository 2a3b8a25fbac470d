"""One vector for all the parameters of a model, and back, as
``torch.nn.utils.parameters_to_vector`` and ``vector_to_parameters``: what second-order methods
and hand-written optimizers use to see a model as a point :math:`\\theta \\in \\mathbb{R}^n`."""

from __future__ import annotations

from collections.abc import Iterable

from ...ops.shape import cat
from ...tensor import Tensor


def _typename(obj: object) -> str:
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in ("builtins", None) else f"{module}.{cls.__qualname__}"


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and joined, in order, into one 1-dimensional tensor (part of
    the graph: gradients flow back to each parameter).

    Shape:
        - Output: :math:`(n)`, :math:`n` the total number of parameter values.

    Example::

        >>> theta = nn.utils.parameters_to_vector(model.parameters())
    """
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Cut ``vec`` into consecutive slices, one per parameter, and make each the parameter's
    new data (reshaped to it), as PyTorch's ``param.data = ...`` does.

    Example::

        >>> nn.utils.vector_to_parameters(theta * 0.5, model.parameters())
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    start = 0
    for p in parameters:
        n = p.numel()
        p.data = vec[start:start + n].view_as(p).data
        start += n
