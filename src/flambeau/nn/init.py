"""Weight initialisation, as ``torch.nn.init``: each function fills a tensor in place (under
``no_grad``) and returns it."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..autograd.grad_mode import no_grad
from ..ops._core import bump
from ..ops.random import _gen
from ..tensor import Tensor


def calculate_gain(nonlinearity: str, param: Any = None) -> float:
    """The recommended scale for a non-linearity: 1 for linear/sigmoid, 5/3 for tanh, sqrt(2) for
    relu, sqrt(2 / (1 + slope^2)) for leaky_relu, 3/4 for selu."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "sigmoid"]
    if nonlinearity in linear_fns:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    shape = tensor._data.shape
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    with no_grad():
        tensor._data[...] = values.astype(tensor._data.dtype)
    bump(tensor)
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with numbers drawn uniformly from [a, b)."""
    return _fill(tensor, _gen(generator).uniform(a, b, tensor._data.shape, dtype=tensor._data.dtype))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with numbers drawn from N(mean, std^2)."""
    return _fill(tensor, _gen(generator).normal(mean, std, tensor._data.shape, dtype=tensor._data.dtype))


def constant_(tensor: Tensor, val: float) -> Tensor:
    return _fill(tensor, np.full(tensor._data.shape, val))


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    if tensor._data.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, np.eye(*tensor._data.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """He: U(-bound, bound) with bound = gain * sqrt(3 / fan)."""
    if 0 in tensor._data.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """He: N(0, std^2) with std = gain / sqrt(fan)."""
    if 0 in tensor._data.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Any = None) -> Tensor:
    r"""Fill with a (semi-)orthogonal matrix times ``gain`` (Saxe et al., 2013): the tensor seen
    as ``rows = size(0)`` by ``cols = numel / rows``, its rows (or its columns, the fewer) are
    orthonormal. As PyTorch: a matrix of N(0, 1) draws (transposed when rows < cols), its QR
    factorisation, Q with each column's sign made that of R's diagonal (a uniform draw over the
    orthogonal matrices).

    Example::

        >>> w = torch.empty(3, 5)
        >>> nn.init.orthogonal_(w, nn.init.calculate_gain("relu")).shape
        torch.Size([3, 5])
    """
    a = tensor._data
    if a.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if a.size == 0:
        return tensor
    rows = a.shape[0]
    cols = a.size // rows
    flat = _gen(generator).normal(0.0, 1.0, (rows, cols), dtype=a.dtype)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diagonal(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (q * gain).reshape(a.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    r"""Fill a 3-, 4- or 5-D convolution weight with the Dirac delta: each output channel (of
    each of the ``groups``) copies its input channel, the kernel's centre set to 1, all else 0, so
    that the convolution is the identity on as many channels as possible.

    Example::

        >>> w = torch.empty(3, 3, 5)
        >>> nn.init.dirac_(w)[1, 1]
        tensor([0., 0., 1., 0., 0.])
    """
    a = tensor._data
    if a.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    if a.shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = a.shape[0] // groups
    out = np.zeros(a.shape)
    centre = tuple(k // 2 for k in a.shape[2:])
    for g in range(groups):
        for d in range(min(per_group, a.shape[1])):
            out[(g * per_group + d, d) + centre] = 1
    return _fill(tensor, out)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Any = None) -> Tensor:
    r"""Fill with draws from :math:`\mathcal{N}(\text{mean}, \text{std}^2)` restricted to
    :math:`[a, b]` (ViT and llama-style weights), by PyTorch's rejection sampling, draw for draw:

    - when the interval holds more than 30% of the mass, normal draws, and where one falls
      outside, a fresh draw (a whole tensor of them each round) until none does;
    - otherwise uniform proposals on :math:`[a, b]`, each kept with probability
      :math:`e^{-((x - \mu)/\sigma)^2/2}` over that density's peak in :math:`[a, b]`.

    Example::

        >>> w = nn.init.trunc_normal_(torch.empty(768, 768), std=0.02)
        >>> bool(w.abs().max() <= 2)
        True
    """
    def cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of "
                      "values may be incorrect.", stacklevel=2)
    d, shape, gen = tensor._data.dtype, tensor._data.shape, _gen(generator)
    if cdf((b - mean) / std) - cdf((a - mean) / std) > 0.3:
        lo, hi = float(np.asarray(a, d)), float(np.asarray(b, d))
        result = gen.normal(mean, std, shape, dtype=d)
        while ((result < lo) | (result > hi)).any():
            result = np.where((result < lo) | (result > hi), gen.normal(mean, std, shape, dtype=d), result)
        return _fill(tensor, result)
    log_peak = -0.5 * ((max(a, min(mean, b)) - mean) / std) ** 2

    def log_density(x: np.ndarray) -> np.ndarray:  # PyTorch's in-place steps, each rounded in the dtype
        return np.square((x - d.type(mean)) / d.type(std)) * d.type(-0.5) - d.type(log_peak)

    result = gen.uniform(a, b, shape, dtype=d)
    pending = np.log(gen.uniform(0.0, 1.0, shape, dtype=d)) > log_density(result)
    while pending.any():
        candidates = gen.uniform(a, b, shape, dtype=d)
        result = np.where(pending, candidates, result)
        pending = np.where(pending, np.log(gen.uniform(0.0, 1.0, shape, dtype=d)) > log_density(candidates), pending)
    return _fill(tensor, result)


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Any = None) -> Tensor:
    r"""Fill a 2-D tensor with N(0, std^2) draws, then zero a fraction ``sparsity`` of each
    column (Martens, 2010): the rows zeroed in a column are the first
    :math:`\lceil \text{sparsity} \cdot \text{rows} \rceil` of a ``randperm`` (drawn from the
    default generator, as PyTorch does).

    Example::

        >>> w = nn.init.sparse_(torch.empty(10, 4), sparsity=0.3)
        >>> (w == 0).sum(dim=0)
        tensor([3, 3, 3, 3])
    """
    from ..ops.random import randperm

    if tensor._data.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor._data.shape
    num_zeros = math.ceil(sparsity * rows)
    values = _gen(generator).normal(0.0, std, (rows, cols), dtype=tensor._data.dtype)
    for col in range(cols):
        values[randperm(rows)._data[:num_zeros], col] = 0
    return _fill(tensor, values)


def _deprecated(new: Any) -> Any:
    """PyTorch's old name of an initialiser (without the trailing underscore): it warns, then
    does the same."""
    old = new.__name__[:-1]

    def deprecated_init(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new.__name__}`.", FutureWarning,
                      stacklevel=2)
        return new(*args, **kwargs)

    deprecated_init.__name__ = old
    deprecated_init.__doc__ = f"{old}(...): deprecated, use :func:`{new.__name__}`."
    return deprecated_init


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)
