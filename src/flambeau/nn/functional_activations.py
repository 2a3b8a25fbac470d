"""The activations beyond ReLU, as ``torch.nn.functional`` has them: the ELU family (``elu``,
``selu``, ``celu``), the smooth ones (``mish``, ``logsigmoid``, ``softsign``, ``tanhshrink``,
``glu``) and the piecewise linear ones (``hardswish``, ``hardsigmoid``, ``threshold``,
``softshrink``, ``hardshrink``); ``rrelu`` and ``prelu`` are in ``functional_slopes.py``.

Each is written like the engine's ops: the forward value and its local derivative side by side,
with PyTorch's formulas, in PyTorch's order of operations (so that a gradient from above holding
inf, nan or -0 gives PyTorch's result bit for bit): where PyTorch selects (a mask), a selection
(``np.where``, ``np.copyto(where=)``), never a product with the mask (inf * 0 would be nan).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import inplace as _inplace
from ..ops import unary as _unary
from ..ops._core import OUT, Tensor, _wrap_dim, keep_where, record

# PyTorch's refusal of the backward of an in-place leaky ReLU (or RReLU) with a negative slope
NEGATIVE_SLOPE_IN_PLACE = (
    "In-place leakyReLu backward calculation is triggered with a negative slope which is not "
    "supported. This is caused by calling in-place forward function with a negative slope, please "
    "call out-of-place version instead. File an issue at https://github.com/pytorch/pytorch if you "
    "do require supporting in-place leakRelu backward calculation with negative slope")


def _floating_only(x: Tensor, kernel: str) -> None:
    """PyTorch has no integer kernel for these activations."""
    if x._data.dtype.kind not in "fV":
        raise NotImplementedError(f'"{kernel}" not implemented for {x.dtype.scalar_name!r}')


def _apply(op: Any, x: Tensor, inplace: bool, *args: Any) -> Tensor:
    """``op(x, *args)``, or, with ``inplace=True``, ``x`` replaced by it in place (in the graph
    too; PyTorch's error on a leaf that requires grad)."""
    return _inplace.unary_(x, op, *args) if inplace else op(x, *args)


# ------------------------------------------------------------------------------ the ELU family
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _elu_coefficients(a: np.ndarray, alpha: float, scale: float, input_scale: float) -> tuple:
    """PyTorch's ``negcoef = alpha * scale``, ``poscoef = scale``, ``negiptcoef = input_scale``,
    computed in the tensor's precision."""
    t = a.dtype.type
    return t(alpha) * t(scale), t(scale), t(input_scale)


def _elu_forward(x: Tensor, alpha: float, scale: float, input_scale: float) -> tuple:
    """The ELU's value, its positive part's mask and e^{input_scale x} where x <= 0."""
    _floating_only(x, "elu_cpu")
    a = x._data
    neg, pos, inp = _elu_coefficients(a, alpha, scale, input_scale)
    positive = a > 0
    e = np.minimum(a, 0)
    if inp != 1:
        e *= inp
    out = np.expm1(e)
    out *= neg
    np.copyto(out, a * pos if pos != 1 else a, where=positive)
    np.exp(e, out=e)
    return out, positive, e


def _elu(x: Tensor, alpha: float, scale: float, input_scale: float, name: str = "Elu") -> Tensor:
    r"""scale x if x > 0 else scale alpha (e^{input_scale x} - 1).
    d/dx = scale, or input_scale scale alpha e^{input_scale x} (PyTorch's ``EluBackward0``)."""
    out, positive, e = _elu_forward(x, alpha, scale, input_scale)
    neg, pos, inp = _elu_coefficients(out, alpha, scale, _backward_scale(name, alpha, input_scale))
    if inp != out.dtype.type(input_scale):
        e = np.exp(np.minimum(x._data, 0) * inp)

    def backward(g: np.ndarray) -> tuple:
        gx = g * inp  # ((g inp) neg) e, in PyTorch's order
        gx *= neg
        gx *= e
        np.copyto(gx, g * pos, where=positive)
        return (gx,)

    return record(out, name + "Backward0", (x,), backward)


def _backward_scale(name: str, alpha: float, input_scale: float) -> float:
    """CELU's backward uses 1 / alpha with alpha rounded to float32 (PyTorch's
    ``1.0 / alpha.toFloat()``), its forward 1 / alpha in float64."""
    return 1.0 / float(np.float32(alpha)) if name == "Celu" else input_scale


def _elu_of_result(x: Tensor, alpha: float, scale: float, input_scale: float, name: str = "Elu") -> Tensor:
    """elu(x), whose backward reads the result (saved, as PyTorch's in-place form does):
    input_scale (result + scale alpha) where the result is not positive; a negative alpha is
    refused by ``backward`` (PyTorch's ``EluBackward1``)."""
    out = _elu_forward(x, alpha, scale, input_scale)[0]
    neg, pos, inp = _elu_coefficients(out, alpha, scale, _backward_scale(name, alpha, input_scale))

    def backward(g: np.ndarray) -> tuple:
        if alpha < 0:
            raise RuntimeError(
                "In-place elu backward calculation is triggered with a negative slope which is not "
                "supported. This is caused by calling in-place forward function with a negative "
                "slope, please call out-of-place version instead.")
        gx = g * inp
        gx *= out + neg
        np.copyto(gx, g * pos, where=out > 0)
        return (gx,)

    return record(out, name + "Backward1", (x,), backward, (OUT,))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    r"""ELU: :math:`x` if :math:`x > 0` else :math:`\alpha (e^x - 1)`.
    d/dx = 1 or :math:`\alpha e^x`. With ``inplace=True``, ``input`` itself is changed and
    returned, and the gradient is read from the result (:math:`\alpha e^x` = result +
    :math:`\alpha`; PyTorch's ``EluBackward1``: a negative alpha is refused by ``backward``).

    Shape: any; the output has the input's shape.
    """
    return _elu_family(input, alpha, 1.0, 1.0, inplace)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    r"""SELU, the self-normalising ELU: :math:`\lambda x` if :math:`x > 0` else
    :math:`\lambda \alpha (e^x - 1)`, with :math:`\alpha \approx 1.6733`, :math:`\lambda
    \approx 1.0507` (chosen so that activations keep mean 0 and variance 1 through the layers).
    d/dx = :math:`\lambda` or :math:`\lambda \alpha e^x`.

    Shape: any; the output has the input's shape.

    Example::

        >>> F.selu(torch.tensor([-1.0, 0.0, 2.0]))
        tensor([-1.1113,  0.0000,  2.1014])
    """
    return _elu_family(input, _SELU_ALPHA, _SELU_SCALE, 1.0, inplace)


def selu_(input: Tensor) -> Tensor:  # noqa: A002
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    r"""CELU: :math:`\max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))`. d/dx = 1 or
    :math:`e^{x/\alpha}`.

    Shape: any; the output has the input's shape.
    """
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _elu_family(input, alpha, 1.0, 1.0 / alpha, inplace, "Celu")


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    return celu(input, alpha, inplace=True)


def _elu_family(x: Tensor, alpha: float, scale: float, input_scale: float, inplace: bool,
                name: str = "Elu") -> Tensor:
    if inplace:
        return _inplace.unary_(x, _elu_of_result, alpha, scale, input_scale, name)
    return _elu(x, alpha, scale, input_scale, name)


# ------------------------------------------------------------------------------ smooth ones
def _softplus(a: np.ndarray) -> np.ndarray:
    """log(1 + e^a) without overflow."""
    return np.logaddexp(a.dtype.type(0), a)


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    r"""Mish: :math:`x \tanh(\mathrm{softplus}(x))`. With :math:`t = \tanh(\mathrm{softplus}(x))`
    and :math:`s = \sigma(x)`, d/dx = :math:`t + x s (1 - t^2)`.

    Shape: any; the output has the input's shape.
    """
    if inplace:
        return _inplace.unary_(input, mish)
    _floating_only(input, "mish_cpu")
    a = input._data
    t = np.tanh(_softplus(a))

    def backward(g: np.ndarray) -> tuple:
        s = _unary._sigmoid(a)
        local = a * s
        local *= 1 - t * t
        local += t
        return (g * local,)

    return record(a * t, "MishBackward0", (input,), backward)


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    r""":math:`\log \sigma(x) = \min(x, 0) - \log(1 + e^{-|x|})`, computed stably.
    d/dx = :math:`1 - \sigma(x) = e^{-|x|} / (1 + e^{-|x|})` for x < 0, :math:`\sigma(-x)`'s
    mirror for x >= 0, as PyTorch computes it.

    Shape: any; the output has the input's shape.
    """
    _floating_only(input, "log_sigmoid_cpu")
    a = input._data
    buffer = np.exp(-np.abs(a))
    out = np.minimum(a, 0) - np.log1p(buffer)

    def backward(g: np.ndarray) -> tuple:
        z = buffer / (1 + buffer)
        local = np.where(a < 0, 1 - z, z)
        return (local * g,)

    return record(out, "LogSigmoidBackward0", (input,), backward)


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    r""":math:`x / (1 + |x|)` (composed of ``abs``, ``add`` and ``div``, as in PyTorch).

    Shape: any; the output has the input's shape.
    """
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    r""":math:`x - \tanh(x)` (composed of ``tanh`` and ``sub``, as in PyTorch).

    Shape: any; the output has the input's shape.
    """
    return input - input.tanh()


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    r"""Gated linear unit: split ``input`` in two halves :math:`a, b` along ``dim``, then
    :math:`a \otimes \sigma(b)`. d/da = :math:`\sigma(b)`, d/db = :math:`(1 - \sigma(b))
    \sigma(b) a`.

    Shape:
        - Input: :math:`(*, 2N, *)`, ``dim`` of even size.
        - Output: :math:`(*, N, *)`.
    """
    a = input._data
    if a.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = _wrap_dim(dim, a.ndim)
    if a.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {a.shape[d]}")
    _floating_only(input, "glu_cpu")
    first, second = np.split(a, 2, axis=d)
    s = _unary._sigmoid(second)

    def backward(g: np.ndarray) -> tuple:
        gx = np.empty(a.shape, g.dtype)
        g_first, g_second = np.split(gx, 2, axis=d)
        np.multiply(s, g, out=g_first)
        local = (1 - s) * s
        local *= first
        np.multiply(local, g, out=g_second)
        return (gx,)

    return record(first * s, "GluBackward0", (input,), backward)


# ------------------------------------------------------------------------- piecewise linear
def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    r""":math:`\min(\max(x + 3, 0), 6) / 6`. d/dx = 1/6 strictly between -3 and 3, else 0
    (PyTorch's 1/6 is a float32 constant, in float64 too: so is flambeau's).

    Shape: any; the output has the input's shape.
    """
    if inplace:
        return _inplace.unary_(input, hardsigmoid)
    _floating_only(input, "hardsigmoid_cpu")
    a = input._data
    t = a.dtype.type
    out = np.minimum(np.maximum(a + t(3), t(0)), t(6)) / t(6)
    inside = (a > -3) & (a < 3)
    sixth = t(np.float32(1) / np.float32(6))
    return record(out, "HardsigmoidBackward0", (input,),
                  lambda g: (keep_where(g * sixth, inside),))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    r""":math:`x \min(\max(x + 3, 0), 6) / 6`. d/dx = 0 up to -3, :math:`x / 3 + 1/2` between,
    1 from 3 on (PyTorch's choices at -3 and 3).

    Shape: any; the output has the input's shape.
    """
    if inplace:
        return _inplace.unary_(input, hardswish)
    _floating_only(input, "hardswish_cpu")
    a = input._data
    t = a.dtype.type
    out = a * np.minimum(np.maximum(a + t(3), t(0)), t(6))
    out /= t(6)

    def backward(g: np.ndarray) -> tuple:
        gx = a / t(3)
        gx += t(0.5)
        gx *= g
        np.copyto(gx, g, where=a >= 3)
        np.copyto(gx, t(0), where=a <= -3)
        return (gx,)

    return record(out, "HardswishBackward0", (input,), backward)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:  # noqa: A002
    r""":math:`x` if :math:`x > \text{threshold}` else ``value``. d/dx = 1 above the threshold,
    0 elsewhere (``inplace=True`` too: PyTorch's ``ThresholdBackward1`` keeps a copy of the
    input).

    Shape: any; the output has the input's shape.
    """
    return _threshold_apply(input, threshold, value, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    return _threshold_apply(input, threshold, value, True)


def _threshold_apply(x: Tensor, th: float, value: float, inplace: bool) -> Tensor:
    if inplace:
        return _inplace.unary_(x, _threshold, th, value, "ThresholdBackward1")
    return _threshold(x, th, value, "ThresholdBackward0")


def _threshold(x: Tensor, th: float, value: float, name: str) -> Tensor:
    a = x._data
    if a.dtype == np.bool_:
        raise NotImplementedError('"threshold_cpu" not implemented for \'Bool\'')
    th_t = np.asarray(th).astype(a.dtype)
    out = np.where(a <= th_t, np.asarray(value).astype(a.dtype), a)
    passes = ~(a <= th_t)  # (a NaN x passes g, as in PyTorch)
    return record(out, name, (x,), lambda g: (keep_where(g, passes),))


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    r""":math:`x - \lambda` above :math:`\lambda`, :math:`x + \lambda` below :math:`-\lambda`,
    0 between. d/dx = 1 outside :math:`[-\lambda, \lambda]`, 0 inside.

    Shape: any; the output has the input's shape.
    """
    _floating_only(input, "softshrink_check")
    a = input._data
    top = float(np.finfo(a.dtype).max) if a.dtype.kind == "f" else 3.3895313892515355e38
    if not 0 <= lambd <= top:
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype {input.dtype.scalar_name}, "
                           f"but found {float(lambd):g}")
    lam = a.dtype.type(lambd)
    out = np.zeros_like(a)
    above, below = a > lam, a < -lam
    np.copyto(out, a - lam, where=above)
    np.copyto(out, a + lam, where=below)
    return record(out, "SoftshrinkBackward0", (input,), _shrink_backward(a, lam))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    r""":math:`x` outside :math:`[-\lambda, \lambda]`, 0 inside. d/dx = 1 outside, 0 inside.

    Shape: any; the output has the input's shape.
    """
    _floating_only(input, "hardshrink_cpu")
    a = input._data
    lam = a.dtype.type(lambd)
    out = np.where((a >= -lam) & (a <= lam), a.dtype.type(0), a)
    return record(out, "HardshrinkBackward0", (input,), _shrink_backward(a, lam))


def _shrink_backward(a: np.ndarray, lam: Any) -> Any:
    """PyTorch's ``shrink_backward``: g outside :math:`[-\\lambda, \\lambda]`, +0 inside."""
    outside = (a < -lam) | (a > lam)
    return lambda g: (keep_where(g, outside),)


# PyTorch has it as a Tensor method too: ``x.hardshrink(0.3)``
Tensor.hardshrink = hardshrink  # type: ignore[attr-defined]

__all__ = [
    "elu", "elu_", "selu", "selu_", "celu", "celu_", "mish", "logsigmoid", "softsign",
    "tanhshrink", "glu", "hardsigmoid", "hardswish", "threshold", "threshold_", "softshrink",
    "hardshrink",
]
