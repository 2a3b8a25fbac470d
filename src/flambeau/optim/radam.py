r"""``RAdam``: Adam whose adaptive step is *rectified*, switched on only once the variance of
the running average of squared gradients is tractable (Liu et al., 2020): no warm-up needed.

For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t = 1, 2, \ldots`
(:math:`\gamma` the learning rate, :math:`\beta_1, \beta_2` the betas, :math:`\lambda` the weight
decay), with :math:`m_0 = v_0 = 0` and :math:`\rho_\infty = 2 / (1 - \beta_2) - 1`:

.. math::

    g_t &\leftarrow -g_t \quad \text{if maximize} \\
    \theta_{t-1} &\leftarrow \theta_{t-1}(1 - \gamma\lambda) \quad \text{(decoupled weight decay)} \\
    g_t &\leftarrow g_t + \lambda \theta_{t-1} \quad \text{(otherwise)} \\
    m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        \hat m_t = m_t / (1 - \beta_1^t) \\
    v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
    \rho_t &= \rho_\infty - 2 t \beta_2^t / (1 - \beta_2^t) \\
    \theta_t &\leftarrow \begin{cases}
        \theta_{t-1} - \gamma \, \hat m_t \, r_t \, \dfrac{\sqrt{1 - \beta_2^t}}{\sqrt{v_t} + \epsilon}
            & \rho_t > 5, \quad
            r_t = \sqrt{\dfrac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}{(\rho_\infty - 4)(\rho_\infty - 2)\rho_t}} \\
        \theta_{t-1} - \gamma \, \hat m_t & \text{otherwise (plain momentum SGD)}
    \end{cases}

State per parameter: ``step``, ``exp_avg`` and ``exp_avg_sq``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .adam import _check_adam_family, _moments
from .optimizer import Optimizer


class RAdam(Optimizer):
    """RAdam, as ``torch.optim.RAdam``.

    Args:
        params: the tensors to optimize, or parameter groups (dicts).
        lr: learning rate :math:`\\gamma`.
        betas: :math:`(\\beta_1, \\beta_2)`, decay rates of the two running averages.
        eps: :math:`\\epsilon`, added to the denominator.
        weight_decay: :math:`\\lambda` (an L2 penalty, or with ``decoupled_weight_decay`` a
            shrinking of the weights, as AdamW).
        decoupled_weight_decay: apply the weight decay as AdamW does.
        maximize: climb the objective instead of descending it.
        foreach, capturable, differentiable: accepted for compatibility.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_adam_family(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (see the module's docstring)."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, eps = group["lr"], group["eps"]
            beta1, beta2 = group["betas"]
            decoupled = group["decoupled_weight_decay"]
            rho_inf = 2 / (1 - beta2) - 1
            for p, theta, g in self._gradients(group, coupled_decay=not decoupled):
                step, m, v = _moments(self.state[p], theta, g, group, decoupled)
                correction2 = 1 - beta2**step
                m_hat = m / (1 - beta1**step)
                rho_t = rho_inf - 2 * step * beta2**step / correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    theta -= m_hat * lr * (correction2**0.5 / (np.sqrt(v) + eps)) * rect
                else:
                    theta -= m_hat * lr
        return loss
