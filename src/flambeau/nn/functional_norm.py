r"""Normalisations as plain functions: ``instance_norm``, ``local_response_norm``,
``group_norm``, ``rms_norm``, ``normalize`` (vectors to unit norm), ``cosine_similarity``.

``rms_norm`` is one graph node: :math:`y = x / \text{rms}(x) \cdot w` with
:math:`\text{rms}(x) = \sqrt{\text{mean}(x^2) + \epsilon}`; with :math:`\hat{x} = x / \text{rms}`,
the gradient from above :math:`g` gives
:math:`dx = (g w - \hat{x}\, \text{mean}(g w \hat{x})) / \text{rms}` and
:math:`dw = \sum g \hat{x}`. The others are written with the engine's ops.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..ops._core import Tensor, float_data, record


def instance_norm(input: Tensor, running_mean: Tensor | None = None,  # noqa: A002
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-5) -> Tensor:
    r"""Normalise each channel of each sample over its positions, then scale and shift each
    channel:

    .. math::
        y_{n,c} = \frac{x_{n,c} - \mu_{n,c}}{\sqrt{\sigma^2_{n,c} + \epsilon}} \gamma_c + \beta_c

    with :math:`\mu_{n,c}, \sigma^2_{n,c}` the mean and biased variance of :math:`x_{n,c}` (the
    gradient flows through them). With ``use_input_stats=False`` the running averages are used
    instead; with them given and ``use_input_stats=True`` they are updated in place, as PyTorch
    does, by the statistics averaged over the batch:
    ``running = (1 - momentum) * running + momentum * mean_n(stat_n)`` (the variance unbiased).

    Shape:
        - Input: :math:`(N, C, *)`; running_mean, running_var, weight, bias: :math:`(C)`.
        - Output: the same as the input.

    Example::

        >>> y = F.instance_norm(torch.randn(2, 3, 8, 8))
        >>> y.mean(dim=(2, 3)).abs().max() < 1e-6
        tensor(True)
    """
    from .functional import _normalize

    shape = tuple(input.shape)
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    if use_input_stats:
        if math.prod(shape[2:]) == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                             f"torch.Size({list(shape)})")
    elif running_mean is None:
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    C = shape[1]
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"),
                    (bias, "bias")):
        if t is not None and t.numel() != C:
            raise RuntimeError(f"{name} should contain {shape[0] * C} elements not {shape[0] * t.numel()}")
    axes = tuple(range(2, len(shape)))
    stats = None
    if not use_input_stats:
        stats = (running_mean._data, running_var._data)
    elif running_mean is not None:
        a = float_data(input)
        mean, var = a.mean(axis=axes).mean(axis=0), a.var(axis=axes, ddof=1).mean(axis=0)
        # in place, as PyTorch: a state_dict taken earlier sees the update
        running_mean._data[...] = (1 - momentum) * running_mean._data + momentum * mean
        running_var._data[...] = (1 - momentum) * running_var._data + momentum * var
    y = _normalize(input, axes, weight, bias, eps, stats, "NativeBatchNormBackward0", param_axes=1)
    return y.view(shape)  # PyTorch normalises a (1, N C, *) view: its grad_fn is a ViewBackward0


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    r"""Normalise each sample over groups of channels (and all their positions), then scale and
    shift each channel: the channels of :math:`(N, C, *)` split into ``num_groups`` groups.

    Shape:
        - Input: :math:`(N, C, *)`, C divisible by ``num_groups``; weight and bias :math:`(C)`.
        - Output: the same.
    """
    from .functional import _normalize

    shape = tuple(input.shape)
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    N, C = shape[0], shape[1]
    if C % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input "
                           f"of shape {list(shape)} and num_groups={num_groups}")
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None and t.numel() != C:
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t.shape)} and input of shape {list(shape)}")
    x = input.reshape(N, num_groups, -1)
    y = _normalize(x, (2,), None, None, eps, None, "NativeGroupNormBackward0", param_axes=None).reshape(shape)
    pshape = (1, C) + (1,) * (len(shape) - 2)
    if weight is not None:
        y = y * weight.reshape(pshape)
    if bias is not None:
        y = y + bias.reshape(pshape)
    return y


def rms_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,  # noqa: A002
             eps: float | None = None) -> Tensor:
    r""":math:`y = x / \sqrt{\text{mean}(x^2) + \epsilon} \cdot w` over the last
    ``len(normalized_shape)`` dimensions (``eps`` defaults to the dtype's machine epsilon).

    Shape:
        - Input: :math:`(*, \text{normalized\_shape})`; weight: ``normalized_shape``.
        - Output: the same as the input.
    """
    a = float_data(input)
    shape = tuple(normalized_shape)
    if a.shape[a.ndim - len(shape):] != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size{list(a.shape)}")
    axes = tuple(range(a.ndim - len(shape), a.ndim))
    e = np.finfo(a.dtype).eps if eps is None else eps
    inv = 1 / np.sqrt((a * a).mean(axis=axes, keepdims=True) + e)
    xhat = a * inv
    w = None if weight is None else weight._data
    out = xhat * w if w is not None else xhat
    lead = tuple(range(a.ndim - len(shape)))

    def backward(g: np.ndarray) -> tuple:
        gw = (g * xhat).sum(axis=lead) if weight is not None and weight._requires_grad else None
        gx = g * w if w is not None else g
        gx = inv * (gx - xhat * (gx * xhat).mean(axis=axes, keepdims=True))
        return gx.astype(a.dtype, copy=False), gw

    return record(out.astype(a.dtype, copy=False), "RmsNormBackward0", (input, weight), backward)


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,  # noqa: A002
                        k: float = 1.0) -> Tensor:
    r"""AlexNet's local response normalisation: each value divided by the activity of the
    ``size`` neighbouring channels at its position,

    .. math::
        y_c = x_c \left(k + \frac{\alpha}{n} \sum_{c' = c - \lfloor n/2 \rfloor}
        ^{c + \lfloor (n-1)/2 \rfloor} x_{c'}^2\right)^{-\beta}

    (channels outside the input count as 0), written with the engine's ops as PyTorch writes
    it: the squares, padded along the channels, averaged over a sliding window.

    Shape:
        - Input: :math:`(N, C, *)`, at least 3-D.
        - Output: the same.

    Example::

        >>> F.local_response_norm(torch.randn(2, 16, 8, 8), size=5).shape
        torch.Size([2, 16, 8, 8])
    """
    from .functional import pad

    shape = tuple(input.shape)
    if len(shape) < 3:
        raise ValueError("Expected 3D or higher dimensionality" + " " * 26  # (PyTorch's text, its spaces too)
                         + f"input (got {len(shape)} dimensions)")
    if input.numel() == 0:
        return input
    sq = (input * input).reshape(shape[0], 1, shape[1], -1)
    sq = pad(sq, (0, 0, size // 2, (size - 1) // 2))
    c = shape[1]
    window = sq[:, :, 0:c]
    for j in range(1, size):
        window = window + sq[:, :, j:j + c]
    div = (window / size).reshape(shape)
    return input / (div * alpha + k) ** beta


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,  # noqa: A002
              out: Tensor | None = None) -> Tensor:
    r""":math:`v / \max(\lVert v \rVert_p, \epsilon)` for each vector along ``dim``.

    Example::

        >>> F.normalize(torch.tensor([[3.0, 4.0]]), dim=1)
        tensor([[0.6000, 0.8000]])
    """
    denom = input.norm(p, dim, keepdim=True).clamp(min=eps).expand_as(input)
    res = input / denom
    if out is not None:
        out.copy_(res)
        return out
    return res


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    r""":math:`\frac{x_1 \cdot x_2}{\max(\lVert x_1 \rVert, \epsilon) \max(\lVert x_2 \rVert, \epsilon)}`
    along ``dim`` (the inputs broadcast; that dimension is removed).

    Example::

        >>> F.cosine_similarity(torch.randn(100, 128), torch.randn(100, 128)).shape
        torch.Size([100])
    """
    n1 = (x1 * x1).sum(dim, keepdim=True).clamp(min=eps * eps).sqrt()
    n2 = (x2 * x2).sum(dim, keepdim=True).clamp(min=eps * eps).sqrt()
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    r""":math:`\lVert x_1 - x_2 + \epsilon \rVert_p` along the last dimension."""
    return (x1 - x2 + eps).norm(p, -1, keepdim=keepdim)


__all__ = ["instance_norm", "local_response_norm", "group_norm", "rms_norm", "normalize", "cosine_similarity", "pairwise_distance"]
