r"""``Adagrad``: per-coordinate learning rates that shrink with the sum of squared gradients.

For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t = 1, 2, \ldots`
(:math:`\gamma` the learning rate, :math:`\eta` the learning-rate decay, :math:`\lambda` the weight
decay), with :math:`s_0` = ``initial_accumulator_value`` everywhere:

.. math::

    g_t &\leftarrow -g_t \quad \text{if maximize} \\
    g_t &\leftarrow g_t + \lambda \theta_{t-1} \quad \text{if } \lambda \neq 0 \\
    \tilde\gamma_t &\leftarrow \gamma / (1 + (t - 1) \eta) \\
    s_t &\leftarrow s_{t-1} + g_t^2 \\
    \theta_t &\leftarrow \theta_{t-1} - \tilde\gamma_t \, g_t / (\sqrt{s_t} + \epsilon)

State per parameter, created with the optimizer (as PyTorch does): ``step`` and ``sum``
(:math:`s`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..tensor import _make
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), as ``torch.optim.Adagrad``.

    Args:
        params: the tensors to optimize, or parameter groups (dicts).
        lr: learning rate :math:`\\gamma`.
        lr_decay: learning-rate decay :math:`\\eta`.
        weight_decay: L2 penalty :math:`\\lambda`, added to the gradient.
        initial_accumulator_value: the starting value :math:`s_0` of the sums of squares (a group
            may set its own; PyTorch uses the constructor's value for every group).
        eps: :math:`\\epsilon`, added to the root of the sum for numerical stability.
        maximize: climb the objective instead of descending it.
        foreach, fused: accepted for compatibility; flambeau has a single NumPy implementation.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, fused: bool | None = None) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        super().__init__(params, defaults)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group, and start its parameters' sums at the group's
        ``initial_accumulator_value``."""
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self._init_state(p, group)

    def _init_state(self, p: Any, group: dict[str, Any]) -> dict[str, Any]:
        state = self.state[p]
        state["step"] = 0
        state["sum"] = _make(np.full_like(p._data, group["initial_accumulator_value"]))
        return state

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient (see the module's docstring)."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr = group["lr"]
            lr_decay = group["lr_decay"]
            eps = group["eps"]
            for p, theta, g in self._gradients(group):
                state = self.state[p] or self._init_state(p, group)
                step = state["step"] = state["step"] + 1
                clr = lr / (1 + (step - 1) * lr_decay)
                s = state["sum"]._data
                s += g * g
                std = np.sqrt(s)
                std += eps
                theta -= clr * (g / std)
        return loss
