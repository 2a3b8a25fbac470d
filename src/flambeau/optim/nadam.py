r"""``NAdam``: Adam with Nesterov momentum, the gradient step taken with the momentum of the
*next* step (Dozat, 2016), and a momentum that warms up.

For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t = 1, 2, \ldots`
(:math:`\gamma` the learning rate, :math:`\beta_1, \beta_2` the betas, :math:`\psi` the momentum
decay, :math:`\lambda` the weight decay), with :math:`m_0 = v_0 = 0`:

.. math::

    g_t &\leftarrow -g_t \quad \text{if maximize} \\
    \theta_{t-1} &\leftarrow \theta_{t-1}(1 - \gamma\lambda) \quad \text{(decoupled weight decay)} \\
    g_t &\leftarrow g_t + \lambda \theta_{t-1} \quad \text{(otherwise)} \\
    \mu_t &= \beta_1 \left(1 - \tfrac12 \, 0.96^{t \psi}\right), \qquad
        \Pi_t = \prod_{i \le t} \mu_i \\
    m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
    v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
    \theta_t &\leftarrow \theta_{t-1}
        - \gamma \frac{1 - \mu_t}{1 - \Pi_t} \frac{g_t}{\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}
        - \gamma \frac{\mu_{t+1}}{1 - \Pi_t \mu_{t+1}} \frac{m_t}{\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}

State per parameter: ``step``, ``mu_product`` (:math:`\Pi_t`, kept in single precision unless
the default dtype is float64, as PyTorch keeps it), ``exp_avg`` and ``exp_avg_sq``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .. import _dtype as dt
from ..tensor import _make
from .adam import _check_adam_family, _moments
from .optimizer import Optimizer


class NAdam(Optimizer):
    """NAdam, as ``torch.optim.NAdam``.

    Args:
        params: the tensors to optimize, or parameter groups (dicts).
        lr: learning rate :math:`\\gamma`.
        betas: :math:`(\\beta_1, \\beta_2)`, decay rates of the two running averages.
        eps: :math:`\\epsilon`, added to the denominator.
        weight_decay: :math:`\\lambda` (an L2 penalty, or with ``decoupled_weight_decay`` a
            shrinking of the weights, as AdamW: NAdamW).
        momentum_decay: :math:`\\psi`, how fast the momentum :math:`\\mu_t` warms up to
            :math:`\\beta_1`.
        decoupled_weight_decay: apply the weight decay as AdamW does.
        maximize: climb the objective instead of descending it.
        foreach, capturable, differentiable: accepted for compatibility.
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        _check_adam_family(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (see the module's docstring)."""
        loss = self._evaluate(closure)
        scalar = np.float64 if dt.get_default_dtype().np == np.float64 else np.float32
        for group in self.param_groups:
            lr, eps, psi = group["lr"], group["eps"], group["momentum_decay"]
            beta1, beta2 = group["betas"]
            decoupled = group["decoupled_weight_decay"]
            for p, theta, g in self._gradients(group, coupled_decay=not decoupled):
                state = self.state[p]
                if not state:
                    state["mu_product"] = _make(np.ones((), dtype=scalar))
                step, m, v = _moments(state, theta, g, group, decoupled)
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
                product = state["mu_product"]._data  # a 0-dimensional array, in PyTorch's dtype
                product *= product.dtype.type(mu)
                mu_product = float(product)
                denom = np.sqrt(v / (1 - beta2**step))
                denom += eps
                theta += (-lr * (1.0 - mu) / (1.0 - mu_product)) * g / denom
                theta += (-lr * mu_next / (1.0 - mu_product * mu_next)) * m / denom
        return loss
