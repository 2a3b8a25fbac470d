r"""``SGD``: stochastic gradient descent, with momentum, Nesterov momentum and weight decay.

For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t`
(:math:`\gamma` the learning rate, :math:`\lambda` the weight decay, :math:`\mu` the momentum,
:math:`\tau` the dampening):

.. math::

    g_t &\leftarrow -g_t \quad \text{if maximize} \\
    g_t &\leftarrow g_t + \lambda \theta_{t-1} \quad \text{if } \lambda \neq 0 \\
    b_t &\leftarrow \begin{cases} g_t & t = 1 \\ \mu b_{t-1} + (1 - \tau) g_t & t > 1 \end{cases}
        \quad \text{if } \mu \neq 0 \\
    g_t &\leftarrow \begin{cases} g_t + \mu b_t & \text{nesterov} \\ b_t & \text{otherwise}
        \end{cases} \quad \text{if } \mu \neq 0 \\
    \theta_t &\leftarrow \theta_{t-1} - \gamma g_t

The momentum buffer :math:`b` (``state[p]["momentum_buffer"]``) starts as the first gradient
itself, not as zero: this is PyTorch's rule, which differs from Sutskever et al.'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..ops import _parallel
from ..ops._core import number_operand
from ..tensor import _make
from .optimizer import Optimizer


_SPLIT = 1 << 19  # parameters from which the update runs in two halves, on two threads
_BLOCK = 1 << 17  # values per block: the block's ``rate * g`` stays in the cache (512 KiB), and each
# NumPy call is long enough (100 µs) for two threads not to wait on each other for the GIL


def _descend(theta: np.ndarray, g: np.ndarray, rate: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = theta - rate g`` for contiguous arrays of one shape, a block at a time (no array
    ``rate g`` the parameter's size), in two halves on two threads (``_parallel.split``)."""
    t, d, o = theta.reshape(-1), g.reshape(-1), out.reshape(-1)

    def job(lo: int, hi: int) -> None:
        for i in range(lo, hi, _BLOCK):
            j = min(i + _BLOCK, hi)
            np.subtract(t[i:j], rate * d[i:j], out=o[i:j])

    _parallel.split(job, t.size)
    return out


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    Args:
        params: the tensors to optimize, or parameter groups (dicts).
        lr: learning rate :math:`\\gamma`.
        momentum: momentum factor :math:`\\mu` (0: plain gradient descent).
        dampening: dampening :math:`\\tau` of the momentum.
        weight_decay: L2 penalty :math:`\\lambda`, added to the gradient.
        nesterov: use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        maximize: climb the objective instead of descending it.
        foreach, fused: accepted for compatibility; flambeau has a single NumPy implementation.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, fused: bool | None = None) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (see the module's docstring)."""
        loss = None if closure is None else self._evaluate(closure)
        for group in self.param_groups:
            lr = group["lr"]
            momentum = group["momentum"]
            if momentum == 0 and group.get("weight_decay", 0) == 0 and not group.get("maximize", False):
                rate, rate_dtype = lr, None  # lr as a 0-d array of the gradients' dtype (faster)
                for p in group["params"]:  # plain gradient descent: theta <- theta - lr g
                    grad = p._grad
                    if grad is not None:
                        vc = p._vc  # bump(p), inline: nodes that saved p will refuse its new value
                        if vc is None:
                            p._vc = [1]
                        else:
                            vc[0] += 1
                        g = grad._data
                        if g.dtype is not rate_dtype:
                            rate_dtype = g.dtype
                            rate = number_operand(lr, rate_dtype)
                        theta = p._data
                        if theta.size >= _SPLIT and theta.flags.c_contiguous and g.flags.c_contiguous \
                                and g.shape == theta.shape:
                            _parallel.one_call(_descend, theta, g, rate, out=theta)
                        else:
                            theta -= rate * g
                continue
            dampening = group["dampening"]
            nesterov = group["nesterov"]
            for p, theta, g in self._gradients(group):
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        b = np.array(g)  # a copy, and an array even for a 0-d parameter
                        state["momentum_buffer"] = _make(b)
                    else:
                        b = buf._data
                        b *= momentum
                        b += (1 - dampening) * g
                    g = g + momentum * b if nesterov else b
                theta -= lr * g
        return loss
