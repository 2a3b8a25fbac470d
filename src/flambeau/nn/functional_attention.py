r"""Attention as plain functions: ``scaled_dot_product_attention`` (one graph node, batched
matrix products) and ``multi_head_attention_forward`` (the projections, the heads, the masks,
as ``nn.MultiheadAttention`` computes them).

.. math::
    \text{Attention}(Q, K, V) = \text{softmax}\left(\frac{Q K^T}{\sqrt{d}} + M\right) V

Backward, local gradient times gradient from above: with :math:`P` the attention weights and
:math:`G` the gradient of the output, :math:`dV = P^T G`, :math:`dP = G V^T`, the softmax's
:math:`dS = P \odot (dP - \sum_j dP \odot P)`, then :math:`dQ = dS K \cdot s` and
:math:`dK = dS^T Q \cdot s`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ops import _parallel
from ..ops._core import Tensor, _make, broadcast_error, record, unbroadcast
from ..ops.random import _gen
from ..ops.sampling import bernoulli_scalar
from ..ops.shape import cat
from . import functional as F

_TYPE = {"bool": "bool", "int64": "long int", "int32": "int", "float32": "float", "float64": "double"}


def _row_sums(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=-1, keepdims=True)``, as a matrix-vector product where it can."""
    s = F._trailing_sums(a, 1, True)
    return a.sum(axis=-1, keepdims=True) if s is None else s


def _scaled(a: np.ndarray, s: float) -> np.ndarray:
    """``a * s``, in place (``a`` is a fresh product); nothing to do for 1."""
    if s != 1:
        a *= s
    return a


