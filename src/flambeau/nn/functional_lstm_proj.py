r"""One layer of an LSTM with projections (``nn.LSTM(..., proj_size=P)``), in one direction.

The cell is the LSTM's, then the new state is projected to :math:`P < H` values:

.. math::
    i, f, g, o = \sigma, \sigma, \tanh, \sigma\,(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh}),
    \quad c_t = f c_{t-1} + i g, \quad h_t = (o \tanh(c_t)) W_{hr}^T

so :math:`h` (the output and the recurrent input) has :math:`P` values and :math:`c` keeps
:math:`H`. Written with differentiable ops, one time step after the other: autograd gives the
gradients (local gradient times the gradient from above, step by step back in time).

Variable lengths (packed sequences): ``batch_sizes[t]`` rows are active at time ``t`` (the batch
sorted by decreasing length); the other rows keep their state and output 0, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from ..ops._core import Tensor
from ..ops.shape import cat, stack


def lstm_proj_layer(x: Tensor, h0: Tensor | None, c0: Tensor | None, w_ih: Tensor, w_hh: Tensor,
                    b_ih: Tensor | None, b_hh: Tensor | None, w_hr: Tensor, reverse: bool = False,
                    batch_sizes: np.ndarray | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """Run one layer over ``x`` (T, B, I) from ``h0`` (B, P) and ``c0`` (B, H). Returns the
    outputs (T, B, P), the last ``h`` (B, P) and the last ``c`` (B, H)."""
    T, B, _ = x.shape
    P, H = w_hr.shape
    h = x.new_zeros((B, P)) if h0 is None else h0
    c = x.new_zeros((B, H)) if c0 is None else c0
    gi = x.matmul(w_ih.t())
    if b_ih is not None:
        gi = gi + b_ih
    outs: list[Tensor | None] = [None] * T
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        n = B if batch_sizes is None else int(batch_sizes[t])
        hp, cp = (h, c) if n == B else (h[:n], c[:n])
        gates = gi[t, :n] + hp.matmul(w_hh.t())
        if b_hh is not None:
            gates = gates + b_hh
        i, f, g, o = gates.chunk(4, 1)
        cn = f.sigmoid() * cp + i.sigmoid() * g.tanh()
        hn = (o.sigmoid() * cn.tanh()).matmul(w_hr.t())
        if n == B:
            h, c, outs[t] = hn, cn, hn
        else:
            h, c = cat([hn, h[n:]], 0), cat([cn, c[n:]], 0)
            outs[t] = cat([hn, hn.new_zeros((B - n, P))], 0)
    return stack(outs, 0), h, c


__all__ = ["lstm_proj_layer"]
