"""``flambeau.nn.functional``: layers and losses as plain functions, as ``torch.nn.functional``.

Activations are written like the engine's ops: the forward value and its local derivative side by
side. The losses live in ``functional_losses.py`` and are re-exported here.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..ops import _vec32
from ..ops import inplace as _inplace
from ..ops import reduce as _reduce
from ..ops import unary as _unary
from ..ops._core import OUT, Tensor, _make, float_data, keep_where, record
from ..ops.conv import conv1d, conv2d, conv_transpose2d, fold, unfold  # noqa: F401 - re-exported
from ..ops.interpolate import (  # noqa: F401 - re-exported
    interpolate,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from ..ops.linalg import linear
from ..ops.pool import (  # noqa: F401 - re-exported
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool1d_with_indices,
    max_pool2d,
    max_pool2d_with_indices,
)
from ..ops.pool_adaptive import (  # noqa: F401 - re-exported
    _int_list,
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
)
from ..ops.random import _gen
from ..ops.rearrange import channel_shuffle, pixel_shuffle, pixel_unshuffle  # noqa: F401 - re-exported
from ..ops.reduce import trailing_sums as _trailing_sums
from ..ops.sampling import bernoulli_scalar
from . import functional_activations as _activations
from . import functional_dropout as _dropouts
from . import functional_losses as _losses
from . import functional_slopes as _slopes
from .functional_activations import *  # noqa: F401,F403 - the other activations, in their own file
from .functional_activations import _apply, _floating_only
from .functional_dropout import *  # noqa: F401,F403
from .functional_losses import *  # noqa: F401,F403 - the losses, written in their own file
from .functional_pad import pad  # noqa: F401 - re-exported
from .functional_ranking import *  # noqa: F401,F403
from .functional_regression import *  # noqa: F401,F403
from .functional_slopes import *  # noqa: F401,F403

tanh = _unary.tanh
sigmoid = _unary.sigmoid


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0).  d/dx = 1 if x > 0 else 0. With ``inplace=True``, ``input`` itself is changed
    and returned."""
    return _apply(_unary.relu, input, inplace)


def relu_(x: Tensor) -> Tensor:
    return _inplace.unary_(x, _unary.relu)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype: Any = None) -> Tensor:
    r"""softmax(x)_i = exp(x_i) / sum_j exp(x_j) along ``dim``."""
    return _reduce.softmax(input, _implicit_dim("softmax", input, dim), dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype: Any = None) -> Tensor:
    r"""softmin(x)_i = exp(-x_i) / sum_j exp(-x_j) along ``dim``: softmax of ``-x``."""
    return _reduce.softmax(-input, _implicit_dim("softmin", input, dim), dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
                dtype: Any = None) -> Tensor:
    r"""x_i - log sum_j exp(x_j) along ``dim``, computed stably."""
    return _reduce.log_softmax(input, _implicit_dim("log_softmax", input, dim), dtype)


def _implicit_dim(name: str, x: Tensor, dim: int | None) -> int:
    """``dim``, or when it is omitted PyTorch's legacy choice, with PyTorch's warning pointing at
    the user's line: the first caller outside flambeau (PyTorch counts its own frames with
    ``_stacklevel``, kept in the signatures; here wrappers and modules vary the depth)."""
    if dim is not None:
        return dim
    frame, level = sys._getframe(1), 2
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith("flambeau."):
        frame, level = frame.f_back, level + 1
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", UserWarning, stacklevel=level)
    return 0 if x.ndim in (0, 1, 3) else 1