def _softmax_rows_(s: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, in place, each row shifted by its maximum; a row masked
    everywhere (all -inf) gets weights 0, not NaN, as PyTorch's attention does."""
    m = s.max(axis=-1, keepdims=True)
    empty = m == -np.inf
    if empty.any():
        m = np.where(empty, 0, m)
    s -= m
    np.exp(s, out=s)
    total = _row_sums(s)
    if empty.any():
        total[empty] = 1
    s /= total
    return s


def _softmax_last(s: np.ndarray) -> np.ndarray:
    """Softmax over the last axis of the scores ``s`` (..., L, S), each matrix shifted by its
    own maximum: one reduction along rows of L S values, where NumPy's maximum along short rows
    costs 50 ns a row (a third of the softmax on 64 x 64 scores). The same weights up to rounding;
    a row whose exponentials all but underflow (sum below the square root of the dtype's
    smallest normal number: its maximum lies at least 44 below the matrix's in float32) is
    redone from ``s``, shifted by its own maximum, as is a row masked everywhere (weights 0)."""
    if s.dtype not in (np.float32, np.float64) or s.ndim < 2 or s.size == 0:
        return _softmax_rows_(s.copy())
    L, S = s.shape[-2:]
    top = s.reshape(-1, L * S).max(axis=-1)
    top[top == -np.inf] = 0  # a matrix masked everywhere
    e = s - top.reshape(s.shape[:-2] + (1, 1))
    np.exp(e, out=e)
    total = _row_sums(e)
    low = total[..., 0] < np.sqrt(np.finfo(s.dtype).tiny)
    if low.any():
        e[low] = _softmax_rows_(s[low])
        total[low] = 1
    e /= total
    return e


_CAUSAL: dict[tuple, np.ndarray] = {}  # the additive causal masks already made, by (L, S, dtype)


def _causal_mask(L: int, S: int, dtype: np.dtype) -> np.ndarray:
    """0 where query i may see key j (j <= i), -inf above the diagonal: added to the scores,
    cheaper than writing -inf through a boolean mask. Made once per shape and dtype."""
    key = (L, S, dtype.str)
    mask = _CAUSAL.get(key)
    if mask is None:
        mask = np.where(np.tri(L, S, dtype=bool), 0, -np.inf).astype(dtype)
        mask.flags.writeable = False
        if len(_CAUSAL) < 64:
            _CAUSAL[key] = mask
    return mask


def _grouped(query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
    """Grouped-query attention: each key/value head serves ``Hq / Hk`` query heads in a row, so
    the key and value heads are repeated along dim -3 (their gradients sum over the group)."""
    if query.ndim < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{query.ndim}, {query.ndim - 1}], "
                         "but got -3)")
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hq % hk or hq % hv:
        raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
    if hk != hq:
        key = key.repeat_interleave(hq // hk, -3)
    if hv != hq:
        value = value.repeat_interleave(hq // hv, -3)
    return key, value


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    r"""softmax(Q K^T * scale + mask) V, with scale :math:`1/\sqrt{E}` by default.

    ``attn_mask``: boolean (True: the position takes part) or float (added to the scores),
    broadcast to :math:`(N, ..., L, S)`. ``is_causal``: position i sees positions :math:`\le i`.
    ``dropout_p``: dropout on the attention weights (always applied: pass 0 in evaluation).
    ``enable_gqa``: grouped-query attention, key and value may have fewer heads (dim -3) than
    the query, a divisor of its number of heads.

    Shape:
        - query :math:`(N, ..., L, E)`, key :math:`(N, ..., S, E)`, value :math:`(N, ..., S, E_v)`.
        - Output: :math:`(N, ..., L, E_v)`.

    Example::

        >>> q = k = v = torch.randn(2, 4, 16, 8)          # batch, heads, sequence, head size
        >>> out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    """
    if enable_gqa:
        key, value = _grouped(query, key, value)
    Q, K, V = query._data, key._data, value._data
    L, S = Q.shape[-2], K.shape[-2]
    if K.shape[-1] != Q.shape[-1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{int(np.prod(K.shape[:-2]))}, {Q.shape[-1]}] but got: "
                           f"[{int(np.prod(K.shape[:-2]))}, {K.shape[-1]}].")
    try:
        np.broadcast_shapes(Q.shape[:-2], K.shape[:-2])
    except ValueError:
        raise broadcast_error(Q.shape[:-2], K.shape[:-2]) from None
    s = 1 / math.sqrt(Q.shape[-1]) if scale is None else scale
    dtype = np.result_type(Q.dtype, K.dtype)
    mask, where, mask_t = None, False, None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                               "is_causal=True")
        mask = _causal_mask(L, S, dtype)
    elif attn_mask is not None:
        M = attn_mask._data
        if M.dtype.kind not in "bfV":
            raise RuntimeError("Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                               f"attn_mask.dtype: {_TYPE.get(M.dtype.name, M.dtype.name)} and  query.dtype: "
                               f"{_TYPE.get(Q.dtype.name, Q.dtype.name)} instead.")
        where = M.dtype == np.bool_
        mask = M if where else M.astype(dtype, copy=False)
        mask_t = None if where else attn_mask
    shape = np.broadcast_shapes(Q.shape[:-2], K.shape[:-2]) + (L, S)
    if mask is not None:
        try:
            shape = np.broadcast_shapes(shape, mask.shape)
        except ValueError:
            raise RuntimeError(f"The size of tensor a ({S}) must match the size of tensor b "
                               f"({mask.shape[-1]}) at non-singleton dimension {len(shape) - 1}") from None
    keep = None
    if dropout_p > 0:
        # as PyTorch: the weights through dropout (a Bernoulli(1 - p) mask, scaled by 1/(1 - p))
        keep = bernoulli_scalar(_gen(None), 1 - dropout_p, shape).astype(dtype) / dtype.type(1 - dropout_p)
    whole = (mask_t is not None and mask_t._requires_grad) or not _splits(shape, Q, K, V)
    out, P, Pd = _parallel.one_call(_attend, Q, K, V, s, mask, where, keep, whole)

    def backward(g: np.ndarray) -> tuple:
        need = (query._requires_grad, key._requires_grad, value._requires_grad,
                mask_t is not None and mask_t._requires_grad)
        dq, dk, dv, dS = _parallel.one_call(_attend_backward, g, Q, K, V, P, Pd, keep, s, need, whole)
        dm = unbroadcast(dS, mask_t._data.shape) if need[3] else None
        return dq, dk, dv, dm

    return record(out, "ScaledDotProductAttentionBackward0", (query, key, value, mask_t), backward)


_SPLIT = 1 << 16  # attention weights from which the matrices are shared out between two threads


def _splits(shape: tuple, *arrays: np.ndarray) -> bool:
    """Whether attention over weights of ``shape`` may run in two halves of its first dimension:
    it is large, and query, key and value all have that dimension (nothing broadcast along it,
    whose gradient would sum over both halves)."""
    return len(shape) >= 3 and math.prod(shape) >= _SPLIT and \
        all(a.ndim == len(shape) and a.shape[0] == shape[0] for a in arrays)


def _halves(job: Any, n: int, whole: bool) -> tuple:
    """``job(lo, hi)`` (a tuple of arrays over the matrices lo..hi-1 of the first dimension)
    over all ``n``: in two halves on two threads unless ``whole``, the halves' results joined."""
    parts = _parallel.split(job, n) if not whole else [job(0, n)]
    if len(parts) == 1:
        return parts[0]
    return tuple(None if a is None else np.concatenate((a, b)) for a, b in zip(*parts))


