r"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` (stacked, bidirectional, on padded or packed
sequences) and their one-step cells ``RNNCell``, ``LSTMCell``, ``GRUCell``.

Parameters carry PyTorch's names (``weight_ih_l0``, ``weight_hh_l0_reverse``, ``bias_ih_l1``...)
and shapes, gates stacked in PyTorch's order (LSTM: i, f, g, o; GRU: r, z, n), so a
``state_dict`` loads both ways. Every weight starts uniform in
:math:`[-1/\sqrt{H}, 1/\sqrt{H}]`, as in PyTorch. Each layer and direction is one graph node
(see ``nn/functional_rnn.py``).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ... import _dtype as dt
from ...ops.shape import cat, stack
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..functional_lstm_proj import lstm_proj_layer
from ..functional_rnn import GATES, rnn_layer
from ..module import Module
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, _packed_to_padded, _padded_to_packed


def _param(shape: tuple, dtype: Any) -> Parameter:
    d = dt.get_default_dtype() if dtype is None else dt.to_dtype(dtype)
    return Parameter(np.zeros(shape, d.np))


def _check_hidden(h: Tensor, expected: tuple, what: str = "hidden") -> None:
    if tuple(h.shape) != expected:
        raise RuntimeError(f"Expected {what} size {expected}, got {list(h.shape)}")


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: the parameters, the checks, the loop over
    layers and directions."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability "
                             "of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero "
                          f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=3)
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError("hidden_size must be an integer greater than zero" if isinstance(hidden_size, int)
                             else f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than or equal to 1")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        gates = GATES[mode] * hidden_size
        real_hidden = proj_size or hidden_size  # the size of h: the projection's, if any
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            for direction in range(2 if bidirectional else 1):
                n_in = input_size if layer == 0 else real_hidden * (2 if bidirectional else 1)
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (gates, n_in)), ("weight_hh", (gates, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(self, name + suffix, _param(shape, dtype))
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    @property
    def _flat_weights(self) -> list[Tensor]:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        k = (4 if self.bias else 2) + (1 if self.proj_size else 0)
        w = self._flat_weights
        return [w[i:i + k] for i in range(0, len(w), k)]

    def flatten_parameters(self) -> None:
        """Kept for PyTorch's code (cuDNN's contiguous weights): nothing to do here."""

    def _layer_weights(self, layer: int, direction: int) -> tuple:
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        if self.bias:
            return tuple(getattr(self, n + suffix) for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
        return getattr(self, "weight_ih" + suffix), getattr(self, "weight_hh" + suffix), None, None

    def _layer(self, inp: Tensor, h0: Any, c0: Any, layer: int, d: int, batch_sizes: Any) -> tuple:
        """One layer in one direction: outputs, last h, last c (None but for the LSTM)."""
        weights = self._layer_weights(layer, d)
        if self.proj_size:
            w_hr = getattr(self, f"weight_hr_l{layer}" + ("_reverse" if d else ""))
            return lstm_proj_layer(inp, h0, c0, *weights, w_hr, reverse=bool(d), batch_sizes=batch_sizes)
        return rnn_layer(self.mode, inp, h0, c0, *weights, reverse=bool(d), batch_sizes=batch_sizes)

    def forward(self, input: Any, hx: Any = None) -> tuple:  # noqa: A002
        lstm = self.mode == "LSTM"
        name = {"LSTM": "LSTM", "GRU": "GRU"}.get(self.mode, "RNN")
        packed = isinstance(input, PackedSequence)
        batch_sizes = None
        if packed:
            batch_sizes = input.batch_sizes._data
            x = _packed_to_padded(input.data, batch_sizes)
            batched = True
        else:
            if input.ndim not in (2, 3):
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D instead")
            batched = input.ndim == 3
            x = input if batched else input.unsqueeze(1)
            if batched and self.batch_first:
                x = x.transpose(0, 1)
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {x.shape[-1]}")
        w_dtype = self.weight_ih_l0.dtype
        if x.dtype != w_dtype:
            raise ValueError(f"RNN input dtype ({x.dtype}) does not match weight dtype ({w_dtype}). Convert "
                             f"input: input.to({w_dtype}), or convert model: model.to({x.dtype})")
        D = 2 if self.bidirectional else 1
        B = x.shape[1]
        expected = (self.num_layers * D, B, self.proj_size or self.hidden_size)
        h0 = c0 = None
        if hx is not None:
            hs = hx if lstm else (hx,)
            if lstm and not isinstance(hx, (tuple, list)):
                raise TypeError("LSTM expects hx to be a tuple (h_0, c_0)")
            if not batched:
                if any(h.ndim != 2 for h in hs):
                    dims = ", ".join(f"{h.ndim}-D" for h in hs)
                    raise RuntimeError(f"For unbatched 2-D input, hx and cx should also be 2-D but got ({dims}) tensors"
                                       if lstm else f"For unbatched 2-D input, hx should also be 2-D but got {dims} tensor")
                hs = tuple(h.unsqueeze(1) for h in hs)
            elif any(h.ndim != 3 for h in hs):
                dims = ", ".join(f"{h.ndim}-D" for h in hs)
                raise RuntimeError(f"For batched 3-D input, hx and cx should also be 3-D but got ({dims}) tensors"
                                   if lstm else f"For batched 3-D input, hx should also be 3-D but got {dims} tensor")
            if packed and input.sorted_indices is not None:
                hs = tuple(h.index_select(1, input.sorted_indices) for h in hs)
            for k, h in enumerate(hs):
                _check_hidden(h, expected if k == 0 else expected[:2] + (self.hidden_size,),
                              f"hidden[{k}]" if lstm else "hidden")
            h0 = hs[0]
            c0 = hs[1] if lstm else None
        h_out, c_out = [], []
        inp = x
        for layer in range(self.num_layers):
            outs = []
            for d in range(D):
                k = layer * D + d
                y, h, c = self._layer(inp, None if h0 is None else h0[k], None if c0 is None else c0[k],
                                      layer, d, batch_sizes)
                outs.append(y)
                h_out.append(h)
                c_out.append(c)
            inp = outs[0] if D == 1 else cat(outs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                inp = F.dropout(inp, self.dropout, True)
        h_n = stack(h_out, 0)
        c_n = stack(c_out, 0) if lstm else None
        if packed:
            if input.unsorted_indices is not None:
                h_n = h_n.index_select(1, input.unsorted_indices)
                c_n = c_n.index_select(1, input.unsorted_indices) if lstm else None
            out: Any = PackedSequence(_padded_to_packed(inp, batch_sizes), input.batch_sizes,
                                      input.sorted_indices, input.unsorted_indices)
        else:
            out = inp
            if not batched:
                out = out.squeeze(1)
                h_n = h_n.squeeze(1)
                c_n = c_n.squeeze(1) if lstm else None
            elif self.batch_first:
                out = out.transpose(0, 1)
        return (out, (h_n, c_n)) if lstm else (out, h_n)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    r"""An Elman recurrent network: :math:`h_t = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T
    + b_{hh})` (or ReLU with ``nonlinearity='relu'``), layer after layer.

    Shape:
        - Input: :math:`(L, N, H_{in})`, :math:`(N, L, H_{in})` with ``batch_first=True``,
          :math:`(L, H_{in})` unbatched, or a ``PackedSequence``.
        - h_0: :math:`(D \cdot \text{num\_layers}, N, H)`, zeros if not given.
        - Output: :math:`(L, N, D \cdot H)` and :math:`h_n` shaped as h_0.

    Example::

        >>> rnn = nn.RNN(10, 20, 2)
        >>> out, h_n = rnn(torch.randn(5, 3, 10))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if len(args) > 3:  # RNN(input_size, hidden_size, num_layers, nonlinearity, bias, ...)
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)
        self.nonlinearity = nonlinearity

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + (", nonlinearity='relu'" if self.nonlinearity == "relu" else "")


class LSTM(RNNBase):
    r"""Long short-term memory: gates :math:`i, f, o = \sigma(\cdot)`, :math:`g = \tanh(\cdot)` of
    :math:`x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh}`; :math:`c_t = f c_{t-1} + i g`,
    :math:`h_t = o \tanh(c_t)`.

    With ``proj_size=P`` (:math:`0 < P < H`), :math:`h_t = (o \tanh(c_t)) W_{hr}^T` has
    :math:`P` values (parameters ``weight_hr_l{k}``, shape :math:`(P, H)`): h_0, h_n and the
    output have :math:`P` where they had :math:`H`; c keeps :math:`H`.

    Shape:
        - Input: as ``RNN``; ``(h_0, c_0)`` both :math:`(D \cdot \text{num\_layers}, N, H)`.
        - Output: :math:`(L, N, D \cdot H)`, and ``(h_n, c_n)``.

    Example::

        >>> lstm = nn.LSTM(10, 20, num_layers=2, batch_first=True)
        >>> out, (h_n, c_n) = lstm(torch.randn(3, 5, 10))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    r"""Gated recurrent unit: :math:`r, z = \sigma(\cdot)`,
    :math:`n = \tanh(x W_{in}^T + b_{in} + r (h W_{hn}^T + b_{hn}))`, :math:`h' = (1 - z) n + z h`.

    Shape: as ``RNN``.

    Example::

        >>> gru = nn.GRU(10, 20, bidirectional=True)
        >>> out, h_n = gru(torch.randn(5, 3, 10))      # out: (5, 3, 40), h_n: (2, 3, 20)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    """One time step: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.mode, self.input_size, self.hidden_size, self.bias = mode, input_size, hidden_size, bias
        gates = GATES[mode] * hidden_size
        self.weight_ih = _param((gates, input_size), dtype)
        self.weight_hh = _param((gates, hidden_size), dtype)
        if bias:
            self.bias_ih = _param((gates,), dtype)
            self.bias_hh = _param((gates,), dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def _step(self, input: Tensor, hx: Any) -> tuple:  # noqa: A002
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size}")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        states = () if hx is None else (hx if self.mode == "LSTM" else (hx,))
        if not batched:
            states = tuple(h.unsqueeze(0) for h in states)
        for k, h in enumerate(states):
            if h.shape[0] != x.shape[0]:
                raise RuntimeError(f"Input batch size {x.shape[0]} doesn't match hidden{k} batch size {h.shape[0]}")
            if h.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {h.shape[1]}, expected "
                                   f"{self.hidden_size}")
        h0 = states[0] if states else None
        c0 = states[1] if len(states) > 1 else None
        _, h, c = rnn_layer(self.mode, x.unsqueeze(0), h0, c0, self.weight_ih, self.weight_hh,
                            self.bias_ih, self.bias_hh)
        if not batched:
            h = h.squeeze(0)
            c = c.squeeze(0) if c is not None else None
        return h, c

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(RNNCellBase):
    r""":math:`h' = \tanh(x W_{ih}^T + b_{ih} + h W_{hh}^T + b_{hh})` (or ReLU).

    Shape: input :math:`(N, H_{in})` or :math:`(H_{in})`; hidden and output :math:`(N, H)`."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        return self._step(input, hx)[0]


class LSTMCell(RNNCellBase):
    """One LSTM step: returns ``(h', c')``.

    Example::

        >>> cell = nn.LSTMCell(10, 20)
        >>> h, c = cell(torch.randn(3, 10))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:  # noqa: A002
        return self._step(input, hx)


class GRUCell(RNNCellBase):
    """One GRU step: returns h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        return self._step(input, hx)[0]


__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]