def leaky_relu(x: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else slope * x.  d/dx = 1 or slope. With ``inplace=True``, ``x`` itself is
    changed and returned, and the gradient is read from the result (PyTorch's
    ``LeakyReluBackward1``: a negative slope is then refused by ``backward``)."""
    if inplace:
        return _inplace.unary_(x, _leaky_relu_of_result, negative_slope)
    _floating_only(x, "leaky_relu_cpu")
    a = x._data
    pos = a > 0
    out = np.where(pos, a, a * negative_slope).astype(a.dtype, copy=False)
    return record(out, "LeakyReluBackward0", (x,),
                  lambda g: (np.where(pos, g, g * negative_slope).astype(g.dtype, copy=False),))


def leaky_relu_(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(x, negative_slope, inplace=True)


def _leaky_relu_of_result(x: Tensor, negative_slope: float) -> Tensor:
    """leaky_relu(x), whose backward reads the result (saved, as PyTorch's in-place form does:
    writing to it afterwards makes ``backward`` refuse)."""
    _floating_only(x, "leaky_relu_cpu")
    a = x._data
    out = np.where(a > 0, a, a * negative_slope).astype(a.dtype, copy=False)

    def backward(g: np.ndarray) -> tuple:
        if negative_slope < 0:
            raise RuntimeError(_activations.NEGATIVE_SLOPE_IN_PLACE)
        return (np.where(out > 0, g, g * negative_slope).astype(g.dtype, copy=False),)

    return record(out, "LeakyReluBackward1", (x,), backward, (OUT,))


_SQRT_HALF, _INV_SQRT_2PI = 1 / math.sqrt(2), 1 / math.sqrt(2 * math.pi)
# Abramowitz and Stegun's 7.1.26 for Phi(-|a|) = t P(t) phi(a), t = 1 / (1 + p |a| / sqrt 2): the
# coefficients of P times -sqrt(2 pi) / 2 (from erfc(|a| / sqrt 2) / 2 and phi's 1 / sqrt(2 pi)),
# highest first, so that the polynomial gives -Phi(-|a|)
_AS_P = 0.3275911 * _SQRT_HALF
_AS_COEFFS = tuple(c * -math.sqrt(2 * math.pi) / 2
                   for c in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592))
_SIGN_BIT = np.int32(-2**31)


def _normal_cdf_pdf(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""The standard normal CDF :math:`\Phi(a) = (1 + \mathrm{erf}(a / \sqrt 2)) / 2` and density
    :math:`\varphi(a) = e^{-a^2/2} / \sqrt{2\pi}`. float64: erf from ``math.erf``, exact. float32
    and smaller (computed in float32): Abramowitz and Stegun's 7.1.26,
    :math:`\mathrm{erfc}(|z|) \approx t P(t) e^{-z^2}`, :math:`t = 1 / (1 + 0.3275911 |z|)`
    (absolute error below 1.5e-7, the precision of float32), in place, sharing the exponential
    with the density; then :math:`\Phi(a) = 1/2 + \mathrm{sign}(a) (\Phi(|a|) - 1/2)`, the sign
    copied bit for bit (no branch, no mask: four times faster than NumPy's ``copysign``)."""
    if a.dtype == np.float64:
        cdf = 0.5 * (1 + _unary._erf(a * _SQRT_HALF).astype(np.float64))
        return cdf, np.exp(-0.5 * a * a) * _INV_SQRT_2PI
    a = a.astype(np.float32, copy=False)
    pdf = np.square(a)
    pdf *= -0.5
    np.exp(pdf, out=pdf)
    pdf *= _INV_SQRT_2PI
    t = np.abs(a)
    t *= _AS_P
    t += 1
    np.divide(1, t, out=t)
    half = t * _AS_COEFFS[0]
    for c in _AS_COEFFS[1:]:
        half += c
        half *= t
    half *= pdf
    half += 0.5  # Phi(|a|) - 1/2, never negative
    bits, sign = half.view(np.int32), t.view(np.int32)  # t's memory, free now, holds the signs
    np.bitwise_and(a.view(np.int32), _SIGN_BIT, out=sign)
    np.bitwise_or(bits, sign, out=bits)  # times sign(a)
    half += 0.5
    return half, pdf


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x), Phi the standard normal CDF (or its tanh approximation)."""
    _floating_only(x, "GeluKernelImpl")
    a = float_data(x)
    if _unary.opmath(a) is not a and approximate in ("none", "tanh"):
        # float16, bfloat16: PyTorch's float32 kernels, rounded once
        w = _unary.opmath(a)
        return record(_vec32.gelu(w, approximate).astype(a.dtype), "GeluBackward0", (x,), lambda g: (
            _vec32.gelu_backward(_unary.opmath(g), w, approximate).astype(a.dtype),))
    if approximate == "tanh":
        k = math.sqrt(2 / math.pi)
        inner = k * (a + 0.044715 * a ** 3)
        th = np.tanh(inner)
        out = 0.5 * a * (1 + th)

        def backward(g: np.ndarray) -> tuple:
            d_inner = k * (1 + 3 * 0.044715 * a * a)
            return (g * (0.5 * (1 + th) + 0.5 * a * (1 - th * th) * d_inner),)
    elif approximate == "none":
        cdf, local = _normal_cdf_pdf(a)
        local *= a
        local += cdf  # d/da a Phi(a) = Phi(a) + a phi(a): all the backward keeps
        out = np.multiply(cdf, a, out=cdf)  # a Phi(a), in Phi's memory

        def backward(g: np.ndarray) -> tuple:
            return ((g * local).astype(a.dtype, copy=False),)
    else:
        raise RuntimeError(f"approximate argument must be either none or tanh (got '{approximate}')")
    return record(out.astype(a.dtype, copy=False), "GeluBackward0", (x,), backward)


def silu(x: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x).  d/dx = s (1 + x (1 - s))."""
    if inplace:
        return _inplace.unary_(x, silu)
    _floating_only(x, "silu_cpu")
    a = float_data(x)
    s = _unary._sigmoid(a)
    w = _unary.opmath(a)  # float16, bfloat16: the product in float32 too, rounded once
    out = a * s if w is a else (w * _unary._sigmoid(w)).astype(a.dtype)
    return record(out, "SiluBackward0", (x,), lambda g: (g * s * (1 + a * (1 - s)),))


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, linear above ``threshold``.  d/dx = sigmoid(beta x)."""
    _floating_only(x, "softplus_cpu")
    a = float_data(x)
    bx = a * beta
    linear_part = bx > threshold
    out = np.where(linear_part, a, np.logaddexp(0, bx) / beta).astype(a.dtype, copy=False)
    s = _unary._sigmoid(bx)
    return record(out, "SoftplusBackward0", (x,),
                  lambda g: (np.where(linear_part, g, g * s).astype(g.dtype, copy=False),))


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x limited to [min_val, max_val].  d/dx = 1 strictly inside, 0 elsewhere (unlike
    ``clamp``, whose gradient passes at the bounds)."""
    return _apply(_hardtanh, x, inplace, min_val, max_val)