def _cut(a: np.ndarray | None, lo: int, hi: int, whole: bool) -> np.ndarray | None:
    """Matrices lo..hi-1 of ``a`` along the first dimension (all of ``a`` if ``whole`` or
    broadcast along it)."""
    if whole or a is None or a.ndim < 3 or a.shape[0] == 1:
        return a
    return a[lo:hi]


def _attend(Q: np.ndarray, K: np.ndarray, V: np.ndarray, s: float, mask: np.ndarray | None,
            where: bool, keep: np.ndarray | None, whole: bool) -> tuple:
    """The forward pass, ``(out, P, Pd)``: the weights ``P = softmax(Q K^T s + mask)`` (a boolean
    ``mask`` keeps the positions where it is True), ``Pd`` the weights through the dropout mask
    ``keep`` (``P`` itself without), and ``out = Pd V``."""
    n = 1 if whole else Q.shape[0]

    def job(lo: int, hi: int) -> tuple:
        q, k, v, m, kp = (_cut(a, lo, hi, whole) for a in (Q, K, V, mask, keep))
        scores = np.matmul(q, np.swapaxes(k, -1, -2))
        scores *= s
        if where:
            scores = np.where(m, scores, -np.inf).astype(scores.dtype, copy=False)
        elif m is not None and np.broadcast_shapes(scores.shape, m.shape) == scores.shape:
            scores += m
        elif m is not None:
            scores = scores + m
        p = _softmax_last(scores)
        del scores
        pd = p if kp is None else p * kp
        return np.matmul(pd, v), p, (None if kp is None else pd)

    out, P, Pd = _halves(job, n, whole)
    return out, P, (P if Pd is None else Pd)


def _attend_backward(g: np.ndarray, Q: np.ndarray, K: np.ndarray, V: np.ndarray, P: np.ndarray,
                     Pd: np.ndarray, keep: np.ndarray | None, s: float, need: tuple, whole: bool) -> tuple:
    """The gradients ``(dq, dk, dv, dS)`` for the gradient ``g`` of the output (those ``need``
    asks for; ``dS``, of the scores, for a float mask's gradient)."""
    n = 1 if whole else Q.shape[0]

    def job(lo: int, hi: int) -> tuple:
        gg, q, k, v, p, pd, kp = (_cut(a, lo, hi, whole) for a in (g, Q, K, V, P, Pd, keep))
        dv = unbroadcast(np.matmul(np.swapaxes(pd, -1, -2), gg), v.shape) if need[2] else None
        dP = np.matmul(gg, np.swapaxes(v, -1, -2))
        if kp is not None:
            dP *= kp
        dS = dP  # P (dP - sum_j dP P), in place; the sums as row dot products (no array dP P)
        dS -= np.vecdot(dP, p)[..., None]
        dS *= p
        s_ = s
        if not need[3] and s != 1:  # the scale once on dS rather than on dQ and on dK
            dS *= s
            s_ = 1
        dq = unbroadcast(_scaled(np.matmul(dS, k), s_), q.shape) if need[0] else None
        dk = unbroadcast(_scaled(np.matmul(np.swapaxes(dS, -1, -2), q), s_), k.shape) if need[1] else None
        return dq, dk, dv, (dS if need[3] else None)

    return _halves(job, n, whole)


def _float_mask(mask: Tensor | None, dtype: Any, name: str) -> Tensor | None:
    """A boolean mask (True: masked out) as 0 / -inf; a float mask as it is."""
    if mask is None:
        return None
    m = mask._data
    if m.dtype == np.bool_:
        return _make(np.where(m, -np.inf, 0.0).astype(dtype))
    if m.dtype.kind not in "fV":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def _static(t: Tensor, which: str, N: int, H: int, hd: int) -> Tensor:
    """A given key or value, :math:`(N \\cdot heads, S, hd)`, as (N, heads, S, hd)."""
    if t.shape[0] != N * H:
        raise AssertionError(f"expecting static_{which}.size(0) of {N * H}, but got {t.shape[0]}")
    if t.shape[2] != hd:
        raise AssertionError(f"expecting static_{which}.size(2) of {hd}, but got {t.shape[2]}")
    return t.reshape(N, H, t.shape[1], hd)


