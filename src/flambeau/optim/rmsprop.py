r"""``RMSprop``: divide the gradient by a running root mean square of its recent values.

For each parameter :math:`\theta` with gradient :math:`g_t` (:math:`\gamma` the learning rate,
:math:`\alpha` the smoothing constant, :math:`\lambda` the weight decay, :math:`\mu` the momentum),
with :math:`v_0 = \bar g_0 = b_0 = 0`:

.. math::

    g_t &\leftarrow -g_t \quad \text{if maximize} \\
    g_t &\leftarrow g_t + \lambda \theta_{t-1} \quad \text{if } \lambda \neq 0 \\
    v_t &\leftarrow \alpha v_{t-1} + (1 - \alpha) g_t^2 \\
    \tilde v_t &\leftarrow \begin{cases} v_t - \bar g_t^2, \;
        \bar g_t \leftarrow \alpha \bar g_{t-1} + (1 - \alpha) g_t & \text{centered} \\
        v_t & \text{otherwise} \end{cases} \\
    b_t &\leftarrow \mu b_{t-1} + g_t / (\sqrt{\tilde v_t} + \epsilon) \quad \text{if } \mu > 0 \\
    \theta_t &\leftarrow \begin{cases} \theta_{t-1} - \gamma b_t & \mu > 0 \\
        \theta_{t-1} - \gamma g_t / (\sqrt{\tilde v_t} + \epsilon) & \text{otherwise} \end{cases}

There is no bias correction: :math:`v_0 = 0` makes the first steps large. State per parameter:
``step``, ``square_avg`` (:math:`v`), ``momentum_buffer`` (:math:`b`, when
:math:`\mu > 0`) and ``grad_avg`` (:math:`\bar g`, when centered).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..tensor import _make
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e), as ``torch.optim.RMSprop``.

    Args:
        params: the tensors to optimize, or parameter groups (dicts).
        lr: learning rate :math:`\\gamma`.
        alpha: smoothing constant :math:`\\alpha` of the running mean of squared gradients.
        eps: :math:`\\epsilon`, added to the root mean square for numerical stability.
        weight_decay: L2 penalty :math:`\\lambda`, added to the gradient.
        momentum: momentum factor :math:`\\mu`.
        centered: normalize by an estimate of the gradient's variance (the mean square minus
            the squared mean) instead of its mean square.
        maximize: climb the objective instead of descending it.
        foreach: accepted for compatibility; flambeau has a single NumPy implementation.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (see the module's docstring)."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr = group["lr"]
            alpha = group["alpha"]
            eps = group["eps"]
            momentum = group["momentum"]
            centered = group["centered"]
            for p, theta, g in self._gradients(group):
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = _make(np.zeros_like(theta))
                    if momentum > 0:
                        state["momentum_buffer"] = _make(np.zeros_like(theta))
                    if centered:
                        state["grad_avg"] = _make(np.zeros_like(theta))
                state["step"] += 1
                v = state["square_avg"]._data
                v *= alpha
                v += (1 - alpha) * (g * g)
                if centered:
                    g_avg = state["grad_avg"]._data
                    g_avg += (1 - alpha) * (g - g_avg)
                    avg = np.sqrt(v - g_avg * g_avg)
                else:
                    avg = np.sqrt(v)
                avg += eps
                if momentum > 0:
                    b = state["momentum_buffer"]._data
                    b *= momentum
                    b += g / avg
                    theta -= lr * b
                else:
                    theta -= lr * (g / avg)
        return loss
