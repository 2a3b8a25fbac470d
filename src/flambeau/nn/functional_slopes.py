"""The leaky ReLUs whose negative slope is their own: ``rrelu`` (random, drawn from the
generator as PyTorch draws it) and ``prelu`` (learnt, one slope or one per channel).

Written like the engine's ops, with PyTorch's formulas and order of operations (see
``functional_activations.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import inplace as _inplace
from ..ops._core import OUT, Tensor, record
from ..ops.random import _gen
from ..ops.sampling import unit
from .functional_activations import NEGATIVE_SLOPE_IN_PLACE, _floating_only


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,  # noqa: A002
          inplace: bool = False, generator: Any = None) -> Tensor:
    r"""Randomised leaky ReLU: :math:`x` if :math:`x > 0` else :math:`a x`. In training,
    :math:`a \sim U(\text{lower}, \text{upper})`, drawn for each non-positive element from the
    generator (as PyTorch draws them); in evaluation, the mean slope
    :math:`(\text{lower} + \text{upper}) / 2`. d/dx = 1 or :math:`a`.

    Shape: any; the output has the input's shape.
    """
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if inplace:
        return _inplace.unary_(input, _rrelu, lower, upper, training, generator, True)
    return _rrelu(input, lower, upper, training, generator, False)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,  # noqa: A002
           training: bool = False, generator: Any = None) -> Tensor:
    return rrelu(input, lower, upper, training, True, generator)


def _rrelu(x: Tensor, lower: float, upper: float, training: bool, generator: Any,
           of_result: bool) -> Tensor:
    _floating_only(x, "rrelu_with_noise_out_cpu" if training else "leaky_relu_cpu")
    a = x._data
    name = "RreluWithNoiseBackward1" if of_result else "RreluWithNoiseBackward0"
    if training:
        negative = a <= 0
        noise = np.ones(a.shape, a.dtype)
        lo, hi = (float(np.float32(lower)), float(np.float32(upper))) if a.dtype != np.float64 \
            else (float(lower), float(upper))
        # one float64 uniform per element, u (hi - lo) + lo rounded twice (PyTorch's loop)
        r = unit(_gen(generator), int(np.count_nonzero(negative)), np.float64)
        r *= hi - lo
        r += lo
        noise[negative] = r
        return record(a * noise, name, (x,), lambda g: (noise * g,), ())
    slope = (float(lower) + float(upper)) / 2
    out = np.where(a > 0, a, a * a.dtype.type(slope))

    def backward(g: np.ndarray) -> tuple:
        if of_result and slope < 0:
            raise RuntimeError(NEGATIVE_SLOPE_IN_PLACE)
        return (np.where((out if of_result else a) > 0, g, g * g.dtype.type(slope)),)

    return record(out, name, (x,), backward, (OUT,) if of_result else None)


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    r"""Parametric ReLU: :math:`x` if :math:`x > 0` else :math:`w x`, with one learnt slope
    :math:`w` for all channels or one per channel (dimension 1). d/dx = 1 or :math:`w`;
    d/dw = 0 or :math:`x`, summed over the elements that share the slope.

    Shape:
        - Input: :math:`(*)`; with several slopes :math:`(N, C, *)`.
        - Weight: :math:`(1)` or :math:`(C)`.
        - Output: the input's shape.
    """
    a, w = input._data, weight._data
    if a.dtype != w.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {input.dtype.scalar_name} and "
                           f"{weight.dtype.scalar_name}")
    if w.size != 1:
        if a.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = a.shape[1] if a.ndim > 1 else 1
        if channels != w.size:
            raise RuntimeError("Mismatch of parameter numbers and input channel size. Found parameter "
                               f"numbers = {w.size} and channel size = {channels}.")
    if w.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {w.ndim}")
    _floating_only(input, "prelu_cpu")
    if a.ndim != w.ndim:
        shape = [1] * a.ndim
        if a.ndim > 1:
            shape[1] = w.size
        weight = weight.reshape(shape)
        w = weight._data
    positive = a > 0
    out = np.where(positive, a, w * a)
    wshape = w.shape

    def backward(g: np.ndarray) -> tuple:
        gx = np.where(positive, g, w * g)
        gw = np.where(positive, g.dtype.type(0), a * g)
        lead = gw.ndim - len(wshape)
        axes = tuple(range(lead)) + tuple(lead + k for k, n in enumerate(wshape) if n == 1)
        return gx, gw.sum(axis=axes).reshape(wshape) if axes else gw

    return record(out, "PreluKernelBackward0", (input, weight), backward)


# PyTorch has it as a Tensor method too: ``x.prelu(w)``
Tensor.prelu = prelu  # type: ignore[attr-defined]

__all__ = ["rrelu", "rrelu_", "prelu"]
