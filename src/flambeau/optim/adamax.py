r"""``Adamax``: Adam with the infinity norm, a running *maximum* of the gradient's size in
place of the root of its squares (Kingma & Ba, 2015, section 7).

For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t = 1, 2, \ldots`
(:math:`\gamma` the learning rate, :math:`\beta_1, \beta_2` the betas, :math:`\lambda` the weight
decay), with :math:`m_0 = u_0 = 0`:

.. math::

    g_t &\leftarrow -g_t \quad \text{if maximize} \\
    g_t &\leftarrow g_t + \lambda \theta_{t-1} \quad \text{if } \lambda \neq 0 \\
    m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
    u_t &\leftarrow \max(\beta_2 u_{t-1}, |g_t| + \epsilon) \\
    \theta_t &\leftarrow \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t} \frac{m_t}{u_t}

No correction of :math:`u` is needed: a maximum is not pulled towards its zero start. State per
parameter: ``step``, ``exp_avg`` (:math:`m`) and ``exp_inf`` (:math:`u`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..tensor import _make
from .adam import _check_adam_family
from .optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax, as ``torch.optim.Adamax``.

    Args:
        params: the tensors to optimize, or parameter groups (dicts).
        lr: learning rate :math:`\\gamma`.
        betas: :math:`(\\beta_1, \\beta_2)`, decays of the running average and of the maximum.
        eps: :math:`\\epsilon`, added to :math:`|g_t|` (keeps :math:`u_t > 0`).
        weight_decay: :math:`\\lambda`, an L2 penalty added to the gradient.
        maximize: climb the objective instead of descending it.
        foreach, capturable, differentiable: accepted for compatibility.
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        _check_adam_family(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (see the module's docstring)."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, eps = group["lr"], group["eps"]
            beta1, beta2 = group["betas"]
            for p, theta, g in self._gradients(group):
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = _make(np.zeros_like(theta))
                    state["exp_inf"] = _make(np.zeros_like(theta))
                step = state["step"] = state["step"] + 1
                m = state["exp_avg"]._data
                u = state["exp_inf"]._data
                m += (1 - beta1) * (g - m)
                u *= beta2
                np.maximum(u, np.abs(g) + eps, out=u)
                theta -= lr / (1 - beta1**step) * m / u
        return loss