def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int,
                                 num_heads: int, in_proj_weight: Tensor | None, in_proj_bias: Tensor | None,
                                 bias_k: Tensor | None, bias_v: Tensor | None, add_zero_attn: bool,
                                 dropout_p: float, out_proj_weight: Tensor, out_proj_bias: Tensor | None,
                                 training: bool = True, key_padding_mask: Tensor | None = None,
                                 need_weights: bool = True, attn_mask: Tensor | None = None,
                                 use_separate_proj_weight: bool = False, q_proj_weight: Tensor | None = None,
                                 k_proj_weight: Tensor | None = None, v_proj_weight: Tensor | None = None,
                                 static_k: Tensor | None = None, static_v: Tensor | None = None,
                                 average_attn_weights: bool = True, is_causal: bool = False) -> tuple:
    r"""Multi-head attention on sequence-first inputs: query :math:`(L, N, E)`, key and value
    :math:`(S, N, E_k)`, :math:`(S, N, E_v)`. Project, split into heads of size E / heads, attend
    in each head, join the heads, project. Masks: ``attn_mask`` :math:`(L, S)` or
    :math:`(N \cdot heads, L, S)`, ``key_padding_mask`` :math:`(N, S)`; boolean True means "do
    not attend". Returns the output :math:`(L, N, E)` and, with ``need_weights``, the attention
    weights :math:`(N, L, S)` averaged over the heads (or :math:`(N, heads, L, S)`)."""
    L, N, E = query.shape
    if E != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {E}")
    if not use_separate_proj_weight:
        q_proj_weight = None
    S = key.shape[0]
    H = num_heads
    hd = E // H
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    if q_proj_weight is None:
        if query is key and key is value:
            q, k, v = F.linear(query, in_proj_weight, in_proj_bias).chunk(3, -1)
        else:
            wq, wk, wv = in_proj_weight.chunk(3)
            bq, bk, bv = in_proj_bias.chunk(3) if in_proj_bias is not None else (None, None, None)
            q, k, v = F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)
    else:
        bq, bk, bv = in_proj_bias.chunk(3) if in_proj_bias is not None else (None, None, None)
        q, k, v = F.linear(query, q_proj_weight, bq), F.linear(key, k_proj_weight, bk), F.linear(value, v_proj_weight, bv)
    dtype = query._data.dtype
    mask = _float_mask(attn_mask, dtype, "attn_mask")
    if mask is not None:
        if mask.ndim == 2:
            if tuple(mask.shape) != (L, S):
                raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(mask.shape)}, but should be {(L, S)}.")
            mask = mask.reshape(1, 1, L, S)
        elif mask.ndim == 3:
            if tuple(mask.shape) != (N * H, L, S):
                raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(mask.shape)}, but should be "
                                   f"{(N * H, L, S)}.")
            mask = mask.reshape(N, H, L, S)
        else:
            raise RuntimeError(f"attn_mask's dimension {mask.ndim} is not supported")
    if bias_k is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = cat([k, bias_k.reshape(1, 1, E).expand(1, N, E)], 0)
        v = cat([v, bias_v.reshape(1, 1, E).expand(1, N, E)], 0)
        S += 1
        if mask is not None:
            mask = F.pad(mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = F.pad(key_padding_mask, (0, 1))
    # (L, N, E) -> (N, H, L, hd): one head per slice
    q = q.reshape(L, N, H, hd).permute(1, 2, 0, 3)
    k = k.reshape(k.shape[0], N, H, hd).permute(1, 2, 0, 3) if static_k is None else _static(static_k, "k", N, H, hd)
    v = v.reshape(v.shape[0], N, H, hd).permute(1, 2, 0, 3) if static_v is None else _static(static_v, "v", N, H, hd)
    if add_zero_attn:  # one more key and value, all zeros, that every query may attend to
        k = cat([k, k.new_zeros((N, H, 1, hd))], 2)
        v = cat([v, v.new_zeros((N, H, 1, hd))], 2)
        if mask is not None:
            mask = F.pad(mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = F.pad(key_padding_mask, (0, 1))
    S = k.shape[2]
    kpm = _float_mask(key_padding_mask, dtype, "key_padding_mask")
    if kpm is not None:
        if tuple(kpm.shape) != (N, S):
            raise AssertionError(f"expecting key_padding_mask shape of {(N, S)}, but got {tuple(kpm.shape)}")
        kpm = kpm.reshape(N, 1, 1, S)
        mask = kpm if mask is None else mask + kpm
    p = dropout_p if training else 0.0
    if need_weights:
        scores = (q * (1 / math.sqrt(hd))).matmul(k.transpose(-2, -1))
        if mask is not None:
            scores = scores + mask
        weights = F.softmax(scores, -1)
        if p > 0:
            weights = F.dropout(weights, p)
        out = weights.matmul(v)
    else:
        out = scaled_dot_product_attention(q, k, v, mask, p)
        weights = None
    out = out.permute(2, 0, 1, 3).reshape(L, N, E)
    out = F.linear(out, out_proj_weight, out_proj_bias)
    if weights is not None and average_attn_weights:
        weights = weights.mean(1)
    return out, weights


__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]