def hardtanh_(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(x, min_val, max_val, inplace=True)


def relu6(x: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6): ``hardtanh`` between 0 and 6."""
    return hardtanh(x, 0.0, 6.0, inplace)


def _hardtanh(x: Tensor, lo: float, hi: float) -> Tensor:
    a = x._data
    out = np.minimum(np.maximum(a, lo), hi).astype(a.dtype, copy=False)
    return record(out, "HardtanhBackward0", (x,), lambda g: (keep_where(g, (a > lo) & (a < hi)),))


def dropout(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False,
            generator: Any = None) -> Tensor:
    """Zero each element with probability ``p`` and scale the others by 1/(1-p) (training only)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return x
    a = x._data
    if p == 1:
        mask = np.zeros(a.shape, a.dtype)
    else:
        # as PyTorch: noise = empty_like(x).bernoulli_(1 - p); noise.div_(1 - p); x * noise
        keep = bernoulli_scalar(_gen(generator), 1 - p, a.shape)
        mask = keep.astype(a.dtype) / a.dtype.type(1 - p)
    return _apply(lambda t: record(t._data * mask, "MulBackward0", (t,), lambda g: (g * mask,), ()),
                  x, inplace)


_DROPOUT2D_ND = ("dropout2d: Received a {}-D input to dropout2d, which is deprecated and will result in an "
                 "error in a future release. To retain the behavior and silence this warning, please use "
                 "dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with "
                 "2 spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D "
                 "inputs).")
_DROPOUT2D_3D = ("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                 "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                 "This behavior will change in a future release to interpret the input as one without a "
                 "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                 "please switch to using dropout1d instead.")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero whole channels with probability ``p`` and scale the others by 1/(1-p) (training
    only): the mask has one value per (sample, channel), broadcast over the pixels. A 3-D input
    is read as (N, C, L), as PyTorch does."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    a = input._data
    if a.ndim < 2:
        raise RuntimeError(f"Feature dropout requires at least 2 dimensions in the input (got input of "
                           f"size {list(a.shape)})")
    if a.ndim == 3:  # (stacklevel: the user's line, past the keyword wrapper of _keywords.py)
        warnings.warn(_DROPOUT2D_3D, UserWarning, stacklevel=3)
    elif a.ndim != 4:
        warnings.warn(_DROPOUT2D_ND.format(a.ndim), UserWarning, stacklevel=3)
    return _dropouts._feature_dropout(input, p, training, inplace)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (int64) to rows of zeros with a 1 at the index."""
    idx = tensor._data
    if idx.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1 and idx.size == 0:
        raise RuntimeError("Can not infer total number of classes from empty tensor.")
    n = int(idx.max()) + 1 if num_classes == -1 else num_classes
    if idx.size and idx.max() >= n:
        raise RuntimeError(f"Class values must be smaller than num_classes (got {int(idx.max())} for {n} classes).")
    return _make(np.eye(n, dtype=np.int64)[idx])


def _add_rows(out: np.ndarray, idx: np.ndarray, rows: np.ndarray) -> None:
    """``out[idx[k]] += rows[k]`` for every k, repeated indices adding up: the rows sorted by
    index (a stable sort keeps their order), then one sum per run of an index
    (``np.add.reduceat``), 2 to 4 times faster than ``np.add.at`` row by row. ``reduceat`` costs
    about a microsecond a run: with many runs, an index met once adds its row directly and only
    the repeated ones are summed (700 words of a 10,000-word vocabulary: about 25)."""
    if idx.size == 0:
        return
    order = np.argsort(idx, kind="stable")
    s, r = idx[order], rows[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    if len(starts) <= 100:
        out[s[starts]] += np.add.reduceat(r, starts, axis=0)
        return
    counts = np.diff(np.r_[starts, s.size])
    once = counts == 1
    out[s[starts[once]]] += r[starts[once]]
    if not once.all():
        runs = counts[~once]
        out[s[starts[~once]]] += np.add.reduceat(r[np.repeat(~once, counts)], np.r_[0, np.cumsum(runs[:-1])], axis=0)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """Rows of ``weight`` picked by the indices in ``input``. The padding row gets no gradient.
    With ``max_norm``, the rows looked up whose ``norm_type``-norm exceeds it are first rescaled
    to that norm, in place in ``weight``; ``scale_grad_by_freq`` divides each row's gradient by
    the number of times the batch uses it."""
    idx = input._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar "
                           f"types: Long, Int; but got {input.dtype} instead")
    n = weight._data.shape[0]
    if idx.size and (idx.max() >= n or idx.min() < 0):
        raise IndexError(f"index out of range in self (index {int(idx.max())}, {n} rows)")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    w = weight._data
    if max_norm is not None:
        rows = np.unique(idx)
        norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
        big = norms > max_norm
        w[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)

    def backward(g: np.ndarray) -> tuple:
        gw = np.zeros(w.shape, g.dtype)
        g2 = g.reshape(-1, w.shape[1])
        if scale_grad_by_freq:
            counts = np.bincount(idx.reshape(-1), minlength=n)
            g2 = g2 / counts[idx.reshape(-1)][:, None]
        _add_rows(gw, idx.reshape(-1), g2)
        if padding_idx is not None:
            gw[padding_idx] = 0
        return (gw,)

    return record(w[idx], "EmbeddingBackward0", (weight,), backward, ())


def layer_norm(x: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dimensions, then scale and shift."""
    a = x._data
    shape = tuple(normalized_shape)
    if a.shape[a.ndim - len(shape):] != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size{list(a.shape)}")
    axes = tuple(range(a.ndim - len(shape), a.ndim))
    return _normalize(x, axes, weight, bias, eps, None, "NativeLayerNormBackward0", param_axes=None)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    r"""Normalise each channel (dimension 1) over the batch (and the length):

    .. math::
        y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \gamma + \beta

    In training, :math:`\mu, \sigma^2` are the batch's mean and biased variance (the gradient
    flows through them), and the running averages are updated in place:
    ``running = (1 - momentum) * running + momentum * batch`` (the variance unbiased). In
    evaluation, the running averages are used.

    Shape:
        - Input: :math:`(N, C)` or :math:`(N, C, L)` (any :math:`(N, C, *)`).
        - running_mean, running_var, weight, bias: :math:`(C)`.
        - Output: the input's shape.
    """
    a = input._data
    if a.ndim < 2:
        raise ValueError(f"expected 2D or more input (got {a.ndim}D input)")
    channels = a.shape[1]
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"),
                    (bias, "bias")):
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")
    axes = (0,) + tuple(range(2, a.ndim))
    n = a.size // channels if channels else 0
    if training:
        if n <= 1:
            raise ValueError("Expected more than 1 value per channel when training, got input size "
                             f"torch.Size({list(a.shape)})")
        if running_mean is not None:
            mean = a.mean(axis=axes)
            var_unbiased = a.var(axis=axes) * n / (n - 1)
            # in place, as PyTorch: a state_dict taken earlier sees the update
            running_mean._data[...] = (1 - momentum) * running_mean._data + momentum * mean
            running_var._data[...] = (1 - momentum) * running_var._data + momentum * var_unbiased
        stats = None
    else:
        stats = (running_mean._data, running_var._data)
    return _normalize(input, axes, weight, bias, eps, stats, "NativeBatchNormBackward0", param_axes=1)


