r"""``Adadelta``: step sizes from the ratio of two running averages, with no learning rate to
tune (Zeiler, 2012; the ``lr`` only scales the result).

For each parameter :math:`\theta` with gradient :math:`g_t` (:math:`\rho` the decay,
:math:`\gamma` the learning rate, :math:`\lambda` the weight decay), with
:math:`v_0 = u_0 = 0`:

.. math::

    g_t &\leftarrow -g_t \quad \text{if maximize} \\
    g_t &\leftarrow g_t + \lambda \theta_{t-1} \quad \text{if } \lambda \neq 0 \\
    v_t &\leftarrow \rho v_{t-1} + (1 - \rho) g_t^2 \\
    \Delta x_t &\leftarrow \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}} \, g_t \\
    u_t &\leftarrow \rho u_{t-1} + (1 - \rho) \Delta x_t^2 \\
    \theta_t &\leftarrow \theta_{t-1} - \gamma \Delta x_t

The update has the units of :math:`\theta` (the root of past squared *updates* over the root of
past squared gradients). State per parameter: ``step``, ``square_avg`` (:math:`v`) and
``acc_delta`` (:math:`u`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..tensor import _make
from .optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta, as ``torch.optim.Adadelta``.

    Args:
        params: the tensors to optimize, or parameter groups (dicts).
        lr: :math:`\\gamma`, a factor applied to the update (1.0: Zeiler's algorithm).
        rho: :math:`\\rho`, the decay of the two running averages.
        eps: :math:`\\epsilon`, added inside both square roots.
        weight_decay: :math:`\\lambda`, an L2 penalty added to the gradient.
        maximize: climb the objective instead of descending it.
        foreach, capturable, differentiable: accepted for compatibility.

    Example::

        >>> opt = optim.Adadelta(model.parameters())
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (see the module's docstring)."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            for p, theta, g in self._gradients(group):
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = _make(np.zeros_like(theta))
                    state["acc_delta"] = _make(np.zeros_like(theta))
                state["step"] += 1
                v = state["square_avg"]._data
                u = state["acc_delta"]._data
                v *= rho
                v += (1 - rho) * (g * g)
                delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
                u *= rho
                u += (1 - rho) * (delta * delta)
                theta -= lr * delta
        return loss
