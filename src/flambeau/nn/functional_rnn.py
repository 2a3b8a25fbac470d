r"""One layer of a recurrent network in one direction, as one graph node: the loop over time
in NumPy forward, and backpropagation through time (BPTT) in NumPy backward.

The cells, as in PyTorch (``gi = x W_ih^T + b_ih`` for all times in one product, ``gh = h W_hh^T
+ b_hh`` at each step):

- ``RNN_TANH`` / ``RNN_RELU``: :math:`h' = \tanh(gi + gh)` (or ReLU);
- ``LSTM``: gates :math:`i, f, g, o` = :math:`\sigma, \sigma, \tanh, \sigma` of ``gi + gh``,
  :math:`c' = f c + i g`, :math:`h' = o \tanh(c')`;
- ``GRU``: :math:`r, z = \sigma(gi_{r,z} + gh_{r,z})`, :math:`n = \tanh(gi_n + r\, gh_n)`,
  :math:`h' = (1 - z) n + z h`.

Backward walks the steps in reverse: at each step, the gradient of the gates (local gradient
times the gradient from above), then the gradient of the previous state ``dgh W_hh`` (plus
``z dh`` for the GRU, ``f dc`` for the LSTM's cell). The weight gradients are then two matrix
products over all steps at once.

Variable lengths (packed sequences): the batch is sorted by decreasing length and
``batch_sizes[t]`` rows are active at time ``t``; the other rows keep their state and output 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._runtime import one_blas_thread
from ..autograd.graph import SavedT
from ..ops._core import Tensor, record
from ..ops.reduce import column_sums
from ..ops.shape import _pieces

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _sigmoid_(a: np.ndarray) -> np.ndarray:
    """sigma(a) = 1 / (1 + e^-a), in place: NumPy's exp is twice as fast as its tanh. For a very
    negative, e^-a overflows to inf and sigma(a) = 0, as it should (run under
    ``np.errstate(over="ignore")``)."""
    np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1
    np.divide(1, a, out=a)
    return a


def rnn_layer(mode: str, x: Tensor, h0: Tensor | None, c0: Tensor | None, w_ih: Tensor,
              w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None, reverse: bool = False,
              batch_sizes: np.ndarray | None = None) -> tuple[Tensor, Tensor, Tensor | None]:
    """Run one layer over ``x`` of shape (T, B, I) from the state ``h0`` (and ``c0``), (B, H).
    Returns the outputs (T, B, H), the last state h_T (B, H) and, for the LSTM, c_T."""
    X = x._data
    Wi, Wh = w_ih._data, w_hh._data
    T, B, n_in = X.shape
    H = Wh.shape[1]
    G = Wh.shape[0]
    lstm, gru = mode == "LSTM", mode == "GRU"
    dtype = X.dtype
    # LSTM: every gate's pre-activation negated, the cell gate's doubled (exact scalings of the
    # weights and biases): at each step the four gates then take one sigmoid, 1 / (1 + e^a), and
    # tanh(x) = 2 sigma(2x) - 1
    scale = None
    if lstm:
        scale = np.full(G, -1, dtype)
        scale[2 * H:3 * H] = -2
    gi = (X.reshape(T * B, n_in) @ (Wi.T if scale is None else Wi.T * scale)).reshape(T, B, G)
    bh = None if b_hh is None else b_hh._data
    # b_hh joins b_ih (the GRU keeps it inside r (W_hn h + b_hn)): one pass over gi for both
    bias = [b._data for b in (b_ih,) if b is not None] + ([bh] if bh is not None and not gru else [])
    if bias:
        b = bias[0] + bias[1] if len(bias) == 2 else bias[0]
        gi += b if scale is None else b * scale
    WhT = Wh.T if scale is None else Wh.T * scale
    # every row of every step is written, except past a packed sequence's end (zeros there)
    alloc = np.empty if batch_sizes is None else np.zeros
    # out holds the outputs, then h_T, then c_T: one array, one node, three views
    out = alloc((T + 2 if lstm else T + 1, B, H), dtype)
    hprev = np.empty((T, B, H), dtype)  # the state before each time step
    h = np.zeros((B, H), dtype) if h0 is None else h0._data.astype(dtype, copy=True)
    if lstm:
        cprev = np.empty((T, B, H), dtype)
        tc = alloc((T, B, H), dtype)  # tanh(c') at each step
        c = np.zeros((B, H), dtype) if c0 is None else c0._data.astype(dtype, copy=True)
    acts = alloc((T, B, G), dtype)  # the activated gates at each step
    if gru:
        hn_all = np.zeros((T, B, H), dtype)  # W_hn h + b_hn
    times = range(T - 1, -1, -1) if reverse else range(T)
    # each step multiplies B rows only: too small to share out between BLAS threads
    with one_blas_thread(), np.errstate(over="ignore"):
        for t in times:
            n = B if batch_sizes is None else int(batch_sizes[t])
            hprev[t] = h
            hp = h[:n]
            a = acts[t, :n]
            if not gru:
                np.matmul(hp, WhT, out=a)
                a += gi[t, :n]
            if lstm:
                cprev[t] = c
                np.exp(a, out=a)
                a += 1
                np.divide(1, a, out=a)  # sigma of the four gates (of twice the cell gate's)
                gate = a[:, 2 * H:3 * H]
                gate *= 2
                gate -= 1  # tanh, a third of the time of NumPy's tanh on a quarter of the row
                cv = c[:n]
                cv *= a[:, H:2 * H]
                cv += a[:, :H] * a[:, 2 * H:3 * H]
                np.tanh(cv, out=tc[t, :n])
                hn = a[:, 3 * H:] * tc[t, :n]
            elif gru:
                gh = hp @ WhT
                if bh is not None:
                    gh += bh
                np.add(gi[t, :n, :2 * H], gh[:, :2 * H], out=a[:, :2 * H])
                _sigmoid_(a[:, :2 * H])
                hn_all[t, :n] = gh[:, 2 * H:]
                nn_ = a[:, 2 * H:]
                np.multiply(a[:, :H], gh[:, 2 * H:], out=nn_)
                nn_ += gi[t, :n, 2 * H:]
                np.tanh(nn_, out=nn_)
                z = a[:, H:2 * H]
                hn = nn_ + z * (hp - nn_)
            else:
                if mode == "RNN_TANH":
                    np.tanh(a, out=a)
                else:
                    np.maximum(a, 0, out=a)
                hn = a
            h[:n] = hn
            out[t, :n] = hn
    out[T] = h
    if lstm:
        out[T + 1] = c

    def backward(g: np.ndarray) -> tuple:
        gy = g[:T]
        dh = g[T].copy()
        if lstm:
            dc = g[T + 1].copy()
        dgi = alloc((T, B, G), dtype)
        dgh = alloc((T, B, G), dtype) if gru else dgi  # the same for LSTM and RNN
        if lstm:  # the local derivatives of every step at once; the loop chains them
            i, f, gg, o = (acts[..., k * H:(k + 1) * H] for k in range(4))
            local = np.empty_like(acts)  # d gates / d c' (i, f, g) and / d h' (o)
            np.multiply(gg, i * (1 - i), out=local[..., :H])
            np.multiply(cprev, f * (1 - f), out=local[..., H:2 * H])
            np.multiply(i, 1 - gg * gg, out=local[..., 2 * H:3 * H])
            np.multiply(tc, o * (1 - o), out=local[..., 3 * H:])
            dc_dh = o * (1 - tc * tc)  # d c' / d h' through h' = o tanh(c')
        with one_blas_thread():
            for t in reversed(times):
                n = B if batch_sizes is None else int(batch_sizes[t])
                dhv = dh[:n]
                dhv += gy[t, :n]
                a = acts[t, :n]
                d = dgi[t, :n]
                if lstm:
                    dcv = dc[:n]
                    dcv += dhv * dc_dh[t, :n]
                    d4, loc = d.reshape(n, 4, H), local[t, :n].reshape(n, 4, H)
                    np.multiply(loc[:, :3], dcv[:, None], out=d4[:, :3])
                    np.multiply(loc[:, 3], dhv, out=d4[:, 3])
                    dcv *= f[t, :n]
                    np.matmul(d, Wh, out=dhv)
                elif gru:
                    r, z, nn_ = a[:, :H], a[:, H:2 * H], a[:, 2 * H:]
                    dn = dhv * (1 - z) * (1 - nn_ * nn_)
                    d[:, 2 * H:] = dn
                    d[:, :H] = dn * hn_all[t, :n] * r * (1 - r)
                    d[:, H:2 * H] = dhv * (hprev[t, :n] - nn_) * z * (1 - z)
                    e = dgh[t, :n]
                    e[:, :2 * H] = d[:, :2 * H]
                    e[:, 2 * H:] = dn * r
                    dh[:n] = dhv * z + e @ Wh
                else:
                    if mode == "RNN_TANH":
                        np.multiply(dhv, 1 - a * a, out=d)
                    else:
                        np.multiply(dhv, a > 0, out=d)
                    dh[:n] = d @ Wh
        d2 = dgi.reshape(T * B, G)
        e2 = dgh.reshape(T * B, G)
        gb_ih = column_sums(d2) if b_ih is not None and b_ih._requires_grad else None
        gb_hh = None
        if b_hh is not None and b_hh._requires_grad:  # the same sums but for the GRU (a copy: two gradients)
            gb_hh = gb_ih.copy() if gb_ih is not None and not gru else column_sums(e2)
        return (
            (d2 @ Wi).reshape(T, B, n_in) if x._requires_grad else None,
            dh if h0 is not None and h0._requires_grad else None,
            (dc if c0 is not None and c0._requires_grad else None) if lstm else None,
            d2.T @ X.reshape(T * B, n_in) if w_ih._requires_grad else None,
            e2.T @ hprev.reshape(T * B, H) if w_hh._requires_grad else None,
            gb_ih,
            gb_hh,
        )

    node_name = {"LSTM": "MkldnnRnnLayerBackward0", "GRU": "GruLayerBackward0"}.get(mode, "RnnLayerBackward0")
    inputs = (x, h0, c0 if lstm else None, w_ih, w_hh, b_ih, b_hh)
    res = record(out, node_name, inputs, backward, None if lstm else _cell_saves(*inputs, T))
    where: list[Any] = [(slice(0, T),), (T,)] + ([(T + 1,)] if lstm else [])
    pieces = _pieces(res, where, "SplitBackward0")
    return pieces[0], pieces[1], (pieces[2] if lstm else None)


def _cell_saves(x: Tensor, h0: Tensor | None, c0: Any, w_ih: Tensor, w_hh: Tensor, b_ih: Any,
                b_hh: Any, steps: int) -> tuple:
    """What PyTorch's RNN and GRU cells save, step by step (``linear(x_t, w_ih, b_ih)`` and
    ``linear(h, w_hh, b_hh)``): ``x`` for the gradient of ``w_ih``, ``w_ih.t()`` for that of
    ``x``; ``h0`` for ``w_hh``'s, ``w_hh.t()`` once a state requires grad (from the second
    step, or ``h0``'s); never the biases. (The LSTM, PyTorch's oneDNN layer, saves all.)"""
    h0_grad = h0 is not None and h0._requires_grad
    return (x if w_ih._requires_grad else None, SavedT(w_ih) if x._requires_grad else None,
            h0 if w_hh._requires_grad else None, SavedT(w_hh) if steps > 1 or h0_grad else None)


__all__ = ["rnn_layer", "GATES"]