def _mean(a: np.ndarray, axes: tuple, trailing: bool) -> np.ndarray:
    """``a.mean(axis=axes, keepdims=True)``, faster over trailing axes (layer norm)."""
    s = _trailing_sums(a, len(axes), True) if trailing else None
    if s is None:
        return a.mean(axis=axes, keepdims=True)
    s /= math.prod(a.shape[a.ndim - len(axes):])
    return s


def _mean_square(a: np.ndarray, axes: tuple, trailing: bool) -> np.ndarray:
    """``np.square(a).mean(axis=axes, keepdims=True)``; over trailing axes (layer norm), each
    row's dot product with itself: one pass, no array of squares."""
    if not trailing or a.dtype not in (np.float32, np.float64) or a.size == 0:
        return _mean(np.square(a), axes, trailing)
    n = math.prod(a.shape[a.ndim - len(axes):])
    rows = a.reshape(-1, n)
    s = np.vecdot(rows, rows)
    s /= n
    return s.reshape(a.shape[:a.ndim - len(axes)] + (1,) * len(axes))


def _layer_norm_backward(g: np.ndarray, xhat: np.ndarray, w: np.ndarray, inv: np.ndarray) -> tuple:
    r"""Layer norm's gradients with a weight, rows of n values normalised:

    .. math::
        \frac{\partial L}{\partial x} = \frac{1}{\sigma}\left(g w - \overline{g w}
        - \hat x\, \overline{g w \hat x}\right), \qquad
        \frac{\partial L}{\partial w} = \sum_{\text{rows}} g \hat x, \qquad
        \frac{\partial L}{\partial b} = \sum_{\text{rows}} g

    where the row means :math:`\overline{g w} = g \cdot w / n` and
    :math:`\overline{g w \hat x} = (g \hat x) \cdot w / n` are matrix-vector products (with
    :math:`g \hat x` computed once for the weight's gradient): five passes over the rows."""
    n = w.size
    wf = w.reshape(n)
    g2, x2 = g.reshape(-1, n), xhat.reshape(-1, n)
    r = inv.reshape(-1, 1)
    gx_ = g2 * x2
    gw = _trailing_sums(gx_, 1, False).reshape(w.shape)
    gb = _trailing_sums(g2, 1, False).reshape(w.shape)
    c1 = (g2 @ wf)[:, None]
    c2 = (gx_ @ wf)[:, None]
    c1 *= r
    c1 /= n
    c2 *= r
    c2 /= n
    gx = g2 * wf
    gx *= r
    np.multiply(x2, c2, out=gx_)
    gx_ += c1
    gx -= gx_
    return gx.reshape(g.shape), gw, gb


def _normalize(x: Tensor, axes: tuple, weight: Tensor | None, bias: Tensor | None, eps: float,
               stats: tuple | None, name: str, param_axes: int | None) -> Tensor:
    """y = (x - mean) / sqrt(var + eps) * weight + bias, with mean and var over ``axes`` (the
    batch's own, whose gradient flows through them, or fixed ``stats``)."""
    a = float_data(x)
    for t in (weight, bias):
        if t is not None and t._data.dtype != a.dtype:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    if param_axes is None:  # layer norm: weight has the normalised shape
        pshape = a.shape[a.ndim - len(axes):]
    else:  # batch norm: one value per channel
        pshape = [1] * a.ndim
        pshape[param_axes] = a.shape[param_axes]
    ln = param_axes is None
    if stats is None:
        mean = _mean(a, axes, ln)
        xhat = a - mean
        var = _mean_square(xhat, axes, ln)  # biased, as a.var()
    else:
        mean = stats[0].reshape(pshape)
        var = stats[1].reshape(pshape)
        xhat = a - mean
    inv = 1 / np.sqrt(var + eps)
    xhat *= inv
    w = weight._data.reshape(pshape) if weight is not None else None
    out = xhat * w if w is not None else xhat.copy()
    if bias is not None:
        out += bias._data.reshape(pshape)
    reduce_params = tuple(k for k in range(a.ndim) if pshape[k] == 1) if param_axes is not None \
        else tuple(range(a.ndim - len(axes)))

    def param_sums(v: np.ndarray) -> np.ndarray:
        s = _trailing_sums(v, len(axes), False) if ln else None
        return v.sum(axis=reduce_params) if s is None else s

    def backward(g: np.ndarray) -> tuple:
        if ln and stats is None and w is not None and a.dtype in (np.float32, np.float64) and a.size:
            gx, gw, gb = _layer_norm_backward(g, xhat, w, inv)
            return gx, gw, (gb if bias is not None else None)
        gw = param_sums(g * xhat).reshape(weight._data.shape) if weight is not None else None
        gb = param_sums(g).reshape(bias._data.shape) if bias is not None else None
        gxhat = g * w if w is not None else g
        if stats is not None:
            gx = gxhat * inv
        else:  # inv (gxhat - mean(gxhat) - xhat mean(gxhat xhat))
            gx = gxhat - _mean(gxhat, axes, ln)
            gxhat = np.multiply(gxhat, xhat, out=gxhat) if w is not None else gxhat * xhat
            gxhat = np.multiply(xhat, _mean(gxhat, axes, ln), out=gxhat)
            gx -= gxhat
            gx *= inv
        return gx.astype(a.dtype, copy=False), gw, gb

    return record(out.astype(a.dtype, copy=False), name, (x, weight, bias), backward)


__all__ = [
    "hardtanh_",
    "linear", "relu", "relu_", "tanh", "sigmoid", "softmax", "softmin", "log_softmax", "leaky_relu",
    "leaky_relu_",
    "gelu", "silu", "softplus", "hardtanh", "relu6", "dropout", "one_hot", "pad", "embedding",
    "layer_norm", "batch_norm",
    "dropout2d", "conv1d", "conv2d", "conv_transpose2d", "unfold", "fold", "max_pool1d", "max_pool2d",
    "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
    "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
    "scaled_dot_product_attention", "multi_head_attention_forward", "group_norm", "rms_norm",
    "instance_norm", "local_response_norm", "channel_shuffle", "max_pool1d_with_indices", "max_pool2d_with_indices", "pixel_shuffle", "pixel_unshuffle", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices",
    "normalize", "cosine_similarity", "pairwise_distance",
] + _activations.__all__ + _slopes.__all__ + _dropouts.__all__ + _losses.__all__

from .functional_attention import multi_head_attention_forward, scaled_dot_product_attention  # noqa: E402
from .functional_norm import (  # noqa: E402
    cosine_similarity,
    group_norm,
    instance_norm,
    local_response_norm,
    normalize,
    pairwise_distance,
    rms_norm,
)
